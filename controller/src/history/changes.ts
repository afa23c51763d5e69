// What BullMQ's events of one batch change in the history's rows. Pure: the
// feed reads the events and each job's current state from BullMQ, and this
// folds them, in order, into one insert-or-update per job. A row is inserted
// from the job's data (the stream's entries carry only its id); when BullMQ no
// longer has the job, its completion still updates the row from the event
// (which carries the return value), and nothing is invented for a job the
// history never saw.
import { jobDataSchema, type JobData, type JobResult, type JobStatus } from '@agentops/core';
import type { JobRowPatch, NewJobRow } from './schema.js';

/** One entry of a queue's event stream, with its fields. */
export interface StreamEvent {
  /** The stream id ("ms-seq"); its time is when BullMQ wrote it. */
  streamId: string;
  at: number;
  event: string;
  /** The short job id ("42"). */
  jobId: string;
  fields: Record<string, string>;
}

/** A job as BullMQ has it when its events are handled (it may be further along than the events). */
export interface JobSnapshot {
  data: unknown;
  priority?: number;
  createdAt?: number;
  startedAt?: number;
  finishedAt?: number;
  attemptsMade: number;
  failedReason?: string;
  result?: unknown;
  /** A cancel record exists: its failure or removal was a person's cancel. */
  cancelled?: boolean;
}

export interface RowChange {
  id: number;
  /** The whole row, when the job's data is known; else only `patch` applies, to a row already there. */
  insert?: NewJobRow;
  patch: JobRowPatch;
  /** Events of this batch applied to the row. */
  events: number;
  /** Apply only to a row that has not ended (a removal after the job's end says nothing new). */
  onlyIfOpen: boolean;
}

/** The events the history follows; the others (progress, stalled, priority…) change nothing it keeps. */
export const HISTORY_EVENTS = new Set(['added', 'waiting', 'delayed', 'active', 'completed', 'failed', 'removed']);

function parseJson(raw: string | undefined): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function asResult(value: unknown): JobResult | undefined {
  return typeof value === 'object' && value !== null && typeof (value as JobResult).text === 'string'
    ? (value as JobResult)
    : undefined;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The "<kind>:<name>" of what started a job no person typed. */
function triggerOf(data: JobData): string | null {
  return data.trigger ? `${data.trigger.kind}:${data.trigger.name}` : null;
}

function baseRow(data: JobData, snapshot: JobSnapshot, now: number): NewJobRow {
  return {
    id: Number(data.id),
    queue: data.queue,
    priority: snapshot.priority || data.priority,
    status: 'waiting',
    text: data.text,
    source: data.source,
    requested_by: data.requestedBy,
    workspace: data.workspace ?? null,
    routing: data.routing.method,
    routing_detail: JSON.stringify(data.routing),
    trigger: triggerOf(data),
    created_at: data.createdAt || snapshot.createdAt || now,
    attempts: 0,
    updated_at: now,
  };
}

/** What one event changes, given the job as BullMQ has it now (or undefined when it is gone). */
function patchFor(event: StreamEvent, snapshot: JobSnapshot | undefined): JobRowPatch | undefined {
  switch (event.event) {
    case 'added':
    case 'waiting':
      return { status: 'waiting' satisfies JobStatus };
    case 'delayed':
      return { status: 'delayed' satisfies JobStatus };
    case 'active':
      return {
        status: 'active' satisfies JobStatus,
        started_at: snapshot?.startedAt ?? event.at,
        attempts: Math.max(1, (snapshot?.attemptsMade ?? 0) + (snapshot?.finishedAt ? 0 : 1)),
      };
    case 'completed': {
      const result = asResult(parseJson(event.fields.returnvalue)) ?? asResult(snapshot?.result);
      const finished = snapshot?.finishedAt ?? event.at;
      const ran = snapshot?.startedAt ? finished - snapshot.startedAt : undefined;
      const patch: JobRowPatch = {
        status: 'completed' satisfies JobStatus,
        finished_at: finished,
        failed_reason: null,
        answer: result?.text ?? null,
        cost_usd: finite(result?.stats?.costUsd) ?? null,
        turns: finite(result?.stats?.turns) ?? null,
        duration_ms: finite(result?.stats?.durationMs) ?? ran ?? null,
      };
      if (snapshot) patch.attempts = Math.max(1, snapshot.attemptsMade);
      return patch;
    }
    case 'failed': {
      const finished = snapshot?.finishedAt ?? event.at;
      const patch: JobRowPatch = {
        status: (snapshot?.cancelled ? 'cancelled' : 'failed') satisfies JobStatus,
        finished_at: finished,
        failed_reason: snapshot?.failedReason || event.fields.failedReason || 'unknown failure',
        duration_ms: snapshot?.startedAt ? finished - snapshot.startedAt : null,
      };
      if (snapshot) patch.attempts = Math.max(1, snapshot.attemptsMade);
      return patch;
    }
    case 'removed':
      // Removed by a person's cancel while it waited; BullMQ's own trimming of old jobs leaves the row as it was.
      return snapshot?.cancelled ? { status: 'cancelled' satisfies JobStatus, finished_at: event.at } : undefined;
    default:
      return undefined;
  }
}

/**
 * One change per job of the batch, in the order the jobs first appear: the
 * events' patches applied in stream order (a later one wins), on top of the
 * row built from the job's data.
 */
export function changesFor(
  events: readonly StreamEvent[],
  snapshots: ReadonlyMap<string, JobSnapshot | undefined>,
  now: number,
): RowChange[] {
  const changes = new Map<string, RowChange>();
  for (const event of events) {
    if (!HISTORY_EVENTS.has(event.event) || !/^\d{1,15}$/.test(event.jobId)) continue;
    const snapshot = snapshots.get(event.jobId);
    const patch = patchFor(event, snapshot);
    let change = changes.get(event.jobId);
    if (!change) {
      const parsed = snapshot ? jobDataSchema.safeParse(snapshot.data) : undefined;
      change = {
        id: Number(event.jobId),
        ...(parsed?.success && snapshot ? { insert: baseRow(parsed.data, snapshot, now) } : {}),
        patch: { updated_at: now },
        events: 0,
        onlyIfOpen: false,
      };
      if (snapshot?.priority) change.patch.priority = snapshot.priority;
      changes.set(event.jobId, change);
    }
    change.events += 1;
    if (!patch) continue;
    Object.assign(change.patch, patch);
    change.onlyIfOpen = event.event === 'removed';
  }
  for (const change of changes.values()) if (change.insert) change.insert = { ...change.insert, ...change.patch };
  return [...changes.values()];
}
