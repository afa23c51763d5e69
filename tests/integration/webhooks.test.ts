// Inbound webhooks (the operations server in this process, real Redis):
// GitHub's and the timestamped signature, stale timestamps and replayed
// delivery ids refused, the template and its `when` filter, the documented
// responses of /hooks/{name} checked against the OpenAPI document, and a
// controller that refuses to start on a broken hooks file.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '@agentops/controller';
import { startApiServer, type ApiServer } from '../support/api-server.js';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { startNode } from '../support/processes.js';
import { CONTROLLER } from '../support/slack-stack.js';

const GITHUB_SECRET = 'github-hook-secret-0123456789';
const GENERIC_SECRET = 'generic-hook-secret-0123456789';
const TOKEN = 'ci-token-0123456789abcdef01234567';
const HOOKS = {
  hooks: {
    'ci-failed': {
      signature: 'github',
      secretEnv: 'HOOK_SECRET_GITHUB',
      events: ['workflow_run'],
      when: { action: 'completed', 'workflow_run.conclusion': ['failure', 'timed_out'] },
      text: 'fix the failing test in {{repository.full_name}}: workflow {{workflow_run.name}} failed on {{workflow_run.head_branch}}',
      queue: 'code',
      priority: 2,
    },
    deploy: {
      signature: 'agentops',
      secretEnv: 'HOOK_SECRET_DEPLOY',
      text: 'summarize the deploy of {{service}}',
      queue: 'local',
    },
  },
};

let queues: QueueHarness;
let server: ApiServer;
let document: OpenApiDocument;
let delivery = 0;

const failedRun = (branch = 'main') => ({
  action: 'completed',
  workflow_run: { name: 'CI', conclusion: 'failure', head_branch: branch },
  repository: { full_name: 'acme/api' },
});

function github(payload: unknown, options: { secret?: string; event?: string; id?: string; raw?: string } = {}) {
  const body = options.raw ?? JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', options.secret ?? GITHUB_SECRET)
    .update(body)
    .digest('hex')}`;
  delivery += 1;
  return fetch(`${server.base}/hooks/ci-failed`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': options.event ?? 'workflow_run',
      'x-github-delivery': options.id ?? `delivery-${delivery}-${Date.now()}`,
      'x-hub-signature-256': signature,
    },
    body,
  });
}

function generic(payload: unknown, options: { timestamp?: number; id?: string; signature?: string } = {}) {
  const body = JSON.stringify(payload);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1_000));
  const signature =
    options.signature ?? `sha256=${createHmac('sha256', GENERIC_SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
  return fetch(`${server.base}/hooks/deploy`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-agentops-timestamp': timestamp,
      'x-agentops-signature': signature,
      ...(options.id ? { 'x-agentops-delivery': options.id } : {}),
    },
    body,
  });
}

beforeAll(async () => {
  queues = await openQueues();
  server = await startApiServer(queues, {
    env: {
      API_TOKENS: `ci=write:${TOKEN}`,
      HOOK_SECRET_GITHUB: GITHUB_SECRET,
      HOOK_SECRET_DEPLOY: GENERIC_SECRET,
      WEBHOOK_MAX_BYTES: '2048',
    },
    hooks: HOOKS,
  });
  document = (await (await fetch(`${server.base}/api/openapi.json`)).json()) as OpenApiDocument;
}, 30_000);

afterAll(async () => {
  await server?.close();
  await queues?.close();
});

describe('GitHub signatures', () => {
  it('accepts a signed failed workflow run and queues the rendered job as the hook', async () => {
    const response = await github(failedRun('fix/flaky'));
    expect(response.status).toBe(202);
    const body = (await response.json()) as { outcome: string; jobs: { id: string; queue: string }[] };
    expect(body).toMatchObject({ outcome: 'accepted', jobs: [{ queue: 'code' }] });
    const job = await queues.manager.inspect(body.jobs[0]?.id ?? '');
    expect(job.data).toMatchObject({
      text: 'fix the failing test in acme/api: workflow CI failed on fix/flaky',
      queue: 'code',
      priority: 2,
      source: 'webhook',
      requestedBy: 'hook:ci-failed',
      trigger: { kind: 'webhook', name: 'ci-failed' },
    });
  });

  it('refuses a wrong or missing signature with 401, and starts nothing', async () => {
    const before = (await queues.manager.list(undefined, 200)).length;
    expect((await github(failedRun(), { secret: 'not-the-secret-0123456789' })).status).toBe(401);
    const unsigned = await fetch(`${server.base}/hooks/ci-failed`, {
      method: 'POST',
      body: JSON.stringify(failedRun()),
    });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ code: 'BAD_SIGNATURE', detail: expect.stringContaining('missing') });
    expect((await queues.manager.list(undefined, 200)).length).toBe(before);
  });

  it('refuses a replayed delivery id with 409', async () => {
    expect((await github(failedRun('replay'), { id: 'same-delivery' })).status).toBe(202);
    const again = await github(failedRun('replay'), { id: 'same-delivery' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'REPLAYED' });
  });

  it('ignores other events and runs the when filter does not match (202 ignored)', async () => {
    const ping = await github({ zen: 'hello' }, { event: 'ping' });
    expect(await ping.json()).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('ping') });
    const passed = await github({
      ...failedRun(),
      workflow_run: { name: 'CI', conclusion: 'success', head_branch: 'main' },
    });
    expect(passed.status).toBe(202);
    expect(await passed.json()).toMatchObject({
      outcome: 'ignored',
      reason: expect.stringContaining('workflow_run.conclusion'),
    });
  });
});

