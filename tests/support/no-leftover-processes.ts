// Fails a test file that leaves a child process running once its own afterAll
// hooks are done: every process a file starts, it stops. The check runs after
// the file, not after each test, because suites share a controller or a worker
// between tests on purpose. Read from the process table (/proc), so it also
// catches children spawned through libraries; elsewhere than Linux it checks
// nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll } from 'vitest';

/** How long a child may take to exit after the test's own cleanup asked it to. */
const EXIT_GRACE_MS = 3_000;

interface Child {
  pid: number;
  command: string;
}

function liveChildren(): Child[] {
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

async function leftovers(known: ReadonlySet<number>): Promise<Child[]> {
  const deadline = Date.now() + EXIT_GRACE_MS;
  let left = liveChildren().filter((child) => !known.has(child.pid));
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(100);
    left = liveChildren().filter((child) => !known.has(child.pid));
  }
  return left;
}

function describeLeft(left: Child[]): string {
  return left.map((child) => `pid ${child.pid}: ${child.command.slice(0, 160)}`).join('; ');
}

// Registered first, so it runs after the file's own afterAll hooks.
afterAll(async () => {
  const left = await leftovers(new Set());
  if (left.length > 0)
    throw new Error(`The test file left ${left.length} child process(es) running: ${describeLeft(left)}`);
});
