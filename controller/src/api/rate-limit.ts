// The REST API's rate limit: a token bucket per API token, as large as a
// minute's worth of requests (API_RATE_PER_MIN) and refilled continuously, so
// a burst up to the limit goes through and a steady client gets exactly its
// rate. Pure (the clock is passed in); in memory, so per controller process.
export type RateDecision = { ok: true; remaining: number } | { ok: false; retryAfterSec: number };

export interface RateLimiter {
  take(key: string, now?: number): RateDecision;
}

export function createRateLimiter(perMinute: number, clock: () => number = Date.now): RateLimiter {
  const capacity = perMinute;
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, now = clock()) {
      const bucket = buckets.get(key) ?? { tokens: capacity, at: now };
      bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { ok: true, remaining: Math.floor(bucket.tokens) };
      }
      return { ok: false, retryAfterSec: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1_000)) };
    },
  };
}
