// Block Kit messages: help, status and job receipts. Pure builders that keep
// every Slack limit, truncating with a visible marker where text is too long.
import type { ActionsBlock, Button, ContextBlock, KnownBlock, PlainTextOption, SectionBlock } from '@slack/types';
import {
  ACTION_IDS,
  MAX_WORKERS,
  MIN_WORKERS,
  SLACK_LIMITS,
  jobButtonValue,
  priorityLabel,
  type JobData,
  type JobPriority,
} from '@agentops/shared';
import { similarJobsText } from '../qdrant/format.js';
import type { PastJob } from '../qdrant/index.js';
import { SUBCOMMANDS } from '../util/command-parser.js';
import { MESSAGE_FORMS } from '../util/help-text.js';
import { truncate } from '../util/text.js';
import { escapeMrkdwn, quote } from '../slack/text.js';
import type { JobDetails, StatusSnapshot } from './manager.js';

export interface SlackMessage {
  /** Notification and accessibility fallback. */
  text: string;
  blocks: KnownBlock[];
}

const TRUNCATED = '… _(truncated)_';

function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText, TRUNCATED) } };
}

function context(...texts: string[]): ContextBlock {
  return {
    type: 'context',
    elements: texts.slice(0, SLACK_LIMITS.contextElements).map((text) => ({ type: 'mrkdwn' as const, text: truncate(text, SLACK_LIMITS.sectionText, '…') })),
  };
}

function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Button {
  const built: Button = {
    type: 'button',
    text: { type: 'plain_text', text: truncate(text, SLACK_LIMITS.buttonText), emoji: true },
    action_id: truncate(actionId, SLACK_LIMITS.actionId, ''),
    value: truncate(value, SLACK_LIMITS.buttonValue, ''),
  };
  if (style) built.style = style;
  return built;
}

/** Caps block count and total size so Slack never answers invalid_blocks or msg_blocks_too_long. */
export function withinLimits(message: SlackMessage): SlackMessage {
  const blocks = message.blocks.slice(0, SLACK_LIMITS.blocksPerMessage);
  return { text: truncate(message.text, SLACK_LIMITS.messageText / 10, '…'), blocks };
}

export function helpMessage(): SlackMessage {
  const commands = SUBCOMMANDS.map((sub) => `\`/queue ${sub.name}${sub.args ? ` ${sub.args}` : ''}\` ${sub.description}`).join('\n');
  const forms = MESSAGE_FORMS.map(([form, meaning]) => `\`${form}\` ${meaning}`).join('\n');
  return withinLimits({
    text: 'AgentOps help: /queue commands and message forms',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'AgentOps: what I can do' } },
      section(`*Slash commands*\n${commands}`),
      section(`*Or just write in this channel*\n${forms}`),
      context('Jobs are routed to *code* (Claude Code), *local* (LM Studio) or *research*. Use the buttons on a job receipt to cancel, retry or promote it.'),
    ],
  });
}

function queueLine(queue: StatusSnapshot['queues'][number]): string {
  const { counts } = queue;
  const state = queue.paused ? ' · :double_vertical_bar: paused' : '';
  const workers = queue.workers === 1 ? '1 worker' : `${queue.workers} workers`;
  return `*${queue.name}*${state}\n${counts.waiting} waiting · ${counts.active} active · ${counts.delayed} delayed · ${counts.completed} done · ${counts.failed} failed · ${workers}`;
}

function workerOption(count: number): PlainTextOption {
  return { text: { type: 'plain_text', text: count === 1 ? '1 job at once' : `${count} jobs at once` }, value: String(count) };
}

export interface StatusNote {
  /** e.g. "Paused by <@U1>" */
  note?: string;
  at?: number;
}

