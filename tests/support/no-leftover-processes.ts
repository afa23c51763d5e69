// Fails a test that leaves a child process running: a process a test starts,
// the test stops. Processes a file starts in beforeAll (a shared controller or
// worker) are the file's: they must be gone once its afterAll hooks are done.
// Read from the process table (/proc), so it also catches children spawned
// through libraries; elsewhere than Linux it checks nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeEach, onTestFinished } from 'vitest';

/** How long a child may take to exit after the test's own cleanup asked it to. */
const EXIT_GRACE_MS = 3_000;

export interface Child {
  pid: number;
  command: string;
}

export function liveChildren(): Child[] {
  if (process.platform !== 'linux') return [];
  const children: Child[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, ppid, …
      const close = stat.lastIndexOf(')');
      const [state, ppid] = stat.slice(close + 2).split(' ');
      if (Number(ppid) !== process.pid || state === 'Z') continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      children.push({ pid: Number(entry), command });
    } catch {
      // Gone while we looked.
    }
  }
  return children;
}

/**
 * Children that were not running before: `known` pids, and the command lines of
 * `known` processes (a test that restarts the file's Redis gets a new pid with
 * the same command line; that process is still the file's).
 */
export async function leftovers(known: readonly Child[]): Promise<Child[]> {
  const pids = new Set(known.map((child) => child.pid));
  const commands = new Set(known.map((child) => child.command));
  const fresh = () => liveChildren().filter((child) => !pids.has(child.pid) && !commands.has(child.command));
  const deadline = Date.now() + EXIT_GRACE_MS;
  let left = fresh();
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(100);
    left = fresh();
  }
  return left;
}

function describeLeft(left: Child[]): string {
  return left.map((child) => `pid ${child.pid}: ${child.command.slice(0, 160)}`).join('; ');
}

// Vitest runs afterEach hooks first, then onTestFinished callbacks newest
// first: registered here, before the test body runs, this check comes after
// everything the test registered to release what it started (releaseAfter).
beforeEach(() => {
  const before = liveChildren();
  onTestFinished(async () => {
    const left = await leftovers(before);
    if (left.length > 0)
      throw new Error(`The test left ${left.length} child process(es) running: ${describeLeft(left)}`);
  });
});

// Registered first, so it runs after the file's own afterAll hooks.
afterAll(async () => {
  const left = await leftovers([]);
  if (left.length > 0)
    throw new Error(`The test file left ${left.length} child process(es) running: ${describeLeft(left)}`);
});
