// The body of an outbound callback: a finished API job's id, status, queue,
// answer or failure reason and stats, as JSON. Pure. The answer is cut so a
// long one cannot make a callback larger than receivers usually accept.
import { truncate, type JobData, type JobStats } from '@agentops/core';

/** Longest answer a callback carries; the full one is at GET /api/jobs/:id. */
export const CALLBACK_ANSWER_LENGTH = 100_000;

export type FinalStatus = 'completed' | 'failed' | 'cancelled';

export interface CallbackPayload {
  id: string;
  status: FinalStatus;
  queue: JobData['queue'];
  text: string;
  requestedBy: string;
  createdAt: number;
  finishedAt: number;
  attempts: number;
  answer?: string;
  failedReason?: string;
  cancelledBy?: string;
  stats?: JobStats;
}

export interface EndedJob {
  data: JobData;
  status: FinalStatus;
  finishedAt: number;
  attempts: number;
  /** The worker's result (completed). */
  result?: { text?: unknown; stats?: JobStats };
  failedReason?: string;
  cancelledBy?: string;
}

export function callbackPayload(job: EndedJob): CallbackPayload {
  const answer = typeof job.result?.text === 'string' ? truncate(job.result.text, CALLBACK_ANSWER_LENGTH) : undefined;
  return {
    id: job.data.id,
    status: job.status,
    queue: job.data.queue,
    text: job.data.text,
    requestedBy: job.data.requestedBy,
    createdAt: job.data.createdAt,
    finishedAt: job.finishedAt,
    attempts: job.attempts,
    ...(answer !== undefined && job.status === 'completed' ? { answer } : {}),
    ...(job.failedReason && job.status === 'failed' ? { failedReason: job.failedReason } : {}),
    ...(job.cancelledBy ? { cancelledBy: job.cancelledBy } : {}),
    ...(job.result?.stats ? { stats: job.result.stats } : {}),
  };
}
