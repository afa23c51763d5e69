// Entry point of the research worker process: only wiring.
import { runWorkerProcess } from '@agentops/worker-kit';
import { createResearchProcessor } from './processor.js';

await runWorkerProcess({ name: 'research-worker', queue: 'research', createProcessor: createResearchProcessor });
