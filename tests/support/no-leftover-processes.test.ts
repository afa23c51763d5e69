// The leftover-process check sees a child a test started and did not stop,
// ignores what ran before the test, and is satisfied once the child is gone.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { leftovers, liveChildren } from './no-leftover-processes.js';

describe.runIf(process.platform === 'linux')('the leftover-process check', () => {
  it('reports a child still running, and nothing once it has exited', async () => {
    const before = liveChildren();
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const left = await leftovers(before);
      expect(left.map((entry) => entry.pid)).toEqual([child.pid]);
      expect(left[0]?.command).toBe('sleep 30');
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(await leftovers(before)).toEqual([]);
  });

  it('counts a restarted process (same command line as before the test) as the file’s', async () => {
    const first = spawn('sleep', ['31'], { stdio: 'ignore' });
    const before = liveChildren();
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const again = spawn('sleep', ['31'], { stdio: 'ignore' });
    try {
      expect(await leftovers(before)).toEqual([]);
    } finally {
      again.kill('SIGKILL');
      await new Promise((resolve) => again.once('exit', resolve));
    }
  });
});
