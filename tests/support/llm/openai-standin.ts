// A stand-in for LM Studio's OpenAI-compatible server on loopback. Workers and
// tests talk to it with the real `openai` client; a test programs failures
// (status codes, garbage, hangs, reset sockets) through the `respond` hook.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { embeddingToBase64, fakeEmbedding } from './fake-embedding.js';
import { isRecord, recordsField, stringField } from './json.js';
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

/** What a test can make the stand-in do with one request. Fields combine: `delayMs` then the rest. */
export interface OpenAIReply {
  /** Chat answer text (ignored on other endpoints). */
  content?: string;
  /** Wait this long before answering; the wait ends early if the client aborts. */
  delayMs?: number;
  /** Answer with this status; `body` defaults to an OpenAI-style error object. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** 200 with a body a client cannot use: `true`/'non-json' is not JSON, 'wrong-shape' is JSON of the wrong schema. */
  garbage?: true | 'non-json' | 'wrong-shape';
  /** Never answer; the request stays open until the client aborts or the stand-in stops. */
  hang?: true;
  /** Reset the connection without any answer. */
  destroy?: true;
  /**
   * A streamed chat sends part of the answer, then this error as a chunk
   * (`data: {"error": {...}}`, which the openai client throws as an APIError),
   * as a server does when the model fails mid-generation. A non-streamed chat gets a 500.
   */
  failMidStream?: string;
  /** Chat `finish_reason`; defaults to 'stop'. */
  finishReason?: 'stop' | 'length' | 'content_filter';
}

export interface OpenAIRequest {
  method: string;
  /** e.g. `/v1/chat/completions` */
  path: string;
  body: unknown;
  headers: IncomingHttpHeaders;
  /** 1-based count of requests to this path so far, this one included. */
  call: number;
}

/** Returns a reply, or undefined to get the default behaviour for the request. */
export type OpenAIRespond = (request: OpenAIRequest) => OpenAIReply | undefined | Promise<OpenAIReply | undefined>;

export interface OpenAIStandinOptions {
  /** Model ids listed by GET /v1/models; an empty list means "no model loaded". Default: one chat and one embedding model. */
  models?: string[];
  /** Length of each embedding vector. Default 8. */
  embeddingDimensions?: number;
  respond?: OpenAIRespond;
  /** Refuse (404 model_not_found) a model that is not listed. LM Studio itself answers with whatever model is loaded, so default false. */
  strictModels?: boolean;
  /** Fixed port, e.g. to start a second stand-in where a stopped one was. Default: a free port. */
  port?: number;
}

