// The job memory's records, both ways. Pure. In: what it keeps of a finished
// job (the text that is embedded, the payload stored beside the vector, the
// point id). Out: past jobs as it hands them out, read back from payloads.
import { createHash } from 'node:crypto';
import { isQueueName, priorityLabel, type JobPriority, type JobResult, type QueueName } from '@agentops/core';
import type { JobDetails } from '../queue/manager.js';
import type { HistoryOutcome } from '../history/types.js';

export type RememberedStatus = 'completed' | 'failed' | 'cancelled';

/** A finished job, as the completion feed reads it from Redis. */
export interface FinishedJobRecord {
  id: string;
  queue: QueueName;
  priority: JobPriority;
  status: RememberedStatus;
  text: string;
  requestedBy: string;
  createdAt: number;
  finishedAt: number;
  /** The worker's answer (JobResult.text), when it completed. */
  answer?: string;
  failedReason?: string;
  costUsd?: number;
  slack?: { channel: string; receiptTs?: string };
}

/** The payload of a point; field names are what `find` and receipts read back. */
export interface JobMemoryPayload {
  jobId: string;
  queue: QueueName;
  priority: JobPriority;
  user: string;
  channel?: string;
  receiptTs?: string;
  text: string;
  summary: string;
  status: RememberedStatus;
  costUsd?: number;
  /** ISO 8601, for people reading the collection in Qdrant's dashboard. */
  completedAt: string;
  completedAtMs: number;
}

/** How much of the answer goes into the summary: enough to recognise it, little enough to embed fast. */
export const ANSWER_EXCERPT_CHARS = 600;
/** Upper bound of the embedded text; embedding models cut longer input anyway. */
export const SUMMARY_MAX_CHARS = 2_000;

function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  // Cut on a code point boundary so no half emoji reaches the model.
  return `${Array.from(flat.slice(0, max)).slice(0, -1).join('')}…`;
}

export function describeOutcome(job: Pick<FinishedJobRecord, 'status' | 'failedReason'>): string {
  if (job.status === 'failed' && job.failedReason) return `failed: ${excerpt(job.failedReason, 200)}`;
  return job.status;
}

/** The text that is embedded: the request, the outcome and the first part of the answer. */
export function summarize(job: FinishedJobRecord): string {
  const lines = [
    `Request: ${excerpt(job.text, SUMMARY_MAX_CHARS / 2)}`,
    `Outcome: ${describeOutcome(job)} on ${job.queue} (${priorityLabel(job.priority)})`,
  ];
  if (job.answer) lines.push(`Answer: ${excerpt(job.answer, ANSWER_EXCERPT_CHARS)}`);
  // Each part is bounded, so the whole stays under SUMMARY_MAX_CHARS.
  return lines.join('\n');
}

export function toPayload(job: FinishedJobRecord, summary: string): JobMemoryPayload {
  const payload: JobMemoryPayload = {
    jobId: job.id,
    queue: job.queue,
    priority: job.priority,
    user: job.requestedBy,
    text: job.text,
    summary,
    status: job.status,
    completedAt: new Date(job.finishedAt).toISOString(),
    completedAtMs: job.finishedAt,
  };
  if (job.slack) {
    payload.channel = job.slack.channel;
    if (job.slack.receiptTs) payload.receiptTs = job.slack.receiptTs;
  }
  if (job.costUsd !== undefined) payload.costUsd = job.costUsd;
  return payload;
}

/** Namespace of AgentOps point ids (a fixed random UUID; changing it would duplicate every memory). */
const POINT_NAMESPACE = 'a5d3c0b4-6f2e-4c71-9a8e-3b1f0d2c7e65';

