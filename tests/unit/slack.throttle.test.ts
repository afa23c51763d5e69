// Progress edits stay inside Slack's rate limit and the latest one always lands.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLatestThrottle } from '@agentops/worker-kit';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the progress throttle', () => {
  it('sends at most once per interval, drops intermediate values and sends the latest', async () => {
    const sent: { value: number; at: number }[] = [];
    const throttle = createLatestThrottle<number>({
      intervalMs: 3_000,
      send: async (value) => {
        sent.push({ value, at: Date.now() });
      },
    });
    const start = Date.now();
    throttle.markSent();
    for (let value = 1; value <= 10; value += 1) {
      throttle.push(value);
      await vi.advanceTimersByTimeAsync(500);
    }
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent.map((entry) => entry.value)).toEqual([6, 10]);
    expect(sent[0]!.at - start).toBe(3_000);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(3_000);
  });

  it('never runs two sends at once, even when one is slow', async () => {
    let running = 0;
    let most = 0;
    const throttle = createLatestThrottle<number>({
      intervalMs: 100,
      send: async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        running -= 1;
      },
    });
    for (let value = 0; value < 20; value += 1) {
      throttle.push(value);
      await vi.advanceTimersByTimeAsync(150);
    }
    await vi.advanceTimersByTimeAsync(5_000);
    expect(most).toBe(1);
  });

  it('sends nothing after stop, and stop waits for a send in progress', async () => {
    const sent: number[] = [];
    let finish: () => void = () => undefined;
    const throttle = createLatestThrottle<number>({
      intervalMs: 1_000,
      send: (value) =>
        new Promise<void>((resolve) => {
          finish = () => {
            sent.push(value);
            resolve();
          };
        }),
    });
    throttle.push(1);
    await vi.advanceTimersByTimeAsync(0);
    throttle.push(2);
    let stopped = false;
    const stopping = throttle.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toEqual([1]);
  });

  it('keeps going after a failed send', async () => {
    const sent: number[] = [];
    const throttle = createLatestThrottle<number>({
      intervalMs: 1_000,
      send: async (value) => {
        if (value === 1) throw new Error('slack said no');
        sent.push(value);
      },
    });
    throttle.push(1);
    await vi.advanceTimersByTimeAsync(10);
    throttle.push(2);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(sent).toEqual([2]);
  });
});
