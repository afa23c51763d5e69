// The Socket Mode side: accepts WebSocket connections on single-use ticket
// URLs handed out by apps.connections.open, greets them with `hello`, sends
// envelopes to the newest open connection and matches the app's acks
// (`{envelope_id, payload?}`) back to them by envelope_id.
//
// Knowing when the app has *processed* hello matters: @slack/socket-mode 3.1
// crashes (unhandled rejection) and leaks a 30 s timer if it is stopped while
// a connection is still opening. A ping sent right after hello answers that:
// the client handles frames in order and answers pings itself, so its pong
// proves hello was handled.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Changes } from './changes.js';
import type { IdSource } from './ids.js';
import type {
  ConnectionInfo,
  Delivery,
  EnvelopeRecord,
  JsonObject,
  SendOptions,
  SocketLogEntry,
  SocketLogKind,
} from './types.js';

const DEBUG_HOST = 'applink-sim-1';

interface Connection extends ConnectionInfo {
  ws: WebSocket;
  closedAt: number | undefined;
  pingTimer: NodeJS.Timeout | undefined;
  /** The client answered the ping sent after hello, so it has handled hello. */
  ready: boolean;
}

interface PendingAck {
  record: EnvelopeRecord;
  requireAck: boolean;
  timer: NodeJS.Timeout;
  resolve(delivery: Delivery): void;
  reject(error: Error): void;
}

export interface SocketServerConfig {
  appId: string;
  ackTimeoutMs: number;
  serverPingIntervalMs: number;
}

export class SocketModeServer {
  // noServer: the simulator's single HTTP server hands us the upgrades for /socket.
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly connections: Connection[] = [];
  private readonly pending = new Map<string, PendingAck>();
  private log: SocketLogEntry[] = [];
  private envelopes: EnvelopeRecord[] = [];
  private closed = false;

  constructor(
    private readonly config: SocketServerConfig,
    private readonly ids: IdSource,
    private readonly changes: Changes,
  ) {}

  /** Registers a single-use ticket, as Slack's URLs are good for one connection. */
  issueTicket(): string {
    const ticket = this.ids.secret();
    this.tickets.add(ticket);
    return ticket;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket');
    if (this.closed || url.pathname !== '/socket' || ticket === null || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  /** Total connections accepted so far (reconnects included). */
  get connectionCount(): number {
    return this.connections.length;
  }

  /** The connection envelopes go to: the newest one still open. */
  private current(): Connection | undefined {
    for (let i = this.connections.length - 1; i >= 0; i -= 1) {
      const connection = this.connections[i];
      if (
        connection !== undefined &&
        connection.closedAt === undefined &&
        connection.ws.readyState === WebSocket.OPEN
      ) {
        return connection;
      }
    }
    return undefined;
  }

  get isConnected(): boolean {
    return this.current() !== undefined;
  }

  private openCount(): number {
    return this.connections.filter((c) => c.closedAt === undefined).length;
  }

  private record(connectionId: number, direction: 'in' | 'out', kind: SocketLogKind, data?: unknown): void {
    this.log.push({ at: Date.now(), connectionId, direction, kind, ...(data === undefined ? {} : { data }) });
  }

  private accept(ws: WebSocket): void {
    const connection: Connection = {
      id: this.connections.length + 1,
      openedAt: Date.now(),
      ws,
      closedAt: undefined,
      pingTimer: undefined,
      ready: false,
    };
    this.connections.push(connection);
    this.record(connection.id, 'in', 'open');
    ws.on('message', (data, isBinary) => this.onMessage(connection, data, isBinary));
    // ws answers pings with pongs by itself (autoPong); we only log them.
    ws.on('ping', (data) => this.record(connection.id, 'in', 'ping', data.toString('utf8')));
    ws.on('pong', (data) => {
      this.record(connection.id, 'in', 'pong', data.toString('utf8'));
      if (!connection.ready) {
        connection.ready = true;
        this.changes.notify();
      }
    });
    ws.on('error', (error) => this.record(connection.id, 'in', 'other', { error: error.message }));
    ws.on('close', (code, reason) => this.onClose(connection, code, reason.toString('utf8')));
    const hello = {
      type: 'hello',
      num_connections: this.openCount(),
      debug_info: { host: DEBUG_HOST, build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: this.config.appId },
    };
    ws.send(JSON.stringify(hello));
    this.record(connection.id, 'out', 'hello', hello);
    ws.ping('sim-hello-check');
    this.record(connection.id, 'out', 'ping', 'sim-hello-check');
    // Once pinged, the client expects more pings within its serverPingTimeout (30 s) or it reconnects.
    if (this.config.serverPingIntervalMs > 0) {
      connection.pingTimer = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        const data = `sim-ping-${Date.now()}`;
        ws.ping(data);
        this.record(connection.id, 'out', 'ping', data);
      }, this.config.serverPingIntervalMs);
    }
    this.changes.notify();
  }

