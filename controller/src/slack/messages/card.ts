// The job card: the receipt message, edited in place through the job's life.
// It shows the job's text, how it was routed, who asked and similar past jobs,
// and one line for where the job stands: queued (with its place in line and an
// estimate), working (since when, the latest step), waiting for a tool
// approval, retrying, done (time, cost,
// turns), failed, or cancelled. Its buttons follow the state: Cancel while the
// job waits or runs, Promote while it waits, Retry once it failed or was
// cancelled. The failure and cancel notices posted in the thread are here too.
// Pure.
import type { ActionsBlock } from '@slack/types';
import {
  ACTION_IDS,
  escapeMrkdwn,
  jobButtonValue,
  mention,
  priorityLabel,
  quote,
  SLACK_LIMITS,
  truncate,
  truncateMrkdwn,
  type JobData,
  type JobPriority,
  type JobStats,
} from '@agentops/core';
import { similarJobsText } from '../../memory/format.js';
import type { PastJob } from '../../memory/index.js';
import { button, context, section, TRUNCATED, withinLimits, type ControllerMessage } from './blocks.js';
import { formatCost, formatDuration, plural } from './format.js';
import { describeRoute } from './receipt.js';

export interface Attempt {
  n: number;
  max: number;
}

export type CardState =
  /** `after`: a follow-up waiting for that job of its thread to end; `limit`: its queue waits out Claude's limit. */
  | {
      kind: 'queued';
      position?: number;
      etaMs?: number;
      after?: string;
      limit?: { kind: 'usage_limit' | 'rate_limit' | 'overloaded'; resetAt: number };
      /** Held by a spent daily budget until `until` (the next UTC day), unless an admin allows it. */
      budget?: { which: 'code' | 'user'; limitUsd: number; spentUsd: number; until: number };
    }
  | { kind: 'running'; since: number; attempt: Attempt; step?: string; turns?: number }
  /** Its run asked to use a tool; the question is in the thread. The time limit does not count the wait. */
  | { kind: 'awaiting-approval'; tool: string; since: number }
  | { kind: 'retrying'; attempt: Attempt; reason: string }
  /** Back in the queue after its worker stopped; it runs again. */
  | { kind: 'interrupted' }
  | { kind: 'completed'; elapsedMs: number; stats?: JobStats }
  | { kind: 'failed'; attempt: Attempt; reason: string }
  | { kind: 'cancelled'; by: string };

export interface CardView {
  data: JobData;
  state: CardState;
  /** The job's current priority (promote changes it). */
  priority?: JobPriority;
  /** A line about what a person did, e.g. "Retried by <@U1>". */
  note?: string;
  similar?: readonly PastJob[];
  /** https://<team>.slack.com/, to link past jobs' threads. */
  workspaceUrl?: string;
}

/** Longest failure reason shown; the full one is in the logs and `agentops inspect`. */
const REASON_MAX = 1_500;
const STEP_MAX = 200;

const attemptLabel = (attempt: Attempt) => `attempt ${attempt.n}/${attempt.max}`;
/** A job that failed before its last attempt was not retried: waiting would not have helped. */
const finalAttemptLabel = (attempt: Attempt) =>
  attempt.n < attempt.max ? `attempt ${attempt.n}, not retried` : attemptLabel(attempt);
const reasonText = (reason: string) => escapeMrkdwn(truncate(reason.trim(), REASON_MAX));
const joinDetails = (parts: (string | undefined)[]) =>
  parts.filter((part): part is string => Boolean(part)).join(' · ');

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th'}`;
}

/** A time Slack shows in each reader's own time zone. */
function slackTime(ms: number): string {
  const seconds = Math.floor(ms / 1_000);
  return `<!date^${seconds}^{time_secs}|${new Date(ms).toISOString().slice(11, 19)} UTC>`;
}

const LIMIT_NAMES = {
  usage_limit: "Claude's usage limit",
  rate_limit: "the Anthropic API's rate limit",
  overloaded: 'the overloaded Anthropic API',
} as const;

