// The working folder Claude Code runs in, checked once at start so that a
// typo in CODE_WORKDIR (or RESEARCH_WORKDIR) stops the worker with a clear
// message instead of failing every job.
import { statSync } from 'node:fs';
import path from 'node:path';
import { AgentOpsError, ErrorCode } from '@agentops/core';

/** The variables that name a working folder, with how to fix each. */
export const WORKDIR_FIXES = {
  CODE_WORKDIR:
    'point CODE_WORKDIR at an existing folder that Claude Code may work in (e.g. CODE_WORKDIR=/home/me/projects/api)',
  RESEARCH_WORKDIR:
    'point RESEARCH_WORKDIR at an existing folder research jobs may read, or unset it for a fresh empty folder per job',
} as const;
export type WorkdirVariable = keyof typeof WORKDIR_FIXES;

/** The absolute path of an existing folder; CONFIG_INVALID naming the variable (CODE_WORKDIR by default) otherwise. */
export function resolveWorkdir(
  value: string | undefined,
  base = process.cwd(),
  variable: WorkdirVariable = 'CODE_WORKDIR',
): string {
  const fix = WORKDIR_FIXES[variable];
  if (value === undefined || value.trim() === '') {
    throw new AgentOpsError(
      ErrorCode.ConfigInvalid,
      `${variable} is not set: the ${variable === 'CODE_WORKDIR' ? 'code' : 'research'} worker runs Claude Code in that folder. Fix: ${fix}.`,
      { details: { variable } },
    );
  }
  const absolute = path.resolve(base, value);
  const info = (() => {
    try {
      return statSync(absolute);
    } catch {
      return undefined;
    }
  })();
  if (!info?.isDirectory()) {
    const problem = info ? 'is not a folder' : 'does not exist';
    throw new AgentOpsError(
      ErrorCode.ConfigInvalid,
      `${variable}="${value}" ${problem} (${absolute}). Fix: create it, or ${fix}.`,
      { details: { variable, path: absolute } },
    );
  }
  return absolute;
}
