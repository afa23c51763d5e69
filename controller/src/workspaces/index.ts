// What the controller knows of workspaces: the configured names (it checks
// names only; the folders are the code worker's, which may run elsewhere),
// each channel's default, and how to ask the code workers to clean their
// worktrees (the controller runs no git: core/src/worktree-clean.ts).
import { requestWorktreeClean, type Config, type Redis, type WorktreeCleanOutcome } from '@agentops/core';
import { createChannelWorkspaces, type ChannelWorkspaces } from './channel-defaults.js';

export * from './answers.js';
export * from './channel-defaults.js';
export * from './choose.js';

/** How long `/queue clean` waits for the code workers' reports. */
export const CLEAN_WAIT_MS = 8_000;

export interface Workspaces {
  /** CODE_WORKSPACES names, as configured. */
  names: readonly string[];
  channels: ChannelWorkspaces;
  /** Asks every code worker to clean its worktrees; resolves with their reports (or that none listened). */
  clean(by: string): Promise<WorktreeCleanOutcome>;
}

export function createWorkspaces(config: Pick<Config, 'workspaces' | 'redis'>, redis: Redis): Workspaces {
  return {
    names: config.workspaces.map((entry) => entry.name),
    channels: createChannelWorkspaces(redis, config.redis.prefix),
    clean: (by) => requestWorktreeClean(redis, config.redis.prefix, by, CLEAN_WAIT_MS),
  };
}
