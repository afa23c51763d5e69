// Which worktrees a job runs in now, and when each was last used, so that
// clean (on request and after WORKTREE_DAYS) never removes a running job's
// folder and measures age from the last job, not the first. A marker file
// beside the worktree (`job-42.json`: never inside it, where it would show in
// git status and the diffstat) holds the pid of the process whose job runs
// there and the time of its last use. Another code worker on the same data
// folder sees the pid and leaves the worktree alone while that process lives.
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';

interface UseMarker {
  /** The process running a job there; absent when none does. */
  pid?: number;
  usedAt: number;
}

export const markerOf = (worktree: string): string => `${worktree}.json`;

/** This process's jobs per worktree (a follow-up and a retry never overlap, but count rather than assume). */
const runningHere = new Map<string, number>();

function write(worktree: string, marker: UseMarker): void {
  const file = markerOf(worktree);
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(marker));
  renameSync(partial, file);
}

function read(worktree: string): UseMarker | undefined {
  try {
    const value = JSON.parse(readFileSync(markerOf(worktree), 'utf8')) as Partial<UseMarker>;
    return typeof value.usedAt === 'number' ? (value as UseMarker) : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it lives, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Marks `worktree` in use by this process; the returned function ends that use (once). */
export function markInUse(worktree: string): () => void {
  runningHere.set(worktree, (runningHere.get(worktree) ?? 0) + 1);
  write(worktree, { pid: process.pid, usedAt: Date.now() });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (runningHere.get(worktree) ?? 1) - 1;
    if (left > 0) runningHere.set(worktree, left);
    else runningHere.delete(worktree);
    write(worktree, left > 0 ? { pid: process.pid, usedAt: Date.now() } : { usedAt: Date.now() });
  };
}

/** Whether a job of this process, or of another live process, runs in `worktree`. */
export function inUse(worktree: string): boolean {
  if (runningHere.has(worktree)) return true;
  const marker = read(worktree);
  return marker?.pid !== undefined && marker.pid !== process.pid && alive(marker.pid);
}

/** When a job last used `worktree` (the folder's time when it has no marker). */
export function lastUsed(worktree: string): number {
  const marker = read(worktree);
  if (marker) return marker.usedAt;
  try {
    return statSync(worktree).mtimeMs;
  } catch {
    return 0;
  }
}

export function forgetUse(worktree: string): void {
  rmSync(markerOf(worktree), { force: true });
}
