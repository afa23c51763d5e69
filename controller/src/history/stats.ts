// `/queue stats` from the history's rows: per queue and UTC day, how many jobs
// were created, how many completed and failed, the median and 95th percentile
// run time of the completed ones, and their cost. Pure.
import { QUEUE_NAMES, type QueueName } from '@agentops/core';
import type { QueueDayStats } from './types.js';

export interface StatsRow {
  queue: string;
  created_at: number;
  status: string;
  duration_ms: number | null;
  cost_usd: number | null;
}

const DAY_MS = 86_400_000;

/** The value below which `p` (0..1) of the sorted values lie (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1];
}

/** The first millisecond of the window: midnight UTC `days - 1` days before `now`'s day. */
export function statsSince(days: number, now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS - (days - 1) * DAY_MS;
}

export function summarizeStats(rows: readonly StatsRow[]): QueueDayStats[] {
  const groups = new Map<string, { queue: QueueName; day: string; rows: StatsRow[] }>();
  for (const row of rows) {
    if (!(QUEUE_NAMES as readonly string[]).includes(row.queue)) continue;
    const day = new Date(row.created_at).toISOString().slice(0, 10);
    const key = `${day}|${row.queue}`;
    const group = groups.get(key) ?? { queue: row.queue as QueueName, day, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  const stats = [...groups.values()].map(({ queue, day, rows: dayRows }): QueueDayStats => {
    const completed = dayRows.filter((row) => row.status === 'completed');
    const failed = dayRows.filter((row) => row.status === 'failed').length;
    const durations = completed
      .map((row) => row.duration_ms)
      .filter((value): value is number => typeof value === 'number')
      .sort((a, b) => a - b);
    const finished = completed.length + failed;
    const p50 = percentile(durations, 0.5);
    const p95 = percentile(durations, 0.95);
    return {
      queue,
      day,
      jobs: dayRows.length,
      completed: completed.length,
      failed,
      ...(finished > 0 ? { successRate: completed.length / finished } : {}),
      ...(p50 === undefined ? {} : { p50Ms: p50 }),
      ...(p95 === undefined ? {} : { p95Ms: p95 }),
      costUsd: dayRows.reduce((sum, row) => sum + (row.cost_usd ?? 0), 0),
    };
  });
  return stats.sort((a, b) =>
    a.day === b.day ? QUEUE_NAMES.indexOf(a.queue) - QUEUE_NAMES.indexOf(b.queue) : a.day < b.day ? 1 : -1,
  );
}
