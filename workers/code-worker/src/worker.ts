// Entry point of the code worker process: only wiring.
import { runWorkerProcess } from '@agentops/worker-kit';
import { createCodeProcessor } from './processor.js';

await runWorkerProcess({ name: 'code-worker', queue: 'code', createProcessor: createCodeProcessor });
