// Channel messages: any text becomes a job; `status`, `queue:` batches and `p1:`
// prefixes have their own meaning; in a job's thread, a few words control that
// job. Each message is written to the inbox before its event is acknowledged
// (Slack redelivers events, so each event_id is written once) and handled by
// the inbox consumer. Channel, sender and Redis were checked by the access
// middleware.
import type { App } from '@slack/bolt';
import { cleanText, escapeMrkdwn } from '@agentops/core';
import { parseFollowUp, parseJobId, parseMessage, parsePriority, type Command } from '../../commands/grammar.js';
import { queueFollowUp } from '../follow-ups.js';
import { execute } from '../../commands/execute.js';
import { plainMessage } from '../messages/index.js';
import type { SlackDeps, SlackOrigin } from '../context.js';
import { intakeJobs } from '../intake.js';
import type { MessageLike } from '../access.js';
import { presentOutcome, refuse } from '../replies.js';
import { decodeSlackText } from '../decode.js';
import { ackEvent } from '../app.js';
import { accept } from './accept.js';

interface MessageEventFields extends MessageLike {
  ts?: string;
  thread_ts?: string;
}

const THREAD_HELP =
  'In a job’s thread, `cancel`, `retry`, `promote p1|p2|p3` (or just `p1`) and `status` act on the job running or next (else the latest); anything else is a follow-up that continues the conversation (`code: …` hands it to a code job).';

/** Reads a command typed in the thread of job `id`. */
export function parseThreadCommand(text: string, id: string): Command | undefined {
  const words = cleanText(text)
    .trim()
    .toLowerCase()
    .replace(/[.!?]+$/, '')
    .split(/\s+/);
  const [first, second] = words;
  if (words.length === 1 && (first === 'cancel' || first === 'stop')) return { kind: 'cancel', id };
  if (words.length === 1 && (first === 'retry' || first === 'again')) return { kind: 'retry', id };
  if (words.length === 1 && (first === 'status' || first === 'inspect')) return { kind: 'inspect', id };
  const priority =
    words.length === 1
      ? parsePriority(first)
      : first === 'promote' && words.length === 2
        ? parsePriority(second)
        : undefined;
  if (priority) return { kind: 'promote', id, priority };
  return undefined;
}

/** The job a control word in a thread means: the first one that has not ended (running or next), else the latest. */
async function currentJob(deps: SlackDeps, rootId: string): Promise<string> {
  const ids = await deps.threads.order(rootId);
  for (const id of ids) if (!(await deps.manager.hasEnded(id))) return id;
  return ids[ids.length - 1] ?? rootId;
}

async function handleThreadMessage(
  deps: SlackDeps,
  origin: SlackOrigin,
  text: string,
  threadTs: string,
  entryId: string,
): Promise<void> {
  const rootId = await deps.receiptLinks.jobFor(threadTs);
  if (!rootId || !parseJobId(rootId)) return; // A conversation that is not about a job.
  // Control words act on the thread's current job; anything else continues the thread.
  const command = parseThreadCommand(text, await currentJob(deps, rootId));
  if (command) {
    const outcome = await execute(command, deps, { id: origin.user, source: 'message' });
    await presentOutcome(deps, origin, outcome, threadTs);
    return;
  }
  const parsed = parseFollowUp(text);
  if (!parsed.ok) {
    const { message, usage } = parsed.error;
    await deps.messenger.ephemeral(
      origin.channel,
      origin.user,
      plainMessage(`${escapeMrkdwn(message)}${usage ? `\nForm: ${usage}` : ''}\n${THREAD_HELP}`),
      threadTs,
    );
    return;
  }
  await queueFollowUp(deps, origin, rootId, parsed.followUp, entryId);
}

/** Handles an accepted channel or thread message (from the inbox). */
export async function handleMessage(
  deps: SlackDeps,
  request: { channel: string; user: string; text: string; ts: string; threadTs?: string },
  entryId: string,
): Promise<void> {
  const origin: SlackOrigin = {
    channel: request.channel,
    user: request.user,
    source: 'message',
    messageTs: request.ts,
  };
  const text = decodeSlackText(request.text, deps.scope.botUserId);
  try {
    if (request.threadTs && request.threadTs !== request.ts) {
      await handleThreadMessage(deps, origin, text, request.threadTs, entryId);
      return;
    }
    const parsed = parseMessage(text);
    if (!parsed.ok) {
      const { message, usage } = parsed.error;
      await deps.messenger.ephemeral(
        origin.channel,
        origin.user,
        plainMessage(`${escapeMrkdwn(message)}${usage ? `\nForm: \`${escapeMrkdwn(usage)}\`` : ''}`),
      );
      return;
    }
    if (parsed.command.kind === 'add') {
      await intakeJobs(deps, origin, parsed.command.items, entryId);
      return;
    }
    const outcome = await execute(
      parsed.command,
      deps,
      { id: origin.user, source: 'message' },
      { channel: origin.channel },
    );
    await presentOutcome(deps, origin, outcome);
  } catch (error) {
    await refuse(deps, origin, error, request.threadTs);
  }
}

export function registerEvents(app: App, deps: SlackDeps): void {
  app.event('message', async ({ event, body }) => {
    const message = event as MessageEventFields;
    const eventId = (body as { event_id?: string }).event_id ?? `${message.channel}:${message.ts}`;
    await accept(
      deps,
      {
        kind: 'message',
        channel: message.channel ?? '',
        user: message.user ?? '',
        text: message.text ?? '',
        ts: message.ts ?? '',
        ...(message.thread_ts ? { threadTs: message.thread_ts } : {}),
      },
      `event:${eventId}`,
      () => ackEvent(body),
    );
  });
}
