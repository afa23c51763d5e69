// A queue waiting out Claude's usage or rate limit: the record the worker
// that hit the limit writes (the queue itself stops claiming through BullMQ's
// rate limiter, on every host), which the controller reads to tell the
// channel once, show on `/queue status`, offer "Run on the local model
// instead" on waiting cards, and say when the queue runs again. The record
// lives until a minute after the reset; a later reset replaces an earlier one.
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { redisKeys } from './keys.js';
import type { QueueName } from './queues.js';
import { QUEUE_NAMES } from './queues.js';

export type QueueLimitKind = 'usage_limit' | 'rate_limit' | 'overloaded';

export interface QueueLimit {
  queue: QueueName;
  kind: QueueLimitKind;
  /** When the queue claims jobs again (ms since the epoch). */
  resetAt: number;
  /** The reset came from the limit itself (not a default wait). */
  known: boolean;
  /** What the CLI or API said (scrubbed). */
  said: string;
  /** The job that hit it. */
  job: string;
  at: number;
}

/** How long a record outlives its reset, so the controller can still say the queue resumed. */
const KEEP_AFTER_RESET_MS = 60_000;

/** The queues whose jobs run Claude, and so may wait out its limits. */
export function queueRunsClaude(config: Pick<Config, 'researchEngine'>, queue: QueueName): boolean {
  return queue === 'code' || (queue === 'research' && config.researchEngine === 'claude');
}

const SET_LATER = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, old = pcall(cjson.decode, current)
  if ok and type(old) == 'table' and tonumber(old.resetAt) and tonumber(old.resetAt) >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
`;

export interface LimitStore {
  /** Records `limit` unless a later reset is recorded already; true when it was recorded. */
  record(limit: QueueLimit): Promise<boolean>;
  /** The queues waiting now (and those whose reset passed less than a minute ago). */
  all(): Promise<QueueLimit[]>;
  clear(queue: QueueName): Promise<void>;
}

function parse(raw: string | null): QueueLimit | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<QueueLimit>;
    return typeof value.resetAt === 'number' && typeof value.queue === 'string' ? (value as QueueLimit) : undefined;
  } catch {
    return undefined;
  }
}

export function createLimitStore(redis: Redis, prefix: string): LimitStore {
  const keys = redisKeys(prefix);
  return {
    async record(limit) {
      const ttl = Math.max(1_000, limit.resetAt - Date.now() + KEEP_AFTER_RESET_MS);
      const set = await redis.eval(
        SET_LATER,
        1,
        keys.queueLimit(limit.queue),
        JSON.stringify(limit),
        limit.resetAt,
        ttl,
      );
      return set === 1;
    },
    async all() {
      const raws = await redis.mget(...QUEUE_NAMES.map((queue) => keys.queueLimit(queue)));
      return raws.map(parse).filter((limit): limit is QueueLimit => limit !== undefined);
    },
    async clear(queue) {
      await redis.del(keys.queueLimit(queue));
    },
  };
}
