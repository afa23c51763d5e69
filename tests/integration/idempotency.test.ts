// Redelivered events make one job; pause stops new claims but lets the running job finish.
import { afterEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { KEY_TTL_SEC, redisKeys } from '@agentops/core';
import { createIdempotency } from '@agentops/controller';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { waitFor } from '../support/processes.js';

let harness: QueueHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const request = (text: string) => ({
  text,
  priority: 3 as const,
  source: 'message' as const,
  requestedBy: 'U123',
  routing: { queue: 'local' as const, method: 'explicit' as const, confidence: 1, patterns: [] },
});

describe('idempotency', () => {
  it('creates one job for the same key delivered twice, one after the other', async () => {
    harness = await openQueues();
    const once = createIdempotency(harness.redis, harness.prefix);
    const first = await once.once('event:Ev01', () => harness!.manager.enqueue(request('hello')));
    const second = await once.once('event:Ev01', () => harness!.manager.enqueue(request('hello')));
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect((await harness.manager.status()).queues.find((queue) => queue.name === 'local')?.counts.waiting).toBe(1);
  });

  it('creates one job when four deliveries race each other', async () => {
    harness = await openQueues();
    const once = createIdempotency(harness.redis, harness.prefix);
    const results = await Promise.all(
      [0, 1, 2, 3].map(() => once.once('event:Ev02', () => harness!.manager.enqueue(request('raced')))),
    );
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    expect(await harness.manager.list('waiting')).toHaveLength(1);
  });

  it('keeps the key for 24 hours, beyond Slack’s retry window', async () => {
    harness = await openQueues();
    const once = createIdempotency(harness.redis, harness.prefix);
    await once.claim('event:Ev03');
    const ttl = await harness.redis.ttl(redisKeys(harness.prefix).idempotency('event:Ev03'));
    expect(ttl).toBeGreaterThan(KEY_TTL_SEC.idempotency - 10);
    expect(ttl).toBeLessThanOrEqual(24 * 3_600);
  });

  it('releases the key when handling fails, so a redelivery can succeed', async () => {
    harness = await openQueues();
    const once = createIdempotency(harness.redis, harness.prefix);
    await expect(once.once('event:Ev04', async () => Promise.reject(new Error('Redis hiccup')))).rejects.toThrow(
      'Redis hiccup',
    );
    const retried = await once.once('event:Ev04', () => harness!.manager.enqueue(request('second try')));
    expect(retried.duplicate).toBe(false);
  });
});

describe('pause and resume', () => {
  it('lets the running job finish, claims nothing new while paused, and continues on resume', async () => {
    harness = await openQueues();
    const { manager } = harness;
    await harness.startWorker({ LOCAL_CONCURRENCY: '1', FIXTURE_DELAY_MS: '1500' });
    const running = await manager.enqueue(request('already running'));
    await waitFor(async () => (await harness!.recorded('started')).length === 1, 10_000, 'the first job to start');
    await manager.pauseAll();
    const held = await manager.enqueue(request('held while paused'));
    await waitFor(
      async () => (await harness!.recorded('finished')).some((entry) => entry.id === running.id),
      10_000,
      'the running job to finish',
    );
    await sleep(1_000);
    expect((await harness.recorded('started')).map((entry) => entry.id)).toEqual([running.id]);
    const paused = await manager.status();
    expect(paused.paused).toBe(true);
    expect(paused.queues.find((queue) => queue.name === 'local')?.counts.waiting).toBe(1);
    await manager.resumeAll();
    await waitFor(
      async () => (await harness!.recorded('finished')).some((entry) => entry.id === held.id),
      10_000,
      'the held job to run after resume',
    );
    expect((await manager.status()).paused).toBe(false);
  });
});
