// Claude Code children outlive a worker that dies by SIGKILL (or a power-cut of
// the process): nothing in the dead worker can end them. So each worker writes
// down its running children (pid and start time) in a file of its own, and a
// worker starting up ends the children of owners that are no longer alive.
// The start time guards against a pid that was reused by an unrelated process.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseProcStat } from './process-table.js';

interface ChildRecord {
  pid: number;
  startTime: number;
}

interface OwnerRecord {
  ownerPid: number;
  ownerStartTime: number;
  children: ChildRecord[];
}

function startTimeOf(pid: number): number | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.startTime;
  } catch {
    return undefined;
  }
}

/** Keeps this process's file in step with its running children. Linux only (elsewhere a no-op). */
export class ChildRegistry {
  private readonly children = new Map<number, ChildRecord>();
  private readonly file: string;
  private readonly ownerStartTime: number | undefined;

  /** `dir`: config.paths.runDir (AGENTOPS_RUN_DIR). */
  constructor(private readonly dir: string) {
    this.file = path.join(dir, `claude-children-${process.pid}.json`);
    this.ownerStartTime = process.platform === 'linux' ? startTimeOf(process.pid) : undefined;
  }

  add(pid: number): void {
    const startTime = startTimeOf(pid);
    if (startTime === undefined || this.ownerStartTime === undefined) return;
    this.children.set(pid, { pid, startTime });
    this.write();
  }

  remove(pid: number): void {
    if (!this.children.delete(pid)) return;
    this.write();
  }

  private write(): void {
    try {
      if (this.children.size === 0) {
        rmSync(this.file, { force: true });
        return;
      }
      mkdirSync(this.dir, { recursive: true });
      const record: OwnerRecord = {
        ownerPid: process.pid,
        ownerStartTime: this.ownerStartTime ?? 0,
        children: [...this.children.values()],
      };
      writeFileSync(this.file, JSON.stringify(record));
    } catch {
      // Best effort: without the file a crash could orphan a child, nothing worse.
    }
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Gone already.
  }
}

/**
 * Ends the Claude process groups left by workers that died without cleaning up.
 * Returns the pids it ended. SIGTERM first (the CLI then ends its tools'
 * commands), SIGKILL after `graceMs`.
 */
export async function reapOrphanedChildren(dir: string, graceMs = 3_000): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => /^claude-children-\d+\.json$/.test(name));
  } catch {
    return [];
  }
  const orphans: number[] = [];
  for (const name of files) {
    const file = path.join(dir, name);
    let record: OwnerRecord;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as OwnerRecord;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    const ownerAlive = startTimeOf(record.ownerPid) === record.ownerStartTime;
    if (ownerAlive) continue;
    for (const child of record.children) {
      if (startTimeOf(child.pid) === child.startTime) orphans.push(child.pid);
    }
    rmSync(file, { force: true });
  }
  if (orphans.length === 0) return [];
  for (const pid of orphans) signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && orphans.some(groupAlive)) await sleep(100);
  for (const pid of orphans) if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
  return orphans;
}

/** Reaps at worker start and says so; a no-op when nothing was left behind. */
export async function reapOrphansAtStart(
  logger: { warn(fields: { reapedPids: number[] }, message: string): void },
  prefix: string,
  dir: string,
): Promise<void> {
  const ended = await reapOrphanedChildren(dir);
  if (ended.length > 0) {
    logger.warn(
      { reapedPids: ended },
      `${prefix} Ended ${ended.length} Claude Code process group(s) left running by a worker that died (pid ${ended.join(', ')})`,
    );
  }
}
