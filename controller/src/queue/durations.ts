// How long a queue's recent jobs ran, for the estimate on a waiting job's card:
// the last 50 run times per queue in a capped Redis list, and the estimate
// itself (pure): the median run time times the rounds of free slots ahead.
import { redisKeys, type QueueName, type Redis } from '@agentops/core';

const KEEP = 50;

export interface Durations {
  /** Adds run times (oldest first) in one round trip. */
  record(queue: QueueName, ms: number | readonly number[]): Promise<void>;
  recent(queue: QueueName): Promise<number[]>;
}

export function createDurations(redis: Redis, prefix: string): Durations {
  const keys = redisKeys(prefix);
  return {
    async record(queue, ms) {
      const values = (typeof ms === 'number' ? [ms] : ms).filter((value) => Number.isFinite(value) && value >= 0);
      if (values.length === 0) return;
      await redis
        .multi()
        .lpush(keys.durations(queue), ...values.map((value) => Math.round(value)))
        .ltrim(keys.durations(queue), 0, KEEP - 1)
        .exec();
    },
    async recent(queue) {
      return (await redis.lrange(keys.durations(queue), 0, -1)).map(Number).filter(Number.isFinite);
    },
  };
}

/**
 * Time until a job starts that has `ahead` jobs waiting before it while
 * `active` run in `slots` slots: the rounds of finished jobs it waits for,
 * times the median run time. 0 when a slot is free; undefined without history.
 */
export function estimateStart(
  ahead: number,
  active: number,
  slots: number,
  recent: readonly number[],
): number | undefined {
  const before = ahead + active;
  if (before < slots) return 0;
  if (recent.length === 0) return undefined;
  const sorted = [...recent].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return Math.ceil((before - slots + 1) / slots) * median;
}
