// Builders for the payloads Slack puts inside Socket Mode envelopes, shaped
// after Slack's documented examples: slash command payloads (form fields as
// strings, as Slack sends them), `event_callback` wrappers around `message`
// events, and `block_actions` interaction payloads.
import type { IdSource, TsClock } from './ids.js';
import type { JsonObject, SimConfig, SimMessage } from './types.js';
import type { Workspace } from './workspace.js';

export interface PayloadContext {
  config: SimConfig;
  workspace: Workspace;
  ids: IdSource;
  clock: TsClock;
  baseUrl: string;
}

function responseUrl(ctx: PayloadContext): string {
  return `${ctx.baseUrl}/response/${ctx.ids.next('R')}`;
}

/** Slack's channel_type follows the id's first letter. */
function channelType(channelId: string): string {
  if (channelId.startsWith('D')) return 'im';
  if (channelId.startsWith('G')) return 'group';
  return 'channel';
}

export interface SlashCommandInput {
  text: string;
  command?: string;
  userId?: string;
  channelId?: string;
  /** Extra or overriding payload fields. */
  extra?: JsonObject;
}

export interface BuiltSlashCommand {
  payload: JsonObject;
  responseUrl: string;
  triggerId: string;
}

export function buildSlashCommand(ctx: PayloadContext, input: SlashCommandInput): BuiltSlashCommand {
  const { config } = ctx;
  const channel = ctx.workspace.ensureChannel(input.channelId ?? config.defaultChannelId);
  const user = ctx.workspace.ensureUser(input.userId ?? config.defaultUserId);
  const url = responseUrl(ctx);
  const triggerId = ctx.ids.triggerId();
  const payload: JsonObject = {
    token: config.verificationToken,
    team_id: config.teamId,
    team_domain: config.teamDomain,
    channel_id: channel.id,
    channel_name: channel.name,
    user_id: user.id,
    user_name: user.name,
    command: input.command ?? '/queue',
    text: input.text,
    api_app_id: config.appId,
    // Slash command payloads are form fields upstream, so Slack sends this as a string.
    is_enterprise_install: 'false',
    response_url: url,
    trigger_id: triggerId,
    ...input.extra,
  };
  return { payload, responseUrl: url, triggerId };
}

export interface MessageEventInput {
  text: string;
  userId?: string;
  channelId?: string;
  ts?: string;
  threadTs?: string;
  subtype?: string;
  botId?: string;
  eventId?: string;
  /** Envelope-level redelivery fields (Slack sets them when it retries an event). */
  retryAttempt?: number;
  retryReason?: string;
  /** Extra or overriding fields of the `message` event itself. */
  extra?: JsonObject;
}

export interface BuiltEvent {
  /** The `event_callback` body that goes in the envelope's payload. */
  payload: JsonObject;
  event: JsonObject;
  eventId: string;
}

