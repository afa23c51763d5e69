// Which processes descend from a given one, from a snapshot of the process
// table (Linux /proc/<pid>/stat). Pure.
//
// Why: Claude Code's Bash tool starts each command in a session of its own,
// so a signal to the CLI's process group does not reach it. On SIGTERM the
// CLI ends those commands itself; if it has to be SIGKILLed, they would be
// orphaned. A snapshot taken while the CLI still lives names them, and the
// start time tells a survivor from a new process that reused its pid.

export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** Clock ticks since boot when the process started (field 22 of /proc/<pid>/stat). */
  startTime: number;
}

/**
 * Reads one /proc/<pid>/stat line: `pid (comm) state ppid ... starttime ...`.
 * The command name may hold spaces and parentheses, so fields are counted from
 * the last ")".
 */
export function parseProcStat(text: string): ProcessEntry | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // After ")": state(3) ppid(4) pgrp(5) ... starttime(22): index 0 is field 3.
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const ppid = Number(fields[1]);
  const startTime = Number(fields[19]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isFinite(startTime)) return undefined;
  return { pid, ppid, startTime };
}

/** Every process below `root`, children before grandchildren. */
export function descendantsOf(root: number, table: readonly ProcessEntry[]): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>();
  for (const entry of table) {
    const siblings = children.get(entry.ppid);
    if (siblings) siblings.push(entry);
    else children.set(entry.ppid, [entry]);
  }
  const found: ProcessEntry[] = [];
  const seen = new Set<number>([root]);
  const queue = [root];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** The snapshot's processes that still run as the same process (same pid and start time). */
export function survivors(snapshot: readonly ProcessEntry[], now: readonly ProcessEntry[]): ProcessEntry[] {
  const current = new Map(now.map((entry) => [entry.pid, entry.startTime]));
  return snapshot.filter((entry) => current.get(entry.pid) === entry.startTime);
}
