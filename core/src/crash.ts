// Crash points: named places in the intake and the delivery loop where the
// process kills itself (SIGKILL, no cleanup) when AGENTOPS_CRASH_AT names them.
// The crash tests use them to stop a real controller at an exact step and
// prove that a restart loses nothing and repeats nothing. Unset, they cost a
// set lookup.
import type { CrashPoint } from './config.js';

export type CrashHook = (point: CrashPoint) => void;

export function createCrashHook(points: readonly CrashPoint[]): CrashHook {
  if (points.length === 0) return () => undefined;
  const armed = new Set(points);
  return (point) => {
    if (armed.has(point)) process.kill(process.pid, 'SIGKILL');
  };
}
