// How a process lets go of what it holds: each resource registers how to release
// itself as it is acquired, and shutdown releases them in reverse order (the
// last opened closes first), each with its own deadline, keeping the first
// error but always going on to the next. Used by the controller, the worker
// runtime and the `npm start` supervisor.

export type Release = () => unknown;

export interface ReleaseFailure {
  name: string;
  error: unknown;
}

export interface ReleaseOptions {
  /** Longest one release may take before the next one starts; none when unset. */
  eachDeadlineMs?: number;
  /** Told of each release that failed or ran out of time, as it happens. */
  onFailure?: (failure: ReleaseFailure) => void;
}

export class Releasers {
  private readonly entries: { name: string; release: Release }[] = [];
  private releasing: Promise<ReleaseFailure | undefined> | undefined;

  /** Registers `release`; it runs before everything registered earlier. */
  add(name: string, release: Release): void {
    this.entries.push({ name, release });
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Runs every release once, newest first. Resolves with the first failure
   * (undefined when all succeeded); never rejects. Calling it again returns
   * the same promise.
   */
  releaseAll(options: ReleaseOptions = {}): Promise<ReleaseFailure | undefined> {
    this.releasing ??= (async () => {
      let first: ReleaseFailure | undefined;
      for (const { name, release } of this.entries.splice(0).reverse()) {
        try {
          await withDeadline(Promise.resolve().then(release), options.eachDeadlineMs, name);
        } catch (error) {
          const failure = { name, error };
          first ??= failure;
          options.onFailure?.(failure);
        }
      }
      return first;
    })();
    return this.releasing;
  }
}

async function withDeadline(work: Promise<unknown>, deadlineMs: number | undefined, name: string): Promise<unknown> {
  if (deadlineMs === undefined) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not release within ${deadlineMs} ms`)), deadlineMs);
    timer.unref?.();
  });
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
