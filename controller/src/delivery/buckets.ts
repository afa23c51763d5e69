// Token buckets that keep the delivery service inside Slack's rate limits:
// chat.postMessage per channel (about 1 a second after a burst), chat.update
// per app (Tier 3, about 50 a minute), and looser ones for the rest. A 429's
// Retry-After closes a bucket until then. Pure: time is passed in.

export interface BucketRate {
  perSecond: number;
  burst: number;
}

/** Margin added to every wait, so calls arrive at Slack a little after the token is there, never before. */
const ARRIVAL_MARGIN_MS = 25;

export class TokenBucket {
  private tokens: number;
  private at: number;
  private closedUntil = 0;

  constructor(
    private readonly rate: BucketRate,
    now: number,
  ) {
    this.tokens = rate.burst;
    this.at = now;
  }

  private refill(now: number): void {
    if (now > this.at) {
      this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.at) / 1_000) * this.rate.perSecond);
      this.at = now;
    }
  }

  /** Takes a token (returns 0), or returns how many ms until one is there. */
  take(now: number): number {
    if (now < this.closedUntil) return this.closedUntil - now;
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate.perSecond) * 1_000) + ARRIVAL_MARGIN_MS;
  }

  /** Gives back a token that was taken for a call that never went out. */
  refund(): void {
    this.tokens = Math.min(this.rate.burst, this.tokens + 1);
  }

  /** Slack said 429: nothing more until `until`, and the burst is spent. */
  close(until: number): void {
    this.closedUntil = Math.max(this.closedUntil, until);
    this.tokens = 0;
    this.at = Math.max(this.at, until);
  }
}

export interface RateLimits {
  post: BucketRate;
  update: BucketRate;
  ephemeral: BucketRate;
  upload: BucketRate;
  lookup: BucketRate;
}

/** Slack's published tiers for the methods the service calls beside the two configured ones. */
export const OTHER_LIMITS: Omit<RateLimits, 'post' | 'update'> = {
  /** chat.postEphemeral: Tier 4, 100+ a minute. */
  ephemeral: { perSecond: 100 / 60, burst: 20 },
  /** files.getUploadURLExternal and files.completeUploadExternal: Tier 4; keep well inside. */
  upload: { perSecond: 20 / 60, burst: 5 },
  /** conversations.history and conversations.replies: Tier 3. */
  lookup: { perSecond: 50 / 60, burst: 10 },
};

export type BucketKind = keyof RateLimits;

/** One bucket per kind, and per channel for posts (Slack's limit is per channel). */
export class RateGate {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly limits: RateLimits) {}

  bucket(kind: BucketKind, channel: string): TokenBucket {
    const id = kind === 'post' ? `post:${channel}` : kind;
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = new TokenBucket(this.limits[kind], Date.now());
      this.buckets.set(id, bucket);
    }
    return bucket;
  }
}