export function statusMessage(snapshot: StatusSnapshot, extra: StatusNote = {}): SlackMessage {
  const options = Array.from({ length: MAX_WORKERS - MIN_WORKERS + 1 }, (_, index) => workerOption(index + MIN_WORKERS));
  const current = snapshot.globalConcurrency === null ? undefined : options.find((option) => option.value === String(snapshot.globalConcurrency));
  const select = {
    type: 'static_select' as const,
    action_id: ACTION_IDS.setWorkers,
    placeholder: { type: 'plain_text' as const, text: 'Set workers' },
    options,
    ...(current ? { initial_option: current } : {}),
  };
  const actions: ActionsBlock = {
    type: 'actions',
    block_id: 'agentops_status_actions',
    elements: [
      snapshot.paused ? button('Resume', ACTION_IDS.resume, 'resume', 'primary') : button('Pause', ACTION_IDS.pause, 'pause', 'danger'),
      button('Refresh', ACTION_IDS.refresh, 'refresh'),
      select,
      button('View Status', ACTION_IDS.viewStatus, 'view'),
    ],
  };
  const totalWaiting = snapshot.queues.reduce((sum, queue) => sum + queue.counts.waiting, 0);
  const totalActive = snapshot.queues.reduce((sum, queue) => sum + queue.counts.active, 0);
  const limit = snapshot.globalConcurrency === null ? 'no global limit' : `at most ${snapshot.globalConcurrency} at once per queue`;
  const time = new Date(extra.at ?? snapshot.takenAt).toISOString().slice(11, 19);
  return withinLimits({
    text: `Queue status: ${totalWaiting} waiting, ${totalActive} active${snapshot.paused ? ', PAUSED' : ''}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: snapshot.paused ? 'Queue status: paused' : 'Queue status' } },
      { type: 'section', fields: snapshot.queues.slice(0, SLACK_LIMITS.sectionFields).map((queue) => ({ type: 'mrkdwn' as const, text: truncate(queueLine(queue), SLACK_LIMITS.fieldText) })) },
      context(`${snapshot.paused ? ':double_vertical_bar: All queues paused: running jobs finish, nothing new starts' : ':arrow_forward: Running'} · Concurrency: ${limit} · Updated ${time} UTC`, ...(extra.note ? [extra.note] : [])),
      actions,
    ],
  });
}

export function describeRoute(data: JobData): string {
  const { routing } = data;
  const confidence = `confidence ${routing.confidence.toFixed(2)}`;
  switch (routing.method) {
    case 'keyword':
      return `keywords (${routing.patterns.map((pattern) => `\`${escapeMrkdwn(pattern)}\``).join(', ')}), ${confidence}`;
    case 'llm':
      return `LLM fallback, ${confidence}`;
    case 'explicit':
      return 'chosen explicitly';
    default:
      return `default (no keyword or LLM decision), ${confidence}`;
  }
}

export interface ReceiptState {
  /** A line about what happened since, e.g. "Cancelled by <@U1>". */
  note?: string;
  priority?: JobPriority;
  /** Similar past jobs from the job memory, best first. */
  similar?: readonly PastJob[];
  /** https://<team>.slack.com/, to link past jobs' threads. */
  workspaceUrl?: string;
}

export function receiptMessage(data: JobData, state: ReceiptState = {}): SlackMessage {
  const priority = state.priority ?? data.priority;
  const who = data.slack ? `<@${data.slack.user}>` : escapeMrkdwn(data.requestedBy);
  const header = `*Job #${data.id}* queued on *${data.queue}* · ${priorityLabel(priority)}`;
  const text = quote(escapeMrkdwn(data.text));
  const room = SLACK_LIMITS.sectionText - header.length - 1;
  const value = jobButtonValue(data.id);
  return withinLimits({
    text: `Job #${data.id} queued on ${data.queue} (${priorityLabel(priority)}): ${truncate(data.text, 200)}`,
    blocks: [
      section(`${header}\n${truncate(text, room, TRUNCATED)}`),
      context(`Routed by ${describeRoute(data)} · requested by ${who}`, ...(state.note ? [state.note] : [])),
      ...(state.similar && state.similar.length > 0 ? [section(similarJobsText(state.similar, state.workspaceUrl))] : []),
      {
        type: 'actions',
        block_id: `agentops_job_${data.id}`,
        elements: [
          button('Cancel', ACTION_IDS.cancel, value, 'danger'),
          button('Retry', ACTION_IDS.retry, value),
          button('Promote', ACTION_IDS.promote, value, 'primary'),
        ],
      },
    ],
  });
}

export function plainMessage(text: string): SlackMessage {
  return withinLimits({ text, blocks: [section(text)] });
}

/** Short line for a job in messages, e.g. "#42 (code, P1)". */
export function jobLabel(job: Pick<JobDetails, 'id' | 'queue' | 'priority'>): string {
  return `#${job.id} (${job.queue}, ${priorityLabel(job.priority)})`;
}
