// One "something changed" signal for the whole simulator. Every waiter
// re-checks its own condition on each change, which keeps the wait helpers
// trivially correct (no per-event bookkeeping) at a cost that is irrelevant
// at test volumes.
import { EventEmitter } from 'node:events';

interface PendingWait {
  fail(error: Error): void;
}

export class Changes {
  private readonly emitter = new EventEmitter();
  private readonly pending = new Set<PendingWait>();

  constructor() {
    // Many concurrent waiters are normal in a test; they are not a leak.
    this.emitter.setMaxListeners(0);
  }

  notify(): void {
    this.emitter.emit('change');
  }

  /**
   * Resolves with the first non-undefined value `probe` returns, checking now
   * and after every change; rejects after `timeoutMs` naming `what`.
   */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const first = probe();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.emitter.off('change', onChange);
        this.pending.delete(entry);
      };
      const onChange = (): void => {
        const value = probe();
        if (value === undefined) return;
        finish();
        resolve(value);
      };
      const entry: PendingWait = {
        fail: (error) => {
          finish();
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        entry.fail(new Error(`slack-sim: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.emitter.on('change', onChange);
      this.pending.add(entry);
    });
  }

  /** Fails every outstanding wait; used on close so no test hangs on a dead simulator. */
  failAll(error: Error): void {
    for (const entry of [...this.pending]) entry.fail(error);
  }
}
