// At-most-once handling of redelivered Slack events and clicks: Redis SET NX EX.
// The claim is released if handling fails, so Slack's own retry can still succeed.
import { agentopsKey, type Redis } from '@agentops/core';

export const IDEMPOTENCY_TTL_SEC = 24 * 3_600;

export interface Idempotency {
  /** True the first time `key` is claimed within the TTL. */
  claim(key: string): Promise<boolean>;
  release(key: string): Promise<void>;
  /** Runs `fn` only for the first claim of `key`; returns undefined for duplicates. */
  once<T>(key: string, fn: () => Promise<T>): Promise<{ duplicate: true } | { duplicate: false; value: T }>;
}

export function idempotencyKey(prefix: string, key: string): string {
  return agentopsKey(prefix, 'idemp', key);
}

export function createIdempotency(redis: Redis, prefix: string, ttlSec = IDEMPOTENCY_TTL_SEC): Idempotency {
  const claim = async (key: string) =>
    (await redis.set(idempotencyKey(prefix, key), String(Date.now()), 'EX', ttlSec, 'NX')) === 'OK';
  const release = async (key: string) => {
    await redis.del(idempotencyKey(prefix, key));
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
