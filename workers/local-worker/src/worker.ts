// Entry point of the local worker process: only wiring.
import { runWorkerProcess } from '@agentops/worker-kit';
import { createLocalProcessor } from './processor.js';

await runWorkerProcess({
  name: 'local-worker',
  queue: 'local',
  createProcessor: (config) => createLocalProcessor(config),
});
