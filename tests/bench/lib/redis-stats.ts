// Redis work measured inside Redis: `INFO commandstats` counts every command,
// including those a Lua script (BullMQ's EVALSHA) runs, so a delta between two
// readings is the total work done in between. The benchmark's own INFO calls
// are left out of the totals.
import type { Redis } from 'ioredis';

export type CommandCounts = Map<string, number>;

export async function commandStats(redis: Redis): Promise<CommandCounts> {
  const text = await redis.info('commandstats');
  const counts: CommandCounts = new Map();
  for (const line of text.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match?.[1] && match[2]) counts.set(match[1], Number(match[2]));
  }
  return counts;
}

export interface CommandDelta {
  total: number;
  byCommand: Record<string, number>;
}

const OWN_COMMANDS = new Set(['info']);

export function commandDelta(before: CommandCounts, after: CommandCounts): CommandDelta {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [command, calls] of after) {
    if (OWN_COMMANDS.has(command)) continue;
    const delta = calls - (before.get(command) ?? 0);
    if (delta <= 0) continue;
    byCommand[command] = delta;
    total += delta;
  }
  return { total, byCommand };
}

/** The `n` busiest commands of a delta, scaled by `per` (e.g. per job or per second). */
export function topCommands(delta: CommandDelta, per: number, n = 8): Record<string, number> {
  return Object.fromEntries(
    Object.entries(delta.byCommand)
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([command, calls]) => [command, Math.round((calls / per) * 100) / 100]),
  );
}
