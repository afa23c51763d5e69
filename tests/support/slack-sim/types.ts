// Public types of the Slack simulator. Objects that mirror something Slack
// itself returns (messages) keep Slack's snake_case field names so assertions
// read like the Slack docs; the simulator's own records use camelCase.

import type { SimRateLimits } from './limits.js';

/** A decoded JSON object (API arguments, envelope payloads, acks). */
export type JsonObject = Record<string, unknown>;

export interface SlackSimulatorOptions {
  /** Token the Web API expects for ordinary methods. */
  botToken?: string;
  /** Token the Web API expects for `apps.connections.open`. */
  appToken?: string;
  teamId?: string;
  teamDomain?: string;
  teamName?: string;
  appId?: string;
  botUserId?: string;
  botId?: string;
  botName?: string;
  /** The (deprecated, still sent) verification token inside payloads. */
  verificationToken?: string;
  /** Channel used by the send helpers when a test gives none. */
  defaultChannelId?: string;
  /** User used by the send helpers when a test gives none. */
  defaultUserId?: string;
  /**
   * Enforce Slack's Web API rate limits: `true` for SLACK_RATE_LIMITS (1 post a
   * second per channel after a burst of 20, 50 edits a minute), or buckets of your
   * own. Off by default; `setRateLimits` changes them later.
   */
  rateLimits?: SimRateLimits | true;
  /** Deliver a `message` event for each of the bot's own posts, as Slack does (default true). */
  echoBotMessages?: boolean;
  /** How long a send helper waits for the app's ack (default 3000 ms, Slack's limit). */
  ackTimeoutMs?: number;
  /**
   * Send WebSocket pings every N ms like Slack's servers do (default 10 000).
   * Every connection also gets one ping right after hello (its pong shows the
   * app handled hello), after which @slack/socket-mode expects a ping at least
   * every 30 s; with 0 it reconnects on its own 30 s after connecting.
   */
  serverPingIntervalMs?: number;
  channels?: Array<{ id: string; name: string; isPrivate?: boolean }>;
  users?: Array<{ id: string; name: string; realName?: string; isBot?: boolean }>;
  /** User groups (S…) and their members, for usergroups.users.list. */
  userGroups?: Record<string, string[]>;
}

/** The options with every default filled in. */
export interface SimConfig {
  botToken: string;
  appToken: string;
  teamId: string;
  teamDomain: string;
  teamName: string;
  appId: string;
  botUserId: string;
  botId: string;
  botName: string;
  verificationToken: string;
  defaultChannelId: string;
  defaultUserId: string;
  echoBotMessages: boolean;
  ackTimeoutMs: number;
  serverPingIntervalMs: number;
}

/**
 * A fault to answer a Web API call with instead of running it.
 * `{status: 429}` carries `Retry-After` (default 1 s) so @slack/web-api waits
 * and retries; any other status is a bare HTTP error (web-api retries those
 * too); `{error}` is Slack's usual `200 {ok:false, error}`.
 */
export type SimFault = { status: number; retryAfterSec?: number } | { error: string };

export interface RecordedCall {
  method: string;
  /** Arguments without `token`; JSON-valued fields (blocks, attachments, files...) decoded. */
  args: JsonObject;
  /** Bearer token from the Authorization header, else the `token` argument. */
  token: string | undefined;
  at: number;
  /** Whether the simulator answered `ok: true`. */
  ok: boolean;
  /** Slack error code, or `http_<status>` for an injected HTTP fault. */
  error: string | undefined;
  /** The injected fault this call consumed, if any. */
  fault: SimFault | undefined;
  /** The JSON body the simulator answered with (undefined for bare HTTP faults). */
  response: JsonObject | undefined;
}

export interface SimReaction {
  name: string;
  users: string[];
  count: number;
}

/** A message as Slack stores it (the shape conversations.history returns), plus its channel. */
export interface SimMessage {
  type: 'message';
  channel: string;
  ts: string;
  text: string;
  user: string;
  team: string;
  bot_id?: string;
  app_id?: string;
  subtype?: string;
  thread_ts?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  reactions?: SimReaction[];
  edited?: { user: string; ts: string };
}

export interface SimEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks: unknown[] | undefined;
  thread_ts: string | undefined;
  message_ts: string;
  at: number;
}

export interface SimUpload {
  fileId: string;
  filename: string;
  title: string | undefined;
  /** The length files.getUploadURLExternal was told. */
  declaredLength: number;
  /** The bytes POSTed to the upload URL (undefined until then). */
  bytes: Buffer | undefined;
  /** `bytes` as UTF-8, for text files. */
  content: string | undefined;
  altText: string | undefined;
  snippetType: string | undefined;
  /** Set by files.completeUploadExternal. */
  completed: boolean;
  channelId: string | undefined;
  threadTs: string | undefined;
  initialComment: string | undefined;
}

/** A POST the app made to a response_url (Bolt's `respond()`). */
export interface SimResponse {
  responseUrl: string;
  body: JsonObject;
  at: number;
}

export interface SimChannel {
  id: string;
  name: string;
  isPrivate: boolean;
}

export interface SimUser {
  id: string;
  name: string;
  realName: string;
  isBot: boolean;
}

/** The outcome of delivering one envelope over the socket. */
export interface Delivery {
  envelopeId: string;
  type: string;
  /** False only when `requireAck: false` was passed and no ack came in time. */
  acked: boolean;
  /** The ack's `payload` (Bolt sends `{}` for a bare `ack()`). */
  ack: JsonObject | undefined;
  /** Milliseconds from send to ack; the time waited when no ack came. */
  ackMs: number;
}

export interface SendOptions {
  /** Ack deadline for this envelope (default: the simulator's ackTimeoutMs). */
  timeoutMs?: number;
  /** Reject when no ack arrives in time (default true); false resolves with `acked: false`. */
  requireAck?: boolean;
  acceptsResponsePayload?: boolean;
  /** events_api only: Slack's redelivery counter and reason. */
  retryAttempt?: number;
  retryReason?: string;
}

/** What the simulator remembers about each envelope it sent. */
export interface EnvelopeRecord {
  envelopeId: string;
  type: string;
  /** The whole envelope exactly as sent. */
  envelope: JsonObject;
  connectionId: number;
  sentAt: number;
  acked: boolean;
  ack: JsonObject | undefined;
  ackedAt: number | undefined;
}

export type SocketLogKind =
  | 'open'
  | 'hello'
  | 'envelope'
  | 'disconnect'
  | 'ack'
  | 'unknown_ack'
  | 'other'
  | 'ping'
  | 'pong'
  | 'close';

export interface SocketLogEntry {
  at: number;
  connectionId: number;
  /** out = simulator to app, in = app to simulator. */
  direction: 'in' | 'out';
  kind: SocketLogKind;
  data?: unknown;
}

export interface ConnectionInfo {
  /** 1 for the first connection, 2 for the first reconnect, ... */
  id: number;
  openedAt: number;
}
