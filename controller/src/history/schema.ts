// The history's tables as Kysely sees them: one row per job, and the feed's
// place in each queue's event stream. Column names are SQL's (snake_case);
// rows.ts turns them into HistoryJob. Times are epoch milliseconds.
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface JobsTable {
  /** The job id ("42") as a number: SQLite's rowid (FTS5 external content), PostgreSQL's bigint key. */
  id: number;
  queue: string;
  priority: number;
  status: string;
  text: string;
  source: string;
  requested_by: string;
  workspace: string | null;
  /** keyword, llm, default or explicit. */
  routing: string;
  /** The routing decision as JSON (confidence, patterns, reason), for `inspect`. */
  routing_detail: string | null;
  /** "<kind>:<name>" of the API token, webhook or schedule that started it. */
  trigger: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  attempts: number;
  duration_ms: number | null;
  cost_usd: number | null;
  turns: number | null;
  answer: string | null;
  failed_reason: string | null;
  /** Stream events applied to this row: each exactly once, so replays are visible here. */
  events: Generated<number>;
  updated_at: number;
}

export interface FeedCursorsTable {
  queue: string;
  stream_id: string;
}

/** SQLite only: the FTS5 index of jobs (text, answer, failed_reason), rowid = jobs.id. */
export interface JobsFtsTable {
  rowid: number;
  jobs_fts: string;
}

export interface HistorySchema {
  jobs: JobsTable;
  feed_cursors: FeedCursorsTable;
  jobs_fts: JobsFtsTable;
}

export type JobRow = Selectable<JobsTable>;
export type NewJobRow = Insertable<JobsTable>;
export type JobRowPatch = Updateable<JobsTable>;