  private onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    const text = isBinary ? undefined : Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
    let message: unknown;
    try {
      message = text === undefined ? undefined : JSON.parse(text);
    } catch {
      message = undefined;
    }
    const envelopeId =
      typeof message === 'object' && message !== null ? (message as { envelope_id?: unknown }).envelope_id : undefined;
    if (typeof envelopeId !== 'string') {
      this.record(connection.id, 'in', 'other', text ?? '<binary>');
      return;
    }
    const payload = (message as { payload?: unknown }).payload;
    const ack = typeof payload === 'object' && payload !== null ? (payload as JsonObject) : undefined;
    const record = this.envelopes.find((e) => e.envelopeId === envelopeId);
    if (record === undefined) {
      this.record(connection.id, 'in', 'unknown_ack', message);
      return;
    }
    this.record(connection.id, 'in', 'ack', message);
    // A second ack for the same envelope is logged but does not overwrite the first.
    if (!record.acked) {
      record.acked = true;
      record.ack = ack;
      record.ackedAt = Date.now();
    }
    const pending = this.pending.get(envelopeId);
    if (pending !== undefined) {
      this.pending.delete(envelopeId);
      clearTimeout(pending.timer);
      pending.resolve(this.deliveryOf(record));
    }
    this.changes.notify();
  }

  private onClose(connection: Connection, code: number, reason: string): void {
    connection.closedAt = Date.now();
    clearInterval(connection.pingTimer);
    this.record(connection.id, 'in', 'close', { code, reason });
    // An ack can only come back on the socket the envelope went out on.
    for (const pending of [...this.pending.values()]) {
      if (pending.record.connectionId === connection.id) {
        this.settleUnacked(pending, `the connection closed before envelope ${pending.record.envelopeId} was acked`);
      }
    }
    this.changes.notify();
  }

  private deliveryOf(record: EnvelopeRecord): Delivery {
    const end = record.ackedAt ?? Date.now();
    return {
      envelopeId: record.envelopeId,
      type: record.type,
      acked: record.acked,
      ack: record.ack,
      ackMs: end - record.sentAt,
    };
  }

  private settleUnacked(pending: PendingAck, why: string): void {
    this.pending.delete(pending.record.envelopeId);
    clearTimeout(pending.timer);
    if (pending.requireAck) {
      pending.reject(new Error(`slack-sim: no ack for ${pending.record.type} envelope: ${why}`));
    } else {
      pending.resolve(this.deliveryOf(pending.record));
    }
    this.changes.notify();
  }

  /** Resolves once no envelope is waiting for its ack any more (acked, timed out or connection gone). */
  waitForAcks(timeoutMs: number): Promise<void> {
    return this.changes
      .waitFor(
        () => (this.pending.size === 0 ? true : undefined),
        timeoutMs,
        `acks for ${this.pending.size} envelope(s)`,
      )
      .then(() => undefined);
  }

  /** Sends one envelope to the current connection and waits for its ack. */
  send(type: string, payload: JsonObject, options: SendOptions = {}): Promise<Delivery> {
    const connection = this.current();
    if (connection === undefined) {
      return Promise.reject(
        new Error(`slack-sim: cannot send ${type}: no open Socket Mode connection (await waitForConnection() first)`),
      );
    }
    const envelopeId = randomUUID();
    const envelope: JsonObject = {
      envelope_id: envelopeId,
      payload,
      type,
      accepts_response_payload: options.acceptsResponsePayload ?? type === 'slash_commands',
    };
    if (type === 'events_api') {
      // Slack always includes the retry fields on events_api envelopes: 0 and '' on first delivery.
      envelope.retry_attempt = options.retryAttempt ?? 0;
      envelope.retry_reason = options.retryReason ?? ((options.retryAttempt ?? 0) > 0 ? 'timeout' : '');
    }
    const record: EnvelopeRecord = {
      envelopeId,
      type,
      envelope,
      connectionId: connection.id,
      sentAt: Date.now(),
      acked: false,
      ack: undefined,
      ackedAt: undefined,
    };
    this.envelopes.push(record);
    const timeoutMs = options.timeoutMs ?? this.config.ackTimeoutMs;
    const result = new Promise<Delivery>((resolve, reject) => {
      const pending: PendingAck = {
        record,
        requireAck: options.requireAck ?? true,
        resolve,
        reject,
        timer: setTimeout(() => this.settleUnacked(pending, `nothing within ${timeoutMs} ms`), timeoutMs),
      };
      this.pending.set(envelopeId, pending);
    });
    connection.ws.send(JSON.stringify(envelope));
    this.record(connection.id, 'out', 'envelope', envelope);
    this.changes.notify();
    return result;
  }

  /** Slack's `{"type":"disconnect"}`; resolves once the app has closed that connection. */
  async sendDisconnect(reason: string, waitForClose: boolean, timeoutMs: number): Promise<void> {
    const connection = this.current();
    if (connection === undefined) throw new Error('slack-sim: cannot send disconnect: no open connection');
    const message = { type: 'disconnect', reason, debug_info: { host: DEBUG_HOST } };
    connection.ws.send(JSON.stringify(message));
    this.record(connection.id, 'out', 'disconnect', message);
    if (!waitForClose) return;
    await this.changes.waitFor(
      () => (connection.closedAt !== undefined ? true : undefined),
      timeoutMs,
      `the app to close connection ${connection.id} after disconnect (${reason})`,
    );
  }

  /** Kills the current connection without a close handshake, like a network drop. */
  async drop(timeoutMs: number): Promise<void> {
    const connection = this.current();
    if (connection === undefined) throw new Error('slack-sim: cannot drop: no open connection');
    connection.ws.terminate();
    await this.changes.waitFor(
      () => (connection.closedAt !== undefined ? true : undefined),
      timeoutMs,
      `connection ${connection.id} to close after terminate`,
    );
  }

  /**
   * Resolves when an open connection numbered `minId` or later has handled
   * hello. With `minId` 1, any such connection will do, so after a drop this
   * waits for the reconnect.
   */
  waitForConnection(minId: number, timeoutMs: number): Promise<ConnectionInfo> {
    return this.changes.waitFor(
      () => {
        const connection = this.current();
        if (connection === undefined || connection.id < minId || !connection.ready) return undefined;
        return { id: connection.id, openedAt: connection.openedAt };
      },
      timeoutMs,
      `Socket Mode connection #${minId} or later`,
    );
  }

  socketLog(): SocketLogEntry[] {
    return [...this.log];
  }

  deliveries(): EnvelopeRecord[] {
    return [...this.envelopes];
  }

  /** Forgets logs and envelope history; connections stay up. */
  reset(): void {
    this.log = [];
    this.envelopes = this.envelopes.filter((e) => this.pending.has(e.envelopeId));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of [...this.pending.values()]) this.settleUnacked(pending, 'the simulator was closed');
    for (const connection of this.connections) {
      clearInterval(connection.pingTimer);
      if (connection.ws.readyState !== WebSocket.CLOSED) connection.ws.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
