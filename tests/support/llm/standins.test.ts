// Proves the LLM stand-ins are faithful enough for the suite: the real
// `openai` client and the real Claude Code CLI work against them, and their
// failure modes (status codes, garbage, hangs, resets, denials) look to those
// clients the way the real servers' would.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lastPromptText, toolNames, toolResults } from './anthropic-inspect.js';
import { reply, startAnthropicStandin, type AnthropicStandin } from './anthropic-standin.js';
import {
  killProcessGroup,
  makeClaudeHome,
  offlineClaudeEnv,
  parseStreamJson,
  resultEvent,
  spawnClaude,
  type StreamJsonEvent,
} from './claude-cli.js';
import { fakeEmbedding } from './fake-embedding.js';
import {
  DEFAULT_CHAT_MODEL,
  NO_MODEL_LOADED_MESSAGE,
  startOpenAIStandin,
  type OpenAIReply,
  type OpenAIStandin,
} from './openai-standin.js';

describe('OpenAI stand-in with the real openai client', () => {
  let standin: OpenAIStandin;
  /** maxRetries 0: each failure test sees exactly the one answer it programmed. */
  let client: OpenAI;

  beforeAll(async () => {
    standin = await startOpenAIStandin({ embeddingDimensions: 16 });
    client = new OpenAI({ baseURL: standin.baseURL, apiKey: 'lm-studio', maxRetries: 0 });
  });
  afterAll(async () => {
    await standin.close();
  });
  beforeEach(() => {
    standin.setRespond(undefined);
    standin.setModels([DEFAULT_CHAT_MODEL, 'standin-embedding-model']);
  });

  it('lists the configured models, and none when no model is loaded', async () => {
    const listed = await client.models.list();
    expect(listed.data.map((m) => m.id)).toEqual([DEFAULT_CHAT_MODEL, 'standin-embedding-model']);

    standin.setModels([]);
    expect((await client.models.list()).data).toEqual([]);
    const refused = await client.chat.completions
      .create({ model: DEFAULT_CHAT_MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(APIError);
    expect((refused as APIError).status).toBe(404);
    expect((refused as APIError).message).toContain(NO_MODEL_LOADED_MESSAGE);
  });

  it('answers a chat completion, by default echoing the last user message, and records the request', async () => {
    const before = standin.calls('/chat/completions');
    const completion = await client.chat.completions.create({
      model: DEFAULT_CHAT_MODEL,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'What is 2+2?' },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe('Answer to: What is 2+2?');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);

    expect(standin.calls('/chat/completions')).toBe(before + 1);
    const recorded = standin.requests.at(-1);
    expect(recorded?.path).toBe('/v1/chat/completions');
    expect(recorded?.headers.authorization).toBe('Bearer lm-studio');
    expect(recorded?.body).toMatchObject({
      model: DEFAULT_CHAT_MODEL,
      messages: [{ role: 'system' }, { role: 'user' }],
    });
    expect(recorded?.aborted).toBe(false);
  });

  it('answers with programmed content', async () => {
    standin.setRespond(({ path: p }) => (p === '/v1/chat/completions' ? { content: 'scripted answer' } : undefined));
    const completion = await client.chat.completions.create({
      model: DEFAULT_CHAT_MODEL,
      messages: [{ role: 'user', content: 'anything' }],
    });
    expect(completion.choices[0]?.message.content).toBe('scripted answer');
  });

  it('streams a chat completion in several chunks, with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: DEFAULT_CHAT_MODEL,
      messages: [{ role: 'user', content: 'tell me a story' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) pieces.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces.join('')).toBe('Answer to: tell me a story');
    expect(pieces.length).toBeGreaterThan(1);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('fails a stream midway with an error chunk, which the client throws as an APIError', async () => {
    standin.setRespond(() => ({ content: 'one two three four', failMidStream: 'model crashed' }));
    const stream = await client.chat.completions.create({
      model: DEFAULT_CHAT_MODEL,
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
    });
    const pieces: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).message).toContain('model crashed');
    expect(pieces.join('')).toBe('one two ');
  });

  it('gives deterministic unit-length embeddings of the configured dimension', async () => {
    // The client asks for base64 by default and decodes it; both encodings must agree.
    const [first, again, floats] = await Promise.all([
      client.embeddings.create({ model: 'standin-embedding-model', input: ['alpha', 'beta'] }),
      client.embeddings.create({ model: 'standin-embedding-model', input: 'alpha' }),
      client.embeddings.create({ model: 'standin-embedding-model', input: 'alpha', encoding_format: 'float' }),
    ]);
    const alpha = first.data[0]?.embedding ?? [];
    const beta = first.data[1]?.embedding ?? [];
    expect(alpha).toHaveLength(16);
    expect(again.data[0]?.embedding).toEqual(alpha);
    expect(floats.data[0]?.embedding).toEqual(alpha);
    expect(alpha).toEqual(fakeEmbedding('alpha', 16));
    expect(beta).not.toEqual(alpha);
    expect(Math.hypot(...alpha)).toBeCloseTo(1, 5);
    expect(first.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('surfaces 429 and 500 as APIError with the status, and the client retries them when allowed', async () => {
    // Taken in order, one per request; afterwards the default answer.
    const planned: OpenAIReply[] = [
      { status: 429 },
      { status: 500 },
      { status: 500, headers: { 'retry-after-ms': '10' } },
    ];
    standin.setRespond(() => planned.shift());
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }];
    const calls = standin.calls('/chat/completions');

    const rateLimited = await client.chat.completions
      .create({ model: DEFAULT_CHAT_MODEL, messages })
      .catch((e: unknown) => e);
    expect(rateLimited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((rateLimited as APIError).status).toBe(429);

    const failed = await client.chat.completions
      .create({ model: DEFAULT_CHAT_MODEL, messages })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect((failed as APIError).status).toBe(500);
    expect(standin.calls('/chat/completions')).toBe(calls + 2);

    // A 500 on the first try, then the default answer: the client's own retry recovers.
    const retrying = new OpenAI({ baseURL: standin.baseURL, apiKey: 'lm-studio', maxRetries: 1 });
    const recovered = await retrying.chat.completions.create({ model: DEFAULT_CHAT_MODEL, messages });
    expect(recovered.choices[0]?.message.content).toBe('Answer to: hi');
    expect(standin.calls('/chat/completions')).toBe(calls + 4);
  });

  it('delays an answer by delayMs', async () => {
    standin.setRespond(() => ({ delayMs: 300, content: 'late' }));
    const started = Date.now();
    const completion = await client.chat.completions.create({
      model: DEFAULT_CHAT_MODEL,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]?.message.content).toBe('late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('times out on a hung request, and an AbortSignal ends one; the stand-in sees the abort', async () => {
    standin.setRespond(() => ({ hang: true }));
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }];

    const timedOut = await client.chat.completions
      .create({ model: DEFAULT_CHAT_MODEL, messages }, { timeout: 300 })
      .catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(APIConnectionTimeoutError);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const aborted = await client.chat.completions
      .create({ model: DEFAULT_CHAT_MODEL, messages }, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(APIUserAbortError);

    await expect.poll(() => standin.requests.slice(-2).map((r) => r.aborted)).toEqual([true, true]);
    expect(standin.requests.at(-1)?.status).toBeUndefined();
  });

  it('sends garbage: non-JSON fails in the client, a wrong shape passes through unchecked', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }];
    // The client logs unparsable stream data before throwing; that noise is expected here.
    const client = new OpenAI({ baseURL: standin.baseURL, apiKey: 'lm-studio', maxRetries: 0, logLevel: 'off' });
    standin.setRespond(() => ({ garbage: 'non-json' }));
    const broken = await client.chat.completions
      .create({ model: DEFAULT_CHAT_MODEL, messages })
      .catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(Error);
    expect(broken).not.toBeInstanceOf(APIError);

    const brokenStream = await (async () => {
      const stream = await client.chat.completions.create({ model: DEFAULT_CHAT_MODEL, messages, stream: true });
      for await (const chunk of stream) void chunk;
    })().catch((e: unknown) => e);
    expect(brokenStream).toBeInstanceOf(Error);

    // The client does not validate shapes: the worker must, and this is what it will get.
    standin.setRespond(() => ({ garbage: 'wrong-shape' }));
    const odd = await client.chat.completions.create({ model: DEFAULT_CHAT_MODEL, messages });
    expect(Array.isArray(odd.choices)).toBe(false);
  });

  it('resets the connection on destroy: an APIConnectionError', async () => {
    standin.setRespond(() => ({ destroy: true }));
    const reset = await client.chat.completions
      .create({ model: DEFAULT_CHAT_MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(APIConnectionError);
    expect(reset).not.toBeInstanceOf(APIConnectionTimeoutError);
  });

  it('goes down and comes back on the same port', async () => {
    const { port, baseURL } = standin;
    await standin.stop();
    const down = await client.models.list().catch((e: unknown) => e);
    expect(down).toBeInstanceOf(APIConnectionError);

    await standin.start();
    expect(standin.port).toBe(port);
    expect(standin.baseURL).toBe(baseURL);
    expect((await client.models.list()).data.length).toBe(2);
  });
});

/** Splits a server-sent-events body into its events. */
function parseSse(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const field = (name: string): string =>
        chunk
          .split('\n')
          .filter((line) => line.startsWith(`${name}: `))
          .map((line) => line.slice(name.length + 2))
          .join('\n');
      return { event: field('event'), data: JSON.parse(field('data')) as Record<string, unknown> };
    });
}

