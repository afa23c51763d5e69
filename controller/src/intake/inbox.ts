// The intake inbox: a Redis Stream of every accepted request, written before
// Slack is acknowledged (one round trip that also claims the request's
// delivery id, so a redelivered event or click is dropped there), and read by
// a consumer group in the controller that turns each entry into jobs and
// answers. An entry stays pending until it is fully handled; a controller that
// dies mid-way finds its own pending entries when it starts again, and any
// controller claims entries another one left idle (XAUTOCLAIM).
import { setTimeout as sleep } from 'node:timers/promises';
import {
  KEY_TTL_SEC,
  redisKeys,
  toCodedError,
  type ApiScope,
  type JobRequest,
  type JobTrigger,
  type Logger,
  type QueueName,
  type Redis,
} from '@agentops/core';

/** What a person asked for, as it came in. */
export type InboxRequest =
  | { kind: 'slash'; channel: string; user: string; text: string }
  | { kind: 'message'; channel: string; user: string; text: string; ts: string; threadTs?: string }
  | {
      kind: 'action';
      channel: string;
      user: string;
      actionId: string;
      value?: string;
      selected?: string;
      /** The message the button sits on. */
      messageTs?: string;
    }
  | { kind: 'cli-add'; requestedBy: string; items: JobRequest[]; queue?: QueueName }
  | ServiceRequest;

/**
 * Jobs asked for by a REST API token or a webhook (intake/service-requests.ts):
 * who (the actor the access decision sees), what, what started them, and
 * whether they get a Slack receipt, decided when the request came in.
 */
export interface ServiceRequest {
  kind: 'service-add';
  actor: { id: string; source: 'api' | 'webhook'; scopes?: ApiScope[] };
  items: JobRequest[];
  queue?: QueueName;
  trigger: JobTrigger;
  receipt: boolean;
}

/** A delivery claim of a caller's own: the key to SET NX and how long it holds. */
export interface DeliveryClaim {
  key: string;
  ttlSec: number;
}

export interface InboxEntry {
  id: string;
  request: InboxRequest;
  /** When it was accepted (ms). */
  at: number;
}

const GROUP = 'intake';
/** Entries kept in the stream after they are handled, for inspection; pending ones are never trimmed this far. */
const MAX_LEN = 100_000;
/** An entry another consumer has held this long without finishing it is taken over. */
const CLAIM_IDLE_MS = 60_000;
const CLAIM_EVERY_MS = 15_000;

