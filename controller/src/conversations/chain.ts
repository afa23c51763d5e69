// The order of a job thread's jobs: one thread runs one job at a time. Each
// follow-up claims its place after the thread's latest job in one Lua step
// (so two follow-ups sent at once still line up), and waits, parked in BullMQ
// as a delayed job, until that job has ended; whoever sees the end (the
// job-thread feed, a cancel, or the intake itself when the job had already
// ended) releases the follower. Every step is idempotent: a replayed intake
// claims the same place, and releasing twice moves the job once.
import { KEY_TTL_SEC, redisKeys, type Redis } from '@agentops/core';

const CLAIM = `
local prev = redis.call('HGET', KEYS[1], 'after:' .. ARGV[2])
if not prev then
  prev = redis.call('HGET', KEYS[1], 'latest') or ARGV[1]
  redis.call('HSET', KEYS[1], 'latest', ARGV[2], 'after:' .. ARGV[2], prev, 'follower:' .. prev, ARGV[2])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return prev
`;

export interface ThreadChain {
  /** The thread's most recent job: the root until a follow-up comes. */
  latest(rootId: string): Promise<string>;
  /** Puts job `id` after the thread's latest job; resolves with that job's id (the same on a replay). */
  claim(rootId: string, id: string): Promise<string>;
  /** The follow-up waiting for job `id`, if any. */
  followerOf(rootId: string, id: string): Promise<string | undefined>;
  /** The follow-ups waiting for each of `jobs` (one round trip), in order; undefined where none waits. */
  followersOf(jobs: readonly { rootId: string; id: string }[]): Promise<(string | undefined)[]>;
  /** The thread's jobs in order: the root, then each follow-up. */
  order(rootId: string): Promise<string[]>;
  /** Records the first decision on plan job `planId` ("run:<job id>" or "dropped"); resolves with an earlier one if there was. */
  decidePlan(rootId: string, planId: string, decision: string): Promise<string | undefined>;
  /** Takes back a plan decision that could not be carried out. */
  undecidePlan(rootId: string, planId: string): Promise<void>;
}

export function createThreadChain(redis: Redis, prefix: string, days: number): ThreadChain {
  const keys = redisKeys(prefix);
  const ttl = Math.max(days * 86_400, KEY_TTL_SEC.receiptLink);
  return {
    async latest(rootId) {
      return (await redis.hget(keys.conversation(rootId), 'latest')) ?? rootId;
    },
    async claim(rootId, id) {
      return String(await redis.eval(CLAIM, 1, keys.conversation(rootId), rootId, id, ttl));
    },
    async followerOf(rootId, id) {
      return (await redis.hget(keys.conversation(rootId), `follower:${id}`)) ?? undefined;
    },
    async followersOf(jobs) {
      if (jobs.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const job of jobs) pipeline.hget(keys.conversation(job.rootId), `follower:${job.id}`);
      const replies = (await pipeline.exec()) ?? [];
      return replies.map(([error, value]) => (error || typeof value !== 'string' ? undefined : value));
    },
    async order(rootId) {
      const fields = await redis.hgetall(keys.conversation(rootId));
      const ids = [rootId];
      for (let next = fields[`follower:${rootId}`]; next && !ids.includes(next); next = fields[`follower:${next}`])
        ids.push(next);
      return ids;
    },
    async decidePlan(rootId, planId, decision) {
      const key = keys.conversation(rootId);
      const [[, set], [, earlier]] = (await redis
        .multi()
        .hsetnx(key, `plan:${planId}`, decision)
        .hget(key, `plan:${planId}`)
        .expire(key, ttl)
        .exec()) as [[unknown, number], [unknown, string | null], unknown];
      return set === 1 ? undefined : (earlier ?? undefined);
    },
    async undecidePlan(rootId, planId) {
      await redis.hdel(keys.conversation(rootId), `plan:${planId}`);
    },
  };
}
