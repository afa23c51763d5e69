// Keeps a fast stream of updates inside a rate limit (chat.update is Slack
// Tier 3): at most one send per interval, one at a time, intermediate values
// dropped, and the latest value always sent in the end.

export interface LatestThrottle<T> {
  /** Offers a new value; it replaces any value still waiting. */
  push(value: T): void;
  /** Counts a send made elsewhere (posting the message) toward the interval. */
  markSent(): void;
  /** Drops any waiting value, sends nothing more, and waits for a send in progress. */
  stop(): Promise<void>;
}

export interface LatestThrottleOptions<T> {
  intervalMs: number;
  send(value: T): Promise<void>;
  now?: () => number;
}

export function createLatestThrottle<T>(options: LatestThrottleOptions<T>): LatestThrottle<T> {
  const now = options.now ?? (() => Date.now());
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let pending: { value: T } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;
  let stopped = false;

  const fire = () => {
    timer = undefined;
    if (stopped || !pending) return;
    const { value } = pending;
    pending = undefined;
    lastSentAt = now();
    inFlight = options
      .send(value)
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
        schedule();
      });
  };

  function schedule(): void {
    if (stopped || timer || inFlight || !pending) return;
    // Even with no wait, a timer lets values pushed in the same tick collapse into one send.
    timer = setTimeout(fire, Math.max(0, lastSentAt + options.intervalMs - now()));
    // A progress update must never keep a stopping process alive.
    timer.unref?.();
  }

  return {
    push(value) {
      if (stopped) return;
      pending = { value };
      schedule();
    },
    markSent() {
      lastSentAt = now();
    },
    async stop() {
      stopped = true;
      pending = undefined;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
