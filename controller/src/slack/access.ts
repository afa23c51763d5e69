// Who and what the Slack app serves, decided once for every request before any
// listener runs (Bolt global middleware): a request from another channel, from
// a bot or the app itself, from a person the access decision (access/policy.ts)
// does not allow at all, or one that needs the queues while Redis is away, is
// answered (or ignored) here and never reaches a listener. What a person may do
// with a job is decided again, for that action, where it is done.
import type { AnyMiddlewareArgs, BlockAction, Middleware, SlashCommand } from '@slack/bolt';
import { parseSubcommand } from '../commands/grammar.js';
import type { ServedScope, SlackDeps, SlackOrigin } from './context.js';
import { decodeSlackText } from './decode.js';
import { createMessenger } from './messenger.js';
import { plainMessage } from './messages/index.js';
import { refusalText, UNAVAILABLE } from './replies.js';

export type { ServedScope } from './context.js';

export interface MessageLike {
  channel?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  text?: string;
  app_id?: string;
}

export type MessageVerdict =
  | { handle: true }
  | { handle: false; reason: 'other_channel' | 'bot' | 'own_message' | 'subtype' | 'no_user' };

/**
 * Only people's new messages in the served channel become jobs: never the bot's
 * own posts (Slack echoes them back), other bots, or edits, deletions and joins.
 */
export function classifyMessage(message: MessageLike, scope: ServedScope): MessageVerdict {
  if (message.channel !== scope.channelId) return { handle: false, reason: 'other_channel' };
  if (message.subtype !== undefined && message.subtype !== 'thread_broadcast')
    return { handle: false, reason: 'subtype' };
  if (scope.botUserId !== undefined && message.user === scope.botUserId)
    return { handle: false, reason: 'own_message' };
  if (message.bot_id !== undefined || (scope.botId !== undefined && message.bot_id === scope.botId))
    return { handle: false, reason: 'bot' };
  if (!message.user) return { handle: false, reason: 'no_user' };
  return { handle: true };
}

export function isServedChannel(channel: string | undefined, scope: ServedScope): boolean {
  return channel === scope.channelId;
}

/** Help and usage errors are answered from the grammar alone, so they work while Redis is away. */
function slashNeedsQueues(command: SlashCommand, botUserId?: string): boolean {
  const parsed = parseSubcommand(decodeSlackText(command.text, botUserId), 'slash');
  return parsed.ok && parsed.command.kind !== 'help';
}

/** Replies to a refused request, keyed by the request so a redelivery says nothing twice. */
function refusals(deps: SlackDeps, requestKey: string) {
  return createMessenger(deps.outbox, `refused:${requestKey}`);
}

interface IncomingRequest {
  command?: SlashCommand;
  action?: unknown;
  message?: MessageLike & { ts?: string; thread_ts?: string };
  body: { type?: string };
  ack: (response?: object) => Promise<void>;
}

async function guardCommand(deps: SlackDeps, command: SlashCommand, ack: IncomingRequest['ack']): Promise<boolean> {
  if (!isServedChannel(command.channel_id, deps.scope)) {
    await ack({
      response_type: 'ephemeral',
      text: `AgentOps only works in <#${deps.scope.channelId}>. Run /queue there.`,
    });
    return false;
  }
  const access = await deps.guard.check({ id: command.user_id, source: 'slash' }, 'read');
  if (!access.allowed) {
    await ack({ response_type: 'ephemeral', text: `:no_entry_sign: ${access.message}` });
    return false;
  }
  if (!deps.manager.isAvailable() && slashNeedsQueues(command, deps.scope.botUserId)) {
    // The ack's own text needs no Redis.
    await ack({ response_type: 'ephemeral', text: UNAVAILABLE });
    return false;
  }
  return true;
}

async function guardAction(deps: SlackDeps, body: BlockAction, ack: () => Promise<void>): Promise<boolean> {
  const channel = body.channel?.id ?? body.container?.channel_id ?? '';
  const origin: SlackOrigin = { channel, user: body.user.id, source: 'button' };
  if (!isServedChannel(channel, deps.scope)) {
    await ack();
    return false;
  }
  const access = await deps.guard.check({ id: origin.user, source: 'button' }, 'read', undefined, {
    actionId: body.actions[0]?.action_id,
  });
  if (!access.allowed) {
    await ack();
    await refusals(deps, `action:${body.container?.message_ts ?? '-'}:${body.actions[0]?.action_ts ?? ''}`).ephemeral(
      channel,
      origin.user,
      plainMessage(`:no_entry_sign: ${access.message}`),
    );
    return false;
  }
  if (!deps.manager.isAvailable()) {
    await ack();
    await deps.sayWithoutRedis?.({ channel, user: origin.user, text: refusalText(deps.manager.unavailableError()) });
    return false;
  }
  return true;
}

async function guardMessage(
  deps: SlackDeps,
  message: MessageLike & { ts?: string; thread_ts?: string },
): Promise<boolean> {
  const verdict = classifyMessage(message, deps.scope);
  if (!verdict.handle) {
    deps.logger.debug({ reason: verdict.reason }, '[access] Ignored message');
    return false;
  }
  const origin: SlackOrigin = { channel: message.channel ?? '', user: message.user ?? '', source: 'message' };
  const access = await deps.guard.check({ id: origin.user, source: 'message' }, 'read');
  if (!access.allowed) {
    await refusals(deps, `message:${origin.channel}:${message.ts ?? ''}`).ephemeral(
      origin.channel,
      origin.user,
      plainMessage(`:no_entry_sign: ${access.message}`),
    );
    return false;
  }
  if (!deps.manager.isAvailable()) {
    // Without Redis there is no outbox (and no deduplication): the delivery service answers from memory.
    await deps.sayWithoutRedis?.({
      channel: origin.channel,
      user: origin.user,
      text: UNAVAILABLE,
      ...(message.thread_ts ? { threadTs: message.thread_ts } : {}),
    });
    return false;
  }
  return true;
}

/** The Bolt global middleware: app.use(createAccessMiddleware(deps)) before any listener. */
export function createAccessMiddleware(deps: SlackDeps): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    // Bolt's union of every request kind is too deep to narrow; read the fields that tell them apart.
    const request = args as unknown as IncomingRequest;
    let pass = true;
    if (request.command) pass = await guardCommand(deps, request.command, request.ack);
    else if (request.action && request.body.type === 'block_actions')
      pass = await guardAction(deps, request.body as BlockAction, request.ack);
    else if (request.message) pass = await guardMessage(deps, request.message);
    if (pass) await args.next();
  };
}
