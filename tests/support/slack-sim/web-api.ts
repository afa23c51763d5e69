// The Web API methods the simulator implements. Each handler gets decoded
// arguments and answers with Slack's JSON body; side effects that Slack would
// produce after answering (the bot's own message event) go in `after`.
import type { IdSource, TsClock } from './ids.js';
import type { JsonObject, SimConfig, SimMessage, SimReaction } from './types.js';
import type { Workspace } from './workspace.js';

export interface ApiContext {
  config: SimConfig;
  workspace: Workspace;
  ids: IdSource;
  clock: TsClock;
  /** http://127.0.0.1:PORT, no trailing slash. */
  baseUrl: string;
  /** A fresh single-use WebSocket URL. */
  openSocketUrl(): string;
  /** Slack's echo of the bot's own post back over the socket. */
  onBotPost(message: SimMessage): void;
}

export interface ApiResult {
  body: JsonObject;
  after?: () => void;
}

type Handler = (args: JsonObject, ctx: ApiContext) => ApiResult;

const fail = (error: string): ApiResult => ({ body: { ok: false, error } });

/** A string argument; numbers count because form encoding erases the difference. */
function str(args: JsonObject, key: string): string | undefined {
  const value = args[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function list(args: JsonObject, key: string): unknown[] | undefined {
  const value = args[key];
  return Array.isArray(value) ? value : undefined;
}

/** The message object Slack returns from chat.* methods: the stored one without our `channel`. */
function asSlackMessage(message: SimMessage): JsonObject {
  const { channel: _channel, ...rest } = message;
  return rest;
}

function botProfile(config: SimConfig): JsonObject {
  return { id: config.botId, app_id: config.appId, name: config.botName, deleted: false, team_id: config.teamId };
}

const authTest: Handler = (_args, { config }) => ({
  body: {
    ok: true,
    url: `https://${config.teamDomain}.slack.com/`,
    team: config.teamName,
    user: config.botName,
    team_id: config.teamId,
    user_id: config.botUserId,
    bot_id: config.botId,
    is_enterprise_install: false,
  },
});

const connectionsOpen: Handler = (_args, ctx) => ({ body: { ok: true, url: ctx.openSocketUrl() } });

const postMessage: Handler = (args, ctx) => {
  const channel = str(args, 'channel');
  if (channel === undefined || channel === '') return fail('channel_not_found');
  const text = str(args, 'text');
  const blocks = list(args, 'blocks');
  const attachments = list(args, 'attachments');
  if ((text === undefined || text === '') && blocks === undefined && attachments === undefined) return fail('no_text');
  ctx.workspace.ensureChannel(channel);
  const { config } = ctx;
  const message: SimMessage = {
    type: 'message',
    channel,
    ts: ctx.clock.next(),
    text: text ?? '',
    user: config.botUserId,
    team: config.teamId,
    bot_id: config.botId,
    app_id: config.appId,
  };
  const threadTs = str(args, 'thread_ts');
  if (threadTs !== undefined && threadTs !== '') message.thread_ts = threadTs;
  if (blocks !== undefined) message.blocks = blocks;
  if (attachments !== undefined) message.attachments = attachments;
  if (args.metadata !== undefined) message.metadata = args.metadata;
  ctx.workspace.putMessage(message);
  return {
    body: {
      ok: true,
      channel,
      ts: message.ts,
      message: { ...asSlackMessage(message), bot_profile: botProfile(config) },
    },
    after: () => ctx.onBotPost(message),
  };
};

const update: Handler = (args, ctx) => {
  const channel = str(args, 'channel');
  const ts = str(args, 'ts');
  if (channel === undefined || ts === undefined) return fail('message_not_found');
  const message = ctx.workspace.findMessage(channel, ts);
  if (message === undefined) return fail('message_not_found');
  if (message.user !== ctx.config.botUserId) return fail('cant_update_message');
  const text = str(args, 'text');
  const blocks = list(args, 'blocks');
  const attachments = list(args, 'attachments');
  // In place, so a test holding the message object sees the edit, like a Slack client does.
  if (text !== undefined) message.text = text;
  if (blocks !== undefined) message.blocks = blocks;
  if (attachments !== undefined) message.attachments = attachments;
  if (args.metadata !== undefined) message.metadata = args.metadata;
  message.edited = { user: ctx.config.botUserId, ts: ctx.clock.next() };
  return { body: { ok: true, channel, ts, text: message.text, message: asSlackMessage(message) } };
};

const postEphemeral: Handler = (args, ctx) => {
  const channel = str(args, 'channel');
  const user = str(args, 'user');
  if (channel === undefined || channel === '') return fail('channel_not_found');
  if (user === undefined || user === '') return fail('user_not_found');
  const text = str(args, 'text') ?? '';
  const blocks = list(args, 'blocks');
  if (text === '' && blocks === undefined && list(args, 'attachments') === undefined) return fail('no_text');
  const messageTs = ctx.clock.next();
  ctx.workspace.addEphemeral({
    channel,
    user,
    text,
    blocks,
    thread_ts: str(args, 'thread_ts'),
    message_ts: messageTs,
    at: Date.now(),
  });
  return { body: { ok: true, message_ts: messageTs } };
};

const deleteMessage: Handler = (args, ctx) => {
  const channel = str(args, 'channel');
  const ts = str(args, 'ts');
  if (channel === undefined || ts === undefined) return fail('message_not_found');
  const message = ctx.workspace.findMessage(channel, ts);
  if (message === undefined) return fail('message_not_found');
  if (message.user !== ctx.config.botUserId) return fail('cant_delete_message');
  ctx.workspace.removeMessage(channel, ts);
  return { body: { ok: true, channel, ts } };
};

function reactionTarget(args: JsonObject, ctx: ApiContext): { message: SimMessage; name: string } | ApiResult {
  const channel = str(args, 'channel');
  const ts = str(args, 'timestamp');
  const name = str(args, 'name');
  if (name === undefined || name === '') return fail('invalid_name');
  if (channel === undefined || ts === undefined) return fail('message_not_found');
  const message = ctx.workspace.findMessage(channel, ts);
  if (message === undefined) return fail('message_not_found');
  return { message, name };
}

const reactionsAdd: Handler = (args, ctx) => {
  const target = reactionTarget(args, ctx);
  if ('body' in target) return target;
  const { message, name } = target;
  const reactions: SimReaction[] = message.reactions ?? [];
  const existing = reactions.find((r) => r.name === name);
  const me = ctx.config.botUserId;
  if (existing?.users.includes(me)) return fail('already_reacted');
  if (existing !== undefined) {
    existing.users.push(me);
    existing.count += 1;
  } else {
    reactions.push({ name, users: [me], count: 1 });
  }
  message.reactions = reactions;
  return { body: { ok: true } };
};

const reactionsRemove: Handler = (args, ctx) => {
  const target = reactionTarget(args, ctx);
  if ('body' in target) return target;
  const { message, name } = target;
  const me = ctx.config.botUserId;
  const existing = message.reactions?.find((r) => r.name === name);
  if (existing === undefined || !existing.users.includes(me)) return fail('no_reaction');
  existing.users = existing.users.filter((u) => u !== me);
  existing.count -= 1;
  message.reactions = (message.reactions ?? []).filter((r) => r.count > 0);
  if (message.reactions.length === 0) delete message.reactions;
  return { body: { ok: true } };
};

const conversationsInfo: Handler = (args, ctx) => {
  const id = str(args, 'channel');
  const channel = id === undefined ? undefined : ctx.workspace.channel(id);
  if (channel === undefined) return fail('channel_not_found');
  return {
    body: {
      ok: true,
      channel: {
        id: channel.id,
        name: channel.name,
        is_channel: !channel.isPrivate,
        is_group: channel.isPrivate,
        is_im: false,
        is_private: channel.isPrivate,
        is_archived: false,
        is_general: false,
        is_member: true,
        created: 1_700_000_000,
        creator: ctx.config.defaultUserId,
        context_team_id: ctx.config.teamId,
      },
    },
  };
};

const userGroupMembers: Handler = (args, ctx) => {
  const id = str(args, 'usergroup');
  const members = id === undefined ? undefined : ctx.workspace.userGroup(id);
  if (members === undefined) return fail('no_such_subteam');
  return { body: { ok: true, users: members } };
};

const usersInfo: Handler = (args, ctx) => {
  const id = str(args, 'user');
  const user = id === undefined ? undefined : ctx.workspace.user(id);
  if (user === undefined) return fail('user_not_found');
  return {
    body: {
      ok: true,
      user: {
        id: user.id,
        team_id: ctx.config.teamId,
        name: user.name,
        real_name: user.realName,
        deleted: false,
        is_bot: user.isBot,
        is_admin: false,
        tz: 'Etc/UTC',
        profile: { real_name: user.realName, display_name: user.name },
      },
    },
  };
};

const getUploadUrl: Handler = (args, ctx) => {
  const filename = str(args, 'filename');
  const length = Number(str(args, 'length'));
  if (filename === undefined || filename === '' || !Number.isInteger(length) || length < 0) {
    return fail('invalid_arguments');
  }
  const fileId = ctx.ids.next('F');
  ctx.workspace.addUpload({
    fileId,
    filename,
    title: undefined,
    declaredLength: length,
    bytes: undefined,
    content: undefined,
    altText: str(args, 'alt_text'),
    snippetType: str(args, 'snippet_type'),
    completed: false,
    channelId: undefined,
    threadTs: undefined,
    initialComment: undefined,
  });
  return { body: { ok: true, upload_url: `${ctx.baseUrl}/upload/${fileId}`, file_id: fileId } };
};

const completeUpload: Handler = (args, ctx) => {
  const files = list(args, 'files');
  if (files === undefined || files.length === 0) return fail('invalid_arguments');
  const entries: Array<{ id: string; title: string | undefined }> = [];
  for (const file of files) {
    if (typeof file !== 'object' || file === null) return fail('invalid_arguments');
    const { id, title } = file as { id?: unknown; title?: unknown };
    if (typeof id !== 'string') return fail('invalid_arguments');
    // Slack refuses to complete a file whose bytes never arrived.
    if (ctx.workspace.upload(id)?.bytes === undefined) return fail('file_not_found');
    entries.push({ id, title: typeof title === 'string' ? title : undefined });
  }
  const channelId = str(args, 'channel_id') ?? str(args, 'channels');
  const completed: JsonObject[] = [];
  for (const entry of entries) {
    const upload = ctx.workspace.upload(entry.id);
    if (upload === undefined) continue; // checked above
    upload.completed = true;
    upload.title = entry.title ?? upload.filename;
    upload.channelId = channelId;
    upload.threadTs = str(args, 'thread_ts');
    upload.initialComment = str(args, 'initial_comment');
    completed.push({
      id: upload.fileId,
      name: upload.filename,
      title: upload.title,
      size: upload.bytes?.length ?? 0,
      user: ctx.config.botUserId,
      channels: channelId === undefined ? [] : [channelId],
    });
  }
  return { body: { ok: true, files: completed } };
};

/** Slack's `oldest`/`latest` window: ts strings compare as numbers. */
function inWindow(ts: string, args: JsonObject): boolean {
  const value = Number(ts);
  const oldest = str(args, 'oldest');
  const latest = str(args, 'latest');
  const inclusive = str(args, 'inclusive') === 'true' || args.inclusive === true;
  if (oldest !== undefined && (inclusive ? value < Number(oldest) : value <= Number(oldest))) return false;
  if (latest !== undefined && (inclusive ? value > Number(latest) : value >= Number(latest))) return false;
  return true;
}

/** One page of `messages`, with Slack's cursor (an offset here) when more follow. */
function page(messages: SimMessage[], args: JsonObject): { messages: SimMessage[]; hasMore: boolean; next?: string } {
  const limit = Math.min(1_000, Math.max(1, Number(str(args, 'limit') ?? 100) || 100));
  const cursor = str(args, 'cursor');
  const offset = cursor
    ? Number(
        Buffer.from(cursor, 'base64')
          .toString('utf8')
          .replace(/^offset:/, ''),
      ) || 0
    : 0;
  const slice = messages.slice(offset, offset + limit);
  const hasMore = offset + limit < messages.length;
  return hasMore
    ? { messages: slice, hasMore, next: Buffer.from(`offset:${offset + limit}`).toString('base64') }
    : { messages: slice, hasMore };
}

/** A message as the conversations.* methods return it: metadata only when include_all_metadata is asked for. */
function asListed(message: SimMessage, args: JsonObject): JsonObject {
  const withMetadata = str(args, 'include_all_metadata') === 'true' || args.include_all_metadata === true;
  const { metadata, ...rest } = asSlackMessage(message);
  return withMetadata && metadata !== undefined ? { ...rest, metadata } : rest;
}

function listed(result: ReturnType<typeof page>, args: JsonObject): JsonObject {
  return {
    ok: true,
    messages: result.messages.map((message) => asListed(message, args)),
    has_more: result.hasMore,
    ...(result.next ? { response_metadata: { next_cursor: result.next } } : {}),
  };
}

/** The channel's top-level messages, newest first. */
const conversationsHistory: Handler = (args, ctx) => {
  const channel = str(args, 'channel');
  if (channel === undefined || channel === '' || ctx.workspace.channel(channel) === undefined) {
    return fail('channel_not_found');
  }
  const top = ctx.workspace
    .messages(channel, true, ctx.config.botUserId)
    .filter((message) => message.thread_ts === undefined || message.thread_ts === message.ts)
    .filter((message) => inWindow(message.ts, args))
    .sort((a, b) => Number(b.ts) - Number(a.ts));
  return { body: listed(page(top, args), args) };
};

/** A thread: its parent, then its replies, oldest first. */
const conversationsReplies: Handler = (args, ctx) => {
  const channel = str(args, 'channel');
  const ts = str(args, 'ts');
  if (channel === undefined || channel === '' || ctx.workspace.channel(channel) === undefined) {
    return fail('channel_not_found');
  }
  if (ts === undefined || ctx.workspace.findMessage(channel, ts) === undefined) return fail('thread_not_found');
  const thread = ctx.workspace
    .messages(channel, true, ctx.config.botUserId)
    .filter((message) => message.ts === ts || message.thread_ts === ts)
    .filter((message) => message.ts === ts || inWindow(message.ts, args))
    .sort((a, b) => Number(a.ts) - Number(b.ts));
  return { body: listed(page(thread, args), args) };
};

const handlers: Record<string, Handler> = {
  'auth.test': authTest,
  'apps.connections.open': connectionsOpen,
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.postEphemeral': postEphemeral,
  'chat.delete': deleteMessage,
  'reactions.add': reactionsAdd,
  'reactions.remove': reactionsRemove,
  'conversations.info': conversationsInfo,
  'conversations.history': conversationsHistory,
  'conversations.replies': conversationsReplies,
  'users.info': usersInfo,
  'usergroups.users.list': userGroupMembers,
  'files.getUploadURLExternal': getUploadUrl,
  'files.completeUploadExternal': completeUpload,
};

/** Which token a method must be called with: the app-level one only for apps.connections.*. */
export function expectedToken(method: string, config: SimConfig): string {
  return method.startsWith('apps.connections.') ? config.appToken : config.botToken;
}

export function runMethod(method: string, args: JsonObject, ctx: ApiContext): ApiResult {
  const handler = handlers[method];
  if (handler === undefined) return fail('unknown_method');
  return handler(args, ctx);
}
