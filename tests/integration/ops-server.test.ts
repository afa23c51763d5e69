// The controller's operations server: health, readiness (Redis and Slack),
// queue status, version, Prometheus metrics, and the dashboard: its basic auth,
// read-only mode and same-origin rule for changes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '@agentops/scripts';
import { corruptJob } from '../support/corrupt-job.js';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { logRecordsMatching } from '../support/logs.js';
import { CONTROLLER, startSlackStack } from '../support/slack-stack.js';

let dir: string;
let redis: RedisServerHandle;
let queues: QueueHarness;
let controller: RunningProcess;
let base: string;
const auth = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

async function opsPort(process: RunningProcess): Promise<number> {
  const line = await waitFor(
    () => /Operations server on http:\/\/127\.0\.0\.1:(\d+)/.exec(process.output()) ?? undefined,
    20_000,
    `the ops server\n${process.output()}`,
  );
  return Number(line[1]);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'agentops-ops-'));
  redis = await startRedisServer({ dir, appendOnly: true });
  queues = await openQueues({ REDIS_HOST: redis.host, REDIS_PORT: String(redis.port) });
  controller = startNode(CONTROLLER, {
    ...queues.env,
    LOG_LEVEL: 'info',
    BULLBOARD_USERNAME: 'ops',
    BULLBOARD_PASSWORD: 'dashboard-secret-42',
  });
  base = `http://127.0.0.1:${await opsPort(controller)}`;
}, 60_000);

