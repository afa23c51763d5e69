// A Slack stand-in for tests: one loopback HTTP server that is the Web API,
// the upload and response_url endpoints, and the Socket Mode WebSocket, so
// the real @slack/bolt app runs unmodified against it:
//
//   const sim = await startSlackSimulator();
//   const app = new App({ token: sim.config.botToken, appToken: sim.config.appToken,
//     socketMode: true, clientOptions: { slackApiUrl: sim.apiUrl } });
//   await app.start();
//   const { ackMs } = await sim.sendSlashCommand({ text: 'status' });
//   await sim.waitForMessage(sim.config.defaultChannelId, (m) => m.text.includes('queued'));
//   await app.stop(); await sim.close();
//
// Bolt's App hands `clientOptions` to its SocketModeClient as well, which is
// how apps.connections.open reaches the simulator. That client waits
// clientPingTimeout (5 s; settable only via a custom SocketModeReceiver)
// before every reconnect, so a drop or refresh costs a test about 5 s.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Changes } from './changes.js';
import { FaultQueue } from './faults.js';
import { RateLimiter, SLACK_RATE_LIMITS, type SimRateLimits } from './limits.js';
import { Outages, type Outage, type OutageSpec } from './outages.js';
import { createRequestHandler } from './http-server.js';
import { IdSource, TsClock } from './ids.js';
import {
  buildBlockAction,
  buildBotEcho,
  buildMessageEvent,
  buildSlashCommand,
  type BlockActionInput,
  type MessageEventInput,
  type PayloadContext,
  type SlashCommandInput,
} from './payloads.js';
import { SocketModeServer } from './socket.js';
import type {
  ConnectionInfo,
  Delivery,
  EnvelopeRecord,
  JsonObject,
  RecordedCall,
  SendOptions,
  SimConfig,
  SimEphemeral,
  SimFault,
  SimMessage,
  SimResponse,
  SimUpload,
  SlackSimulatorOptions,
  SocketLogEntry,
} from './types.js';
import type { ApiContext } from './web-api.js';
import { Workspace } from './workspace.js';

export type * from './types.js';
export type { BlockActionInput, MessageEventInput, SlashCommandInput } from './payloads.js';

const DEFAULT_WAIT_MS = 3_000;
/** Long enough for Bolt's default reconnect delay (5 s) plus slack on a slow machine. */
const DEFAULT_CONNECTION_WAIT_MS = 15_000;

export interface SlashCommandDelivery extends Delivery {
  payload: JsonObject;
  responseUrl: string;
  triggerId: string;
}

export interface MessageDelivery extends Delivery {
  /** The event_callback body (reuse with `redeliver`). */
  payload: JsonObject;
  event: JsonObject;
  eventId: string;
  ts: string;
}

export interface BlockActionDelivery extends Delivery {
  payload: JsonObject;
  responseUrl: string;
  triggerId: string;
  actionTs: string;
}

export interface SlackSimulator {
  /** Pass as `clientOptions.slackApiUrl`; ends with `/api/`. */
  readonly apiUrl: string;
  /** http://127.0.0.1:PORT */
  readonly baseUrl: string;
  readonly port: number;
  readonly config: Readonly<SimConfig>;
  /** Socket Mode connections accepted so far, reconnects included. */
  readonly connectionCount: number;
  readonly isConnected: boolean;

  // Socket Mode: each send resolves once the app acks (rejects after the ack timeout).
  sendSlashCommand(input: SlashCommandInput, options?: SendOptions): Promise<SlashCommandDelivery>;
  sendMessage(input: MessageEventInput, options?: SendOptions): Promise<MessageDelivery>;
  sendBlockAction(input: BlockActionInput, options?: SendOptions): Promise<BlockActionDelivery>;
  sendEnvelope(type: string, payload: JsonObject, options?: SendOptions): Promise<Delivery>;
  /** Sends an earlier envelope's payload again as a new envelope; events_api gets retry_attempt+1. */
  redeliver(envelopeId: string, options?: SendOptions): Promise<Delivery>;
  /** Terminates the current socket without a close handshake; resolves once it is closed. */
  dropConnection(timeoutMs?: number): Promise<void>;
  /** Sends Slack's `{"type":"disconnect","reason":...}`; resolves once the app closed the socket. */
  sendDisconnect(
    reason?: 'refresh_requested' | 'warning' | 'link_disabled' | 'too_many_websockets' | (string & {}),
    options?: { waitForClose?: boolean; timeoutMs?: number },
  ): Promise<void>;
  /**
   * Resolves once every envelope sent so far is acked or has timed out. Call it
   * before dropping or refreshing the socket so an in-flight event (such as the
   * echo of the bot's last post) is not cut off mid-ack.
   */
  waitForAcks(timeoutMs?: number): Promise<void>;
  /** Resolves when connection number `n` or later is open and the app has handled its hello (default: any connection). */
  waitForConnection(n?: number, timeoutMs?: number): Promise<ConnectionInfo>;

