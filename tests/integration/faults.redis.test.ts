// Redis faults with real processes: a restart with AOF while jobs wait, run and
// complete; a controller started while Redis is down; corrupted job data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '@agentops/scripts';
import { toBullJobId } from '@agentops/core';
import { corruptJob } from '../support/corrupt-job.js';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { CONTROLLER } from '../support/slack-stack.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function privateRedis(): Promise<RedisServerHandle> {
  const dir = mkdtempSync(path.join(tmpdir(), 'agentops-fault-redis-'));
  const server = await startRedisServer({ dir, appendOnly: true });
  cleanups.push(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return server;
}

async function harnessOn(server: RedisServerHandle): Promise<QueueHarness> {
  const queues = await openQueues({ REDIS_HOST: server.host, REDIS_PORT: String(server.port) });
  cleanups.push(() => queues.close());
  return queues;
}

const request = (text: string) => ({
  text,
  priority: 3 as const,
  source: 'cli' as const,
  requestedBy: 'cli:test',
  routing: { queue: 'local' as const, method: 'explicit' as const, confidence: 1, patterns: [] },
});

describe('Redis restarts', () => {
  it('loses no job and runs none twice to completion when Redis restarts with AOF mid-stream', async () => {
    const server = await privateRedis();
    const queues = await harnessOn(server);
    await queues.startWorker({ LOCAL_CONCURRENCY: '2', FIXTURE_DELAY_MS: '300' });
    const jobs = await queues.manager.enqueueMany(Array.from({ length: 20 }, (_, index) => request(`job ${index}`)));
    await waitFor(async () => (await queues.recorded('finished')).length >= 4, 15_000, 'some jobs to complete');
    // appendfsync everysec: what was acknowledged more than a second ago is on disk.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const downAt = Date.now();
    await server.restart(500);
    const upAt = Date.now();
    const done = await waitFor(
      async () => {
        const finished = await queues.recorded('finished').catch(() => undefined);
        return finished && new Set(finished.map((entry) => entry.id)).size === jobs.length ? finished : undefined;
      },
      60_000,
      'every job to complete after the restart',
    );
    const firstAfter = done.filter((entry) => entry.at > upAt).sort((a, b) => a.at - b.at)[0];
    const resumeMs = firstAfter ? firstAfter.at - upAt : 0;
    console.log(`[faults] Redis down ${upAt - downAt} ms; first job completed ${resumeMs} ms after Redis returned`);
    const completions = new Map<string, number>();
    for (const entry of done) completions.set(entry.id, (completions.get(entry.id) ?? 0) + 1);
    // A job interrupted by the restart may run again (at-least-once), but each completes exactly once in BullMQ.
    const states = await Promise.all(jobs.map((job) => queues.manager.inspect(job.id)));
    expect(states.every((job) => job.status === 'completed')).toBe(true);
    const twice = [...completions.entries()].filter(([, count]) => count > 1);
    expect(twice, `jobs whose processor finished twice: ${JSON.stringify(twice)}`).toEqual([]);
    expect(resumeMs).toBeLessThan(15_000);
  }, 90_000);

  it('waits for Redis when started without it, with a clear log line, then serves', async () => {
    const server = await privateRedis();
    const queues = await harnessOn(server);
    await server.stop();
    const controller: RunningProcess = startNode(CONTROLLER, { ...queues.env, LOG_LEVEL: 'info' });
    cleanups.push(() => controller.stop());
    await waitFor(
      () =>
        /Redis is not reachable at 127\.0\.0\.1:\d+ \(ECONNREFUSED\): start it .*; retrying in \d+ s/.test(
          controller.output(),
        ),
      15_000,
      `the retry log line\n${controller.output()}`,
    );
    expect(controller.child.exitCode).toBeNull();
    await server.restart();
    const port = Number(
      (
        await waitFor(
          () => /Operations server on http:\/\/127\.0\.0\.1:(\d+)/.exec(controller.output()) ?? undefined,
          20_000,
          `the controller to start\n${controller.output()}`,
        )
      )[1],
    );
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
  }, 60_000);
});

describe('corrupted job data', () => {
  it('fails a job with missing fields or invalid JSON with a clear reason, and keeps working', async () => {
    const server = await privateRedis();
    const queues = await harnessOn(server);
    const worker = await queues.startWorker({ FIXTURE_DELAY_MS: '20' });
    await queues.manager.pauseAll();
    const [missing, broken] = await queues.manager.enqueueMany([
      request('will lose fields'),
      request('will get invalid JSON'),
    ]);
    const key = (id: string) => `${queues.prefix}:local:${toBullJobId(id)}`;
    await corruptJob(queues, 'local', missing!.id, 'fields');
    await corruptJob(queues, 'local', broken!.id, 'json');
    const healthy = await queues.manager.enqueue(request('healthy afterwards'));
    await queues.manager.resumeAll();
    await waitFor(
      async () => (await queues.manager.queues.local.getJobState(toBullJobId(missing!.id))) === 'failed',
      15_000,
      'the job with missing fields to fail',
    );
    const [missingReason, missingAttempts] = await queues.redis.hmget(key(missing!.id), 'failedReason', 'atm');
    expect(missingReason).toMatch(/Job data is invalid \(.*\); it cannot run/);
    expect(missingAttempts).toBe('1');
    const brokenState = await waitFor(
      async () => {
        const state = await queues.manager.queues.local.getJobState(toBullJobId(broken!.id));
        return state === 'failed' || state === 'completed' ? state : undefined;
      },
      15_000,
      'the job with invalid JSON to be failed',
    );
    expect(brokenState).toBe('failed');
    const reason = await queues.redis.hget(key(broken!.id), 'failedReason');
    expect(reason).toMatch(/invalid/i);
    await waitFor(
      async () => (await queues.recorded('finished')).some((entry) => entry.id === healthy.id),
      15_000,
      'the healthy job after them',
    );
    expect(worker.child.exitCode).toBeNull();
    // The controls read past them: both listed as unreadable, the healthy job as it is.
    const listed = await queues.manager.entries();
    expect(listed.map((job) => [job.id, job.status, 'unreadable' in job ? job.unreadable : 'readable'])).toEqual([
      [healthy.id, 'completed', 'readable'],
      [broken!.id, 'failed', 'not valid JSON'],
      [missing!.id, 'failed', expect.stringMatching(/^missing or invalid fields: id, .*routing/)],
    ]);
  }, 60_000);
});
