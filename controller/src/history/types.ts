// What the rest of the controller may ask of the job history (the SQL store
// in this folder): the contract between the history and its readers (the
// REST API, `inspect`, `/queue history`, the receipt estimate). Pure types.
import type { JobPriority, JobSource, JobStatus, QueueName } from '@agentops/core';

/** One job as the history knows it: its whole life, kept HISTORY_DAYS. */
export interface HistoryJob {
  id: string;
  queue: QueueName;
  priority: JobPriority;
  status: JobStatus;
  text: string;
  source: JobSource;
  requestedBy: string;
  workspace?: string;
  /** How it was routed: keyword, llm, default, explicit. */
  routing: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  attempts: number;
  durationMs?: number;
  costUsd?: number;
  turns?: number;
  /** The answer (completed) or the failure reason (failed). */
  answer?: string;
  failedReason?: string;
  /** The trigger's kind and name when no person typed it (api, webhook, schedule). */
  trigger?: string;
}

export interface HistoryFilter {
  status?: JobStatus;
  queue?: QueueName;
  requestedBy?: string;
  /** Full-text search over the job text and its answer. */
  text?: string;
  /** Most rows returned (1..200). */
  limit: number;
  /** Opaque: the `nextCursor` of the page before. */
  cursor?: string;
}

export interface HistoryPage {
  jobs: HistoryJob[];
  /** Present when there are more rows. */
  nextCursor?: string;
}

/** The reading side of the history, for every consumer outside this folder. */
export interface HistoryReader {
  get(id: string): Promise<HistoryJob | undefined>;
  /** Newest first. */
  list(filter: HistoryFilter): Promise<HistoryPage>;
}
