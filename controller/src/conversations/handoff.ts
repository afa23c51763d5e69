// The command that continues a job's Claude session in a terminal: the folder
// it ran in and its session id. Pure. The folder is quoted for the shell the
// person is likely to paste it into (POSIX shells, or cmd/PowerShell for a
// Windows path); the session id is checked, so nothing else can ride along.
import type { JobStats } from '@agentops/core';

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9-]{7,79}$/;
const WINDOWS_PATH = /^[A-Za-z]:[\\/]|^\\\\/;

function quoteFolder(folder: string): string {
  if (WINDOWS_PATH.test(folder)) return `"${folder.replace(/"/g, '')}"`;
  return /^[A-Za-z0-9_./-]+$/.test(folder) ? folder : `'${folder.replace(/'/g, `'\\''`)}'`;
}

/** `cd <folder> && claude --resume <id>`, or undefined when the job left no session to resume. */
export function handoffCommand(stats: Pick<JobStats, 'sessionId' | 'workdir'> | undefined): string | undefined {
  if (!stats?.sessionId || !stats.workdir || !SESSION_ID.test(stats.sessionId)) return undefined;
  return `cd ${quoteFolder(stats.workdir)} && claude --resume ${stats.sessionId}`;
}

/** Why there is nothing to hand over. */
export function noHandoff(id: string): string {
  return `Job #${id} left no Claude session to continue: only finished code and research jobs that ran Claude Code have one.`;
}