/** The card's state line, and its plain-text form for notifications. */
function stateLine(state: CardState, queue: string): { mrkdwn: string; text: string } {
  switch (state.kind) {
    case 'queued': {
      const place = state.position ? `${ordinal(state.position)} in line` : undefined;
      const eta =
        state.etaMs === undefined
          ? undefined
          : state.etaMs === 0
            ? 'starting now'
            : `starts in about ${formatDuration(state.etaMs)}`;
      if (state.budget) {
        const whose = state.budget.which === 'code' ? "the code queue's" : "the requester's";
        return {
          mrkdwn: `:money_with_wings: Waiting: ${whose} daily budget of ${escapeMrkdwn(formatCost(state.budget.limitUsd))} is spent (${escapeMrkdwn(formatCost(state.budget.spentUsd))} today); it runs at ${slackTime(state.budget.until)}, or now if an admin allows it`,
          text: `waiting for ${state.budget.which === 'code' ? 'the code' : 'a personal'} budget`,
        };
      }
      if (state.limit)
        return {
          mrkdwn: `:hourglass: Waiting on *${queue}* for ${LIMIT_NAMES[state.limit.kind]} to lift at ${slackTime(state.limit.resetAt)}; it runs then by itself`,
          text: `waiting on ${queue} for ${LIMIT_NAMES[state.limit.kind]}`,
        };
      const details = joinDetails([state.after ? `waits for job #${state.after} in this thread` : place, eta]);
      return {
        mrkdwn: `:inbox_tray: Queued on *${queue}*${details ? ` · ${details}` : ''}`,
        text: `queued on ${queue}${details ? ` (${details})` : ''}`,
      };
    }
    case 'running': {
      const details = joinDetails([
        `since ${slackTime(state.since)}`,
        attemptLabel(state.attempt),
        state.turns === undefined ? undefined : plural(state.turns, 'turn'),
        state.step ? escapeMrkdwn(truncate(state.step, STEP_MAX)) : undefined,
      ]);
      return { mrkdwn: `:hourglass_flowing_sand: Working… ${details}`, text: 'working' };
    }
    case 'awaiting-approval':
      return {
        mrkdwn: `:raised_hand: Waiting for approval of *${escapeMrkdwn(truncate(state.tool, 80))}* in the thread (since ${slackTime(state.since)})`,
        text: 'waiting for approval',
      };
    case 'retrying':
      return {
        mrkdwn: `:warning: ${attemptLabel(state.attempt)} failed: ${reasonText(state.reason)}; retrying`,
        text: `attempt ${state.attempt.n}/${state.attempt.max} failed; retrying`,
      };
    case 'interrupted':
      return {
        mrkdwn: ':pause_button: Interrupted: its worker stopped; the job is back in the queue and runs again',
        text: 'interrupted; back in the queue',
      };
    case 'completed': {
      const { stats } = state;
      const denials = stats?.permissionDenials ?? [];
      const deniedTools = [...new Set(denials.map((denial) => denial.tool))].join(', ');
      const details = joinDetails([
        stats?.model ? escapeMrkdwn(stats.model) : undefined,
        // formatCost may say "<$0.01": a bare `<` would open a Slack link.
        stats?.costUsd === undefined ? undefined : escapeMrkdwn(formatCost(stats.costUsd)),
        stats?.turns === undefined ? undefined : plural(stats.turns, 'turn'),
        denials.length > 0
          ? `${plural(denials.length, 'permission denial')} (${escapeMrkdwn(deniedTools)})`
          : undefined,
      ]);
      const headline = state.elapsedMs > 0 ? `Done in ${formatDuration(state.elapsedMs)}` : 'Done';
      return {
        mrkdwn: `:white_check_mark: ${headline}${details ? ` · ${details}` : ''}; the answer is in the thread`,
        text: headline.toLowerCase(),
      };
    }
    case 'failed':
      return {
        mrkdwn: `:x: Failed on ${finalAttemptLabel(state.attempt)}: ${reasonText(state.reason)}`,
        text: 'failed',
      };
    case 'cancelled':
      return { mrkdwn: `:no_entry_sign: Cancelled by ${mention(state.by)}`, text: 'cancelled' };
  }
}

