// What AgentOps keeps about each schedule beside BullMQ's scheduler: the job it
// runs, who made it, when, its expression and time zone, and whether it is
// paused (a paused schedule has no BullMQ scheduler, so this is where it
// lives on). One Redis hash, id to JSON; ids are s1, s2… from a counter.
import { z } from 'zod';
import { JOB_MODES, QUEUE_NAMES, redisKeys, type JobRequest, type QueueName, type Redis } from '@agentops/core';
import type { ScheduleExpression } from './expression.js';

export interface ScheduleRecord {
  id: string;
  expression: ScheduleExpression;
  /** The time zone cron patterns run in: SCHEDULE_TZ when it was made, kept so a later change moves nothing. */
  timeZone: string;
  /** What each run asks for. */
  request: JobRequest;
  /** Every run goes to this queue; absent, each run is routed like any request. */
  queue?: QueueName;
  /** A Slack user id or "cli:<os user>": each run acts as this person, with their rights at the time. */
  createdBy: string;
  createdAt: number;
  paused: boolean;
}

const recordSchema = z.object({
  id: z.string().regex(/^s\d+$/),
  expression: z.union([
    z.object({ kind: z.literal('cron'), pattern: z.string().min(1) }),
    z.object({ kind: z.literal('every'), ms: z.number().int().positive() }),
  ]),
  timeZone: z.string().min(1),
  request: z.object({
    text: z.string().min(1),
    priority: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    workspace: z.string().min(1).optional(),
    mode: z.enum(JOB_MODES).optional(),
  }),
  queue: z.enum(QUEUE_NAMES).optional(),
  createdBy: z.string().min(1),
  createdAt: z.number().int().nonnegative(),
  paused: z.boolean(),
}) satisfies z.ZodType<ScheduleRecord>;

export interface ScheduleStore {
  nextId(): Promise<string>;
  get(id: string): Promise<ScheduleRecord | undefined>;
  all(): Promise<ScheduleRecord[]>;
  save(record: ScheduleRecord): Promise<void>;
  delete(id: string): Promise<boolean>;
}

function parse(raw: string | null | undefined): ScheduleRecord | undefined {
  if (!raw) return undefined;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(raw));
    return parsed.success ? (parsed.data as ScheduleRecord) : undefined;
  } catch {
    return undefined;
  }
}

export function createScheduleStore(redis: Redis, prefix: string): ScheduleStore {
  const keys = redisKeys(prefix);
  return {
    async nextId() {
      return `s${await redis.incr(keys.nextScheduleId)}`;
    },
    async get(id) {
      return parse(await redis.hget(keys.schedules, id));
    },
    async all() {
      const entries = await redis.hgetall(keys.schedules);
      return Object.values(entries)
        .map(parse)
        .filter((record): record is ScheduleRecord => record !== undefined)
        .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
    },
    async save(record) {
      await redis.hset(keys.schedules, record.id, JSON.stringify(record));
    },
    async delete(id) {
      return (await redis.hdel(keys.schedules, id)) > 0;
    },
  };
}
