// The REST API on the operations server (in this process, real Redis): the
// contract tests walk /api/openapi.json and make every response it documents
// happen, checking each body against its schema; then what the responses
// stand for: tokens and scopes, the rate limit, bad bodies, the inbox and
// submitJobs behind a new job, cancel, retry and promote through execute, and
// the signed callback with its retries and recorded outcome.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@agentops/core';
import type { HistoryJob, HistoryReader, OpenApiDocument } from '@agentops/controller';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { finishNextJob, startApiServer, type ApiServer } from '../support/api-server.js';
import { waitFor } from '../support/processes.js';

const CI = 'ci-token-0123456789abcdef01234567';
const DASH = 'dash-token-0123456789abcdef0123456';
const OTHER = 'other-token-0123456789abcdef012345';
const TOKENS = `ci=write:${CI},dash=read:${DASH},other=write:${OTHER}`;

const old: HistoryJob = {
  id: '900000',
  queue: 'local',
  priority: 3,
  status: 'completed',
  text: 'an old job',
  source: 'api',
  requestedBy: 'api:ci',
  routing: 'keyword',
  createdAt: 1_700_000_000_000,
  finishedAt: 1_700_000_060_000,
  attempts: 1,
  durationMs: 60_000,
  answer: 'done long ago',
  trigger: 'api:ci',
};
const history: HistoryReader = {
  get: async (id) => (id === old.id ? old : undefined),
  list: async () => ({ jobs: [old], nextCursor: 'next-page' }),
};

let queues: QueueHarness;
let server: ApiServer;
/** No history, two requests a minute: for 503 and 429. */
let tight: ApiServer;

