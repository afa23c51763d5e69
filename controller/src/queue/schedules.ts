// BullMQ's side of schedules: one job scheduler per schedule on an internal
// queue of "ticks" (agentops-schedules, under the same prefix), and the worker
// that takes each tick. A tick carries only the schedule's id: the controller
// turns it into jobs through submitJobs, the one path every request takes
// (routing, access, receipts, plans), instead of BullMQ putting work on the
// work queues itself. A tick's job id is fixed by BullMQ per iteration
// (`repeat:<scheduler>:<time>`), so a tick delivered twice is planned once.
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Redis } from '@agentops/core';

/** When a scheduler fires (schedules/expression.ts builds these; defined here so queue/ imports nothing above it). */
export type SchedulerRepeat = { kind: 'cron'; pattern: string } | { kind: 'every'; ms: number };

/** The tick queue's name, beside code, local and research. */
export const SCHEDULE_QUEUE = 'agentops-schedules';

export interface Tick {
  /** BullMQ's id of the tick: the inbox entry every job of this run is planned under. */
  id: string;
  scheduleId: string;
  /** When the tick was due (ms). */
  dueAt: number;
}

export interface SchedulerInfo {
  id: string;
  /** The next run (ms), as BullMQ has it. */
  next?: number;
}

export interface ScheduleQueue {
  /** Creates or replaces the scheduler of `scheduleId`. */
  upsert(scheduleId: string, expression: SchedulerRepeat, timeZone: string): Promise<void>;
  /** Removes the scheduler; true when there was one. */
  remove(scheduleId: string): Promise<boolean>;
  /** The schedulers BullMQ holds, with their next run. */
  list(): Promise<SchedulerInfo[]>;
  /** One tick now, outside the scheduler (`schedule run`). */
  runNow(scheduleId: string): Promise<string>;
  close(): Promise<void>;
}

export interface TickWorker {
  close(): Promise<void>;
}

/** Ticks kept after they are handled, for a look in the dashboard. */
const KEEP_TICKS = 200;

const tickOptions = {
  // A tick that failed (Redis away, the controller stopping) is tried again; its plan makes that safe.
  attempts: 5,
  backoff: { type: 'exponential' as const, delay: 2_000 },
  removeOnComplete: KEEP_TICKS,
  removeOnFail: KEEP_TICKS,
};

export function createScheduleQueue(connection: Redis, prefix: string, onError: (error: Error) => void): ScheduleQueue {
  const queue = new Queue<{ scheduleId: string }>(SCHEDULE_QUEUE, { connection, prefix });
  queue.on('error', onError);
  return {
    async upsert(scheduleId, expression, timeZone) {
      const repeat =
        expression.kind === 'every' ? { every: expression.ms } : { pattern: expression.pattern, tz: timeZone };
      await queue.upsertJobScheduler(scheduleId, repeat, { name: 'tick', data: { scheduleId }, opts: tickOptions });
    },
    async remove(scheduleId) {
      return queue.removeJobScheduler(scheduleId);
    },
    async list() {
      const schedulers = await queue.getJobSchedulers(0, -1, true);
      return schedulers.map((entry) => ({
        id: entry.key,
        ...(typeof entry.next === 'number' ? { next: entry.next } : {}),
      }));
    },
    async runNow(scheduleId) {
      const id = `now:${scheduleId}:${randomUUID()}`;
      await queue.add('tick', { scheduleId }, { ...tickOptions, jobId: id });
      return id;
    },
    close: () => queue.close(),
  };
}

/**
 * Takes the ticks: `handle` submits the schedule's run. It throws only when
 * trying again may help; the tick is then retried with backoff.
 */
export function startTickWorker(
  connection: Redis,
  prefix: string,
  handle: (tick: Tick) => Promise<void>,
  onError: (error: Error) => void,
): TickWorker {
  const worker = new Worker<{ scheduleId: string }>(
    SCHEDULE_QUEUE,
    async (job) => {
      await handle({ id: job.id ?? '', scheduleId: job.data.scheduleId, dueAt: job.timestamp + (job.opts.delay ?? 0) });
    },
    { connection, prefix, concurrency: 4 },
  );
  worker.on('error', onError);
  return {
    async close() {
      await worker.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
