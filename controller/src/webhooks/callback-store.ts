// Outbound callbacks in Redis, durable across controller restarts: one hash
// per job (`callback:<id>`: where to, which token signs, the body, status,
// attempts, last error) and a sorted set of the jobs whose callback is due,
// scored by when to send next. A sender claims due callbacks by moving their
// score a lease ahead (one Lua step), so two controllers never send the same
// attempt at once and a controller that dies mid-attempt leaves the callback
// to be claimed again when the lease ends. Why not a BullMQ queue: the queue
// manager's queues are the three job queues everything counts and shows; a
// sorted set is all a retry schedule needs.
import { KEY_TTL_SEC, redisKeys, type Redis } from '@agentops/core';

export const CALLBACK_STATUSES = ['pending', 'retrying', 'delivered', 'failed'] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

export interface CallbackRecord {
  jobId: string;
  url: string;
  /** The API token whose secret signs it (by name: the secret stays in the configuration). */
  token: string;
  /** The JSON body, fixed when the job finished, so every attempt sends the same. */
  body: string;
  /** When the job finished (ms): a job retried and finished again gets a new callback. */
  finishedAt: number;
  status: CallbackStatus;
  attempts: number;
  lastError?: string;
}

/** What `GET /api/jobs/:id` shows of it. */
export interface CallbackOutcome {
  status: CallbackStatus;
  attempts: number;
  lastError?: string;
}

const SCHEDULE = `
if redis.call('HGET', KEYS[1], 'finishedAt') == ARGV[4] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'url', ARGV[1], 'token', ARGV[2], 'body', ARGV[3], 'finishedAt', ARGV[4], 'status', 'pending', 'attempts', 0)
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[7])
return 1
`;

const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return ids
`;

export interface CallbackStore {
  /** Schedules the callback of a job that finished at `finishedAt`; false when that finish was scheduled already. */
  schedule(
    record: Pick<CallbackRecord, 'jobId' | 'url' | 'token' | 'body' | 'finishedAt'>,
    now?: number,
  ): Promise<boolean>;
  /** Up to `count` due callbacks, each leased for `leaseMs`. */
  claimDue(now: number, leaseMs: number, count: number): Promise<string[]>;
  get(jobId: string): Promise<CallbackRecord | undefined>;
  delivered(jobId: string, attempts: number): Promise<void>;
  /** An attempt failed: tried again at `nextAt`, or given up when there is none. */
  attemptFailed(jobId: string, attempts: number, error: string, nextAt?: number): Promise<void>;
  /** Takes a callback off the schedule (its record expired, or it is settled). */
  unschedule(jobId: string): Promise<void>;
}

export function createCallbackStore(redis: Redis, prefix: string): CallbackStore {
  const keys = redisKeys(prefix);
  const ttl = KEY_TTL_SEC.callback;
  return {
    async schedule(record, now = Date.now()) {
      const added = await redis.eval(
        SCHEDULE,
        2,
        keys.callback(record.jobId),
        keys.callbacksDue,
        record.url,
        record.token,
        record.body,
        String(record.finishedAt),
        ttl,
        now,
        record.jobId,
      );
      return added === 1;
    },
    async claimDue(now, leaseMs, count) {
      return (await redis.eval(CLAIM, 1, keys.callbacksDue, now, now + leaseMs, count)) as string[];
    },
    async get(jobId) {
      const fields = await redis.hgetall(keys.callback(jobId));
      if (!fields.url || !fields.body) return undefined;
      const status = (CALLBACK_STATUSES as readonly string[]).includes(fields.status ?? '')
        ? (fields.status as CallbackStatus)
        : 'pending';
      return {
        jobId,
        url: fields.url,
        token: fields.token ?? '',
        body: fields.body,
        finishedAt: Number(fields.finishedAt ?? 0),
        status,
        attempts: Number(fields.attempts ?? 0),
        ...(fields.lastError ? { lastError: fields.lastError } : {}),
      };
    },
    async delivered(jobId, attempts) {
      await redis
        .multi()
        .hset(keys.callback(jobId), 'status', 'delivered', 'attempts', attempts, 'lastError', '')
        .expire(keys.callback(jobId), ttl)
        .zrem(keys.callbacksDue, jobId)
        .exec();
    },
    async attemptFailed(jobId, attempts, error, nextAt) {
      const multi = redis
        .multi()
        .hset(
          keys.callback(jobId),
          'status',
          nextAt === undefined ? 'failed' : 'retrying',
          'attempts',
          attempts,
          'lastError',
          error,
        )
        .expire(keys.callback(jobId), ttl);
      if (nextAt === undefined) multi.zrem(keys.callbacksDue, jobId);
      else multi.zadd(keys.callbacksDue, nextAt, jobId);
      await multi.exec();
    },
    async unschedule(jobId) {
      await redis.zrem(keys.callbacksDue, jobId);
    },
  };
}

/** The part of a record `GET /api/jobs/:id` shows. */
export function callbackOutcome(record: CallbackRecord): CallbackOutcome {
  return {
    status: record.status,
    attempts: record.attempts,
    ...(record.lastError ? { lastError: record.lastError } : {}),
  };
}