afterAll(async () => {
  await controller?.stop();
  await queues?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('operations server', () => {
  it('binds to loopback and answers /health and /version', async () => {
    expect(logRecordsMatching(controller.output(), { ops: 'listening', host: '127.0.0.1' })).toHaveLength(1);
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const version = (await (await fetch(`${base}/version`)).json()) as { name: string; version: string; node: string };
    expect(version).toMatchObject({ name: 'agentops', node: process.version });
    expect(version.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('serves the queue status snapshot as JSON', async () => {
    await queues.manager.enqueue({
      text: 'summarize the ops test',
      priority: 2,
      source: 'cli',
      requestedBy: 'cli:test',
      routing: { queue: 'local', method: 'explicit', confidence: 1, patterns: [] },
    });
    const status = (await (await fetch(`${base}/queue-status`)).json()) as {
      queues: { name: string; counts: { waiting: number } }[];
      paused: boolean;
    };
    expect(status.queues.map((queue) => queue.name)).toEqual(['code', 'local', 'research']);
    expect(status.queues.find((queue) => queue.name === 'local')?.counts.waiting).toBe(1);
    expect(status.paused).toBe(false);
  });

  it('exposes Prometheus metrics, including finished jobs and their duration', async () => {
    await queues.startWorker({ FIXTURE_DELAY_MS: '50' });
    await waitFor(async () => (await queues.recorded('finished')).length === 1, 10_000, 'the job to finish');
    const text = await waitFor(
      async () => {
        const body = await (await fetch(`${base}/metrics`)).text();
        return body.includes('agentops_jobs_finished_total{queue="local",outcome="completed"') ? body : undefined;
      },
      10_000,
      'the completion to be counted',
    );
    expect(text).toMatch(/agentops_jobs\{queue="local",state="waiting"[^}]*\} 0/);
    expect(text).toContain('agentops_job_duration_seconds_bucket{');
    expect(text).toContain('# TYPE agentops_routing_decisions_total counter');
    expect(text).toContain('# TYPE agentops_llm_fallback_calls_total counter');
    expect(text).toContain('# TYPE agentops_slack_deliveries_total counter');
    expect(text).toContain('# TYPE agentops_slack_rate_limited_total counter');
    expect(text).toMatch(/agentops_slack_outbox_depth\{[^}]*\} 0/);
    expect(text).toMatch(/agentops_intake_pending\{[^}]*\} 0/);
    expect(text).toMatch(/agentops_workers_connected\{queue="local"[^}]*\} 1/);
  });

  it('protects the dashboard with basic auth', async () => {
    expect((await fetch(`${base}/admin/queues`)).status).toBe(401);
    expect((await fetch(`${base}/admin/queues`, { headers: auth('ops', 'wrong') })).status).toBe(401);
    const ok = await fetch(`${base}/admin/queues`, { headers: auth('ops', 'dashboard-secret-42') });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<html');
    const api = await fetch(`${base}/admin/queues/api/queues?activeQueue=local&status=latest&page=1&jobsPerPage=10`, {
      headers: auth('ops', 'dashboard-secret-42'),
    });
    expect(api.status).toBe(200);
    expect(JSON.stringify(await api.json())).toContain('"name":"local"');
  });

  it('matches the basic auth scheme without regard to case (RFC 7617)', async () => {
    const encoded = Buffer.from('ops:dashboard-secret-42').toString('base64');
    for (const scheme of ['basic', 'BASIC', 'bAsIc']) {
      const response = await fetch(`${base}/admin/queues`, { headers: { authorization: `${scheme} ${encoded}` } });
      expect(response.status, scheme).toBe(200);
    }
    expect((await fetch(`${base}/admin/queues`, { headers: { authorization: `bearer ${encoded}` } })).status).toBe(401);
  });

  it('mounts Bull Board read-only: adding a job is refused, cross-site or not', async () => {
    const before = (await queues.manager.status()).queues.find((queue) => queue.name === 'local')?.counts.waiting;
    const body = JSON.stringify({ name: 'job', data: { text: 'from a cross-site form' } });
    // What a cross-site <form enctype="text/plain"> sends, with the browser's saved credentials.
    const crossSite = await fetch(`${base}/admin/queues/api/queues/local/add`, {
      method: 'POST',
      headers: { ...auth('ops', 'dashboard-secret-42'), 'content-type': 'text/plain', origin: 'https://evil.example' },
      body,
    });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).toMatch(/same-origin/);
    const sameOrigin = await fetch(`${base}/admin/queues/api/queues/local/add`, {
      method: 'POST',
      headers: { ...auth('ops', 'dashboard-secret-42'), 'content-type': 'application/json', origin: base },
      body,
    });
    expect(sameOrigin.status).toBe(405);
    const after = (await queues.manager.status()).queues.find((queue) => queue.name === 'local')?.counts.waiting;
    expect(after).toBe(before);
    const api = (await (
      await fetch(`${base}/admin/queues/api/queues?activeQueue=local&status=latest&page=1&jobsPerPage=10`, {
        headers: auth('ops', 'dashboard-secret-42'),
      })
    ).json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(api.queues.map((queue) => [queue.name, queue.readOnlyMode])).toEqual([
      ['code', true],
      ['local', true],
      ['research', true],
    ]);
  });

  it('shows a job whose stored data is not JSON among the others', async () => {
    const [job] = await queues.manager.enqueueMany([
      {
        text: 'soon unreadable',
        priority: 3,
        source: 'cli',
        requestedBy: 'cli:test',
        routing: { queue: 'code', method: 'explicit', confidence: 1, patterns: [] },
      },
    ]);
    await corruptJob(queues, 'code', job!.id, 'json');
    const api = await fetch(`${base}/admin/queues/api/queues?activeQueue=code&status=latest&page=1&jobsPerPage=10`, {
      headers: auth('ops', 'dashboard-secret-42'),
    });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string; jobs: { id: string; data: unknown }[] }[] };
    const shown = body.queues
      .find((queue) => queue.name === 'code')
      ?.jobs.find((entry) => entry.id === `job-${job!.id}`);
    expect(shown?.data).toMatchObject({ __agentopsUnreadable: 'not valid JSON' });
    await queues.manager.queues.code.drain();
  });

  it('reports not ready while Redis is down, and ready again when it returns', async () => {
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    await redis.stop();
    const down = await waitFor(
      async () => {
        const response = await fetch(`${base}/ready`);
        return response.status === 503 ? response : undefined;
      },
      10_000,
      '/ready to turn 503',
    );
    const body = (await down.json()) as { reasons: string[] };
    expect(body.reasons.join(' ')).toMatch(/Redis/);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    await redis.restart();
    await waitFor(async () => (await fetch(`${base}/ready`)).status === 200, 15_000, '/ready to turn 200 again');
  }, 40_000);
});

