// Makes the next job of a queue fail for good, as a worker would, so tests can retry it.
import { UnrecoverableError, Worker } from 'bullmq';
import type { QueueName } from '@agentops/core';
import type { QueueHarness } from './queues.js';
import { waitFor } from './processes.js';

export async function failNextJob(
  queues: QueueHarness,
  queue: QueueName,
  reason = 'LM Studio is not reachable',
): Promise<string> {
  let failedId: string | undefined;
  const worker = new Worker(
    queue,
    async (job) => {
      failedId = job.id;
      throw new UnrecoverableError(reason);
    },
    {
      connection: { host: queues.config.redis.host, port: queues.config.redis.port, maxRetriesPerRequest: null },
      prefix: queues.prefix,
      concurrency: 1,
    },
  );
  try {
    await waitFor(
      async () => failedId !== undefined && ((await worker.getNextJob) ? true : true) && failedId,
      10_000,
      'a job to fail',
    );
    await waitFor(
      async () => (await queues.manager.queues[queue].getFailedCount()) > 0,
      5_000,
      'the failure to be recorded',
    );
  } finally {
    await worker.close();
  }
  return (failedId ?? '').replace(/^job-/, '');
}
