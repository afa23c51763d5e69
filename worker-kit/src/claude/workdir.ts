// The working folder Claude Code runs in, checked once at start so that a
// typo in CODE_WORKDIR stops the worker with a clear message instead of
// failing every job.
import { statSync } from 'node:fs';
import path from 'node:path';
import { AgentOpsError, ErrorCode } from '@agentops/core';

const FIX =
  'point CODE_WORKDIR at an existing folder that Claude Code may work in (e.g. CODE_WORKDIR=/home/me/projects/api)';

/** The absolute path of an existing folder; CONFIG_INVALID naming CODE_WORKDIR otherwise. */
export function resolveWorkdir(value: string | undefined, base = process.cwd()): string {
  if (value === undefined || value.trim() === '') {
    throw new AgentOpsError(
      ErrorCode.ConfigInvalid,
      `CODE_WORKDIR is not set: the code worker runs Claude Code in that folder. Fix: ${FIX}.`,
      {
        details: { variable: 'CODE_WORKDIR' },
      },
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
      `CODE_WORKDIR="${value}" ${problem} (${absolute}). Fix: create it, or ${FIX}.`,
      {
        details: { variable: 'CODE_WORKDIR', path: absolute },
      },
    );
  }
  return absolute;
}