export interface OpenAIStandin {
  /** `http://127.0.0.1:PORT/v1`, what `new OpenAI({ baseURL })` takes. */
  readonly baseURL: string;
  readonly port: number;
  readonly requests: readonly RecordedRequest[];
  /** Number of requests so far, all of them or those to one path (`/v1/models` or just `/models`). */
  calls(path?: string): number;
  setModels(models: string[]): void;
  setRespond(respond: OpenAIRespond | undefined): void;
  /** Goes down (connections cut, port kept) until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_CHAT_MODEL = 'standin-chat-model';
export const DEFAULT_EMBEDDING_MODEL = 'standin-embedding-model';
export const NO_MODEL_LOADED_MESSAGE =
  'No models loaded. Please load a model in the developer page or use the `lms load` command.';

export async function startOpenAIStandin(options: OpenAIStandinOptions = {}): Promise<OpenAIStandin> {
  let models = options.models ?? [DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL];
  let respond = options.respond;
  const dimensions = options.embeddingDimensions ?? 8;
  const strictModels = options.strictModels ?? false;
  const callsByPath = new Map<string, number>();
  const created = Math.floor(Date.now() / 1000);
  let closed = false;

  const http = await startHttpStandin(async (exchange) => {
    const { record } = exchange;
    const call = (callsByPath.get(record.path) ?? 0) + 1;
    callsByPath.set(record.path, call);
    const reply =
      (await respond?.({
        method: record.method,
        path: record.path,
        body: record.body,
        headers: record.headers,
        call,
      })) ?? {};
    await answer(exchange, reply, { models, dimensions, strictModels, created });
  }, options.port);

  const normalise = (path: string): string => (path.startsWith('/v1/') ? path : `/v1/${path.replace(/^\//, '')}`);

  return {
    get baseURL() {
      return `${http.origin}/v1`;
    },
    get port() {
      return http.port;
    },
    requests: http.requests,
    calls(path) {
      if (path === undefined) return http.requests.length;
      const wanted = normalise(path);
      return http.requests.filter((r) => r.path === wanted).length;
    },
    setModels(next) {
      models = [...next];
    },
    setRespond(next) {
      respond = next;
    },
    stop: () => http.stop(),
    async start() {
      if (closed) throw new Error('the OpenAI stand-in was closed; start a new one');
      await http.start();
    },
    async close() {
      closed = true;
      await http.stop();
    },
  };
}

interface ServerState {
  models: string[];
  dimensions: number;
  strictModels: boolean;
  created: number;
}

async function answer({ res, record }: Exchange, reply: OpenAIReply, state: ServerState): Promise<void> {
  if (reply.delayMs !== undefined && !(await waitWhileConnected(res, reply.delayMs))) return;
  if (reply.destroy) {
    record.aborted = true;
    res.socket?.destroy();
    return;
  }
  if (reply.hang) {
    await holdUntilClosed(res);
    return;
  }
  if (reply.status !== undefined) {
    sendJson(res, record, reply.status, reply.body ?? errorBody(reply.status), reply.headers);
    return;
  }
  if (reply.garbage !== undefined) {
    sendGarbage(res, record, reply.garbage);
    return;
  }

  const route = `${record.method} ${record.path}`;
  if (route === 'GET /v1/models') {
    sendJson(res, record, 200, {
      object: 'list',
      data: state.models.map((id) => ({ id, object: 'model', created: state.created, owned_by: 'organization_owner' })),
    });
  } else if (route === 'POST /v1/chat/completions') {
    if (refuseModel(res, record, state)) return;
    answerChat(res, record, reply);
  } else if (route === 'POST /v1/embeddings') {
    if (refuseModel(res, record, state)) return;
    answerEmbeddings(res, record, state.dimensions);
  } else {
    sendJson(res, record, 404, {
      error: {
        message: `Unexpected endpoint or method. (${route})`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
  }
}

/** LM Studio's answers when nothing (or, if strict, not the requested model) is loaded. */
function refuseModel(res: ServerResponse, record: RecordedRequest, state: ServerState): boolean {
  const requested = stringField(record.body, 'model');
  let message: string | undefined;
  if (state.models.length === 0) message = NO_MODEL_LOADED_MESSAGE;
  else if (state.strictModels && (requested === undefined || !state.models.includes(requested))) {
    message = `Model "${requested ?? ''}" not found. Please load it first.`;
  }
  if (message === undefined) return false;
  sendJson(res, record, 404, {
    error: { message, type: 'invalid_request_error', param: 'model', code: 'model_not_found' },
  });
  return true;
}

function answerChat(res: ServerResponse, record: RecordedRequest, reply: OpenAIReply): void {
  const content = reply.content ?? `Answer to: ${lastUserMessage(record.body)}`;
  const model = stringField(record.body, 'model') ?? DEFAULT_CHAT_MODEL;
  const finishReason = reply.finishReason ?? 'stop';
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = {
    prompt_tokens: roughTokens(record.rawBody),
    completion_tokens: roughTokens(content),
    total_tokens: roughTokens(record.rawBody) + roughTokens(content),
  };

  const streaming = isRecord(record.body) && record.body.stream === true;
  if (!streaming && reply.failMidStream !== undefined) {
    sendJson(res, record, 500, {
      error: { message: reply.failMidStream, type: 'server_error', param: null, code: null },
    });
    return;
  }
  if (!streaming) {
    sendJson(res, record, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: finishReason }],
      usage,
    });
    return;
  }

  const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
    JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  startSse(res, record);
  writeSse(res, chunk({ role: 'assistant', content: '' }, null));
  // Several pieces, so a consumer that only keeps the last delta is caught out.
  const pieces = content.match(/\S+\s*|\s+/g) ?? [];
  if (reply.failMidStream !== undefined) {
    for (const piece of pieces.slice(0, Math.ceil(pieces.length / 2))) writeSse(res, chunk({ content: piece }, null));
    writeSse(
      res,
      JSON.stringify({ error: { message: reply.failMidStream, type: 'server_error', param: null, code: null } }),
    );
    res.end();
    return;
  }
  for (const piece of pieces) writeSse(res, chunk({ content: piece }, null));
  writeSse(res, chunk({}, finishReason));
  const streamOptions = isRecord(record.body) ? record.body.stream_options : undefined;
  if (isRecord(streamOptions) && streamOptions.include_usage === true) {
    writeSse(res, JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage }));
  }
  writeSse(res, '[DONE]');
  res.end();
}

