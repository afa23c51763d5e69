// A history row as the readers see it (HistoryJob). Pure.
import {
  isQueueName,
  JOB_SOURCES,
  JOB_STATUSES,
  type JobPriority,
  type JobSource,
  type JobStatus,
} from '@agentops/core';
import type { HistoryJob } from './types.js';
import type { JobRow } from './schema.js';

const oneOf = <T extends string>(values: readonly T[], value: string, fallback: T): T =>
  (values as readonly string[]).includes(value) ? (value as T) : fallback;

export function toHistoryJob(row: JobRow): HistoryJob {
  const job: HistoryJob = {
    id: String(row.id),
    queue: isQueueName(row.queue) ? row.queue : 'local',
    priority: ([1, 2, 3].includes(row.priority) ? row.priority : 3) as JobPriority,
    status: oneOf<JobStatus>(JOB_STATUSES, row.status, 'unknown'),
    text: row.text,
    source: oneOf<JobSource>(JOB_SOURCES, row.source, 'cli'),
    requestedBy: row.requested_by,
    routing: row.routing,
    createdAt: row.created_at,
    attempts: row.attempts,
  };
  if (row.workspace !== null) job.workspace = row.workspace;
  if (row.started_at !== null) job.startedAt = row.started_at;
  if (row.finished_at !== null) job.finishedAt = row.finished_at;
  if (row.duration_ms !== null) job.durationMs = row.duration_ms;
  if (row.cost_usd !== null) job.costUsd = row.cost_usd;
  if (row.turns !== null) job.turns = row.turns;
  if (row.answer !== null) job.answer = row.answer;
  if (row.failed_reason !== null) job.failedReason = row.failed_reason;
  if (row.trigger !== null) job.trigger = row.trigger;
  return job;
}