function cardButtons(view: CardView, priority: JobPriority): ActionsBlock | undefined {
  const value = jobButtonValue(view.data.id);
  const { kind } = view.state;
  const buttons = [];
  if (
    kind === 'queued' ||
    kind === 'running' ||
    kind === 'awaiting-approval' ||
    kind === 'retrying' ||
    kind === 'interrupted'
  )
    buttons.push(button('Cancel', ACTION_IDS.cancel, value, 'danger'));
  if ((kind === 'queued' || kind === 'interrupted') && priority > 1)
    buttons.push(button('Promote', ACTION_IDS.promote, value, 'primary'));
  if (view.state.kind === 'queued' && view.state.limit && view.data.queue !== 'local')
    buttons.push(button('Run on the local model instead', ACTION_IDS.spill, value));
  if (view.state.kind === 'queued' && view.state.budget)
    buttons.push(button('Allow anyway', ACTION_IDS.allowBudget, value, 'primary'));
  if (kind === 'failed' || kind === 'cancelled') buttons.push(button('Retry', ACTION_IDS.retry, value, 'primary'));
  if (buttons.length === 0) return undefined;
  return { type: 'actions', block_id: `agentops_job_${view.data.id}`, elements: buttons };
}

/** The workspace a code job runs in (other queues' jobs only carry it for the thread's code follow-ups). */
const workspaceLabel = (data: JobData) =>
  data.workspace && data.queue === 'code' ? `:file_folder: Workspace *${escapeMrkdwn(data.workspace)}* · ` : '';

/** What started a job no person typed: the schedule (or API token, webhook) by name. */
const triggerLabel = (data: JobData) =>
  data.trigger?.kind === 'schedule'
    ? `:calendar: Scheduled by *${escapeMrkdwn(data.trigger.name)}* · `
    : data.trigger
      ? `Started by ${data.trigger.kind} *${escapeMrkdwn(data.trigger.name)}* · `
      : '';

export function jobCard(view: CardView): ControllerMessage {
  const { data } = view;
  const priority = view.priority ?? data.priority;
  const who = data.slack ? mention(data.slack.user) : escapeMrkdwn(data.requestedBy);
  const line = stateLine(view.state, data.queue);
  const header = `*Job #${data.id}* · ${priorityLabel(priority)} · ${line.mrkdwn}`;
  const room = SLACK_LIMITS.sectionText - header.length - 1;
  const buttons = cardButtons(view, priority);
  return withinLimits({
    text: `Job #${data.id} (${data.queue}, ${priorityLabel(priority)}) ${line.text}: ${escapeMrkdwn(truncate(data.text, 200))}`,
    blocks: [
      section(`${header}\n${truncateMrkdwn(quote(escapeMrkdwn(data.text)), room, TRUNCATED)}`),
      context(
        `${data.thread ? `Follow-up of job #${data.thread.after} · ` : ''}${data.mode === 'plan' ? 'Plan only · ' : ''}${workspaceLabel(data)}${triggerLabel(data)}Routed by ${describeRoute(data)} · requested by ${who}`,
        ...(view.note ? [view.note] : []),
      ),
      ...(view.similar && view.similar.length > 0 ? [section(similarJobsText(view.similar, view.workspaceUrl))] : []),
      ...(buttons ? [buttons] : []),
    ],
  });
}

const retryButton = (jobId: string) => ({
  type: 'actions' as const,
  elements: [button('Retry', ACTION_IDS.retry, jobButtonValue(jobId), 'primary')],
});

/** The post that tells the thread a job failed for good, why, and offers to run it again. */
export function failureNotice(jobId: string, attempt: Attempt, reason: string): ControllerMessage {
  return withinLimits({
    text: `Job #${jobId} failed: ${escapeMrkdwn(truncate(reason, 300))}`,
    blocks: [
      section(`:x: *Job #${jobId} failed* (${finalAttemptLabel(attempt)})\n${reasonText(reason)}`),
      retryButton(jobId),
    ],
  });
}

/** Not a failure: says who stopped the running job, and offers to run it again. */
export function cancelledNotice(jobId: string, by: string): ControllerMessage {
  return withinLimits({
    text: `Job #${jobId} cancelled by ${escapeMrkdwn(by)}`,
    blocks: [section(`:no_entry_sign: Job #${jobId} was stopped: cancelled by ${mention(by)}.`), retryButton(jobId)],
  });
}