/** Wraps any event in Slack's `event_callback` body. */
export function wrapEvent(ctx: PayloadContext, event: JsonObject, eventId?: string): BuiltEvent {
  const { config } = ctx;
  const id = eventId ?? ctx.ids.next('Ev');
  const payload: JsonObject = {
    token: config.verificationToken,
    team_id: config.teamId,
    context_team_id: config.teamId,
    context_enterprise_id: null,
    api_app_id: config.appId,
    event,
    type: 'event_callback',
    event_id: id,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: config.teamId,
        user_id: config.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(id).toString('base64url')}`,
  };
  return { payload, event, eventId: id };
}

export function buildMessageEvent(ctx: PayloadContext, input: MessageEventInput): BuiltEvent & { ts: string } {
  const { config } = ctx;
  const channelId = ctx.workspace.ensureChannel(input.channelId ?? config.defaultChannelId).id;
  const ts = input.ts ?? ctx.clock.next();
  const event: JsonObject = { type: 'message' };
  if (input.subtype !== undefined) event.subtype = input.subtype;
  event.text = input.text;
  // Bot messages (subtype bot_message) may come without a user; user messages always have one.
  if (input.userId !== undefined || input.botId === undefined) {
    event.user = ctx.workspace.ensureUser(input.userId ?? config.defaultUserId).id;
  }
  if (input.botId !== undefined) event.bot_id = input.botId;
  event.ts = ts;
  event.team = config.teamId;
  if (input.subtype === undefined && input.botId === undefined) event.client_msg_id = ctx.ids.secret();
  if (input.threadTs !== undefined) event.thread_ts = input.threadTs;
  event.channel = channelId;
  event.event_ts = ts;
  event.channel_type = channelType(channelId);
  Object.assign(event, input.extra);
  return { ...wrapEvent(ctx, event, input.eventId), ts };
}

/** The `message` event Slack sends every app in the channel for the bot's own post. */
export function buildBotEcho(ctx: PayloadContext, message: SimMessage): BuiltEvent {
  const event: JsonObject = {
    type: 'message',
    text: message.text,
    user: message.user,
    bot_id: message.bot_id,
    app_id: message.app_id,
    ts: message.ts,
    team: message.team,
    bot_profile: {
      id: ctx.config.botId,
      app_id: ctx.config.appId,
      name: ctx.config.botName,
      deleted: false,
      team_id: ctx.config.teamId,
    },
  };
  if (message.blocks !== undefined) event.blocks = message.blocks;
  if (message.attachments !== undefined) event.attachments = message.attachments;
  if (message.thread_ts !== undefined) {
    event.thread_ts = message.thread_ts;
    const parent = ctx.workspace.findMessage(message.channel, message.thread_ts);
    if (parent !== undefined) event.parent_user_id = parent.user;
  }
  event.channel = message.channel;
  event.event_ts = message.ts;
  event.channel_type = channelType(message.channel);
  return wrapEvent(ctx, event);
}

export interface BlockActionInput {
  actionId: string;
  messageTs: string;
  /** Defaults to the element's value in the stored message, for buttons. */
  value?: string;
  selectedOption?: { value: string; text?: string };
  /** Defaults to the block holding `actionId` in the stored message. */
  blockId?: string;
  userId?: string;
  channelId?: string;
  /** Defaults to the stored message at `messageTs`. */
  message?: JsonObject;
  actionTs?: string;
  /** Defaults to the element's type in the stored message, else 'button'. */
  type?: 'button' | 'static_select';
  extra?: JsonObject;
}

export interface BuiltBlockAction {
  payload: JsonObject;
  responseUrl: string;
  triggerId: string;
  actionTs: string;
}

interface FoundElement {
  blockId: string | undefined;
  element: JsonObject;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finds the interactive element with `actionId` in message blocks (actions blocks and section accessories). */
function findElement(blocks: unknown, actionId: string): FoundElement | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks) {
    if (!isObject(block)) continue;
    const blockId = typeof block.block_id === 'string' ? block.block_id : undefined;
    const candidates = [...(Array.isArray(block.elements) ? block.elements : []), block.accessory];
    for (const element of candidates) {
      if (isObject(element) && element.action_id === actionId) return { blockId, element };
    }
  }
  return undefined;
}

function plainText(value: unknown): JsonObject | undefined {
  if (isObject(value) && typeof value.text === 'string') return value;
  return undefined;
}

export function buildBlockAction(ctx: PayloadContext, input: BlockActionInput): BuiltBlockAction {
  const { config } = ctx;
  const channel = ctx.workspace.ensureChannel(input.channelId ?? config.defaultChannelId);
  const user = ctx.workspace.ensureUser(input.userId ?? config.defaultUserId);
  const stored = ctx.workspace.findMessage(channel.id, input.messageTs);
  const message: JsonObject =
    input.message ??
    (stored !== undefined
      ? (({ channel: _channel, ...rest }) => rest)(stored)
      : { type: 'message', ts: input.messageTs, text: '', user: config.botUserId, bot_id: config.botId });
  const found = findElement(message.blocks, input.actionId);
  const elementType = typeof found?.element.type === 'string' ? found.element.type : undefined;
  const type = input.type ?? (elementType === 'static_select' ? 'static_select' : 'button');
  const actionTs = input.actionTs ?? ctx.clock.next();
  const action: JsonObject = {
    type,
    action_id: input.actionId,
    block_id: input.blockId ?? found?.blockId ?? ctx.ids.next('B'),
    action_ts: actionTs,
  };
  if (type === 'button') {
    action.text = plainText(found?.element.text) ?? { type: 'plain_text', text: input.actionId, emoji: true };
    const value = input.value ?? found?.element.value;
    if (value !== undefined) action.value = value;
  } else {
    const option = input.selectedOption ?? { value: input.value ?? '' };
    action.selected_option = {
      text: { type: 'plain_text', text: option.text ?? option.value, emoji: true },
      value: option.value,
    };
    const placeholder = plainText(found?.element.placeholder);
    if (placeholder !== undefined) action.placeholder = placeholder;
  }
  const url = responseUrl(ctx);
  const triggerId = ctx.ids.triggerId();
  const payload: JsonObject = {
    type: 'block_actions',
    user: { id: user.id, username: user.name, name: user.name, team_id: config.teamId },
    api_app_id: config.appId,
    token: config.verificationToken,
    container: {
      type: 'message',
      message_ts: input.messageTs,
      channel_id: channel.id,
      is_ephemeral: false,
    },
    trigger_id: triggerId,
    team: { id: config.teamId, domain: config.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel.id, name: channel.name },
    message,
    state: { values: {} },
    response_url: url,
    actions: [action],
    ...input.extra,
  };
  return { payload, responseUrl: url, triggerId, actionTs };
}
