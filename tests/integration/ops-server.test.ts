// The controller's operations server: health, readiness (Redis and Slack),
// queue status, version, Prometheus metrics and the dashboard's basic auth.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '@agentops/scripts';
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
