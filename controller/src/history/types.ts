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

/** What the history knows of how a past job ended: the receipt's estimate reads it. */
export interface HistoryOutcome {
  id: string;
  status: JobStatus;
  durationMs?: number;
  costUsd?: number;
}

/** One queue on one day (UTC) of `/queue stats`: jobs created that day and how they went. */
export interface QueueDayStats {
  queue: QueueName;
  /** YYYY-MM-DD, UTC. */
  day: string;
  jobs: number;
  completed: number;
  failed: number;
  /** completed / (completed + failed); undefined while none has finished. */
  successRate?: number;
  /** Run time of the completed jobs. */
  p50Ms?: number;
  p95Ms?: number;
  /** Sum of the jobs' reported cost (Claude runs). */
  costUsd: number;
}

/** The history's summaries: per-day statistics, and the outcomes of given jobs (one indexed query). */
export interface HistoryInsights {
  /** The last `days` days up to `now`, newest day first, queues in QUEUE_NAMES order; days without jobs left out. */
  stats(days: number, now?: number): Promise<QueueDayStats[]>;
  /** The jobs among `ids` the history knows, in no particular order. */
  outcomes(ids: readonly string[]): Promise<HistoryOutcome[]>;
}

/** Everything the controller's readers may ask of the history. */
export type HistoryQueries = HistoryReader & HistoryInsights;
