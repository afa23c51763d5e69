// Bare BullMQ: a Worker with a no-op processor and BullMQ's default settings,
// the baseline AgentOps is compared with (throughput, Redis commands, idle cost).
import { Worker } from 'bullmq';
import { reportCompletions } from './completion.js';

const queue = process.env.BENCH_QUEUE ?? 'local';
const worker = new Worker(queue, async () => undefined, {
  connection: {
    host: process.env.REDIS_HOST ?? '127.0.0.1',
    port: Number(process.env.REDIS_PORT),
    maxRetriesPerRequest: null,
  },
  prefix: process.env.QUEUE_PREFIX ?? 'bull',
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? '1'),
});
worker.on('error', (error) => process.stderr.write(`[bare-worker] ${error.message}\n`));
await worker.waitUntilReady();
process.stdout.write(`[bare-worker] Started on queue "${queue}"\n`);
reportCompletions(worker);
const stop = () => {
  void worker.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
