// The REST API's token bucket: a minute's requests at once, then one per
// 60/rate seconds, with the wait in whole seconds; each token on its own.
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '@agentops/controller';

describe('createRateLimiter', () => {
  it('lets a burst of a minute through, then says when to come back', () => {
    const limiter = createRateLimiter(3);
    const at = 1_000_000;
    expect([1, 2, 3].map(() => limiter.take('ci', at).ok)).toEqual([true, true, true]);
    expect(limiter.take('ci', at)).toEqual({ ok: false, retryAfterSec: 20 });
    expect(limiter.take('ci', at + 19_000)).toEqual({ ok: false, retryAfterSec: 1 });
    expect(limiter.take('ci', at + 20_000).ok).toBe(true);
  });

  it('keeps one bucket per token and never fills beyond a minute', () => {
    const limiter = createRateLimiter(2);
    expect(limiter.take('a', 0).ok && limiter.take('a', 0).ok).toBe(true);
    expect(limiter.take('a', 0).ok).toBe(false);
    expect(limiter.take('b', 0).ok).toBe(true);
    const later = 10 * 60_000;
    expect([1, 2, 3].map(() => limiter.take('b', later).ok)).toEqual([true, true, false]);
  });
});
