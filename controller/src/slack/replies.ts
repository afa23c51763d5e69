// How each outcome and refusal appears in Slack. Error messages and tables
// of jobs are not ours (they hold job text, failure reasons, names), so they
// are escaped on their way in; the only mentions are the people AgentOps names.
import { codeBlock, ErrorCode, escapeMrkdwn, mention, priorityLabel, SLACK_LIMITS, toCodedError } from '@agentops/core';
import {
  helpMessage,
  jobCard,
  plainMessage,
  statusMessage,
  type CardState,
  type ControllerMessage,
} from './messages/index.js';
import type { JobDetails } from '../queue/manager.js';
import type { ChannelWorkspace, Outcome } from '../commands/execute.js';
import { CLEAN_WAIT_MS, cleanAnswer, repoAnswer } from '../workspaces/index.js';
import { formatAudit, formatDetails, formatList } from '../commands/tables.js';
import { formatHistory, formatPastDetails, formatStats } from '../commands/history-tables.js';
import { findAnswerText, memoryOffText } from '../memory/format.js';
import type { SlackDeps, SlackOrigin } from './context.js';
import { jobThread, receiptKey } from './messenger.js';
import { noHandoff } from '../conversations/handoff.js';
import { formatUsage } from '../commands/usage.js';
import { scheduleAddedText, scheduleChangedText, scheduleListText } from '../schedules/format.js';
import { bulkQuestionMessage } from './messages/bulk.js';

export const UNAVAILABLE =
  ':warning: The queue is unavailable right now: Redis is not reachable. Nothing was changed. Try again in a minute; if it persists, start Redis on the workstation.';

/** The words a person sees when an operation is refused or fails (mrkdwn; the error's message escaped). */
export function refusalText(error: unknown): string {
  const coded = toCodedError(error);
  if (coded.code === ErrorCode.RedisUnavailable) return UNAVAILABLE;
  const message = escapeMrkdwn(coded.message);
  if (coded.code === ErrorCode.Internal)
    return `:warning: Something went wrong: ${message}. Nothing was changed; try again.`;
  return `:no_entry_sign: ${message}`;
}

export async function refuse(deps: SlackDeps, origin: SlackOrigin, error: unknown, threadTs?: string): Promise<void> {
  const coded = toCodedError(error);
  if (coded.code === ErrorCode.Internal || coded.code === ErrorCode.RedisUnavailable) {
    deps.logger.warn(
      { code: coded.code, user: origin.user },
      `[slack] ${origin.source} request failed: ${coded.message}`,
    );
  }
  await deps.messenger.ephemeral(origin.channel, origin.user, plainMessage(refusalText(error)), threadTs);
}

/** Posts a line in the job's thread (or the channel when it has none), and redraws its card. */
export async function announceInThread(
  deps: SlackDeps,
  job: JobDetails,
  line: string,
  card?: { state: CardState; note: string },
): Promise<void> {
  const thread = jobThread(job.data);
  const channel = job.data.slack?.channel ?? deps.scope.channelId;
  await deps.messenger.post(channel, plainMessage(line), thread);
  if (thread && card) {
    // Drawn again from scratch, so the similar past jobs it showed are read back.
    const similar = (await deps.memoryView?.receipts.load(job.id)) ?? [];
    const workspaceUrl = deps.memoryView?.workspaceUrl;
    await deps.messenger.update(
      channel,
      { key: receiptKey(job.id) },
      jobCard({
        data: job.data,
        state: card.state,
        note: card.note,
        priority: job.priority,
        similar,
        ...(workspaceUrl ? { workspaceUrl } : {}),
      }),
    );
  }
}

function ephemeralText(deps: SlackDeps, origin: SlackOrigin, text: string, threadTs?: string): Promise<void> {
  return deps.messenger.ephemeral(origin.channel, origin.user, plainMessage(text), threadTs);
}

/** The status board's line about the channel's workspace. */
function channelWorkspaceNote(workspaces: ChannelWorkspace): string {
  const names = escapeMrkdwn(workspaces.names.join(', '));
  return workspaces.workspace
    ? `:file_folder: Channel workspace: *${escapeMrkdwn(workspaces.workspace)}* (configured: ${names})`
    : `:file_folder: No channel workspace (configured: ${names}; /queue repo <name> sets one)`;
}

