// Managing schedules: add, list, remove, pause, resume, run now. The record
// (store.ts) and BullMQ's scheduler (queue/schedules.ts) change in an order
// that a crash in between cannot turn into a run nobody asked for: the record
// is written before a scheduler exists and deleted or paused before it goes,
// ticks of a missing or paused record do nothing, and reconcile() at start
// mends whatever a crash left half done. Access is decided by the caller
// (execute), which knows who asks.
import { AgentOpsError, ErrorCode, type JobRequest, type QueueName } from '@agentops/core';
import type { ScheduleQueue } from '../queue/schedules.js';
import { describeExpression, nextRuns, shortestGapMs, type ScheduleExpression } from './expression.js';
import type { ScheduleRecord, ScheduleStore } from './store.js';

/** A schedule as commands show it: its record and its next run (none while paused). */
export interface ScheduleView {
  record: ScheduleRecord;
  next?: number;
}

export interface Schedules {
  add(input: {
    createdBy: string;
    expression: ScheduleExpression;
    request: JobRequest;
    queue?: QueueName;
  }): Promise<{ schedule: ScheduleView; nextRuns: number[] }>;
  list(): Promise<ScheduleView[]>;
  /** The schedule `id`; SCHEDULE_NOT_FOUND when there is none. */
  get(id: string): Promise<ScheduleRecord>;
  remove(id: string): Promise<ScheduleView>;
  pause(id: string): Promise<ScheduleView>;
  resume(id: string): Promise<ScheduleView>;
  /** One run now, through the same tick path as the scheduled ones. */
  run(id: string): Promise<ScheduleView>;
  /** Makes BullMQ's schedulers match the records (after a crash between the two). */
  reconcile(): Promise<{ added: number; removed: number }>;
}

export interface SchedulesOptions {
  store: ScheduleStore;
  queue: ScheduleQueue;
  /** SCHEDULE_TZ: the time zone of new cron schedules. */
  timeZone: string;
  /** SCHEDULE_MIN_INTERVAL_MS: the shortest time between two runs. */
  minIntervalMs: number;
  now?: () => number;
}

function notFound(id: string): AgentOpsError {
  return new AgentOpsError(
    ErrorCode.ScheduleNotFound,
    `There is no schedule ${id}. See the schedule list for the ids there are.`,
    { details: { id } },
  );
}

function seconds(ms: number): string {
  return ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms} ms`;
}

export function createSchedules(options: SchedulesOptions): Schedules {
  const { store, queue } = options;
  const now = options.now ?? Date.now;

  const get = async (id: string) => {
    const record = await store.get(id);
    if (!record) throw notFound(id);
    return record;
  };
  const views = async (records: ScheduleRecord[]): Promise<ScheduleView[]> => {
    const next = new Map((await queue.list()).map((entry) => [entry.id, entry.next] as const));
    return records.map((record) => {
      const at = record.paused ? undefined : next.get(record.id);
      return { record, ...(at === undefined ? {} : { next: at }) };
    });
  };
  const view = async (record: ScheduleRecord) => (await views([record]))[0] ?? { record };

  return {
    async add(input) {
      const at = now();
      const gap = shortestGapMs(input.expression, options.timeZone, at);
      if (gap < options.minIntervalMs)
        throw new AgentOpsError(
          ErrorCode.Usage,
          `${describeExpression(input.expression, options.timeZone)} would run every ${seconds(gap)}; the shortest interval allowed is ${seconds(options.minIntervalMs)} (SCHEDULE_MIN_INTERVAL_MS).`,
          { details: { gapMs: gap, minIntervalMs: options.minIntervalMs } },
        );
      const record: ScheduleRecord = {
        id: await store.nextId(),
        expression: input.expression,
        timeZone: options.timeZone,
        request: input.request,
        ...(input.queue ? { queue: input.queue } : {}),
        createdBy: input.createdBy,
        createdAt: at,
        paused: false,
      };
      await store.save(record);
      await queue.upsert(record.id, record.expression, record.timeZone);
      return { schedule: await view(record), nextRuns: nextRuns(record.expression, record.timeZone, at, 3) };
    },
    async list() {
      return views(await store.all());
    },
    get,
    async remove(id) {
      const record = await get(id);
      await store.delete(id);
      await queue.remove(id);
      return { record };
    },
    async pause(id) {
      const record = await get(id);
      const paused = { ...record, paused: true };
      await store.save(paused);
      await queue.remove(id);
      return { record: paused };
    },
    async resume(id) {
      const record = await get(id);
      const resumed = { ...record, paused: false };
      await store.save(resumed);
      await queue.upsert(id, resumed.expression, resumed.timeZone);
      return view(resumed);
    },
    async run(id) {
      const record = await get(id);
      await queue.runNow(id);
      return view(record);
    },
    async reconcile() {
      const [records, schedulers] = await Promise.all([store.all(), queue.list()]);
      const running = new Set(schedulers.map((entry) => entry.id));
      const wanted = new Set(records.filter((record) => !record.paused).map((record) => record.id));
      let added = 0;
      let removed = 0;
      for (const record of records)
        if (!record.paused && !running.has(record.id)) {
          await queue.upsert(record.id, record.expression, record.timeZone);
          added += 1;
        }
      for (const entry of schedulers)
        if (!wanted.has(entry.id)) {
          await queue.remove(entry.id);
          removed += 1;
        }
      return { added, removed };
    },
  };
}
