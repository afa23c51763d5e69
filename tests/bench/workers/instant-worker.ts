// A worker process for a queue (BENCH_QUEUE, default code) started the way
// every AgentOps worker starts (runWorkerProcess: config, logger, runtime,
// signals; no Slack: the controller tells each job's thread), with an instant
// processor: the benchmark measures what AgentOps costs around a job, not
// Claude Code's run time.
import { isQueueName } from '@agentops/core';
import { runWorkerProcess } from '@agentops/worker-kit';

const queue = process.env.BENCH_QUEUE ?? 'code';
if (!isQueueName(queue)) throw new Error(`instant-worker: BENCH_QUEUE must be code, local or research, not ${queue}`);
await runWorkerProcess({
  name: `${queue}-worker`,
  queue,
  createProcessor:
    () =>
    async ({ data }) => ({ text: `Done: ${data.text.slice(0, 200)}` }),
});
