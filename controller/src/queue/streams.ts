// Reading BullMQ's event streams, shared by the feeds that follow them (the
// job memory's, the job threads' and the job history's): XREAD replies, stream ids, and the loop
// that keeps a feed going across Redis failures.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from '@agentops/core';

export type StreamReply = [key: string, entries: [id: string, fields: string[]][]][];

/** Field list of a stream entry as an object. */
export function fieldsOf(list: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let index = 0; index + 1 < list.length; index += 2) fields[list[index] ?? ''] = list[index + 1] ?? '';
  return fields;
}

/** Orders Redis stream ids ("ms-seq"). */
export function compareStreamIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map((part) => BigInt(part));
  const [bm = 0n, bs = 0n] = b.split('-').map((part) => BigInt(part));
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

/** The time (ms) a stream entry was written, from its id. */
export function streamIdTime(id: string): number {
  return Number(id.split('-')[0] ?? 0);
}

export interface StreamFollower {
  /** Stops after the batch in hand is done (a blocked read ends with its connection). */
  close(): Promise<void>;
}

/**
 * Runs `run` (a loop that reads streams on `reader` until the signal is
 * aborted) and starts it over a second after any failure: the cursors are in
 * Redis, so it resumes where it was. `run` sets `blocking` around its blocking
 * reads, so close() can cut a read short by disconnecting.
 */
export function followStreams(
  reader: { disconnect(): void },
  run: (signal: AbortSignal, blocking: (on: boolean) => void) => Promise<void>,
  onError: (error: unknown) => void,
): StreamFollower {
  const stop = new AbortController();
  let blocked = false;
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        await run(stop.signal, (on) => {
          blocked = on;
        });
      } catch (error) {
        blocked = false;
        if (stop.signal.aborted) break;
        onError(error);
        await sleep(1_000, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    }
  })();
  return {
    async close() {
      stop.abort();
      if (blocked) reader.disconnect();
      await loop;
      reader.disconnect();
    },
  };
}

/**
 * One blocking XREAD of every queue's event stream from the cursors stored at
 * `cursorKey(queue)`; null when nothing came, or when `signal` was aborted
 * before the read (close() either sees the read blocking and cuts the
 * connection, or is seen here).
 */
export async function readFromCursors<Q extends string>(
  reader: Redis,
  streams: Record<Q, string>,
  cursorKey: (queue: Q) => string,
  read: StreamRead,
): Promise<StreamReply | null> {
  const queues = Object.keys(streams) as Q[];
  const cursors = await reader.mget(...queues.map(cursorKey));
  return readStreams(
    reader,
    streams,
    Object.fromEntries(queues.map((queue, index) => [queue, cursors[index] ?? '0-0'])) as Record<Q, string>,
    read,
  );
}

export interface StreamRead {
  count: number;
  blockMs: number;
  signal: AbortSignal;
  blocking: (on: boolean) => void;
}

/**
 * The loop of a feed that keeps its places in Redis: reads each queue's
 * stream from its cursor key, hands each queue's batch to `handle`, and moves
 * that queue's cursor past the batch once `handle` has resolved, until
 * `read.signal` aborts. A batch whose handling throws is read again (from the
 * unmoved cursor) when the follower starts over.
 */
export async function forEachBatch<Q extends string>(
  reader: Redis,
  streams: Record<Q, string>,
  cursorKey: (queue: Q) => string,
  read: StreamRead,
  handle: (queue: Q, entries: [string, string[]][]) => Promise<void>,
): Promise<void> {
  const queueOfKey = new Map((Object.entries(streams) as [Q, string][]).map(([queue, key]) => [key, queue]));
  while (!read.signal.aborted) {
    const reply = await readFromCursors(reader, streams, cursorKey, read);
    if (read.signal.aborted) return;
    for (const [key, entries] of reply ?? []) {
      const queue = queueOfKey.get(key);
      const last = entries[entries.length - 1]?.[0];
      if (!queue || !last) continue;
      await handle(queue, entries);
      await reader.set(cursorKey(queue), last);
    }
  }
}

/** readFromCursors with the cursors in hand, for a feed that keeps them elsewhere (the job history, in SQL). */
export async function readStreams<Q extends string>(
  reader: Redis,
  streams: Record<Q, string>,
  cursors: Record<Q, string>,
  read: StreamRead,
): Promise<StreamReply | null> {
  const queues = Object.keys(streams) as Q[];
  read.blocking(true);
  try {
    if (read.signal.aborted) return null;
    return (await reader.xread(
      'COUNT',
      read.count,
      'BLOCK',
      read.blockMs,
      'STREAMS',
      ...queues.map((queue) => streams[queue]),
      ...queues.map((queue) => cursors[queue] ?? '0-0'),
    )) as StreamReply | null;
  } finally {
    read.blocking(false);
  }
}
