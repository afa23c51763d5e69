// Finding the processes a Claude Code run started, from /proc snapshots.
import { describe, expect, it } from 'vitest';
import { descendantsOf, parseProcStat, survivors } from '@agentops/worker-kit';

describe('parseProcStat', () => {
  it('reads pid, parent and start time, even when the command name holds spaces and parentheses', () => {
    const line =
      '4242 (my (odd) cmd) S 4200 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000000 100 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 4200, startTime: 987654 });
  });

  it('ignores what is not a stat line', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('garbage')).toBeUndefined();
  });
});

describe('descendantsOf', () => {
  const table = [
    { pid: 1, ppid: 0, startTime: 1 },
    { pid: 10, ppid: 1, startTime: 5 },
    { pid: 11, ppid: 10, startTime: 6 },
    { pid: 12, ppid: 11, startTime: 7 },
    { pid: 13, ppid: 10, startTime: 8 },
    { pid: 20, ppid: 1, startTime: 9 },
  ];

  it('lists children before grandchildren, and nothing outside the tree', () => {
    expect(descendantsOf(10, table).map((entry) => entry.pid)).toEqual([11, 13, 12]);
    expect(descendantsOf(20, table)).toEqual([]);
  });

  it('keeps only the processes that still run as the same process', () => {
    const snapshot = descendantsOf(10, table);
    const later = [
      { pid: 11, ppid: 1, startTime: 6 }, // orphaned: same process
      { pid: 12, ppid: 1, startTime: 99 }, // pid reused by a new process
    ];
    expect(survivors(snapshot, later).map((entry) => entry.pid)).toEqual([11]);
  });
});
