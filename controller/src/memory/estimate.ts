// The receipt's pre-flight estimate: from the similar past jobs the card shows
// and what the job history knows of how each ended, one line such as
// "similar jobs took 2-4 min, about $0.30, 4 of 5 succeeded". Pure. No line
// when none of them is in the history (a guess from nothing is no estimate).
import { formatCost } from '@agentops/core';
import type { HistoryOutcome } from '../history/types.js';
import type { PastJob } from './records.js';

const ENDED = new Set(['completed', 'failed', 'cancelled']);

/** The past jobs with their outcomes from the history attached (those it does not know stay as they were). */
export function attachOutcomes(jobs: readonly PastJob[], outcomes: readonly HistoryOutcome[]): PastJob[] {
  const byId = new Map(outcomes.map((outcome) => [outcome.id, outcome]));
  return jobs.map((job) => {
    const outcome = byId.get(job.jobId);
    return outcome ? { ...job, history: outcome } : job;
  });
}

function median(sorted: readonly number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const UNITS = [
  { limit: 60_000, size: 1_000, name: 's' },
  { limit: 3_600_000, size: 60_000, name: 'min' },
  { limit: Number.POSITIVE_INFINITY, size: 3_600_000, name: 'h' },
] as const;

function unitOf(ms: number) {
  return UNITS.find((unit) => ms < unit.limit - unit.size / 2) ?? UNITS[2];
}

function amount(ms: number, unit: (typeof UNITS)[number]): number {
  return unit.name === 'h' ? Math.round((ms / unit.size) * 10) / 10 : Math.round(ms / unit.size);
}

/** "40 s", "2-4 min", "45 s-3 min": the shortest and longest run time, in the larger one's unit where it reads. */
export function durationRange(minMs: number, maxMs: number): string {
  const unit = unitOf(maxMs);
  const low = amount(minMs, unit);
  const high = Math.max(amount(maxMs, unit), 1);
  if (low === high) return `${high} ${unit.name}`;
  if (low >= 1) return `${low}-${high} ${unit.name}`;
  const small = unitOf(minMs);
  return `${Math.max(1, amount(minMs, small))} ${small.name}-${high} ${unit.name}`;
}

export function estimateLine(jobs: readonly PastJob[]): string | undefined {
  const known = jobs.flatMap((job) => (job.history && ENDED.has(job.history.status) ? [job.history] : []));
  if (known.length === 0) return undefined;
  const succeeded = known.filter((outcome) => outcome.status === 'completed');
  const durations = succeeded
    .flatMap((outcome) => (outcome.durationMs === undefined ? [] : [outcome.durationMs]))
    .sort((a, b) => a - b);
  const costs = known
    .flatMap((outcome) => (outcome.costUsd === undefined ? [] : [outcome.costUsd]))
    .sort((a, b) => a - b);
  const parts = [
    durations.length > 0 ? `took ${durationRange(durations[0] ?? 0, durations[durations.length - 1] ?? 0)}` : undefined,
    costs.length > 0 ? `about ${formatCost(median(costs))}` : undefined,
    `${succeeded.length} of ${known.length} succeeded`,
  ];
  return `similar jobs ${parts.filter(Boolean).join(', ')}`;
}
