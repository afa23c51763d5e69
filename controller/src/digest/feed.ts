// The failure feed: follows BullMQ's event stream of each queue for final
// failures (BullMQ writes `failed` only when a job will not be retried; a
// retry is `delayed` or `waiting`), writes the dead-letter log line for each,
// and counts it in the failure digest. A cancelled job is not a failure. The
// batch and the feed's new place are committed together (store.ts), then the
// digests that changed are handed to `publish` (the Slack side posts or edits
// their message; without Slack nothing is posted, the log line still is).
import {
  QUEUE_NAMES,
  fromBullJobId,
  jobDataSchema,
  redisKeys,
  toCodedError,
  type Logger,
  type QueueName,
  type Redis,
} from '@agentops/core';
import type { QueueManager } from '../queue/manager.js';
import { fieldsOf, followStreams, readFromCursors, streamIdTime, type StreamFollower } from '../queue/streams.js';
import { placeFailures, type Digest, type Failure } from './groups.js';
import { failureCode, failureSignature } from './signature.js';
import type { DigestStore } from './store.js';

export interface FailureFeedOptions {
  /** A connection of its own (it blocks on XREAD); the feed closes it. */
  reader: Redis;
  prefix: string;
  streams: Record<QueueName, string>;
  manager: QueueManager;
  store: DigestStore;
  /** FAILURE_DIGEST_MS. */
  periodMs: number;
  logger: Logger;
  /** Shows the digests that changed (`opened`: new this batch, posted rather than edited). */
  publish(digests: readonly Digest[], opened: readonly Digest[]): Promise<void>;
  blockMs?: number;
}

const TEXT_LOG_MAX = 200;

/** The seed's dead-letter alert, as one structured warn line per final failure. */
function logDeadLetter(logger: Logger, failure: Failure, durationMs: number | undefined): void {
  const attempt = `${failure.attempts.made}/${failure.attempts.max}`;
  logger.warn(
    {
      deadLetter: true,
      jobId: failure.jobId,
      queue: failure.queue,
      attempt,
      ...(durationMs === undefined ? {} : { durationMs }),
      requestedBy: failure.requestedBy,
      text: failure.text.slice(0, TEXT_LOG_MAX),
      code: failure.signature.code,
      error: failure.reason,
      signature: failure.signature.key,
      action: `agentops inspect ${failure.jobId}`,
    },
    `[digest] Job ${failure.jobId} failed for good on ${failure.queue} (attempt ${attempt}): ${failure.reason}; see agentops inspect ${failure.jobId}`,
  );
}

export function startFailureFeed(options: FailureFeedOptions): StreamFollower {
  const { reader, manager, store, logger } = options;
  const names = redisKeys(options.prefix);
  const queueOfKey = new Map(QUEUE_NAMES.map((queue) => [options.streams[queue], queue] as const));

  const initCursors = async () => {
    for (const queue of QUEUE_NAMES) {
      // A first start counts failures from now on; older ones were never promised.
      const last = (await reader.xrevrange(options.streams[queue], '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
      await reader.set(names.digestCursor(queue), last, 'NX');
    }
  };

  /** The final failure an event reports, or nothing (a cancel, a job gone, unreadable data). */
  const failureOf = async (
    queue: QueueName,
    entryId: string,
    fields: Record<string, string>,
  ): Promise<{ failure: Failure; durationMs?: number } | undefined> => {
    const bullId = fields.jobId ?? '';
    const job = await manager.queues[queue].getJob(bullId);
    const id = fromBullJobId(bullId);
    if (!job || (await manager.cancelInfo(id))) return undefined;
    const data = jobDataSchema.safeParse(job.data);
    const reason = fields.failedReason || job.failedReason || 'unknown failure';
    const code = failureCode(reason, job.stacktrace?.at(-1)?.split('\n')[0]);
    return {
      failure: {
        jobId: id,
        queue,
        at: streamIdTime(entryId),
        signature: failureSignature(code, reason),
        reason,
        text: data.success ? data.data.text : '(unreadable job data)',
        requestedBy: data.success ? data.data.requestedBy : 'unknown',
        attempts: { made: job.attemptsMade, max: job.opts.attempts ?? 1 },
      },
      ...(job.finishedOn && job.processedOn ? { durationMs: job.finishedOn - job.processedOn } : {}),
    };
  };

  const run = async (signal: AbortSignal, blocking: (on: boolean) => void) => {
    await initCursors();
    // A crash after a commit but before its message was handed over: show the current digest again (fixed keys).
    const start = await store.readCurrent();
    if (start.current) {
      await options.publish([start.current], [start.current]);
      await options.publish([start.current], []);
    }
    while (!signal.aborted) {
      const cursorKeys = QUEUE_NAMES.map((queue) => names.digestCursor(queue));
      const before = await reader.mget(...cursorKeys);
      const reply = await readFromCursors(reader, options.streams, names.digestCursor, {
        count: 200,
        blockMs: options.blockMs ?? 5_000,
        signal,
        blocking,
      });
      if (signal.aborted) return;
      if (!reply) continue;
      const found: { failure: Failure; durationMs?: number }[] = [];
      const cursors: Record<string, [string, string]> = {};
      for (const [key, entries] of reply) {
        const queue = queueOfKey.get(key);
        const last = entries[entries.length - 1]?.[0];
        if (!queue || !last) continue;
        const index = QUEUE_NAMES.indexOf(queue);
        cursors[names.digestCursor(queue)] = [before[index] ?? '', last];
        for (const [entryId, list] of entries) {
          const fields = fieldsOf(list);
          if (fields.event !== 'failed') continue;
          const failure = await failureOf(queue, entryId, fields);
          if (failure) found.push(failure);
        }
      }
      found.sort((a, b) => a.failure.at - b.failure.at);
      const read = await store.readCurrent();
      const placed = placeFailures(
        read.current,
        found.map((entry) => entry.failure),
        options.periodMs,
      );
      // Someone else moved first (another controller, a click): read the same events again.
      if (!(await store.commit({ read, digests: placed.digests, cursors }))) continue;
      for (const entry of found) logDeadLetter(logger, entry.failure, entry.durationMs);
      // placeFailures returns the current digest itself when nothing was added to it.
      const changed = placed.digests.filter((digest) => digest !== read.current);
      if (changed.length > 0) await options.publish(changed, placed.opened);
    }
  };

  return followStreams(reader, run, (error) =>
    logger.debug({ err: toCodedError(error) }, `[digest] Failure feed: ${toCodedError(error).message}; resuming`),
  );
}
