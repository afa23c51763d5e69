// A job's time limit that can stop counting: while a run waits for a person
// (a tool approval in the thread), the wait is not the job's time. Pauses
// nest (two questions at once count as one pause); the limit fires once.
export interface JobClock {
  /** Stops counting until the matching resume(). */
  pause(): void;
  resume(): void;
  /** Ends the clock for good (the job is over). */
  stop(): void;
}

export function startJobClock(limitMs: number, onExpired: () => void): JobClock {
  let leftMs = limitMs;
  let since = Date.now();
  let pauses = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined = setTimeout(onExpired, leftMs);
  return {
    pause() {
      if (stopped || pauses++ > 0) return;
      clearTimeout(timer);
      timer = undefined;
      leftMs -= Date.now() - since;
    },
    resume() {
      if (stopped || pauses === 0 || --pauses > 0) return;
      since = Date.now();
      timer = setTimeout(onExpired, Math.max(0, leftMs));
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
