// Ending a Claude Code child and everything it started.
//
// POSIX: the CLI runs detached, so it leads a process group of its own.
// SIGTERM goes to the group first: the CLI handles it by ending its tools'
// commands (which live in sessions of their own) and exits 143 within about
// 1.5 s. Only if the group is still there after the grace period does SIGKILL
// follow, to the group and to every descendant noted while the CLI still
// lived (SIGKILL first would orphan those commands).
//
// Windows has no process groups to signal: `taskkill /T /F /PID <pid>` ends
// the process tree at once (without /F console programs ignore the request).
// That path is not exercised by the tests, which run on Linux.
import { readdir, readFile } from 'node:fs/promises';
import { execa, execaSync } from 'execa';
import { ChildRegistry } from './orphans.js';
import { descendantsOf, parseProcStat, survivors, type ProcessEntry } from './process-table.js';

const isWindows = process.platform === 'win32';

/** Sends `signal` to a process group (0: only checks it exists); false when there is no such group any more. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // ESRCH: no such group. EPERM: it exists but holds a process we may not signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone (or never ours): nothing to end.
  }
}

/** The process table on Linux; empty elsewhere (macOS has no /proc), where only the group is signalled. */
async function readProcessTable(): Promise<ProcessEntry[]> {
  if (process.platform !== 'linux') return [];
  const names = await readdir('/proc').catch(() => [] as string[]);
  const entries = await Promise.all(
    names
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        const text = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
        return text === undefined ? undefined : parseProcStat(text);
      }),
  );
  return entries.filter((entry): entry is ProcessEntry => entry !== undefined);
}

function waitUpTo(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

export interface EndTreeOptions {
  /** How long SIGTERM gets before SIGKILL. */
  graceMs: number;
}

/**
 * Ends the detached child `pid` (resolving `exited` when it is gone) and its
 * whole tree. Returns how it ended: 'terminated' (SIGTERM sufficed) or 'killed'.
 */
export async function endProcessTree(
  pid: number,
  exited: Promise<unknown>,
  options: EndTreeOptions,
): Promise<'terminated' | 'killed'> {
  if (isWindows) {
    await execa('taskkill', ['/T', '/F', '/PID', String(pid)], { reject: false, windowsHide: true });
    await waitUpTo(exited, options.graceMs);
    return 'killed';
  }
  const snapshot = descendantsOf(pid, await readProcessTable());
  signalGroup(pid, 'SIGTERM');
  const cliGone = await waitUpTo(exited, options.graceMs);
  const left = survivors(snapshot, await readProcessTable());
  const groupLeft = signalGroup(pid, 0);
  if (cliGone && left.length === 0 && !groupLeft) return 'terminated';
  signalGroup(pid, 'SIGKILL');
  for (const entry of left) {
    // A tool's command leads its own session/group: end that group, then the process itself.
    signalGroup(entry.pid, 'SIGKILL');
    signalProcess(entry.pid, 'SIGKILL');
  }
  await waitUpTo(exited, options.graceMs);
  return 'killed';
}

/** After a normal exit: a command a tool left running in the CLI's group has no one to wait for it. */
export function endLeftovers(pgid: number): boolean {
  if (isWindows) return false;
  return signalGroup(pgid, 'SIGTERM');
}

// Children still running when this process exits (a crash, process.exit)
// would run on unsupervised: end them on the way out. Synchronous, as 'exit'
// handlers must be.
const running = new Set<number>();
let exitHookInstalled = false;

function endAllOnExit(): void {
  for (const pid of running) {
    if (isWindows) execaSync('taskkill', ['/T', '/F', '/PID', String(pid)], { reject: false, windowsHide: true });
    else {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // Gone already.
      }
    }
  }
}

/** One registry per process, in the folder the first tracked child named. */
let registry: ChildRegistry | undefined;

/**
 * Remembers a running child until `forget` is called: in memory, to end it if
 * this process exits, and on disk, so the next worker ends it if this one is killed.
 */
export function trackChild(pid: number, runDir: string): () => void {
  if (!exitHookInstalled) {
    process.once('exit', endAllOnExit);
    exitHookInstalled = true;
  }
  registry ??= new ChildRegistry(runDir);
  running.add(pid);
  registry.add(pid);
  return () => {
    registry?.remove(pid);
    return running.delete(pid);
  };
}
