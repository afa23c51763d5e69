// Past jobs as the memory hands them out, read back from Qdrant payloads. Pure.
import { isQueueName, type QueueName } from '@agentops/shared';
import type { ScoredPoint } from './collection.js';
import type { RememberedStatus } from './summary.js';

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
}

const STATUSES = new Set<string>(['completed', 'failed', 'cancelled']);

/** Points whose payload is not ours (or is damaged) are left out rather than shown half. */
export function toPastJob(point: ScoredPoint): PastJob | undefined {
  const { payload } = point;
  if (typeof payload.jobId !== 'string' || typeof payload.text !== 'string') return undefined;
  if (typeof payload.queue !== 'string' || !isQueueName(payload.queue)) return undefined;
  if (typeof payload.status !== 'string' || !STATUSES.has(payload.status)) return undefined;
  const job: PastJob = { jobId: payload.jobId, queue: payload.queue, status: payload.status, text: payload.text, score: point.score };
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
