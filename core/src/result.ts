// What a processor returns, what a finished job stores as its return value, and
// the progress a running job reports. Producers and readers share it.

export interface PermissionDenial {
  tool: string;
  input?: unknown;
}

export interface JobStats {
  durationMs?: number;
  costUsd?: number;
  /** Tokens the run used: input (cache reads and writes included) and output. */
  tokens?: number;
  turns?: number;
  sessionId?: string;
  model?: string;
  permissionDenials?: PermissionDenial[];
  /** The folder Claude worked in (a workspace, a worktree or a conversation folder), for the terminal handoff. */
  workdir?: string;
  /** The job's git worktree branch, when it ran in one. */
  branch?: string;
  /** `git diff --stat` of the branch against where it started. */
  diffstat?: string;
}

export interface JobResult {
  /** The answer, in Markdown as the model wrote it. */
  text: string;
  stats?: JobStats;
}

/** What progress a processor reports while it works (shown live in Slack). */
export interface ProgressUpdate {
  /** e.g. "Editing src/app.ts" or "Running npm test". */
  step?: string;
  turns?: number;
}