  // Web API.
  failNext(method: string, fault: SimFault, times?: number): void;
  clearFaults(): void;
  /** Enforces these rate limits from now on ({} turns them off). */
  setRateLimits(limits: SimRateLimits): void;
  /** Calls answered 429 by the rate limits so far. */
  rateLimited(): number;
  /** Makes Slack slow, failing or unreachable for the methods named (all when none) until `forMs` passes or end(). */
  outage(spec: OutageSpec): Outage;
  calls(method?: string): RecordedCall[];
  /** The first call (past or future) to `method` matching `predicate`. */
  waitForCall(method: string, predicate?: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /** The bot's posts in `channel` in order (chat.update edits them in place); with includeUsers, simulated user messages too. */
  messages(channel: string, options?: { includeUsers?: boolean }): SimMessage[];
  message(channel: string, ts: string): SimMessage | undefined;
  waitForMessage(
    channel: string,
    predicate?: (message: SimMessage) => boolean,
    timeoutMs?: number,
  ): Promise<SimMessage>;
  ephemerals(): SimEphemeral[];
  uploads(): SimUpload[];
  /** Bodies POSTed to response_urls, optionally only those to one URL. */
  responses(responseUrl?: string): SimResponse[];
  waitForResponse(responseUrl: string, timeoutMs?: number): Promise<SimResponse>;
  /** Polls nothing: re-checks `probe` on every simulator change until it returns a value. */
  waitFor<T>(probe: () => T | undefined, timeoutMs?: number, what?: string): Promise<T>;
  addChannel(id: string, name: string, isPrivate?: boolean): void;
  /** Creates or replaces user group `id` (S…) with `members`, for usergroups.users.list. */
  setUserGroup(id: string, members: string[]): void;
  addUser(id: string, name: string, realName?: string): void;

  deliveries(): EnvelopeRecord[];
  socketLog(): SocketLogEntry[];
  /** Forgets calls, messages, uploads, responses, faults and logs; connections stay. */
  reset(): void;
  close(): Promise<void>;
}

function resolveConfig(options: SlackSimulatorOptions): SimConfig {
  return {
    botToken: options.botToken ?? 'xoxb-sim-0000-bot-token',
    appToken: options.appToken ?? 'xapp-1-A0SIMAPP1-0000-app-token',
    teamId: options.teamId ?? 'T0SIMTEAM1',
    teamDomain: options.teamDomain ?? 'agentops-sim',
    teamName: options.teamName ?? 'AgentOps Sim',
    appId: options.appId ?? 'A0SIMAPP1',
    botUserId: options.botUserId ?? 'U0SIMBOT1',
    botId: options.botId ?? 'B0SIMBOT1',
    botName: options.botName ?? 'agentops',
    verificationToken: options.verificationToken ?? 'sim-verification-token',
    defaultChannelId: options.defaultChannelId ?? 'C0SIMCHAN1',
    defaultUserId: options.defaultUserId ?? 'U0SIMUSER1',
    echoBotMessages: options.echoBotMessages ?? true,
    ackTimeoutMs: options.ackTimeoutMs ?? 3_000,
    serverPingIntervalMs: options.serverPingIntervalMs ?? 10_000,
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startSlackSimulator(options: SlackSimulatorOptions = {}): Promise<SlackSimulator> {
  const config = resolveConfig(options);
  const changes = new Changes();
  const ids = new IdSource();
  const clock = new TsClock();
  const workspace = new Workspace(config, options);
  const faults = new FaultQueue();
  const limits = new RateLimiter(options.rateLimits === true ? SLACK_RATE_LIMITS : (options.rateLimits ?? {}));
  const outages = new Outages();
  const socket = new SocketModeServer(config, ids, changes);
  let calls: RecordedCall[] = [];
  let baseUrl = '';

  const payloadContext = (): PayloadContext => ({ config, workspace, ids, clock, baseUrl });

  const echo = (message: SimMessage): void => {
    if (!config.echoBotMessages || !socket.isConnected) return;
    const { payload } = buildBotEcho(payloadContext(), message);
    // Nobody awaits the echo; its delivery shows up in deliveries().
    socket.send('events_api', payload, { requireAck: false }).catch(() => undefined);
  };

  const apiContext = (): ApiContext => ({
    ...payloadContext(),
    openSocketUrl: () => `${baseUrl.replace(/^http/, 'ws')}/socket?ticket=${socket.issueTicket()}`,
    onBotPost: echo,
  });

  const server = createServer(
    createRequestHandler({
      config,
      workspace,
      faults,
      limits,
      outages,
      changes,
      get calls() {
        return calls;
      },
      apiContext,
      baseUrl: () => baseUrl,
    }),
  );
  server.on('upgrade', (req, stream, head) => socket.handleUpgrade(req, stream, head));
  const port = await listen(server);
  baseUrl = `http://127.0.0.1:${port}`;

  const sim: SlackSimulator = {
    apiUrl: `${baseUrl}/api/`,
    baseUrl,
    port,
    config,
    get connectionCount() {
      return socket.connectionCount;
    },
    get isConnected() {
      return socket.isConnected;
    },

    async sendSlashCommand(input, sendOptions) {
      const built = buildSlashCommand(payloadContext(), input);
      const delivery = await socket.send('slash_commands', built.payload, sendOptions);
      return { ...delivery, ...built };
    },

    async sendMessage(input, sendOptions = {}) {
      const built = buildMessageEvent(payloadContext(), input);
      const { event } = built;
      // Plain user messages exist in the channel afterwards, so the app can react to or thread on them.
      if (typeof event.user === 'string' && (input.subtype === undefined || input.subtype === 'thread_broadcast')) {
        workspace.putMessage({
          type: 'message',
          channel: String(event.channel),
          ts: built.ts,
          text: input.text,
          user: event.user,
          team: config.teamId,
          ...(input.threadTs === undefined ? {} : { thread_ts: input.threadTs }),
        });
      }
      const delivery = await socket.send('events_api', built.payload, {
        ...sendOptions,
        retryAttempt: sendOptions.retryAttempt ?? input.retryAttempt,
        retryReason: sendOptions.retryReason ?? input.retryReason,
      });
      return { ...delivery, ...built };
    },

    async sendBlockAction(input, sendOptions) {
      const built = buildBlockAction(payloadContext(), input);
      const delivery = await socket.send('interactive', built.payload, sendOptions);
      return { ...delivery, ...built };
    },

    sendEnvelope: (type, payload, sendOptions) => socket.send(type, payload, sendOptions),

    redeliver(envelopeId, sendOptions = {}) {
      const original = socket.deliveries().find((d) => d.envelopeId === envelopeId);
      if (original === undefined) return Promise.reject(new Error(`slack-sim: unknown envelope ${envelopeId}`));
      const payload = original.envelope.payload as JsonObject;
      const previous = typeof original.envelope.retry_attempt === 'number' ? original.envelope.retry_attempt : 0;
      return socket.send(original.type, payload, {
        acceptsResponsePayload: original.envelope.accepts_response_payload === true,
        ...sendOptions,
        retryAttempt: sendOptions.retryAttempt ?? previous + 1,
      });
    },

    dropConnection: (timeoutMs = DEFAULT_WAIT_MS) => socket.drop(timeoutMs),

    sendDisconnect: (reason = 'refresh_requested', disconnectOptions = {}) =>
      socket.sendDisconnect(
        reason,
        disconnectOptions.waitForClose ?? true,
        disconnectOptions.timeoutMs ?? DEFAULT_WAIT_MS,
      ),

    waitForAcks: (timeoutMs = config.ackTimeoutMs + 1_000) => socket.waitForAcks(timeoutMs),

    waitForConnection: (n = 1, timeoutMs = DEFAULT_CONNECTION_WAIT_MS) => socket.waitForConnection(n, timeoutMs),

    failNext(method, fault, times = 1) {
      faults.add(method, fault, times);
    },
    clearFaults: () => faults.clear(),
    setRateLimits: (next) => limits.set(next),
    rateLimited: () => limits.limited,
    outage: (spec) => outages.start(spec),

    calls: (method) => (method === undefined ? [...calls] : calls.filter((c) => c.method === method)),

    waitForCall: (method, predicate = () => true, timeoutMs = DEFAULT_WAIT_MS) =>
      changes.waitFor(() => calls.find((c) => c.method === method && predicate(c)), timeoutMs, `a ${method} call`),

    messages: (channel, messageOptions = {}) =>
      workspace.messages(channel, messageOptions.includeUsers ?? false, config.botUserId),

    message: (channel, ts) => workspace.findMessage(channel, ts),

    waitForMessage: (channel, predicate = () => true, timeoutMs = DEFAULT_WAIT_MS) =>
      changes.waitFor(
        () => workspace.messages(channel, false, config.botUserId).find(predicate),
        timeoutMs,
        `a bot message in ${channel}`,
      ),

    ephemerals: () => workspace.ephemerals(),
    uploads: () => workspace.uploads(),
    responses: (responseUrl) =>
      workspace.responses().filter((r) => responseUrl === undefined || r.responseUrl === responseUrl),
    waitForResponse: (responseUrl, timeoutMs = DEFAULT_WAIT_MS) =>
      changes.waitFor(
        () => workspace.responses().find((r) => r.responseUrl === responseUrl),
        timeoutMs,
        `a POST to ${responseUrl}`,
      ),
    waitFor: (probe, timeoutMs = DEFAULT_WAIT_MS, what = 'a condition') => changes.waitFor(probe, timeoutMs, what),

    setUserGroup(id, members) {
      workspace.setUserGroup(id, members);
    },
    addChannel(id, name, isPrivate = false) {
      workspace.addChannel(id, name, isPrivate);
    },
    addUser(id, name, realName) {
      workspace.addUser(id, name, realName ?? name);
    },

    deliveries: () => socket.deliveries(),
    socketLog: () => socket.socketLog(),

    reset() {
      calls = [];
      faults.clear();
      outages.clear();
      limits.limited = 0;
      workspace.reset();
      socket.reset();
    },

    async close() {
      changes.failAll(new Error('slack-sim: simulator closed'));
      await socket.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets from the app's fetch would hold close() open until they idle out.
        server.closeAllConnections();
      });
    },
  };
  return sim;
}
