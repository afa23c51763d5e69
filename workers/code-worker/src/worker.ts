// Entry point of the code worker process: only wiring. Claude processes left by
// a previous worker that was killed are ended before new jobs are claimed.
import { reapOrphansAtStart, runWorkerProcess } from '@agentops/shared';
import { createCodeProcessor } from './processor.js';

await runWorkerProcess({
  name: 'code-worker',
  queue: 'code',
  createProcessor: async (config, logger) => {
    const processor = createCodeProcessor(config, logger);
    await reapOrphansAtStart(logger, '[code-worker]');
    return processor;
  },
});
