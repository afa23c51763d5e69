// Identifier sources. Slack message timestamps double as message ids, so they
// must be unique and strictly increasing even when many are made in the same
// millisecond; ids are deterministic per simulator so failures are readable.
import { randomBytes } from 'node:crypto';

/** Hands out Slack-style `"<seconds>.<micros>"` timestamps, strictly increasing. */
export class TsClock {
  private seconds = Math.floor(Date.now() / 1000);
  private micros = 0;

  next(): string {
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (nowSeconds > this.seconds) {
      this.seconds = nowSeconds;
      this.micros = 0;
    }
    // Steps of 100 look like real Slack ts values ("...000100") and leave room.
    this.micros += 100;
    if (this.micros > 999_999) {
      this.seconds += 1;
      this.micros = 100;
    }
    return `${this.seconds}.${String(this.micros).padStart(6, '0')}`;
  }
}

/** Uppercase Slack-looking ids (F…, Ev…, R…) from per-prefix counters. */
export class IdSource {
  private readonly counters = new Map<string, number>();

  next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}0SIM${String(n).padStart(6, '0')}`;
  }

  /** A trigger_id in Slack's `<n>.<n>.<hex>` shape. */
  triggerId(): string {
    const n = (this.counters.get('trigger') ?? 0) + 1;
    this.counters.set('trigger', n);
    return `${1_000_000_000 + n}.${1_000_000 + n}.${randomBytes(16).toString('hex')}`;
  }

  /** An opaque single-use secret (socket tickets). */
  secret(): string {
    return randomBytes(12).toString('hex');
  }
}