/** RFC 4122 version 5 (SHA-1, name-based) UUID. */
export function uuidV5(name: string, namespace: string = POINT_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The point id of a job: the same job always maps to the same point, so a
 * replayed completion (or a retried job finishing again) overwrites instead of
 * adding a copy. The Redis prefix and creation time keep two installations, or
 * a job id reused after Redis was wiped, apart.
 */
export function pointIdFor(prefix: string, job: Pick<FinishedJobRecord, 'id' | 'createdAt'>): string {
  return uuidV5(`${prefix}:${job.id}:${job.createdAt}`);
}
// Past jobs as the memory hands them out, read back from Qdrant payloads.

/** A nearest-neighbour hit as Qdrant returns it. */
export interface ScoredPoint {
  id: string;
  score: number;
  payload: Partial<JobMemoryPayload>;
}

export interface PastJob {
  jobId: string;
  queue: QueueName;
  status: RememberedStatus;
  text: string;
  /** Cosine similarity to the text looked up, -1..1. */
  score: number;
  summary?: string;
  channel?: string;
  receiptTs?: string;
  completedAt?: string;
  costUsd?: number;
  /** How it ended as the job history knows it (run time, cost, outcome), for the receipt's estimate. */
  history?: HistoryOutcome;
}

const STATUSES = new Set<string>(['completed', 'failed', 'cancelled']);

/** Points whose payload is not ours (or is damaged) are left out rather than shown half. */
export function toPastJob(point: ScoredPoint): PastJob | undefined {
  const { payload } = point;
  if (typeof payload.jobId !== 'string' || typeof payload.text !== 'string') return undefined;
  if (typeof payload.queue !== 'string' || !isQueueName(payload.queue)) return undefined;
  if (typeof payload.status !== 'string' || !STATUSES.has(payload.status)) return undefined;
  const job: PastJob = {
    jobId: payload.jobId,
    queue: payload.queue,
    status: payload.status,
    text: payload.text,
    score: point.score,
  };
  if (typeof payload.summary === 'string') job.summary = payload.summary;
  if (typeof payload.channel === 'string') job.channel = payload.channel;
  if (typeof payload.receiptTs === 'string') job.receiptTs = payload.receiptTs;
  if (typeof payload.completedAt === 'string') job.completedAt = payload.completedAt;
  if (typeof payload.costUsd === 'number') job.costUsd = payload.costUsd;
  return job;
}

/** Best first, one entry per job, only those at or above `threshold`, at most `limit`. */
export function pickMatches(points: ScoredPoint[], limit: number, threshold = -1, excludeJobId?: string): PastJob[] {
  const seen = new Set<string>();
  const jobs: PastJob[] = [];
  for (const point of [...points].sort((a, b) => b.score - a.score)) {
    const job = toPastJob(point);
    if (!job || job.score < threshold || job.jobId === excludeJobId || seen.has(job.jobId)) continue;
    seen.add(job.jobId);
    jobs.push(job);
    if (jobs.length >= limit) break;
  }
  return jobs;
}
// What the memory keeps from a finished job's details.

export type FinishedOutcome = 'completed' | 'failed';

function resultOf(details: JobDetails): Partial<JobResult> {
  return typeof details.result === 'object' && details.result !== null ? (details.result as Partial<JobResult>) : {};
}

/** `receiptTs`: the job's receipt, which the delivery service posted (the job's data predates it). */
export function toFinishedRecord(details: JobDetails, outcome: FinishedOutcome, receiptTs?: string): FinishedJobRecord {
  const result = resultOf(details);
  const record: FinishedJobRecord = {
    id: details.id,
    queue: details.queue,
    priority: details.priority,
    // A cancelled job fails in BullMQ; the cancel record says what a person did.
    status: details.status === 'cancelled' ? 'cancelled' : outcome,
    text: details.data.text,
    requestedBy: details.data.requestedBy,
    createdAt: details.data.createdAt,
    finishedAt: details.finishedAt ?? Date.now(),
  };
  if (typeof result.text === 'string' && result.text.length > 0) record.answer = result.text;
  if (outcome === 'failed' && details.failedReason) record.failedReason = details.failedReason;
  const cost = result.stats?.costUsd;
  if (typeof cost === 'number' && Number.isFinite(cost)) record.costUsd = cost;
  if (details.data.slack) {
    record.slack = {
      channel: details.data.slack.channel,
      ...(receiptTs ? { receiptTs } : {}),
    };
  }
  return record;
}
