// The messages that show where a job stands in its thread: the one progress
// message (edited in place from "working" to the outcome) and the final
// failure or cancellation notice with its Retry button. Pure.
import {
  ACTION_IDS,
  actionsBlock,
  buttonElement,
  contextBlock,
  escapeMrkdwn,
  jobButtonValue,
  mention,
  sectionBlock,
  truncate,
  type JobStats,
  type SlackMessage,
} from '@agentops/core';
import type { Attempt } from '../runtime/runtime.js';
import { formatCost, formatDuration, plural } from './format.js';

/** Longest failure reason shown; the full one is in the logs and `agentops inspect`. */
const REASON_MAX = 2_000;
/** Longest progress step shown ("Editing src/app.ts"). */
const STEP_MAX = 200;
/** Context elements are short lines; keep each well inside the section limit. */
const CONTEXT_MAX = 1_000;

const joinDetails = (parts: (string | undefined)[]) =>
  parts.filter((part): part is string => Boolean(part)).join(' · ');
const attemptLabel = (attempt: Attempt) => `attempt ${attempt.n}/${attempt.max}`;
const reasonText = (reason: string) => escapeMrkdwn(truncate(reason.trim(), REASON_MAX));

export interface ProgressView {
  workerName: string;
  attempt: Attempt;
  elapsedMs?: number;
  turns?: number;
  step?: string;
}

export function progressMessage(view: ProgressView): SlackMessage {
  const headline = `Working on it… ${attemptLabel(view.attempt)}`;
  const details = joinDetails([
    escapeMrkdwn(view.workerName),
    view.elapsedMs === undefined ? undefined : formatDuration(view.elapsedMs),
    view.turns === undefined ? undefined : plural(view.turns, 'turn'),
    view.step ? escapeMrkdwn(truncate(view.step, STEP_MAX)) : undefined,
  ]);
  return {
    text: headline,
    blocks: [sectionBlock(`:hourglass_flowing_sand: ${headline}`), contextBlock(truncate(details, CONTEXT_MAX))],
  };
}

export interface OutcomeView {
  workerName: string;
  /** 0 when unknown (a result recovered after a crash). */
  elapsedMs: number;
  stats?: JobStats;
}

/** "Done in 12 s" with cost, turns, model and permission denials when the processor reported them. */
export function outcomeMessage(view: OutcomeView): SlackMessage {
  const { stats } = view;
  const headline = view.elapsedMs > 0 ? `Done in ${formatDuration(view.elapsedMs)}` : 'Done';
  const denials = stats?.permissionDenials ?? [];
  const deniedTools = [...new Set(denials.map((denial) => denial.tool))].join(', ');
  const details = joinDetails([
    escapeMrkdwn(view.workerName),
    stats?.model ? escapeMrkdwn(stats.model) : undefined,
    stats?.costUsd === undefined ? undefined : formatCost(stats.costUsd),
    stats?.turns === undefined ? undefined : plural(stats.turns, 'turn'),
    denials.length > 0 ? `${plural(denials.length, 'permission denial')} (${escapeMrkdwn(deniedTools)})` : undefined,
  ]);
  return {
    text: headline,
    blocks: [sectionBlock(`:white_check_mark: ${headline}`), contextBlock(truncate(details, CONTEXT_MAX))],
  };
}

export interface FailureView {
  jobId: string;
  workerName: string;
  attempt: Attempt;
  /** The coded error's message: what happened and what to do. */
  reason: string;
}

/** The progress message after an attempt failed and BullMQ will try again. */
export function retryingMessage(view: FailureView): SlackMessage {
  const headline = `Attempt ${view.attempt.n}/${view.attempt.max} failed: ${reasonText(view.reason)}; retrying`;
  return {
    text: `Attempt ${view.attempt.n}/${view.attempt.max} failed; retrying`,
    blocks: [sectionBlock(`:warning: ${headline}`), contextBlock(escapeMrkdwn(view.workerName))],
  };
}

/** The progress message once the job has failed for good (the reason follows in its own post). */
export function failedStatusMessage(view: FailureView): SlackMessage {
  const headline = `Failed on ${attemptLabel(view.attempt)}`;
  return { text: headline, blocks: [sectionBlock(`:x: ${headline}`), contextBlock(escapeMrkdwn(view.workerName))] };
}

const retryButton = (jobId: string) =>
  actionsBlock(buttonElement(ACTION_IDS.retry, 'Retry', jobButtonValue(jobId), 'primary'));

/** The post that tells the thread a job failed for good, why, and offers to run it again. */
export function failureMessage(view: FailureView): SlackMessage {
  return {
    text: `Job #${view.jobId} failed: ${truncate(view.reason, 300)}`,
    blocks: [
      sectionBlock(`:x: *Job #${view.jobId} failed* (${attemptLabel(view.attempt)})\n${reasonText(view.reason)}`),
      retryButton(view.jobId),
    ],
  };
}

export interface CancelView {
  jobId: string;
  workerName: string;
  /** Slack user id or "cli:<user>". */
  by: string;
}

export function cancelledStatusMessage(view: CancelView): SlackMessage {
  const headline = `Cancelled by ${mention(view.by)}`;
  return {
    text: `Cancelled by ${view.by}`,
    blocks: [sectionBlock(`:no_entry_sign: ${headline}`), contextBlock(escapeMrkdwn(view.workerName))],
  };
}

/** Not a failure: says who stopped the job, and offers to run it again. */
export function cancelledMessage(view: CancelView): SlackMessage {
  return {
    text: `Job #${view.jobId} cancelled by ${view.by}`,
    blocks: [
      sectionBlock(`:no_entry_sign: Job #${view.jobId} was cancelled by ${mention(view.by)}.`),
      retryButton(view.jobId),
    ],
  };
}

/** The progress message of a job that a stopping worker handed back to the queue. */
export function interruptedStatusMessage(workerName: string): SlackMessage {
  const headline = 'Interrupted: the worker stopped; the job is back in the queue and will run again';
  return {
    text: headline,
    blocks: [sectionBlock(`:pause_button: ${headline}.`), contextBlock(escapeMrkdwn(workerName))],
  };
}
