// Redelivered requests make one inbox entry, a failed or abandoned entry is
// handled again; pause stops new claims but lets the running job finish.
import { afterEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { KEY_TTL_SEC, redisKeys } from '@agentops/core';
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

const slash = (text: string) => ({ kind: 'slash' as const, channel: 'C0TEST', user: 'U123', text });

describe('intake inbox', () => {
  it('writes a request delivered twice once, one delivery after the other', async () => {
    harness = await openQueues();
    const first = await harness.inbox.write(slash('hello'), 'event:Ev01');
    const second = await harness.inbox.write(slash('hello'), 'event:Ev01');
    expect(first).toMatch(/^\d+-\d+$/);
    expect(second).toBeUndefined();
    expect(await harness.redis.xlen(redisKeys(harness.prefix).inbox)).toBe(1);
  });

  it('writes one entry when four deliveries race each other', async () => {
    harness = await openQueues();
    const ids = await Promise.all([0, 1, 2, 3].map(() => harness!.inbox.write(slash('raced'), 'event:Ev02')));
    expect(ids.filter(Boolean)).toHaveLength(1);
  });

  it('keeps the delivery id for 24 hours, beyond Slack’s retry window', async () => {
    harness = await openQueues();
    await harness.inbox.write(slash('kept'), 'event:Ev03');
    const ttl = await harness.redis.ttl(redisKeys(harness.prefix).idempotency('event:Ev03'));
    expect(ttl).toBeGreaterThan(KEY_TTL_SEC.idempotency - 10);
    expect(ttl).toBeLessThanOrEqual(24 * 3_600);
  });

  it('keeps an entry whose handling failed pending, and handles it when the consumer starts again', async () => {
    harness = await openQueues();
    const id = await harness.inbox.write(slash('first try fails'), 'event:Ev04');
    const seen: string[] = [];
    const failing = harness.inbox.consume('host-a', async (entry) => {
      seen.push(`fail:${entry.id}`);
      throw new Error('Redis hiccup');
    });
    await waitFor(async () => seen.length === 1 || undefined, 5_000, 'the first attempt');
    await failing.close();
    expect(await harness.inbox.pending()).toBe(1);
    const again = harness.inbox.consume('host-a', async (entry) => void seen.push(`ok:${entry.id}`));
    expect(await again.recovered).toBe(1);
    await again.close();
    expect(seen).toEqual([`fail:${id}`, `ok:${id}`]);
    expect(await harness.inbox.pending()).toBe(0);
  });

  it('takes over entries another controller left idle', async () => {
    harness = await openQueues();
    const id = await harness.inbox.write(slash('left behind'), 'event:Ev05');
    const dead = harness.inbox.consume('host-dead', async () => {
      await sleep(60_000);
    });
    await waitFor(async () => (await harness!.inbox.pending()) === 1 || undefined, 5_000, 'the entry to be taken');
    await dead.close().catch(() => undefined);
    const seen: string[] = [];
    const live = harness.inbox.consume('host-live', async (entry) => void seen.push(entry.id), { claimIdleMs: 300 });
    await waitFor(async () => seen.length === 1 || undefined, 10_000, 'the idle entry to be claimed');
    await live.close();
    expect(seen).toEqual([id]);
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