// Claims the delivery id and appends the entry, or does nothing for a duplicate.
const WRITE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'request', ARGV[4], 'at', ARGV[1])
end
return false
`;

export interface Inbox {
  /**
   * Writes an accepted request; undefined when `dedupe` was already claimed (a redelivery): a Slack
   * delivery id (kept KEY_TTL_SEC.idempotency), or a claim with a key and lifetime of its own (webhooks).
   */
  write(request: InboxRequest, dedupe?: string | DeliveryClaim): Promise<string | undefined>;
  /** Entries handled from now on, by `consumer`, until close(); `handle` must be idempotent per entry id. */
  consume(consumer: string, handle: (entry: InboxEntry) => Promise<void>, options?: ConsumeOptions): InboxConsumer;
  /** Entries written but not yet handled. */
  pending(): Promise<number>;
}

export interface ConsumeOptions {
  /** Entries handled at once. */
  concurrency?: number;
  blockMs?: number;
  /** An entry another consumer has held this long without finishing it is taken over. */
  claimIdleMs?: number;
}

export interface InboxConsumer {
  /** Resolves once the entries already read are handled (or, past the deadline, left pending for the next start). */
  close(): Promise<void>;
  /** Resolves once the entries pending at start (a crash's leftovers) are handled. */
  readonly recovered: Promise<number>;
}

type StreamEntries = [id: string, fields: string[]][];

function parseEntry(id: string, fields: string[]): InboxEntry | undefined {
  const map = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) map.set(fields[index] ?? '', fields[index + 1] ?? '');
  try {
    const request = JSON.parse(map.get('request') ?? '') as InboxRequest;
    return { id, request, at: Number(map.get('at') ?? 0) };
  } catch {
    return undefined;
  }
}

export function createInbox(redis: Redis, prefix: string, logger: Logger, newConnection: () => Redis): Inbox {
  const keys = redisKeys(prefix);
  let groupReady: Promise<void> | undefined;
  const ensureGroup = () => {
    groupReady ??= redis
      .xgroup('CREATE', keys.inbox, GROUP, '0', 'MKSTREAM')
      .then(() => undefined)
      .catch((error: unknown) => {
        if (String((error as Error).message).includes('BUSYGROUP')) return;
        groupReady = undefined;
        throw error;
      });
    return groupReady;
  };

  return {
    async write(request, dedupe) {
      const json = JSON.stringify(request);
      if (!dedupe)
        return (
          (await redis.xadd(keys.inbox, 'MAXLEN', '~', MAX_LEN, '*', 'request', json, 'at', Date.now())) ?? undefined
        );
      const id = (await redis.eval(
        WRITE,
        2,
        typeof dedupe === 'string' ? keys.idempotency(dedupe) : dedupe.key,
        keys.inbox,
        Date.now(),
        typeof dedupe === 'string' ? KEY_TTL_SEC.idempotency : dedupe.ttlSec,
        MAX_LEN,
        json,
      )) as string | null;
      return id ?? undefined;
    },

    async pending() {
      try {
        const summary = (await redis.xpending(keys.inbox, GROUP)) as [number, ...unknown[]];
        const info = (await redis.xinfo('GROUPS', keys.inbox)) as unknown[][];
        const group = info.find((fields) => fields[1] === GROUP);
        const lagIndex = group ? group.indexOf('lag') : -1;
        const lag = lagIndex >= 0 ? Number(group?.[lagIndex + 1] ?? 0) : 0;
        return Number(summary[0] ?? 0) + (Number.isFinite(lag) ? lag : 0);
      } catch {
        return 0;
      }
    },

    consume(consumer, handle, options = {}) {
      const concurrency = options.concurrency ?? 16;
      const blockMs = options.blockMs ?? 2_000;
      const claimIdleMs = options.claimIdleMs ?? CLAIM_IDLE_MS;
      const claimEveryMs = Math.min(CLAIM_EVERY_MS, claimIdleMs);
      const reader = newConnection();
      reader.on('error', () => undefined);
      const stop = new AbortController();
      const running = new Set<Promise<void>>();
      let blocking = false;
      let resolveRecovered: (count: number) => void = () => undefined;
      const recovered = new Promise<number>((resolve) => {
        resolveRecovered = resolve;
      });

      const work = async (entry: InboxEntry | undefined, id: string) => {
        if (entry) {
          try {
            await handle(entry);
          } catch (error) {
            // Left pending: handled again after a restart, or claimed by another controller.
            logger.warn(
              { err: toCodedError(error), entry: id },
              `[intake] Could not handle inbox entry ${id}; it stays pending`,
            );
            return;
          }
        } else {
          logger.warn({ entry: id }, `[intake] Inbox entry ${id} is unreadable; dropping it`);
        }
        await redis.xack(keys.inbox, GROUP, id).catch(() => undefined);
      };

      const dispatch = async (entries: StreamEntries) => {
        for (const [id, fields] of entries) {
          while (running.size >= concurrency) await Promise.race(running);
          const task = work(parseEntry(id, fields), id).finally(() => running.delete(task));
          running.add(task);
        }
      };

      const recover = async () => {
        // Our own entries from before a crash: everything pending for this consumer name.
        let count = 0;
        let cursor = '0';
        for (;;) {
          const reply = (await reader.xreadgroup(
            'GROUP',
            GROUP,
            consumer,
            'COUNT',
            100,
            'STREAMS',
            keys.inbox,
            cursor,
          )) as [string, StreamEntries][] | null;
          const entries = reply?.[0]?.[1] ?? [];
          if (entries.length === 0) break;
          count += entries.length;
          await dispatch(entries);
          cursor = entries[entries.length - 1]?.[0] ?? cursor;
        }
        await Promise.all(running);
        return count;
      };

      const claimIdle = async () => {
        let start = '0-0';
        do {
          const reply = (await redis.xautoclaim(keys.inbox, GROUP, consumer, claimIdleMs, start, 'COUNT', 50)) as [
            string,
            StreamEntries,
            ...unknown[],
          ];
          const [next, entries] = reply;
          if (entries.length > 0) {
            logger.warn(
              { claimed: entries.length },
              `[intake] Took over ${entries.length} inbox entries another controller left`,
            );
            await dispatch(entries.filter((entry) => Array.isArray(entry[1])));
          }
          start = next;
        } while (start !== '0-0' && !stop.signal.aborted);
      };

      const loop = (async () => {
        let lastClaim = 0;
        let recoveredOnce = false;
        while (!stop.signal.aborted) {
          try {
            await ensureGroup();
            if (!recoveredOnce) {
              const count = await recover();
              recoveredOnce = true;
              if (count > 0)
                logger.info({ recovered: count }, `[intake] Handled ${count} inbox entries left from before a restart`);
              resolveRecovered(count);
            }
            if (Date.now() - lastClaim > claimEveryMs) {
              lastClaim = Date.now();
              await claimIdle();
            }
            blocking = true;
            if (stop.signal.aborted) break;
            const reply = (await reader.xreadgroup(
              'GROUP',
              GROUP,
              consumer,
              'COUNT',
              concurrency,
              'BLOCK',
              Math.min(blockMs, claimEveryMs),
              'STREAMS',
              keys.inbox,
              '>',
            )) as [string, StreamEntries][] | null;
            blocking = false;
            await dispatch(reply?.[0]?.[1] ?? []);
          } catch (error) {
            blocking = false;
            if (stop.signal.aborted) break;
            logger.debug({ err: toCodedError(error) }, `[intake] Inbox: ${toCodedError(error).message}; resuming`);
            await sleep(500, undefined, { signal: stop.signal }).catch(() => undefined);
          }
        }
      })();

      return {
        recovered,
        async close() {
          stop.abort();
          if (blocking) reader.disconnect();
          await loop;
          const deadline = sleep(5_000).then(() => 'deadline' as const);
          await Promise.race([Promise.all(running), deadline]);
          reader.disconnect();
        },
      };
    },
  };
}
