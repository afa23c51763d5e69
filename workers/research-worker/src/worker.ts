// Entry point of the research worker process: only wiring. Claude processes
// left by a previous worker that was killed are ended before new jobs are claimed.
import { reapOrphansAtStart, runWorkerProcess } from '@agentops/shared';
import { createResearchProcessor } from './processor.js';

await runWorkerProcess({
  name: 'research-worker',
  queue: 'research',
  createProcessor: async (config, logger) => {
    const processor = createResearchProcessor(config, logger);
    await reapOrphansAtStart(logger, '[research-worker]');
    return processor;
  },
});
