// The lock that lets one controller of a deployment send Slack messages: a
// Redis key with a time to live, taken again (or renewed) by its owner. The
// owner name is stable across restarts of the same controller, so a restarted
// controller sends again at once instead of waiting for its old lock to lapse.
import type { Redis } from '@agentops/core';

const TAKE = `
local current = redis.call('GET', KEYS[1])
if not current or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface LeaderLock {
  /** True when `owner` holds the lock now (taken or renewed). */
  take(): Promise<boolean>;
  release(): Promise<void>;
}

export function createLeaderLock(redis: Redis, key: string, owner: string, ttlMs: number): LeaderLock {
  return {
    async take() {
      return ((await redis.eval(TAKE, 1, key, owner, ttlMs)) as number) === 1;
    },
    async release() {
      await redis.eval(RELEASE, 1, key, owner);
    },
  };
}
