// The plumbing both LLM stand-ins share: a loopback HTTP server on a port
// that survives stop()/start() (so a test can take "the model server" down and
// bring it back where the client still points), a record of every request,
// and a way to notice that the client gave up on a request.
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/messages`. */
  path: string;
  /** Query string parameters, e.g. `beta=true` that the Claude CLI appends. */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; `undefined` when there was none or it was not JSON. */
  body: unknown;
  rawBody: string;
  receivedAt: number;
  /** Status the stand-in answered with; `undefined` while it has not answered. */
  status: number | undefined;
  /** True when the client closed the connection before the answer was complete. */
  aborted: boolean;
}

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  record: RecordedRequest;
}

export type ExchangeHandler = (exchange: Exchange) => Promise<void> | void;

export interface HttpStandin {
  readonly port: number;
  /** `http://127.0.0.1:PORT` without a trailing slash. */
  readonly origin: string;
  readonly requests: readonly RecordedRequest[];
  /** Closes the listener and cuts every open connection, hung ones included; the port is kept. */
  stop(): Promise<void>;
  /** Listens again on the same port after stop(). */
  start(): Promise<void>;
  readonly running: boolean;
}

const LOOPBACK = '127.0.0.1';

/** Starts a loopback server that records each request and hands it to `handle`. */
export async function startHttpStandin(handle: ExchangeHandler, port = 0): Promise<HttpStandin> {
  const requests: RecordedRequest[] = [];
  // Tracked so stop() can cut hung and keep-alive connections: server.close()
  // alone waits for them, and a hung answer never ends by itself.
  const sockets = new Set<Socket>();
  let server: http.Server | undefined;
  let boundPort = port;

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void serve(req, res, requests, handle);
  };

  const listen = async (): Promise<void> => {
    const next = http.createServer(onRequest);
    // Clients such as the Claude CLI keep connections alive; a short idle timeout
    // is not wanted here, the stand-in must behave like a patient model server.
    next.keepAliveTimeout = 60_000;
    next.requestTimeout = 0;
    next.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(boundPort, LOOPBACK, () => {
        next.off('error', reject);
        resolve();
      });
    });
    boundPort = (next.address() as AddressInfo).port;
    server = next;
  };

  await listen();

  return {
    get port() {
      return boundPort;
    },
    get origin() {
      return `http://${LOOPBACK}:${boundPort}`;
    },
    requests,
    get running() {
      return server !== undefined;
    },
    async stop() {
      const current = server;
      if (!current) return;
      server = undefined;
      const closed = new Promise<void>((resolve) => current.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async start() {
      if (server) return;
      await listen();
    },
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  requests: RecordedRequest[],
  handle: ExchangeHandler,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://standin.invalid');
  const record: RecordedRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body: undefined,
    rawBody: '',
    receivedAt: Date.now(),
    status: undefined,
    aborted: false,
  };
  requests.push(record);
  res.on('close', () => {
    if (!res.writableFinished) record.aborted = true;
  });
  try {
    record.rawBody = await readBody(req);
    record.body = parseJson(record.rawBody);
    await handle({ req, res, record });
  } catch (error) {
    // A bug in a stand-in must show up as a loud 500, not as a hang.
    if (!res.headersSent) {
      sendJson(res, record, 500, { error: { message: `stand-in failure: ${String(error)}` } });
    } else {
      res.destroy();
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    // A client that gives up mid-upload never sends 'end'.
    req.on('close', () => {
      if (!req.complete) reject(new Error('client closed the request before its body was complete'));
    });
  });
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function sendJson(
  res: ServerResponse,
  record: RecordedRequest,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  record.status = status;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Sends status and headers for a server-sent-events answer; events follow with writeSse(). */
export function startSse(res: ServerResponse, record: RecordedRequest, headers: Record<string, string> = {}): void {
  record.status = 200;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  // Flush the head now: a "hung" answer must still look started to the client.
  res.flushHeaders();
}

export function writeSse(res: ServerResponse, data: string, event?: string): void {
  if (res.writableEnded || res.destroyed) return;
  res.write(event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`);
}

/** Resolves true after `ms`, or false as soon as the client goes away. */
export function waitWhileConnected(res: ServerResponse, ms: number): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}

/** Holds an answer open until the client (or stop()) closes the connection. */
export function holdUntilClosed(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.once('close', () => resolve()));
}
