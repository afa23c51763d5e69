// Releasers: what a process holds is released newest first, every release runs
// even when one fails, the first failure is kept, and a hung release is cut off.
import { describe, expect, it } from 'vitest';
import { Releasers } from '@agentops/core';

describe('Releasers', () => {
  it('releases in reverse order of registration, once', async () => {
    const order: string[] = [];
    const releasers = new Releasers();
    for (const name of ['redis', 'queues', 'slack']) releasers.add(name, () => void order.push(name));
    const first = releasers.releaseAll();
    const again = releasers.releaseAll();
    expect(await first).toBeUndefined();
    expect(await again).toBeUndefined();
    expect(order).toEqual(['slack', 'queues', 'redis']);
  });

  it('keeps the first failure and still releases the rest', async () => {
    const order: string[] = [];
    const seen: string[] = [];
    const releasers = new Releasers();
    releasers.add('redis', () => void order.push('redis'));
    releasers.add('queues', async () => {
      order.push('queues');
      throw new Error('queues would not close');
    });
    releasers.add('slack', () => {
      order.push('slack');
      throw new Error('socket stuck');
    });
    const failure = await releasers.releaseAll({ onFailure: ({ name }) => seen.push(name) });
    expect(order).toEqual(['slack', 'queues', 'redis']);
    expect(failure?.name).toBe('slack');
    expect((failure?.error as Error | undefined)?.message).toBe('socket stuck');
    expect(seen).toEqual(['slack', 'queues']);
  });

  it('moves on from a release that hangs past its deadline', async () => {
    const order: string[] = [];
    const releasers = new Releasers();
    releasers.add('redis', () => void order.push('redis'));
    releasers.add('hung', () => new Promise<void>(() => undefined));
    const started = Date.now();
    const failure = await releasers.releaseAll({ eachDeadlineMs: 100 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(failure?.name).toBe('hung');
    expect(order).toEqual(['redis']);
  });
});