describe('Anthropic stand-in on the wire', () => {
  let standin: AnthropicStandin;
  beforeEach(async () => {
    standin = await startAnthropicStandin();
  });
  afterEach(async () => {
    await standin.close();
  });

  const post = (route: string, body: unknown): Promise<Response> =>
    fetch(`${standin.baseURL}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });
  const request = (stream: boolean) => ({
    model: 'claude-sonnet-4-5',
    max_tokens: 64,
    stream,
    messages: [{ role: 'user', content: 'hi' }],
  });

  it('streams a tool call as the Messages API does: events in order, input as JSON pieces, usage', async () => {
    standin.enqueue(
      reply.toolUse({ id: 'toolu_1', name: 'Read', input: { file_path: '/tmp/x' }, text: 'Let me look.' }),
    );
    const res = await post('/v1/messages', request(true));
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = parseSse(await res.text());

    const order = events.map((e) => e.event).filter((name, i, all) => name !== all[i - 1]);
    expect(order).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events.every((e) => e.data.type === e.event)).toBe(true);
    expect(events[0]?.data).toMatchObject({
      message: { role: 'assistant', model: 'claude-sonnet-4-5', usage: { output_tokens: 1 } },
    });
    expect(events.find((e) => e.event === 'content_block_start' && e.data.index === 1)?.data).toEqual({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'toolu_1', name: 'Read', input: {} },
    });
    const json = events
      .filter((e) => e.event === 'content_block_delta' && e.data.index === 1)
      .map((e) => (e.data.delta as { partial_json: string }).partial_json)
      .join('');
    expect(JSON.parse(json)).toEqual({ file_path: '/tmp/x' });
    expect(events.at(-2)?.data).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: { output_tokens: expect.any(Number) },
    });
  });

  it('answers non-streaming requests, count_tokens and the model list, and sends API-shaped errors', async () => {
    standin.enqueue(reply.text('plain'), reply.error(529, 'overloaded_error', 'Overloaded'));
    const message = (await (await post('/v1/messages', request(false))).json()) as Record<string, unknown>;
    expect(message).toMatchObject({
      type: 'message',
      content: [{ type: 'text', text: 'plain' }],
      stop_reason: 'end_turn',
    });

    const failed = await post('/v1/messages', request(true));
    expect(failed.status).toBe(529);
    expect(await failed.json()).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });

    const counted = (await (await post('/v1/messages/count_tokens', request(false))).json()) as {
      input_tokens: number;
    };
    expect(counted.input_tokens).toBeGreaterThan(0);
    const models = (await (await fetch(`${standin.baseURL}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toContain('claude-sonnet-4-5');

    // Script used up: the fallback quotes the prompt.
    const fallback = (await (await post('/v1/messages', request(false))).json()) as Record<string, unknown>;
    expect(fallback).toMatchObject({ content: [{ type: 'text', text: 'Stand-in answer to: hi' }] });
    expect(standin.messageRequests()).toHaveLength(3);
    expect(standin.remaining).toBe(0);
  });
});

