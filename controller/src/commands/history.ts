// The history commands for `execute`: `history` (a page of past jobs),
// `stats` (per queue and day), and `inspect` of a job BullMQ no longer keeps,
// answered from the history. Presentation is the front ends'.
import { AgentOpsError, ErrorCode, isCodedError } from '@agentops/core';
import type { HistoryJob, HistoryPage, HistoryQueries, QueueDayStats } from '../history/types.js';
import type { JobDetails, QueueManager } from '../queue/manager.js';
import type { HistoryQuery } from './history-args.js';

export type HistoryCommandOutcome =
  | { kind: 'history'; query: HistoryQuery; page: HistoryPage }
  | { kind: 'stats'; days: number; stats: QueueDayStats[] }
  /** `inspect` of a job only the history still knows. */
  | { kind: 'past'; job: HistoryJob };

/** Rows `history` shows unless told otherwise, and at most. */
export const HISTORY_LIMIT = 20;
const HISTORY_MAX = 200;
/** Days `stats` covers. */
export const STATS_DAYS = 7;

function requireHistory(history: HistoryQueries | undefined): HistoryQueries {
  if (!history)
    throw new AgentOpsError(
      ErrorCode.HistoryUnavailable,
      'The job history is not available here: the controller writes it once it runs (the embedded database in its data folder, or DATABASE_URL). Start the controller, or set the same DATABASE_URL and AGENTOPS_DATA_DIR as it has.',
    );
  return history;
}

export async function historyPage(
  history: HistoryQueries | undefined,
  query: HistoryQuery,
  limit = HISTORY_LIMIT,
): Promise<HistoryCommandOutcome> {
  const page = await requireHistory(history).list({ ...query, limit: Math.min(limit, HISTORY_MAX) });
  return { kind: 'history', query, page };
}

export async function historyStats(history: HistoryQueries | undefined): Promise<HistoryCommandOutcome> {
  return { kind: 'stats', days: STATS_DAYS, stats: await requireHistory(history).stats(STATS_DAYS) };
}

/** The job from BullMQ, or from the history when BullMQ no longer has it; BullMQ's "no such job" otherwise. */
export async function inspectOrPast(
  manager: QueueManager,
  history: HistoryQueries | undefined,
  id: string,
): Promise<{ kind: 'inspect'; job: JobDetails } | HistoryCommandOutcome> {
  try {
    return { kind: 'inspect', job: await manager.inspect(id) };
  } catch (error) {
    if (!history || !isCodedError(error, ErrorCode.JobNotFound)) throw error;
    const past = await history.get(id).catch(() => undefined);
    if (!past) throw error;
    return { kind: 'past', job: past };
  }
}

/** A CLI job's text, answer and failure shown as `hidden` to those who may not see CLI jobs. */
export function hideCliJobs(outcome: HistoryCommandOutcome, hidden: string): HistoryCommandOutcome {
  const hide = (job: HistoryJob): HistoryJob => {
    if (job.source !== 'cli') return job;
    const { answer: _answer, failedReason: _reason, ...rest } = job;
    return { ...rest, text: hidden };
  };
  if (outcome.kind === 'past') return { ...outcome, job: hide(outcome.job) };
  if (outcome.kind === 'history') return { ...outcome, page: { ...outcome.page, jobs: outcome.page.jobs.map(hide) } };
  return outcome;
}