describe('timestamped signatures', () => {
  it('accepts a fresh signed delivery', async () => {
    const response = await generic({ service: 'billing' }, { id: 'deploy-1' });
    expect(response.status).toBe(202);
    const [job] = ((await response.json()) as { jobs: { id: string }[] }).jobs;
    expect((await queues.manager.inspect(job?.id ?? '')).data.text).toBe('summarize the deploy of billing');
  });

  it('refuses a stale timestamp, a bad signature and a replay without a delivery id', async () => {
    const stale = await generic({ service: 'billing' }, { timestamp: Math.floor(Date.now() / 1_000) - 301 });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ detail: expect.stringContaining('WEBHOOK_TOLERANCE_SEC') });
    expect((await generic({ service: 'billing' }, { signature: `sha256=${'0'.repeat(64)}` })).status).toBe(401);
    const timestamp = Math.floor(Date.now() / 1_000);
    expect((await generic({ service: 'search' }, { timestamp })).status).toBe(202);
    expect((await generic({ service: 'search' }, { timestamp })).status).toBe(409);
  });
});

describe('the documented responses of /hooks/{name}', () => {
  it('are each produced, with bodies that validate against the document', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ ...document, $id: 'agentops:openapi' });
    const producers: Record<string, () => Promise<Response>> = {
      '202': () => github(failedRun('contract')),
      '400': () => github(undefined, { raw: '{"not json' }),
      '401': () => github(failedRun(), { secret: 'wrong-secret-0123456789' }),
      '404': () => fetch(`${server.base}/hooks/nobody`, { method: 'POST', body: '{}' }),
      '409': async () => {
        await github(failedRun('twice'), { id: 'contract-replay' });
        return github(failedRun('twice'), { id: 'contract-replay' });
      },
      '413': () => github({ ...failedRun(), padding: 'x'.repeat(4_000) }),
    };
    const responses = document.paths['/hooks/{name}']?.post?.responses ?? {};
    expect(Object.keys(responses).sort()).toEqual(Object.keys(producers).sort());
    for (const [status, spec] of Object.entries(responses)) {
      const response = await producers[status]?.();
      const text = (await response?.text()) ?? '';
      expect(response?.status, `${status}: ${text}`).toBe(Number(status));
      const [type] = Object.keys(spec.content ?? {});
      if (!type) continue;
      const pointer = `#/paths/~1hooks~1{name}/post/responses/${status}/content/${type.replaceAll('/', '~1')}/schema`;
      const validate = ajv.getSchema(`agentops:openapi${pointer}`);
      expect(validate?.(JSON.parse(text)), `${status}: ${JSON.stringify(validate?.errors)}`).toBe(true);
    }
  });
});

describe('the hooks file', () => {
  it('with a mistake, stops the controller at start with a message naming the file, the hook and the field', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agentops-hooks-'));
    try {
      const file = path.join(dir, 'hooks.json');
      writeFileSync(file, JSON.stringify({ hooks: { 'ci-failed': { ...HOOKS.hooks['ci-failed'], queue: 'gpu' } } }));
      const controller = startNode(CONTROLLER, { ...queues.env, HOOKS_FILE: file, HOOK_SECRET_GITHUB: GITHUB_SECRET });
      const { code } = await controller.exited;
      expect(code).toBe(1);
      expect(controller.output()).toContain(`The hooks file ${file} (HOOKS_FILE) is invalid`);
      expect(controller.output()).toContain('hook "ci-failed", field "queue": must be one of code, local, research');
      expect(controller.output()).not.toContain(GITHUB_SECRET);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
