// AgentOps' worker runtime with an instant processor: everything a real worker
// does around a job (data check, outbox and delivered keys, cancel watch, time
// limit, logs, Slack thread replies) except the work itself. BENCH_REPORTER=none
// leaves the Slack reporter out, to tell Slack's share of the cost from Redis's.
import { createLogger, loadConfig } from '@agentops/core';
import { createSlackReporter, exitOnSignals, startWorkerRuntime } from '@agentops/worker-kit';
import { reportCompletions } from './completion.js';

const config = loadConfig(process.env);
const logger = createLogger({ name: 'bench-worker', level: config.logLevel, format: 'json', secrets: config.secrets });
const withSlack = process.env.BENCH_REPORTER !== 'none';
if (withSlack && !config.slack)
  throw new Error('runtime-worker: Slack settings are missing (set BENCH_REPORTER=none to run without)');
const reporter =
  withSlack && config.slack
    ? createSlackReporter({
        token: config.slack.botToken,
        apiUrl: config.slackApiUrl,
        logger,
        workerName: 'bench-worker',
      })
    : undefined;
const handle = await startWorkerRuntime({
  name: 'bench-worker',
  queue: 'local',
  config,
  logger,
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? '1'),
  processor: async () => ({ text: 'done' }),
  ...(reporter ? { reporter } : {}),
});
reportCompletions(handle.worker);
exitOnSignals(() => handle.close(2_000), logger);
