// A stand-in for the Anthropic Messages API on loopback, for the Claude Code
// CLI (ANTHROPIC_BASE_URL) and any other Anthropic client. Each POST
// /v1/messages takes the next reply off a script, or the fallback when the
// script is used up, and every request is recorded so a test can check the
// prompt, the tools offered and the tool results sent back.
import {
  errorBody,
  messageEvents,
  messageObject,
  reply as replies,
  stalledEvents,
  type ClaudeReply,
} from './anthropic-replies.js';
import { lastPromptText } from './anthropic-inspect.js';
import {
  holdUntilClosed,
  sendJson,
  startHttpStandin,
  startSse,
  waitWhileConnected,
  writeSse,
  type Exchange,
  type RecordedRequest,
} from './http-standin.js';
import { isRecord, stringField } from './json.js';

export { reply, type ClaudeReply, type ReplyUsage } from './anthropic-replies.js';

export type ClaudeFallback = ClaudeReply | ((request: RecordedRequest) => ClaudeReply);

export interface AnthropicStandinOptions {
  /** Replies for the first POST /v1/messages requests, in order. */
  script?: ClaudeReply[];
  /** What a request gets once the script is used up. Default: a text answer quoting the prompt. */
  fallback?: ClaudeFallback;
  /** Model ids listed by GET /v1/models. */
  models?: string[];
  port?: number;
}

export interface AnthropicStandin {
  /** `http://127.0.0.1:PORT`, the form ANTHROPIC_BASE_URL takes (clients add /v1/...). */
  readonly baseURL: string;
  readonly port: number;
  /** Every request, of any path. */
  readonly requests: readonly RecordedRequest[];
  /** The POST /v1/messages requests, in arrival order. */
  messageRequests(): RecordedRequest[];
  /** Requests to paths the stand-in does not serve (answered 404). */
  unexpectedRequests(): RecordedRequest[];
  /** Appends replies to the script. */
  enqueue(...script: ClaudeReply[]): void;
  /** Script entries not taken yet. */
  readonly remaining: number;
  setFallback(fallback: ClaudeFallback): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_CLAUDE_MODELS = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1'];

const defaultFallback: ClaudeFallback = (request) =>
  replies.text(`Stand-in answer to: ${lastPromptText(request.body)}`);

export async function startAnthropicStandin(options: AnthropicStandinOptions = {}): Promise<AnthropicStandin> {
  const script = [...(options.script ?? [])];
  let fallback = options.fallback ?? defaultFallback;
  const models = options.models ?? DEFAULT_CLAUDE_MODELS;
  const unexpected = new Set<RecordedRequest>();
  let closed = false;

  const http = await startHttpStandin(async (exchange) => {
    const { record, res } = exchange;
    const route = `${record.method} ${record.path}`;
    if (route === 'POST /v1/messages') {
      const next = script.shift() ?? (typeof fallback === 'function' ? fallback(record) : fallback);
      await answerMessages(exchange, next);
    } else if (route === 'HEAD /api/hello') {
      // The CLI's connectivity preflight, sent unless non-essential traffic is disabled.
      record.status = 200;
      res.writeHead(200).end();
    } else if (route === 'POST /v1/messages/count_tokens') {
      sendJson(res, record, 200, { input_tokens: roughTokens(record.rawBody) });
    } else if (route === 'GET /v1/models') {
      sendJson(res, record, 200, {
        data: models.map(modelInfo),
        has_more: false,
        first_id: models[0] ?? null,
        last_id: models.at(-1) ?? null,
      });
    } else if (record.method === 'GET' && record.path.startsWith('/v1/models/')) {
      const id = decodeURIComponent(record.path.slice('/v1/models/'.length));
      if (models.includes(id)) sendJson(res, record, 200, modelInfo(id));
      else sendJson(res, record, 404, errorBody('not_found_error', `model: ${id}`));
    } else {
      unexpected.add(record);
      sendJson(res, record, 404, errorBody('not_found_error', `Not found (stand-in): ${route}`));
    }
  }, options.port);

  return {
    get baseURL() {
      return http.origin;
    },
    get port() {
      return http.port;
    },
    requests: http.requests,
    messageRequests: () => http.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages'),
    unexpectedRequests: () => http.requests.filter((r) => unexpected.has(r)),
    enqueue: (...more) => {
      script.push(...more);
    },
    get remaining() {
      return script.length;
    },
    setFallback(next) {
      fallback = next;
    },
    stop: () => http.stop(),
    async start() {
      if (closed) throw new Error('the Anthropic stand-in was closed; start a new one');
      await http.start();
    },
    async close() {
      closed = true;
      await http.stop();
    },
  };
}

async function answerMessages(exchange: Exchange, next: ClaudeReply): Promise<void> {
  const { res, record } = exchange;
  switch (next.kind) {
    case 'delay':
      if (await waitWhileConnected(res, next.ms)) await answerMessages(exchange, next.then);
      return;
    case 'hang':
      startSse(res, record);
      await holdUntilClosed(res);
      return;
    case 'stall': {
      startSse(res, record);
      for (const { event, data } of stalledEvents(next.text, renderingFor(record))) {
        writeSse(res, JSON.stringify(data), event);
      }
      await holdUntilClosed(res);
      return;
    }
    case 'error':
      sendJson(res, record, next.status, errorBody(next.type, next.message), next.headers);
      return;
    case 'text':
    case 'tool_use': {
      const rendering = renderingFor(record);
      if (isRecord(record.body) && record.body.stream === true) {
        startSse(res, record, { 'request-id': `req_standin_${record.receivedAt}` });
        for (const { event, data } of messageEvents(next, rendering)) writeSse(res, JSON.stringify(data), event);
        res.end();
      } else {
        sendJson(res, record, 200, messageObject(next, rendering));
      }
      return;
    }
  }
}

function renderingFor(record: RecordedRequest): { model: string; inputTokens: number } {
  // Echo the requested model: the CLI prices usage by the model it asked for.
  return { model: stringField(record.body, 'model') ?? 'claude-sonnet-4-5', inputTokens: roughTokens(record.rawBody) };
}

function modelInfo(id: string): Record<string, unknown> {
  return { type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' };
}

/** Not a tokenizer: a stable, plausible count so the CLI computes a non-zero cost. */
function roughTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/**
 * An error (401 by default) that repeats the credentials the request carried
 * (`x-api-key` and `Authorization`), as a gateway or proxy that puts what it
 * got into its error would: for tests that prove a key never travels on from
 * there. The CLI shows its own words for a 401 made with an API key; other
 * statuses keep the server's message when it does not read like a bad key.
 */
export function credentialEcho(request: RecordedRequest, status = 401): ClaudeReply {
  const apiKey = request.headers['x-api-key'];
  const authorization = request.headers.authorization;
  return replies.error(
    status,
    status === 401 ? 'authentication_error' : 'invalid_request_error',
    // Not "invalid x-api-key": the CLI replaces such a message with its own words.
    `request refused; it came with key=${String(apiKey ?? '(none)')} and bearer=${String(authorization ?? '(none)')}`,
  );
}