const call = (base: string, method: string, path: string, token?: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
const api = (method: string, path: string, token?: string, body?: unknown) =>
  call(server.base, method, path, token, body);

async function create(body: Record<string, unknown>, token = CI): Promise<{ id: string; queue: string }> {
  const response = await api('POST', '/api/jobs', token, body);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as { id: string; queue: string };
}

/** Uses up a token's rate on the tight server, then returns the request that is refused. */
async function limited(method: string, path: string, body?: unknown): Promise<Response> {
  for (let index = 0; index < 5; index += 1) {
    const response = await call(tight.base, method, path, OTHER, body);
    if (response.status === 429) return response;
  }
  throw new Error('the rate limit never answered 429');
}

beforeAll(async () => {
  queues = await openQueues();
  // Both act as two controllers on one Redis would: their callback senders share the due callbacks.
  const callbacks = { CALLBACK_BACKOFF_MS: '100', CALLBACK_ATTEMPTS: '4' };
  server = await startApiServer(queues, {
    env: { API_TOKENS: TOKENS, API_RATE_PER_MIN: '1000', ...callbacks },
    history,
  });
  tight = await startApiServer(queues, { env: { API_TOKENS: TOKENS, API_RATE_PER_MIN: '2', ...callbacks } });
}, 30_000);

afterAll(async () => {
  await server?.close();
  await tight?.close();
  await queues?.close();
});

describe('the OpenAPI contract', () => {
  let document: OpenApiDocument;
  let ajv: Ajv2020;

  beforeAll(async () => {
    const response = await api('GET', '/api/openapi.json');
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApiDocument;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ ...document, $id: 'agentops:openapi' });
  });

  /** A request that makes each documented response happen, by "<method> <path> <status>". */
  const producers: Record<string, () => Promise<Response>> = {
    'post /api/jobs 201': () => api('POST', '/api/jobs', CI, { text: 'summarize the contract test', queue: 'local' }),
    'post /api/jobs 400': () => api('POST', '/api/jobs', CI, { text: 'x', priority: 5 }),
    'post /api/jobs 401': () => api('POST', '/api/jobs', undefined, { text: 'x' }),
    'post /api/jobs 403': () => api('POST', '/api/jobs', DASH, { text: 'x' }),
    'post /api/jobs 429': () => limited('POST', '/api/jobs', { text: 'summarize x', queue: 'local' }),
    'get /api/jobs 200': () => api('GET', '/api/jobs?status=completed&limit=5', DASH),
    'get /api/jobs 400': () => api('GET', '/api/jobs?limit=500', DASH),
    'get /api/jobs 401': () => api('GET', '/api/jobs', 'not-a-token-at-all-0123456789'),
    'get /api/jobs 429': () => limited('GET', '/api/jobs'),
    'get /api/jobs 503': () => call(tight.base, 'GET', '/api/jobs', DASH),
    'get /api/jobs/{id} 200': async () =>
      api('GET', `/api/jobs/${(await create({ text: 'summarize a', queue: 'local' })).id}`, DASH),
    'get /api/jobs/{id} 401': () => api('GET', '/api/jobs/1'),
    'get /api/jobs/{id} 404': () => api('GET', '/api/jobs/999999', DASH),
    'get /api/jobs/{id} 429': () => limited('GET', '/api/jobs/1'),
    'get /api/openapi.json 200': () => api('GET', '/api/openapi.json'),
  };
  for (const action of ['cancel', 'retry', 'promote'] as const) {
    const path = `/api/jobs/{id}/${action}`;
    const body = action === 'promote' ? { priority: 1 } : undefined;
    const at = (id: string, token = CI, payload = body) => api('POST', `/api/jobs/${id}/${action}`, token, payload);
    producers[`post ${path} 401`] = () => at('1', '');
    producers[`post ${path} 404`] = () => at('999999');
    producers[`post ${path} 429`] = () => limited('POST', `/api/jobs/1/${action}`, body);
    producers[`post ${path} 403`] = async () => at((await create({ text: 'summarize b', queue: 'local' })).id, DASH);
    if (action === 'promote') producers[`post ${path} 400`] = () => at('1', CI, { priority: 9 });
  }
  producers['post /api/jobs/{id}/cancel 200'] = async () =>
    api('POST', `/api/jobs/${(await create({ text: 'summarize c', queue: 'local' })).id}/cancel`, CI);
  producers['post /api/jobs/{id}/cancel 409'] = async () => {
    const { id } = await create({ text: 'summarize d', queue: 'local' });
    await api('POST', `/api/jobs/${id}/cancel`, CI);
    return api('POST', `/api/jobs/${id}/cancel`, CI);
  };
  producers['post /api/jobs/{id}/retry 200'] = async () => {
    const { id } = await create({ text: 'summarize e', queue: 'local' });
    await api('POST', `/api/jobs/${id}/cancel`, CI);
    return api('POST', `/api/jobs/${id}/retry`, CI);
  };
  producers['post /api/jobs/{id}/retry 409'] = async () =>
    api('POST', `/api/jobs/${(await create({ text: 'summarize f', queue: 'local' })).id}/retry`, CI);
  producers['post /api/jobs/{id}/promote 200'] = async () =>
    api('POST', `/api/jobs/${(await create({ text: 'summarize g', queue: 'local', priority: 3 })).id}/promote`, CI, {
      priority: 1,
    });
  producers['post /api/jobs/{id}/promote 409'] = async () => {
    const { id } = await create({ text: 'summarize h', queue: 'research' });
    await finishNextJob(queues, 'research', { answer: 'done' });
    return api('POST', `/api/jobs/${id}/promote`, CI, { priority: 1 });
  };

  it('documents every operation with responses, and each has a request here that produces it', () => {
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        Object.keys(operation?.responses ?? {}).map((status) => `${method} ${path} ${status}`),
      ),
    );
    // Webhooks have their own contract test (webhooks.test.ts), with signed deliveries.
    const api = documented.filter((key) => !key.includes('/hooks/'));
    expect(api.length).toBeGreaterThan(30);
    expect(api.filter((key) => !producers[key])).toEqual([]);
  });

  it('produces every documented response, and its body validates against the documented schema', async () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      if (path.includes('/hooks/')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, spec] of Object.entries(operation?.responses ?? {})) {
          const key = `${method} ${path} ${status}`;
          const produce = producers[key];
          if (!produce) continue;
          const response = await produce();
          const text = await response.text();
          expect(response.status, `${key}: ${text}`).toBe(Number(status));
          const [type, media] = Object.entries(spec.content ?? {})[0] ?? [];
          if (!type || !media) continue;
          expect(response.headers.get('content-type') ?? '', key).toContain(type);
          const pointer = `#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}/responses/${status}/content/${type.replaceAll('/', '~1')}/schema`;
          const validate = ajv.getSchema(`agentops:openapi${pointer}`);
          expect(validate, key).toBeDefined();
          const valid = validate?.(JSON.parse(text));
          expect(valid, `${key}: ${JSON.stringify(validate?.errors)} in ${text}`).toBe(true);
          for (const header of Object.keys(spec.headers ?? {}))
            expect(response.headers.get(header), `${key} header ${header}`).toBeTruthy();
        }
      }
    }
  }, 60_000);
});

