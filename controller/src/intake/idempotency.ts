// At-most-once handling of redelivered Slack events and clicks: Redis SET NX EX.
// The claim is released if handling fails, so Slack's own retry can still succeed.
import { KEY_TTL_SEC, redisKeys, type Redis } from '@agentops/core';

export interface Idempotency {
  /** True the first time `key` is claimed within the TTL. */
  claim(key: string): Promise<boolean>;
  release(key: string): Promise<void>;
  /** Runs `fn` only for the first claim of `key`; returns undefined for duplicates. */
  once<T>(key: string, fn: () => Promise<T>): Promise<{ duplicate: true } | { duplicate: false; value: T }>;
}

export function createIdempotency(redis: Redis, prefix: string, ttlSec: number = KEY_TTL_SEC.idempotency): Idempotency {
  const keyOf = redisKeys(prefix).idempotency;
  const claim = async (key: string) => (await redis.set(keyOf(key), String(Date.now()), 'EX', ttlSec, 'NX')) === 'OK';
  const release = async (key: string) => {
    await redis.del(keyOf(key));
  };
  return {
    claim,
    release,
    async once(key, fn) {
      if (!(await claim(key))) return { duplicate: true };
      try {
        return { duplicate: false, value: await fn() };
      } catch (error) {
        await release(key).catch(() => undefined);
        throw error;
      }
    },
  };
}
