// Slack's Web API rate limits, as the simulator enforces them when asked: a
// token bucket per channel for chat.postMessage (about 1 a second, short bursts
// allowed) and one per app for chat.update (Tier 3, about 50 a minute). A call
// that finds its bucket empty is answered 429 with Retry-After, as Slack does.
import type { JsonObject } from './types.js';

export interface BucketRate {
  /** Tokens added per second. */
  perSecond: number;
  /** Most tokens the bucket holds: the burst. */
  burst: number;
}

export interface SimRateLimits {
  /** Per channel; Slack: about 1 per second with bursts. */
  postMessage?: BucketRate;
  /** Per app; Slack's Tier 3 is about 50 per minute. */
  update?: BucketRate;
}

/** The limits as people measured them on Slack: 1 post a second per channel after a burst of 20; 50 edits a minute. */
export const SLACK_RATE_LIMITS: Required<SimRateLimits> = {
  postMessage: { perSecond: 1, burst: 20 },
  update: { perSecond: 50 / 60, burst: 20 },
};

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: BucketRate,
    now: number,
  ) {
    this.tokens = rate.burst;
    this.at = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.at) / 1_000) * this.rate.perSecond);
    this.at = now;
  }

  /** Takes a token, or says how many ms until one is there. */
  take(now: number): { ok: true } | { ok: false; waitMs: number } {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: Math.ceil(((1 - this.tokens) / this.rate.perSecond) * 1_000) };
  }
}

export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private limits: SimRateLimits;
  limited = 0;

  constructor(limits: SimRateLimits = {}) {
    this.limits = limits;
  }

  set(limits: SimRateLimits): void {
    this.limits = limits;
    this.buckets.clear();
  }

  /** undefined when the call may go ahead; else the Retry-After, in whole seconds (at least 1). */
  check(method: string, args: JsonObject, now = Date.now()): number | undefined {
    const key = this.keyFor(method, args);
    if (key === undefined) return undefined;
    const [rate, id] = key;
    let bucket = this.buckets.get(id);
    if (bucket === undefined) {
      bucket = new TokenBucket(rate, now);
      this.buckets.set(id, bucket);
    }
    const taken = bucket.take(now);
    if (taken.ok) return undefined;
    this.limited += 1;
    return Math.max(1, Math.ceil(taken.waitMs / 1_000));
  }

  private keyFor(method: string, args: JsonObject): [BucketRate, string] | undefined {
    if (method === 'chat.postMessage' && this.limits.postMessage) {
      return [this.limits.postMessage, `chat.postMessage:${String(args.channel ?? '')}`];
    }
    if (method === 'chat.update' && this.limits.update) return [this.limits.update, 'chat.update'];
    return undefined;
  }
}
