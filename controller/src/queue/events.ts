// Listens to BullMQ's event stream of each queue for finished jobs, for metrics
// (and anything else that wants to know when a job ends). QueueEvents is
// BullMQ's, so this lives beside the queue manager.
import { QueueEvents } from 'bullmq';
import { QUEUE_NAMES, redisOptions, toCodedError, type Config, type Logger, type QueueName } from '@agentops/core';
import type { QueueManager } from './manager.js';

export interface FinishedJob {
  queue: QueueName;
  bullId: string;
  outcome: 'completed' | 'failed';
  durationSeconds?: number;
  /** A Claude job's cost and tokens (from its result's stats). */
  costUsd?: number;
  tokens?: number;
}

export interface JobEvents {
  close(): Promise<void>;
}

export function listenForFinishedJobs(
  config: Config,
  manager: QueueManager,
  logger: Logger,
  onFinished: (job: FinishedJob) => void,
): JobEvents {
  const listeners = QUEUE_NAMES.map((queue) => {
    const events = new QueueEvents(queue, { connection: redisOptions(config, 'worker'), prefix: config.redis.prefix });
    events.on('error', (error) =>
      logger.debug({ err: toCodedError(error) }, `[events] ${queue} event stream: ${error.message}`),
    );
    const finished =
      (outcome: 'completed' | 'failed') =>
      async ({ jobId }: { jobId: string }) => {
        try {
          const job = await manager.queues[queue].getJob(jobId);
          const duration = job?.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1_000 : undefined;
          const stats = (job?.returnvalue as { stats?: { costUsd?: unknown; tokens?: unknown } } | undefined)?.stats;
          onFinished({
            queue,
            bullId: jobId,
            outcome,
            ...(duration === undefined ? {} : { durationSeconds: duration }),
            ...(typeof stats?.costUsd === 'number' ? { costUsd: stats.costUsd } : {}),
            ...(typeof stats?.tokens === 'number' ? { tokens: stats.tokens } : {}),
          });
        } catch (error) {
          logger.debug({ err: toCodedError(error) }, `[events] Could not read finished job ${jobId}`);
        }
      };
    events.on('completed', finished('completed'));
    events.on('failed', finished('failed'));
    return events;
  });
  return {
    async close() {
      await Promise.all(listeners.map((events) => events.close()));
    },
  };
}
