// The completion feed: reads BullMQ's event stream of each queue and hands every
// finished job to the memory, keeping its place (the last handled stream id per
// queue) in Redis. After a restart it resumes from there, so completions that
// happened while the controller was down are remembered, and none twice.
//
// Why not QueueEvents: it reads ahead and emits without waiting, so "handled up
// to here" cannot be known. This loop handles one entry at a time, moves the
// cursor after each, and stops (without moving it) while memory is off.
//
// Limit: the job itself must still be in Redis when its entry is handled;
// BullMQ keeps the last KEEP_COMPLETED completed and KEEP_FAILED failed jobs per
// queue, and trims each event stream to about 10,000 entries.
import {
  KEEP_COMPLETED,
  KEEP_FAILED,
  QUEUE_NAMES,
  redisKeys,
  fromBullJobId,
  toCodedError,
  type Logger,
  type QueueName,
  type Redis,
} from '@agentops/core';
import { compareStreamIds, fieldsOf, followStreams, readFromCursors } from '../queue/streams.js';
import type { FinishedJobRecord, FinishedOutcome } from './records.js';
import type { JobMemory } from './memory.js';

export interface CompletionFeedOptions {
  /** A connection of its own (it blocks on XREAD); the feed closes it. */
  redis: Redis;
  prefix: string;
  /** BullMQ's events stream key of each queue. */
  streams: Record<QueueName, string>;
  /** The finished job, or undefined when BullMQ no longer keeps it. */
  readFinished(queue: QueueName, bullId: string, outcome: FinishedOutcome): Promise<FinishedJobRecord | undefined>;
  memory: JobMemory;
  logger: Logger;
  /** How long one XREAD waits for new entries. */
  blockMs?: number;
  /** Tries per entry while memory is on before it is skipped (a summary the model refuses must not stop the feed). */
  maxAttempts?: number;
}

export interface CompletionFeed {
  /** Resolves once the feed has stopped: after the entry being handled is done and its place saved. */
  close(): Promise<void>;
}

export function startCompletionFeed(options: CompletionFeedOptions): CompletionFeed {
  const { redis, memory, logger } = options;
  const names = redisKeys(options.prefix);
  const maxAttempts = options.maxAttempts ?? 3;
  const queueOfKey = new Map(QUEUE_NAMES.map((queue) => [options.streams[queue], queue] as const));
  const attempts = new Map<string, number>();

  /**
   * A first start remembers from now on; older completions were never promised.
   * When BullMQ has trimmed the stream past the cursor (about 10,000 entries
   * per queue), entries after it may have gone unhandled: say so.
   */
  const initCursors = async () => {
    for (const queue of QUEUE_NAMES) {
      const stream = options.streams[queue];
      const last = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
      const key = names.memoryCursor(queue);
      if ((await redis.set(key, last, 'NX')) === 'OK') continue;
      const cursor = await redis.get(key);
      const first = (await redis.xrange(stream, '-', '+', 'COUNT', 1))[0]?.[0];
      if (cursor && cursor !== '0-0' && first && compareStreamIds(first, cursor) > 0) {
        logger.warn(
          `[qdrant] BullMQ trimmed the ${queue} event stream past the last remembered entry (${cursor}); some jobs that finished while the controller was away may not be remembered`,
        );
      }
    }
  };

  /** True when the entry is dealt with (remembered or skipped for good); false to try again once memory is back. */
  const handle = async (queue: QueueName, id: string, fields: Record<string, string>): Promise<boolean> => {
    const event = fields.event;
    const bullId = fields.jobId;
    if ((event !== 'completed' && event !== 'failed') || !bullId) return true;
    const record = await options.readFinished(queue, bullId, event);
    if (!record) {
      logger.warn(
        { memory: 'gone', jobId: fromBullJobId(bullId), queue },
        `[qdrant] Job ${fromBullJobId(bullId)} finished but is no longer in Redis (BullMQ keeps the last ${KEEP_COMPLETED} completed and ${KEEP_FAILED} failed jobs per queue); not remembered`,
      );
      return true;
    }
    const tried = memory.enabled;
    if ((await memory.store(record)) === 'stored') {
      attempts.delete(id);
      return true;
    }
    if (!tried) return false;
    const count = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, count);
    if (count < maxAttempts) return false;
    attempts.delete(id);
    logger.warn(
      { memory: 'gave_up', jobId: record.id, attempts: count },
      `[qdrant] Gave up remembering job ${record.id} after ${count} attempts; later jobs go on being remembered`,
    );
    return true;
  };

  const run = async (signal: AbortSignal, blocking: (on: boolean) => void) => {
    await initCursors();
    while (!signal.aborted) {
      await memory.whenEnabled(signal);
      const reply = await readFromCursors(redis, options.streams, names.memoryCursor, {
        count: 50,
        blockMs: options.blockMs ?? 5_000,
        signal,
        blocking,
      });
      let paused = false;
      for (const [key, entries] of reply ?? []) {
        const queue = queueOfKey.get(key);
        if (!queue) continue;
        for (const [id, list] of entries) {
          if (signal.aborted || !(await handle(queue, id, fieldsOf(list)))) {
            paused = true;
            break;
          }
          await redis.set(names.memoryCursor(queue), id);
        }
        // Other queues' entries of this batch are read again from their own cursors.
        if (paused) break;
      }
    }
  };

  // Redis going away (or a failed command) starts it over from the cursors, which are in Redis.
  return followStreams(redis, run, (error) =>
    logger.debug({ err: toCodedError(error) }, `[qdrant] Completion feed: ${toCodedError(error).message}; resuming`),
  );
}
