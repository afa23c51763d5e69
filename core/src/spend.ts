// What Claude jobs cost, summed per UTC day by queue and requester, and the
// daily budgets (CODE_DAILY_BUDGET_USD for the code queue, USER_DAILY_BUDGET_USD
// for each person across the Claude queues). The worker that ran a job adds
// its cost, tokens and one job to the day's counters when the run ends
// (finished or failed: a failed run was paid for too); the same worker checks
// the budgets before it starts a Claude job, so a job queued before the budget
// ran out waits as well. Counters are kept 40 days (the month for /queue usage).
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { redisKeys } from './keys.js';
import type { QueueName } from './queues.js';

const KEEP_DAYS = 40;

/** The UTC day of `at`, as `YYYY-MM-DD`. */
export function spendDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** The first moment of the UTC day after `at`. */
export function nextSpendDay(at: number): number {
  const day = new Date(at);
  return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1);
}

export interface SpendLine {
  queue: QueueName;
  requester: string;
  costUsd: number;
  tokens: number;
  jobs: number;
}

export interface BudgetCheck {
  /** Spent today on the code queue, and by this requester on any Claude queue. */
  queueSpent: number;
  userSpent: number;
  /** Which budget is spent, if one is. */
  over?: { which: 'code' | 'user'; limitUsd: number; spentUsd: number };
}

export interface SpendStore {
  add(line: SpendLine, at?: number): Promise<void>;
  /** The day's lines, by queue and requester. */
  day(day: string): Promise<SpendLine[]>;
  /** Whether `requester`'s next job on `queue` may start under the budgets. */
  check(queue: QueueName, requester: string, budgets: Config['budgets'], at?: number): Promise<BudgetCheck>;
}

/** Field names of one day's hash: `<metric>|<queue>|<requester>`. */
const field = (metric: 'cost' | 'tokens' | 'jobs', queue: string, requester: string) =>
  `${metric}|${queue}|${requester}`;

export function createSpendStore(redis: Redis, prefix: string): SpendStore {
  const keys = redisKeys(prefix);
  return {
    async add(line, at = Date.now()) {
      const key = keys.spendDay(spendDay(at));
      await redis
        .multi()
        .hincrbyfloat(key, field('cost', line.queue, line.requester), line.costUsd)
        .hincrby(key, field('tokens', line.queue, line.requester), Math.round(line.tokens))
        .hincrby(key, field('jobs', line.queue, line.requester), line.jobs)
        .expire(key, KEEP_DAYS * 86_400)
        .exec();
    },
    async day(day) {
      const raw = await redis.hgetall(keys.spendDay(day));
      const lines = new Map<string, SpendLine>();
      for (const [name, value] of Object.entries(raw)) {
        const [metric, queue, ...rest] = name.split('|');
        const requester = rest.join('|');
        if (!metric || !queue || !requester) continue;
        const id = `${queue}|${requester}`;
        const line = lines.get(id) ?? { queue: queue as QueueName, requester, costUsd: 0, tokens: 0, jobs: 0 };
        const amount = Number(value) || 0;
        if (metric === 'cost') line.costUsd += amount;
        else if (metric === 'tokens') line.tokens += amount;
        else if (metric === 'jobs') line.jobs += amount;
        lines.set(id, line);
      }
      return [...lines.values()];
    },
    async check(queue, requester, budgets, at = Date.now()) {
      const lines = await this.day(spendDay(at));
      const queueSpent = lines.filter((line) => line.queue === 'code').reduce((sum, line) => sum + line.costUsd, 0);
      const userSpent = lines
        .filter((line) => line.requester === requester)
        .reduce((sum, line) => sum + line.costUsd, 0);
      if (queue === 'code' && budgets.codeDailyUsd !== undefined && queueSpent >= budgets.codeDailyUsd)
        return { queueSpent, userSpent, over: { which: 'code', limitUsd: budgets.codeDailyUsd, spentUsd: queueSpent } };
      if (budgets.userDailyUsd !== undefined && userSpent >= budgets.userDailyUsd)
        return { queueSpent, userSpent, over: { which: 'user', limitUsd: budgets.userDailyUsd, spentUsd: userSpent } };
      return { queueSpent, userSpent };
    },
  };
}