describe('Claude Code CLI against the Anthropic stand-in', () => {
  let standin: AnthropicStandin;
  let home: { home: string; remove(): void };
  let cwd: string;

  beforeEach(async () => {
    standin = await startAnthropicStandin();
    home = makeClaudeHome();
    cwd = mkdtempSync(path.join(tmpdir(), 'agentops-claude-cwd-'));
  });
  afterEach(async () => {
    // Anything but POST /v1/messages would be a request the stand-in does not model.
    expect(standin.unexpectedRequests().map((r) => `${r.method} ${r.path}`)).toEqual([]);
    await standin.close();
    home.remove();
    rmSync(cwd, { recursive: true, force: true });
  });

  /** Runs the CLI to its end; a run is well under a second, 20 s means it is stuck. */
  async function runClaude(prompt: string, args: string[] = [], maxRetries = 0) {
    const env = offlineClaudeEnv({ baseURL: standin.baseURL, home: home.home, maxRetries });
    const run = await spawnClaude({ prompt, cwd, env, args, timeoutMs: 20_000 });
    const events = parseStreamJson(run.stdout);
    const result = resultEvent(events);
    return { run, events, result };
  }

  function kinds(events: readonly StreamJsonEvent[]): string[] {
    return events.map((e) => (typeof e.subtype === 'string' ? `${e.type}:${e.subtype}` : e.type));
  }

  it('turns a plain text answer into a successful result line', async () => {
    standin.enqueue(reply.text('The answer is 4.'));
    const { run, events, result } = await runClaude('What is 2+2?');

    expect(run.exitCode).toBe(0);
    expect(kinds(events)).toEqual(['system:init', 'assistant', 'result:success']);
    const init = events[0];
    expect(init).toMatchObject({ type: 'system', subtype: 'init', cwd, permissionMode: 'default' });
    expect(typeof init?.session_id).toBe('string');
    expect(result).toMatchObject({
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: 'The answer is 4.',
      num_turns: 1,
      session_id: init?.session_id,
      permission_denials: [],
    });
    expect(result?.total_cost_usd).toBeGreaterThan(0);

    // One request only, with the prompt, streaming, and the CLI's tools on offer.
    const [request, ...others] = standin.messageRequests();
    expect(others).toEqual([]);
    expect(lastPromptText(request?.body)).toBe('What is 2+2?');
    expect(request?.body).toMatchObject({ stream: true });
    expect(toolNames(request?.body)).toEqual(expect.arrayContaining(['Bash', 'Read', 'Write', 'Edit']));
    expect(request?.headers['x-api-key']).toBe('sk-ant-standin-key');
  });

  it('runs a scripted Write under acceptEdits, sends the tool_result back, then ends on the final text', async () => {
    const file = path.join(cwd, 'hello.txt');
    standin.enqueue(
      reply.toolUse({ id: 'toolu_write_1', name: 'Write', input: { file_path: file, content: 'hi there\n' } }),
      reply.text('Wrote hello.txt.'),
    );
    const { run, events, result } = await runClaude('create hello.txt', ['--permission-mode', 'acceptEdits']);

    expect(run.exitCode).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('hi there\n');
    expect(kinds(events)).toEqual(['system:init', 'assistant', 'user', 'assistant', 'result:success']);
    expect(events[1]).toMatchObject({
      message: { content: [{ type: 'tool_use', id: 'toolu_write_1', name: 'Write' }] },
    });
    expect(events[2]).toMatchObject({
      message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_write_1' }] },
    });
    expect(result).toMatchObject({
      subtype: 'success',
      is_error: false,
      num_turns: 2,
      result: 'Wrote hello.txt.',
      permission_denials: [],
    });

    const second = standin.messageRequests()[1];
    expect(toolResults(second?.body)).toEqual([
      { tool_use_id: 'toolu_write_1', is_error: false, text: expect.stringContaining('File created successfully') },
    ]);
  });

  it('denies the Write under plan mode: permission_denials, an error tool_result, and still a success result', async () => {
    const file = path.join(cwd, 'hello.txt');
    standin.enqueue(
      reply.toolUse({ id: 'toolu_write_2', name: 'Write', input: { file_path: file, content: 'nope\n' } }),
      reply.text('I could not write the file.'),
    );
    const { run, events, result } = await runClaude('create hello.txt', ['--permission-mode', 'plan']);

    expect(run.exitCode).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(kinds(events)).toEqual([
      'system:init',
      'assistant',
      'system:permission_denied',
      'user',
      'assistant',
      'result:success',
    ]);
    expect(events[0]).toMatchObject({ permissionMode: 'plan' });
    expect(events[2]).toMatchObject({ tool_name: 'Write', tool_use_id: 'toolu_write_2', decision_reason_type: 'mode' });
    expect(result).toMatchObject({
      subtype: 'success',
      is_error: false,
      result: 'I could not write the file.',
      permission_denials: [
        { tool_name: 'Write', tool_use_id: 'toolu_write_2', tool_input: { file_path: file, content: 'nope\n' } },
      ],
    });
    const sentBack = toolResults(standin.messageRequests()[1]?.body);
    expect(sentBack).toEqual([
      { tool_use_id: 'toolu_write_2', is_error: true, text: expect.stringContaining('plan mode') },
    ]);
  });

  it.each([
    {
      status: 400,
      type: 'invalid_request_error',
      message: 'messages: bad request',
      expected: 'API Error: 400 messages: bad request',
    },
    { status: 401, type: 'authentication_error', message: 'invalid x-api-key', expected: 'Invalid API key' },
    { status: 529, type: 'overloaded_error', message: 'Overloaded', expected: 'API Error: 529 Overloaded' },
  ])('fails with exit 1 and an is_error result on a $status $type', async ({ status, type, message, expected }) => {
    // Every request fails: on some 400s the CLI retries with fewer beta features.
    standin.setFallback(reply.error(status, type, message));
    const { run, events, result } = await runClaude('hello');

    expect(run.exitCode).toBe(1);
    expect(kinds(events)).toEqual(['system:init', 'assistant', 'result:success']);
    // The "assistant" message is synthetic: the CLI's own error text, no API usage.
    expect(events[1]).toMatchObject({ message: { model: '<synthetic>' } });
    expect(result).toMatchObject({
      subtype: 'success',
      is_error: true,
      api_error_status: status,
      terminal_reason: 'api_error',
      total_cost_usd: 0,
    });
    expect(result?.result).toContain(expected);
    expect(standin.messageRequests().every((r) => r.status === status)).toBe(true);
  });

  it('retries a 529 when CLAUDE_CODE_MAX_RETRIES allows, reporting an api_retry event', async () => {
    standin.enqueue(reply.error(529, 'overloaded_error', 'Overloaded'), reply.text('Recovered.'));
    const { run, events, result } = await runClaude('hello', [], 1);

    expect(run.exitCode).toBe(0);
    expect(kinds(events)).toEqual(['system:init', 'system:api_retry', 'assistant', 'result:success']);
    expect(events[1]).toMatchObject({ attempt: 1, max_retries: 1, error_status: 529 });
    expect(result).toMatchObject({ is_error: false, result: 'Recovered.' });
    expect(standin.messageRequests().map((r) => r.status)).toEqual([529, 200]);
  });

  it('stops after --max-turns 1 with error_max_turns, though the tool already ran', async () => {
    const file = path.join(cwd, 'turns.txt');
    standin.enqueue(
      reply.toolUse({ name: 'Write', input: { file_path: file, content: 'x\n' } }),
      reply.text('never asked for'),
    );
    const { run, events, result } = await runClaude('write it', [
      '--max-turns',
      '1',
      '--permission-mode',
      'acceptEdits',
    ]);

    expect(run.exitCode).toBe(1);
    expect(kinds(events)).toEqual(['system:init', 'assistant', 'user', 'result:error_max_turns']);
    expect(result).toMatchObject({
      subtype: 'error_max_turns',
      is_error: true,
      num_turns: 2,
      terminal_reason: 'max_turns',
    });
    expect(result?.result).toBeUndefined();
    expect(result?.errors).toEqual(['Reached maximum number of turns (1)']);
    expect(existsSync(file)).toBe(true);
    expect(standin.messageRequests()).toHaveLength(1);
  });

  it.each([
    { name: 'headers only', hung: reply.hang() },
    { name: 'a started, then silent stream', hung: reply.stall() },
  ])('hangs on $name until its process group is killed', async ({ hung }) => {
    standin.enqueue(hung);
    const env = offlineClaudeEnv({ baseURL: standin.baseURL, home: home.home });
    const child = spawnClaude({ prompt: 'hello', cwd, env, timeoutMs: 20_000 });
    const pid = child.pid;
    if (pid === undefined) throw new Error('the CLI did not start');

    await expect.poll(() => standin.messageRequests().length, { timeout: 10_000 }).toBe(1);
    // Still running a while later: the CLI's own stream-idle watchdog waits at least 5 minutes.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(child.exitCode).toBeNull();

    killProcessGroup(pid, 'SIGTERM');
    const run = await child;
    // The CLI handles SIGTERM itself and exits 143 (128 + 15), with no result line.
    expect(run.exitCode).toBe(143);
    expect(resultEvent(parseStreamJson(run.stdout))).toBeUndefined();
    await expect.poll(() => standin.messageRequests()[0]?.aborted).toBe(true);
  });

  it('on SIGTERM ends the command a Bash tool is running, then exits 143', async () => {
    // Unique, so the test finds (and if need be removes) only its own processes.
    const marker = `sleep 29.${process.pid}`;
    standin.enqueue(
      reply.toolUse({
        name: 'Bash',
        input: { command: `echo started > started.txt; ${marker}; echo late > late.txt`, description: 'slow' },
      }),
    );
    const env = offlineClaudeEnv({ baseURL: standin.baseURL, home: home.home });
    const child = spawnClaude({
      prompt: 'run it',
      cwd,
      env,
      args: ['--permission-mode', 'acceptEdits'],
      timeoutMs: 20_000,
    });
    try {
      await expect.poll(() => existsSync(path.join(cwd, 'started.txt')), { timeout: 10_000 }).toBe(true);
      expect(pidsRunning(marker).length).toBeGreaterThan(0);

      killProcessGroup(child.pid, 'SIGTERM');
      const run = await child;
      expect(run.exitCode).toBe(143);
      // The tool's shell runs in a session of its own, out of reach of a group
      // kill: it is the CLI, on SIGTERM, that kills it (137 = SIGKILL).
      await expect.poll(() => pidsRunning(marker)).toEqual([]);
      const events = parseStreamJson(run.stdout);
      expect(kinds(events)).toEqual(['system:init', 'assistant', 'user']);
      expect(events[2]).toMatchObject({
        message: { content: [{ type: 'tool_result', is_error: true, content: 'Exit code 137' }] },
      });
      expect(existsSync(path.join(cwd, 'late.txt'))).toBe(false);
    } finally {
      for (const pid of pidsRunning(marker)) process.kill(pid, 'SIGKILL');
    }
  });
});

/** Processes whose command line contains `fragment`, read from /proc (no `ps` needed). */
function pidsRunning(fragment: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(fragment);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number)
    .filter((pid) => pid !== process.pid);
}
