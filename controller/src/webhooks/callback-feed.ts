// The callback feed: follows BullMQ's event stream of each queue (as the
// job-thread feed does, from a place of its own in Redis) and, when a job with
// a callback URL ends (completed, or failed for good), fixes its callback's
// body and schedules it (callback-store.ts); the sender does the rest. Reading
// an event twice schedules nothing twice: a callback is keyed by the job and
// the time it finished.
import {
  QUEUE_NAMES,
  jobDataSchema,
  redisKeys,
  toCodedError,
  type JobResult,
  type Logger,
  type QueueName,
  type Redis,
} from '@agentops/core';
import type { QueueManager } from '../queue/manager.js';
import { fieldsOf, followStreams, forEachBatch, type StreamFollower } from '../queue/streams.js';
import { callbackPayload, type EndedJob } from './callback-payload.js';
import type { CallbackStore } from './callback-store.js';

export interface CallbackFeedOptions {
  /** A connection of its own (it blocks on XREAD); the feed closes it. */
  reader: Redis;
  prefix: string;
  manager: QueueManager;
  store: CallbackStore;
  logger: Logger;
  blockMs?: number;
}

/** Schedules the callback of a finished job, if it has one; false when it has none or it was scheduled already. */
export async function scheduleCallback(store: CallbackStore, job: EndedJob): Promise<boolean> {
  const trigger = job.data.trigger;
  if (trigger?.kind !== 'api' || !trigger.callbackUrl) return false;
  return store.schedule({
    jobId: job.data.id,
    url: trigger.callbackUrl,
    token: trigger.name,
    body: JSON.stringify(callbackPayload(job)),
    finishedAt: job.finishedAt,
  });
}

export function startCallbackFeed(options: CallbackFeedOptions): StreamFollower {
  const { reader, manager, store, logger } = options;
  const names = redisKeys(options.prefix);
  const streams = manager.eventStreamKeys();

  const initCursors = async () => {
    for (const queue of QUEUE_NAMES) {
      const last = (await reader.xrevrange(streams[queue], '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
      await reader.set(names.callbackCursor(queue), last, 'NX');
    }
  };

  const handle = async (queue: QueueName, fields: Record<string, string>) => {
    const kind = fields.event;
    if ((kind !== 'completed' && kind !== 'failed') || !fields.jobId) return;
    const job = await manager.queues[queue].getJob(fields.jobId);
    const parsed = jobDataSchema.safeParse(job?.data);
    if (!job || !parsed.success || !parsed.data.trigger?.callbackUrl) return;
    const cancel = kind === 'failed' ? await manager.cancelInfo(parsed.data.id) : undefined;
    const result = job.returnvalue as JobResult | undefined;
    await scheduleCallback(store, {
      data: parsed.data,
      status: kind === 'completed' ? 'completed' : cancel ? 'cancelled' : 'failed',
      finishedAt: job.finishedOn ?? Date.now(),
      attempts: job.attemptsMade,
      ...(result ? { result } : {}),
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
      ...(cancel ? { cancelledBy: cancel.by } : {}),
    });
  };

  const run = async (signal: AbortSignal, blocking: (on: boolean) => void) => {
    await initCursors();
    await forEachBatch(
      reader,
      streams,
      names.callbackCursor,
      { count: 200, blockMs: options.blockMs ?? 5_000, signal, blocking },
      async (queue, entries) => {
        for (const [id, list] of entries) {
          try {
            await handle(queue, fieldsOf(list));
          } catch (error) {
            // One job's trouble must not stop the feed; its event is not read again.
            logger.warn({ err: toCodedError(error), entry: id, queue }, '[callbacks] Could not schedule a callback');
          }
        }
      },
    );
  };

  return followStreams(reader, run, (error) =>
    logger.debug({ err: toCodedError(error) }, `[callbacks] Callback feed: ${toCodedError(error).message}; resuming`),
  );
}