describe('dashboard with BULLBOARD_READONLY=false', () => {
  it('takes changes only from a same-origin JSON request', async () => {
    const writable = startNode(CONTROLLER, {
      ...queues.env,
      LOG_LEVEL: 'info',
      BULLBOARD_USERNAME: 'ops',
      BULLBOARD_PASSWORD: 'dashboard-secret-42',
      BULLBOARD_READONLY: 'false',
    });
    try {
      const origin = `http://127.0.0.1:${await opsPort(writable)}`;
      const pause = (headers: Record<string, string>, body?: string) =>
        fetch(`${origin}/admin/queues/api/queues/research/pause`, {
          method: 'PUT',
          headers: { ...auth('ops', 'dashboard-secret-42'), ...headers },
          ...(body === undefined ? {} : { body }),
        });
      const refused: [string, Record<string, string>, string?][] = [
        ['another origin', { origin: 'https://evil.example', 'content-type': 'application/json' }, '{}'],
        ['another referer', { referer: 'https://evil.example/page', 'content-type': 'application/json' }, '{}'],
        ['no origin or referer', { 'content-type': 'application/json' }, '{}'],
        ['origin null', { origin: 'null', 'content-type': 'application/json' }, '{}'],
        ['a form body', { origin, 'content-type': 'text/plain' }, '{}'],
        ['a urlencoded body', { origin, 'content-type': 'application/x-www-form-urlencoded' }, 'a=1'],
      ];
      for (const [what, headers, body] of refused) {
        const response = await pause(headers, body);
        expect(response.status, what).toBe(403);
        expect(await response.text(), what).toMatch(/same-origin/);
      }
      expect(await queues.manager.queues.research.isPaused()).toBe(false);
      // What the dashboard itself sends: its own origin, JSON or no body at all.
      expect((await pause({ origin })).status).toBe(200);
      expect(await queues.manager.queues.research.isPaused()).toBe(true);
      const resume = await fetch(`${origin}/admin/queues/api/queues/research/resume`, {
        method: 'PUT',
        headers: { ...auth('ops', 'dashboard-secret-42'), referer: `${origin}/admin/queues/queue/research` },
      });
      expect(resume.status).toBe(200);
      expect(await queues.manager.queues.research.isPaused()).toBe(false);
      const added = await fetch(`${origin}/admin/queues/api/queues/research/add`, {
        method: 'POST',
        headers: { ...auth('ops', 'dashboard-secret-42'), origin, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ name: 'job', data: { text: 'added from the dashboard' } }),
      });
      expect(added.status).toBe(200);
      await queues.manager.queues.research.drain();
      // Reads need none of this.
      expect((await fetch(`${origin}/admin/queues`, { headers: auth('ops', 'dashboard-secret-42') })).status).toBe(200);
    } finally {
      await writable.stop();
    }
  }, 30_000);
});

describe('dashboard without credentials, and readiness in Slack mode', () => {
  it('does not mount the dashboard and says why', async () => {
    const bare = startNode(CONTROLLER, { ...queues.env, LOG_LEVEL: 'info' });
    try {
      const port = await opsPort(bare);
      const response = await fetch(`http://127.0.0.1:${port}/admin/queues`);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('set BULLBOARD_USERNAME and BULLBOARD_PASSWORD');
      expect(logRecordsMatching(bare.output(), { dashboard: 'off' })).toHaveLength(1);
    } finally {
      await bare.stop();
    }
  }, 30_000);

  it('is not ready while the Slack socket is down, and counts routing decisions', async () => {
    const stack = await startSlackStack();
    try {
      const port = await opsPort(stack.controller);
      expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
      await stack.sim.sendSlashCommand({ text: 'add summarize the metrics notes' });
      await stack.sim.waitForMessage(stack.channel, (message) => message.text.includes('metrics notes'), 10_000);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/agentops_routing_decisions_total\{method="keyword",queue="local"[^}]*\} 1/);
      await stack.sim.waitForAcks();
      await stack.sim.dropConnection();
      const down = await waitFor(
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/ready`);
          return response.status === 503 ? response : undefined;
        },
        5_000,
        '/ready to turn 503',
      );
      expect(((await down.json()) as { reasons: string[] }).reasons).toContain('Slack Socket Mode is not connected');
      await stack.sim.waitForConnection(2, 20_000);
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/ready`)).status === 200,
        10_000,
        '/ready after reconnect',
      );
    } finally {
      await stack.close();
    }
  }, 60_000);
});
