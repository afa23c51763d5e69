// A job's receipt: the message whose thread is the job's, with its text, how it
// was routed, who asked, similar past jobs and its buttons. Pure.
import {
  ACTION_IDS,
  escapeMrkdwn,
  jobButtonValue,
  priorityLabel,
  quote,
  SLACK_LIMITS,
  truncate,
  type JobData,
  type JobPriority,
} from '@agentops/core';
import { similarJobsText } from '../../memory/format.js';
import type { PastJob } from '../../memory/index.js';
import type { JobDetails } from '../../queue/manager.js';
import { button, context, section, TRUNCATED, withinLimits, type ControllerMessage } from './blocks.js';

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

export function receiptMessage(data: JobData, state: ReceiptState = {}): ControllerMessage {
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
      ...(state.similar && state.similar.length > 0
        ? [section(similarJobsText(state.similar, state.workspaceUrl))]
        : []),
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

/** Short line for a job in messages, e.g. "#42 (code, P1)". */
export function jobLabel(job: Pick<JobDetails, 'id' | 'queue' | 'priority'>): string {
  return `#${job.id} (${job.queue}, ${priorityLabel(job.priority)})`;
}