describe('auth and errors', () => {
  it('answers problem JSON: no token 401, a wrong token 401, a read token writing 403', async () => {
    for (const [token, status, code] of [
      [undefined, 401, 'UNAUTHORIZED'],
      ['wrong-token-0123456789abcdefghij', 401, 'UNAUTHORIZED'],
      [DASH, 403, 'FORBIDDEN'],
    ] as const) {
      const response = await api('POST', '/api/jobs', token, { text: 'summarize the auth test' });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await response.json()).toMatchObject({
        status,
        code,
        type: expect.stringContaining('urn:agentops:problem:'),
      });
    }
    // The refusal is logged and audited by the guard, as Slack's are.
    expect(server.logs.some((line) => line.refused === 'missing_scope' && line.user === 'api:dash')).toBe(true);
    const audit = await queues.redis.xrange(redisKeys(queues.prefix).audit, '-', '+');
    expect(JSON.stringify(audit)).toContain('api:dash');
  });

  it('limits each token: 429 with Retry-After once its minute is used up', async () => {
    const response = await limited('GET', '/api/jobs/1');
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await response.json()).toMatchObject({ code: 'RATE_LIMITED' });
    // Another token has its own bucket.
    expect((await call(tight.base, 'GET', '/api/jobs/999999', DASH)).status).toBe(404);
  });

  it.each([
    [{ text: '' }, 'text'],
    [{ priority: 2 }, 'text'],
    [{ text: 'x', priority: 'high' }, 'priority'],
    [{ text: 'x', queue: 'gpu' }, 'queue'],
    [{ text: 'x', workspace: 'nowhere' }, 'workspace'],
    [{ text: 'x', callbackUrl: 'http://169.254.169.254/latest' }, 'callbackUrl'],
    [{ text: 'x', callbackUrl: 'ftp://example.com' }, 'callbackUrl'],
    [{ text: 'x', extra: 1 }, 'extra'],
    [{ text: 'abc\u202Edef' }, 'text'],
    [{ text: 'x'.repeat(10_001) }, 'text'],
  ])('refuses bad body %# with 400 naming the field', async (body, field) => {
    const response = await api('POST', '/api/jobs', CI, body);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { field: string; detail: string };
    expect(problem.field).toBe(field);
    expect(problem.detail).toContain(field);
  });

  it('refuses a body that is not JSON, and an unknown endpoint, as problem JSON', async () => {
    const response = await api('POST', '/api/jobs', CI, '{"text": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'BAD_REQUEST', field: 'body' });
    const unknown = await api('GET', '/api/nothing', CI);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('jobs through the same path as Slack', () => {
  it('writes the request to the inbox, submits it, and the job carries source api and its trigger', async () => {
    const { id } = await create({ text: 'summarize the inbox test', priority: 2, callbackUrl: 'http://127.0.0.1:9/x' });
    const entries = await queues.redis.xrange(redisKeys(queues.prefix).inbox, '-', '+');
    const entry = entries.find(([, fields]) => fields.join(' ').includes('summarize the inbox test'));
    expect(entry).toBeDefined();
    expect(JSON.parse(entry?.[1][1] ?? '{}')).toMatchObject({
      kind: 'service-add',
      actor: { id: 'api:ci', source: 'api' },
    });
    expect(await queues.redis.exists(redisKeys(queues.prefix).intakePlan(entry?.[0] ?? ''))).toBe(1);
    const job = await queues.manager.inspect(id);
    expect(job.data).toMatchObject({
      source: 'api',
      requestedBy: 'api:ci',
      priority: 2,
      trigger: { kind: 'api', name: 'ci', callbackUrl: 'http://127.0.0.1:9/x' },
    });
    expect(job.data.slack).toBeUndefined();
  });

  it("finishes an entry the controller's inbox consumer finds, from the same plan", async () => {
    const request = {
      kind: 'service-add' as const,
      actor: { id: 'api:ci', source: 'api' as const, scopes: ['read' as const, 'write' as const] },
      items: [{ text: 'summarize the crash test', priority: 3 as const }],
      queue: 'local' as const,
      trigger: { kind: 'api' as const, name: 'ci' },
      receipt: false,
    };
    const entryId = (await queues.inbox.write(request)) ?? '';
    await server.api.handle({ id: entryId, request, at: Date.now() });
    await server.api.handle({ id: entryId, request, at: Date.now() });
    const jobs = await queues.manager.list('waiting', 200);
    expect(jobs.filter((job) => job.data.text === 'summarize the crash test')).toHaveLength(1);
  });

  it('cancels, retries and promotes through execute, only its own jobs, audited', async () => {
    const { id } = await create({ text: 'summarize the control test', queue: 'local', priority: 3 });
    const promoted = await api('POST', `/api/jobs/${id}/promote`, CI, { priority: 1 });
    expect(await promoted.json()).toMatchObject({ action: 'promote', outcome: 'promoted', job: { priority: 1 } });
    const notOwn = await api('POST', `/api/jobs/${id}/cancel`, OTHER);
    expect(notOwn.status).toBe(403);
    expect(await notOwn.json()).toMatchObject({ detail: expect.stringContaining('not started by this API token') });
    const cancelled = await api('POST', `/api/jobs/${id}/cancel`, CI);
    expect(await cancelled.json()).toMatchObject({ outcome: 'removed', job: { status: 'cancelled' } });
    const retried = await api('POST', `/api/jobs/${id}/retry`, CI);
    expect(await retried.json()).toMatchObject({ outcome: 'requeued', job: { status: 'waiting' } });
    const audit = JSON.stringify(await queues.redis.xrange(redisKeys(queues.prefix).audit, '-', '+'));
    for (const action of ['promote', 'cancel', 'retry']) expect(audit).toContain(`"${action}"`);
  });

  it('reads a job BullMQ no longer has from the history, and lists the history', async () => {
    const response = await api('GET', '/api/jobs/900000', DASH);
    expect(await response.json()).toMatchObject({
      id: '900000',
      from: 'history',
      answer: 'done long ago',
      trigger: { kind: 'api', name: 'ci' },
    });
    const list = await api('GET', '/api/jobs?queue=local', DASH);
    expect(await list.json()).toMatchObject({ jobs: [{ id: '900000' }], nextCursor: 'next-page' });
    const none = await call(tight.base, 'GET', '/api/jobs', CI);
    expect(await none.json()).toMatchObject({ status: 503, detail: expect.stringContaining('history not configured') });
  });
});

describe('callbacks', () => {
  let receiver: Server;
  let url: string;
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  let failures = 0;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += String(chunk);
      });
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        const failing = request.url === '/flaky' && failures < 2;
        if (failing) failures += 1;
        response.statusCode = failing ? 500 : 200;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => receiver.close(() => done())));

  it("POSTs a job's result to its callbackUrl, signed with the token, and records it", async () => {
    const { id } = await create({ text: 'summarize the callback test', queue: 'research', callbackUrl: `${url}/done` });
    await finishNextJob(queues, 'research', { answer: 'the answer' });
    const delivery = await waitFor(
      () => received.find((entry) => entry.body.includes(`"id":"${id}"`)),
      10_000,
      'the callback',
    );
    const timestamp = String(delivery.headers['x-agentops-timestamp']);
    const expected = `sha256=${createHmac('sha256', CI).update(`${timestamp}.${delivery.body}`).digest('hex')}`;
    expect(delivery.headers['x-agentops-signature']).toBe(expected);
    expect(JSON.parse(delivery.body)).toMatchObject({
      id,
      status: 'completed',
      queue: 'research',
      answer: 'the answer',
      stats: { durationMs: 12 },
    });
    const job = await waitFor(
      async () => {
        const body = (await (await api('GET', `/api/jobs/${id}`, CI)).json()) as { callback?: { status: string } };
        return body.callback?.status === 'delivered' ? body : undefined;
      },
      5_000,
      'the outcome to be recorded',
    );
    expect(job).toMatchObject({ callback: { status: 'delivered', attempts: 1 } });
  });

  it('tries again with backoff: a receiver that fails twice gets it on the third try', async () => {
    const { id } = await create({ text: 'summarize the retry test', queue: 'research', callbackUrl: `${url}/flaky` });
    await finishNextJob(queues, 'research', { fail: 'LM Studio is not reachable' });
    const job = await waitFor(
      async () => {
        const body = (await (await api('GET', `/api/jobs/${id}`, CI)).json()) as { callback?: { status: string } };
        return body.callback?.status === 'delivered' ? body : undefined;
      },
      10_000,
      'the third attempt',
    );
    expect(job).toMatchObject({ callback: { status: 'delivered', attempts: 3 } });
    const attempts = received.filter((entry) => entry.body.includes(`"id":"${id}"`));
    expect(attempts.map((entry) => entry.headers['x-agentops-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(attempts.map((entry) => entry.headers['x-agentops-delivery'])).size).toBe(1);
    expect(JSON.parse(attempts[0]?.body ?? '{}')).toMatchObject({
      status: 'failed',
      failedReason: 'LM Studio is not reachable',
    });
  });

  it('gives up after CALLBACK_ATTEMPTS and records the last error', async () => {
    const { id } = await create({
      text: 'summarize the dead receiver test',
      queue: 'research',
      callbackUrl: 'http://127.0.0.1:9/nobody',
    });
    await finishNextJob(queues, 'research', { answer: 'nobody listens' });
    const job = await waitFor(
      async () => {
        const body = (await (await api('GET', `/api/jobs/${id}`, CI)).json()) as { callback?: { status: string } };
        return body.callback?.status === 'failed' ? body : undefined;
      },
      15_000,
      'the callback to be given up',
    );
    expect(job).toMatchObject({
      callback: { status: 'failed', attempts: 4, lastError: expect.stringContaining('ECONNREFUSED') },
    });
  });
});