function answerEmbeddings(res: ServerResponse, record: RecordedRequest, dimensions: number): void {
  const body = isRecord(record.body) ? record.body : {};
  const rawInput = body.input;
  // Token-id inputs are hashed through their JSON text, which keeps them deterministic too.
  const inputs = Array.isArray(rawInput) && rawInput.every((x) => typeof x === 'string') ? rawInput : [rawInput];
  const texts = inputs.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  // The openai client asks for base64 unless the caller chose a format, and decodes it itself.
  const base64 = body.encoding_format === 'base64';
  const tokens = texts.reduce((sum, t) => sum + roughTokens(t), 0);
  sendJson(res, record, 200, {
    object: 'list',
    data: texts.map((text, index) => {
      const vector = fakeEmbedding(text, dimensions);
      return { object: 'embedding', index, embedding: base64 ? embeddingToBase64(vector) : vector };
    }),
    model: stringField(body, 'model') ?? DEFAULT_EMBEDDING_MODEL,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

function sendGarbage(res: ServerResponse, record: RecordedRequest, kind: true | 'non-json' | 'wrong-shape'): void {
  record.status = 200;
  const streaming = isRecord(record.body) && record.body.stream === true;
  if (kind === 'wrong-shape') {
    if (streaming) {
      startSse(res, record);
      writeSse(res, JSON.stringify({ unexpected: 'shape', choices: 'not-a-list' }));
      writeSse(res, '[DONE]');
      res.end();
    } else {
      sendJson(res, record, 200, { unexpected: 'shape', choices: 'not-a-list' });
    }
    return;
  }
  if (streaming) {
    startSse(res, record);
    writeSse(res, '<html>this is not json</html>');
    res.end();
    return;
  }
  // Claims JSON, so the client tries to parse it and fails.
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('<html>this is not json</html>');
}

function errorBody(status: number): unknown {
  const known: Record<number, [string, string | null, string]> = {
    400: ['invalid_request_error', null, 'Bad request (stand-in)'],
    401: ['invalid_request_error', 'invalid_api_key', 'Invalid API key (stand-in)'],
    404: ['invalid_request_error', 'model_not_found', 'Model not found (stand-in)'],
    429: ['rate_limit_exceeded', 'rate_limit_exceeded', 'Rate limit reached (stand-in)'],
    500: ['server_error', null, 'Internal server error (stand-in)'],
    503: ['server_error', null, 'Service unavailable (stand-in)'],
  };
  const [type, code, message] = known[status] ?? ['server_error', null, `Error ${status} (stand-in)`];
  return { error: { message, type, param: null, code } };
}

/** Text of the last user message, whether its content is a string or a list of parts. */
export function lastUserMessage(body: unknown): string {
  const users = recordsField(body, 'messages').filter((m) => m.role === 'user');
  const content = users.at(-1)?.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
}

/** Not a tokenizer: a stable count so usage numbers are plausible and non-zero. */
function roughTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/**
 * A 401 whose error repeats the request's `Authorization` header
 * (`Bearer <key>`), as a server that echoes what it refused would: for tests
 * that prove LM_STUDIO_API_KEY never travels on from there.
 */
export function unauthorizedEcho(request: OpenAIRequest): OpenAIReply {
  const authorization = request.headers.authorization;
  return {
    status: 401,
    body: {
      error: {
        message: `Invalid API key in "Authorization: ${String(authorization ?? '(none)')}"`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    },
  };
}