/** Shows what a command did: status boards in the channel, job changes in the job's thread. */
export async function presentOutcome(
  deps: SlackDeps,
  origin: SlackOrigin,
  outcome: Outcome,
  threadTs?: string,
): Promise<void> {
  const who = mention(origin.user);
  const post = (message: ControllerMessage) => deps.messenger.post(origin.channel, message, threadTs);
  /** Tables (jobs, history, spend, audit) are for the one who asked: privately, in a code block. */
  const privateTable = (table: string) =>
    ephemeralText(deps, origin, codeBlock(table, SLACK_LIMITS.sectionText), threadTs);
  switch (outcome.kind) {
    case 'help':
      await deps.messenger.ephemeral(origin.channel, origin.user, helpMessage(), threadTs);
      return;
    case 'status': {
      const workspace = outcome.workspaces && channelWorkspaceNote(outcome.workspaces);
      await post(statusMessage(outcome.snapshot, workspace ? { note: workspace } : {}));
      return;
    }
    case 'repo': {
      const text = escapeMrkdwn(repoAnswer(outcome));
      if (outcome.change) await post(plainMessage(`:file_folder: ${text} (${outcome.change} by ${who})`));
      else await ephemeralText(deps, origin, text, threadTs);
      return;
    }
    case 'clean':
      await ephemeralText(deps, origin, escapeMrkdwn(cleanAnswer(outcome.result, CLEAN_WAIT_MS)), threadTs);
      return;
    case 'paused':
      await post(statusMessage(outcome.snapshot, { note: `:double_vertical_bar: Paused by ${who}` }));
      return;
    case 'resumed':
      await post(statusMessage(outcome.snapshot, { note: `:arrow_forward: Resumed by ${who}` }));
      return;
    case 'workers':
      await post(statusMessage(outcome.snapshot, { note: `Concurrency set to ${outcome.count} by ${who}` }));
      return;
    case 'cancelled': {
      const { job } = outcome.result;
      const line =
        outcome.result.outcome === 'removed'
          ? `:octagonal_sign: Job #${job.id} cancelled by ${who}; it had not started.`
          : `:octagonal_sign: Job #${job.id} is being stopped: cancelled by ${who} while running.`;
      await announceInThread(
        deps,
        job,
        line,
        outcome.result.outcome === 'removed'
          ? { state: { kind: 'cancelled', by: origin.user }, note: `:octagonal_sign: Cancelled by ${who}` }
          : undefined,
      );
      if (!job.data.slack) return;
      if (origin.source !== 'button')
        await ephemeralText(deps, origin, `Cancel requested for job #${job.id}; see its thread.`, threadTs);
      return;
    }
    case 'retried':
      await announceInThread(
        deps,
        outcome.job,
        `:repeat: Job #${outcome.job.id} retried by ${who}; queued again on *${outcome.job.queue}*.`,
        { state: { kind: 'queued' }, note: `:repeat: Retried by ${who}` },
      );
      if (origin.source !== 'button' && outcome.job.data.slack)
        await ephemeralText(deps, origin, `Job #${outcome.job.id} is queued again.`, threadTs);
      return;
    case 'promoted': {
      const { job, from } = outcome;
      const line =
        from === job.priority
          ? `Job #${job.id} is already ${priorityLabel(job.priority)}.`
          : `:arrow_up: Job #${job.id} moved from ${priorityLabel(from)} to ${priorityLabel(job.priority)} by ${who}.`;
      await announceInThread(deps, job, line, {
        state: { kind: 'queued' },
        note: `${priorityLabel(job.priority)} set by ${who}`,
      });
      if (origin.source !== 'button' && job.data.slack) await ephemeralText(deps, origin, line, threadTs);
      return;
    }
    case 'list':
      await privateTable(formatList(outcome.jobs));
      return;
    case 'inspect':
      await privateTable(formatDetails(outcome.job));
      return;
    case 'audit':
      await privateTable(formatAudit(outcome.records));
      return;
    case 'usage':
      await privateTable(formatUsage(outcome.report));
      return;
    case 'history':
      await privateTable(formatHistory(outcome.query, outcome.page));
      return;
    case 'stats':
      await privateTable(formatStats(outcome.days, outcome.stats));
      return;
    case 'past':
      await privateTable(formatPastDetails(outcome.job));
      return;
    case 'find': {
      const { result } = outcome;
      const text = result.on
        ? findAnswerText(outcome.query, result.matches, deps.memoryView?.workspaceUrl)
        : memoryOffText(result.reason);
      await ephemeralText(deps, origin, text, threadTs);
      return;
    }
    case 'handoff':
      await ephemeralText(
        deps,
        origin,
        outcome.command
          ? `Continue job #${outcome.id} in a terminal on the workstation:\n${codeBlock(outcome.command, SLACK_LIMITS.sectionText)}`
          : noHandoff(outcome.id),
        threadTs,
      );
      return;
    case 'queued':
      // Receipts are posted by the intake, which needs them before enqueueing.
      return;
    case 'scheduleAdded':
      await post(
        plainMessage(
          `:calendar: ${escapeMrkdwn(scheduleAddedText(outcome.schedule, outcome.nextRuns))} (added by ${who})`,
        ),
      );
      return;
    case 'scheduleList':
      await ephemeralText(
        deps,
        origin,
        codeBlock(scheduleListText(outcome.schedules), SLACK_LIMITS.sectionText),
        threadTs,
      );
      return;
    case 'scheduleChanged':
      await post(
        plainMessage(`:calendar: ${escapeMrkdwn(scheduleChangedText(outcome.action, outcome.schedule))} (${who})`),
      );
      return;
    case 'bulkQuestion':
      await deps.messenger.ephemeral(origin.channel, origin.user, bulkQuestionMessage(outcome.question), threadTs);
      return;
  }
}
