// Routes of the simulator's one loopback HTTP server:
//   POST|GET /api/<method>   Web API (token check, fault injection, recording)
//   POST     /upload/<id>    upload URLs from files.getUploadURLExternal
//   POST     /response/<id>  response_url targets (Bolt's respond())
//   upgrade  /socket         Socket Mode WebSocket (handled by SocketModeServer)
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Changes } from './changes.js';
import type { FaultQueue } from './faults.js';
import type { RateLimiter } from './limits.js';
import type { Outages } from './outages.js';
import { bearerToken, parseApiArgs, parseMultipart, readBody, sendJson, sendText } from './http-util.js';
import type { JsonObject, RecordedCall, SimConfig, SimFault } from './types.js';
import { expectedToken, runMethod, type ApiContext } from './web-api.js';
import type { Workspace } from './workspace.js';

export interface RouterDeps {
  config: SimConfig;
  workspace: Workspace;
  faults: FaultQueue;
  limits: RateLimiter;
  outages: Outages;
  changes: Changes;
  calls: RecordedCall[];
  apiContext(): ApiContext;
  baseUrl(): string;
}

type RouteHandler = (req: IncomingMessage, res: ServerResponse, id: string, deps: RouterDeps) => Promise<void>;

function recordCall(deps: RouterDeps, call: Omit<RecordedCall, 'at'>): void {
  deps.calls.push({ ...call, at: Date.now() });
  deps.changes.notify();
}

/** Answers with an injected fault instead of running the method. */
function answerFault(res: ServerResponse, fault: SimFault): { response: JsonObject | undefined; error: string } {
  if ('error' in fault) {
    const response = { ok: false, error: fault.error };
    sendJson(res, 200, response);
    return { response, error: fault.error };
  }
  if (fault.status === 429) {
    // Retry-After is what makes @slack/web-api pause its queue and retry.
    const response = { ok: false, error: 'ratelimited' };
    sendJson(res, 429, response, { 'retry-after': String(fault.retryAfterSec ?? 1) });
    return { response, error: 'ratelimited' };
  }
  sendText(res, fault.status, `simulated HTTP ${fault.status}`);
  return { response: undefined, error: `http_${fault.status}` };
}

const handleApi: RouteHandler = async (req, res, method, deps) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const rawArgs = await parseApiArgs(await readBody(req), req.headers['content-type'], url.searchParams);
  const { token: bodyToken, ...args } = rawArgs;
  const token = bearerToken(req) ?? (typeof bodyToken === 'string' ? bodyToken : undefined);

  const outage = deps.outages.current(method);
  if (outage !== undefined && 'drop' in outage) {
    // The connection ends without an answer: a client sees ECONNRESET / "socket hang up".
    recordCall(deps, {
      method,
      args,
      token,
      ok: false,
      error: 'connection_dropped',
      fault: undefined,
      response: undefined,
    });
    req.socket.destroy();
    return;
  }
  if (outage !== undefined && 'delayMs' in outage) await new Promise((resolve) => setTimeout(resolve, outage.delayMs));
  const fault = outage !== undefined && !('delayMs' in outage) ? outage : deps.faults.take(method);
  if (fault !== undefined) {
    const { response, error } = answerFault(res, fault);
    recordCall(deps, { method, args, token, ok: false, error, fault, response });
    return;
  }
  let result: ReturnType<typeof runMethod>;
  if (token === undefined || token === '') {
    result = { body: { ok: false, error: 'not_authed' } };
  } else if (token !== expectedToken(method, deps.config)) {
    result = { body: { ok: false, error: 'invalid_auth' } };
  } else {
    const retryAfterSec = deps.limits.check(method, args);
    if (retryAfterSec !== undefined) {
      const limited: SimFault = { status: 429, retryAfterSec };
      const { response, error } = answerFault(res, limited);
      recordCall(deps, { method, args, token, ok: false, error, fault: limited, response });
      return;
    }
    result = runMethod(method, args, deps.apiContext());
  }
  sendJson(res, 200, result.body);
  const ok = result.body.ok === true;
  const error = typeof result.body.error === 'string' ? result.body.error : undefined;
  recordCall(deps, { method, args, token, ok, error, fault: undefined, response: result.body });
  // Slack's own follow-ups (the bot's message event) happen after it has answered.
  result.after?.();
};

const handleUpload: RouteHandler = async (req, res, fileId, deps) => {
  const upload = deps.workspace.upload(fileId);
  const body = await readBody(req);
  if (upload === undefined) {
    sendText(res, 404, 'file not found');
    return;
  }
  const contentType = req.headers['content-type'] ?? '';
  let bytes = body;
  if (contentType.toLowerCase().startsWith('multipart/form-data')) {
    // @slack/web-api posts the bytes as a multipart file field; take the first file part.
    const parts = await parseMultipart(body, contentType);
    const file = parts.find((p) => Buffer.isBuffer(p.value)) ?? parts[0];
    bytes = file === undefined ? Buffer.alloc(0) : Buffer.isBuffer(file.value) ? file.value : Buffer.from(file.value);
  }
  upload.bytes = bytes;
  upload.content = bytes.toString('utf8');
  sendText(res, 200, `OK - ${bytes.length}`);
  deps.changes.notify();
};

const handleResponse: RouteHandler = async (req, res, _id, deps) => {
  const text = (await readBody(req)).toString('utf8');
  let body: JsonObject;
  try {
    const parsed: unknown = JSON.parse(text);
    body =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonObject) : { raw: text };
  } catch {
    body = { raw: text };
  }
  deps.workspace.addResponse({ responseUrl: `${deps.baseUrl()}${req.url ?? ''}`, body, at: Date.now() });
  sendJson(res, 200, { ok: true });
  deps.changes.notify();
};

const routes: Array<{ pattern: RegExp; methods: string[]; handler: RouteHandler }> = [
  { pattern: /^\/api\/([A-Za-z0-9_.]+)$/, methods: ['POST', 'GET'], handler: handleApi },
  { pattern: /^\/upload\/([A-Za-z0-9_-]+)$/, methods: ['POST', 'PUT'], handler: handleUpload },
  { pattern: /^\/response\/([A-Za-z0-9_-]+)$/, methods: ['POST'], handler: handleResponse },
];

export function createRequestHandler(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    for (const route of routes) {
      const match = route.pattern.exec(path);
      const id = match?.[1];
      if (id === undefined) continue;
      if (!route.methods.includes(req.method ?? '')) {
        sendText(res, 405, 'method not allowed');
        return;
      }
      route.handler(req, res, id, deps).catch((error: unknown) => {
        // A broken request must show up in the test, not crash the simulator.
        if (!res.headersSent) sendJson(res, 400, { ok: false, error: 'invalid_request', detail: String(error) });
      });
      return;
    }
    sendText(res, 404, 'not found');
  };
}
