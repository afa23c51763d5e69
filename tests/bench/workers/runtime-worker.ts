// AgentOps' worker runtime with an instant processor: everything a real worker
// does around a job (data check, cancel watch, time limit, logs) except the
// work itself. Workers never talk to Slack: the controller's job-thread feed
// and delivery service tell the thread, off the worker's path.
import { createLogger, loadConfig } from '@agentops/core';
import { exitOnSignals, startWorkerRuntime } from '@agentops/worker-kit';
import { reportCompletions } from './completion.js';

const config = loadConfig(process.env);
const logger = createLogger({ name: 'bench-worker', level: config.logLevel, format: 'json', secrets: config.secrets });
const handle = await startWorkerRuntime({
  name: 'bench-worker',
  queue: 'local',
  config,
  logger,
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? '1'),
  processor: async () => ({ text: 'done' }),
});
reportCompletions(handle.worker);
exitOnSignals(() => handle.close(2_000), logger);
