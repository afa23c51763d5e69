// The history feed: follows BullMQ's event stream of each queue and writes
// every job's life to the history's database. It runs in the controller, off
// every worker's path: a worker only finishes its job in BullMQ.
//
// Each event exactly once: the feed's place in each stream lives in the same
// database, and a batch's rows and the new place commit in one transaction.
// A crash before the commit leaves both as they were and the batch is read
// again; after it, nothing of the batch is read again. After downtime it
// resumes from that place, so everything still in the streams is caught up.
//
// Limits of catch-up: BullMQ trims each event stream to about 10,000 entries
// (per queue, some 2,500 jobs at four events each), and keeps only the last
// KEEP_COMPLETED completed and KEEP_FAILED failed jobs. Events trimmed while
// the controller was away are gone (the feed says so); a job BullMQ removed
// before its events were read still gets its outcome from the completion
// event (it carries the return value), but a row is only made from the job's
// data, which must still be in BullMQ.
import { QUEUE_NAMES, fromBullJobId, toCodedError, type Logger, type QueueName, type Redis } from '@agentops/core';
import {
  compareStreamIds,
  fieldsOf,
  followStreams,
  readStreams,
  streamIdTime,
  type StreamFollower,
} from '../queue/streams.js';
import { changesFor, HISTORY_EVENTS, type JobSnapshot, type StreamEvent } from './changes.js';
import type { HistoryWriter } from './store.js';

export interface HistoryFeedOptions {
  /** A connection of its own (it blocks on XREAD); the feed closes it. */
  reader: Redis;
  /** BullMQ's events stream key of each queue. */
  streams: Record<QueueName, string>;
  store: HistoryWriter;
  /** The job as BullMQ has it now; `ended` asks whether a person cancelled it. Undefined when gone. */
  readJob(queue: QueueName, bullId: string, ended: boolean): Promise<JobSnapshot | undefined>;
  logger: Logger;
  blockMs?: number;
  /** Entries read per queue at once. */
  count?: number;
  /** Runs inside each batch's transaction before the commit (tests fail batches with it). */
  beforeCommit?: (queue: QueueName) => void;
  /** Called after each committed batch (tests and the benchmark count with it). */
  onBatch?: (queue: QueueName, entries: number) => void;
}

export function startHistoryFeed(options: HistoryFeedOptions): StreamFollower {
  const { reader, store, logger } = options;
  const queueOfKey = new Map(QUEUE_NAMES.map((queue) => [options.streams[queue], queue] as const));

  /**
   * The committed places; a queue the history has never read starts at the
   * stream's beginning, so its first start records what BullMQ still holds.
   */
  const loadCursors = async (): Promise<Record<QueueName, string>> => {
    const stored = await store.cursors();
    const cursors = {} as Record<QueueName, string>;
    for (const queue of QUEUE_NAMES) {
      const cursor = stored[queue];
      cursors[queue] = cursor ?? '0-0';
      if (!cursor) continue;
      const first = (await reader.xrange(options.streams[queue], '-', '+', 'COUNT', 1))[0]?.[0];
      if (first && compareStreamIds(first, cursor) > 0)
        logger.warn(
          { history: 'trimmed', queue, cursor, first },
          `[history] BullMQ trimmed the ${queue} event stream past the history's place (${cursor}); jobs whose events were trimmed while the controller was away are missing from the history`,
        );
    }
    return cursors;
  };

  const handleBatch = async (queue: QueueName, entries: [string, string[]][]) => {
    const events: StreamEvent[] = entries.map(([streamId, list]) => {
      const fields = fieldsOf(list);
      return {
        streamId,
        at: streamIdTime(streamId),
        event: fields.event ?? '',
        jobId: fromBullJobId(fields.jobId ?? ''),
        fields,
      };
    });
    const wanted = new Map<string, { bullId: string; ended: boolean }>();
    for (const event of events) {
      if (!HISTORY_EVENTS.has(event.event) || !event.fields.jobId) continue;
      const ended = event.event === 'failed' || event.event === 'removed';
      wanted.set(event.jobId, {
        bullId: event.fields.jobId,
        ended: ended || (wanted.get(event.jobId)?.ended ?? false),
      });
    }
    const snapshots = new Map(
      await Promise.all(
        [...wanted].map(async ([id, { bullId, ended }]) => [id, await options.readJob(queue, bullId, ended)] as const),
      ),
    );
    const last = entries[entries.length - 1]?.[0];
    if (!last) return;
    await store.apply(queue, last, changesFor(events, snapshots, Date.now()), () => options.beforeCommit?.(queue));
    options.onBatch?.(queue, entries.length);
  };

  const run = async (signal: AbortSignal, blocking: (on: boolean) => void) => {
    const cursors = await loadCursors();
    while (!signal.aborted) {
      const reply = await readStreams(reader, options.streams, cursors, {
        count: options.count ?? 2_000,
        blockMs: options.blockMs ?? 5_000,
        signal,
        blocking,
      });
      if (signal.aborted) return;
      for (const [key, entries] of reply ?? []) {
        const queue = queueOfKey.get(key);
        const last = entries[entries.length - 1]?.[0];
        if (!queue || !last) continue;
        await handleBatch(queue, entries);
        cursors[queue] = last;
      }
    }
  };

  // A failure (Redis or the database away) starts over from the committed places.
  return followStreams(reader, run, (error) =>
    logger.warn({ err: toCodedError(error) }, `[history] History feed: ${toCodedError(error).message}; resuming`),
  );
}
