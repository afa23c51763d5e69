// Reading BullMQ's event streams, shared by the feeds that follow them (the
// job memory's and the job threads'): XREAD replies, stream ids, and the loop
// that keeps a feed going across Redis failures.
import { setTimeout as sleep } from 'node:timers/promises';

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
