// The code worker's one way to run git: `git -C <folder> <args…>` through execa
// with an argument array (no shell, so nothing in a branch or path name is
// ever interpreted), in an environment without the variables that would point
// git at another repository (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE set by a
// hook or a parent shell), never prompting, with English messages.
//
// Changes to one repository's worktree metadata are serialised: git locks
// `.git/worktrees`, `.git/config` and refs while it changes them, and a second
// `git worktree add` at the same moment fails with "could not lock" instead of
// waiting. In this process `withRepository` runs them one at a time; against
// another process (a second code worker on the same workspace) a lock failure
// is retried a few times.
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { AgentOpsError, ErrorCode } from '@agentops/core';

const SCRUBBED = new Set(['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY']);
const LOCKED = /could not lock|Unable to create '[^']*\.lock'|cannot lock ref|File exists/i;
const LOCK_RETRIES = 8;

function gitEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !SCRUBBED.has(key)) env[key] = value;
  return { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...extra };
}

export interface GitOptions {
  /** Extra environment, e.g. GIT_INDEX_FILE for a scratch index. */
  env?: Record<string, string>;
}

/** Runs git in `folder`; resolves with its standard output, trimmed at the end. */
export async function git(folder: string, args: readonly string[], options: GitOptions = {}): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const result = await execa('git', ['-C', folder, ...args], {
      env: gitEnv(options.env ?? {}),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    });
    if (result.exitCode === 0) return result.stdout.trimEnd();
    const stderr = String(result.stderr ?? '').trim();
    if (attempt < LOCK_RETRIES && LOCKED.test(stderr)) {
      await sleep(50 * attempt + Math.floor(Math.random() * 50));
      continue;
    }
    const missing = (result as { code?: string }).code === 'ENOENT';
    throw new AgentOpsError(
      ErrorCode.Internal,
      missing
        ? 'git is not installed or not on PATH: install git, or set CODE_WORKTREES=false'
        : `git ${args.join(' ')} failed in ${folder}: ${stderr || `exit code ${result.exitCode}`}`,
      { details: { folder, args: [...args], exitCode: result.exitCode } },
    );
  }
}

/** Like git(), but undefined instead of an error (for questions such as "is this a repository?"). */
export async function gitMaybe(folder: string, args: readonly string[]): Promise<string | undefined> {
  try {
    return await git(folder, args);
  } catch {
    return undefined;
  }
}

const queues = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier `withRepository` of the same repository (its top folder) has ended. */
export function withRepository<T>(repository: string, work: () => Promise<T>): Promise<T> {
  const before = queues.get(repository) ?? Promise.resolve();
  const run = before.then(work, work);
  const settled = run.catch(() => undefined);
  queues.set(repository, settled);
  void settled.then(() => {
    if (queues.get(repository) === settled) queues.delete(repository);
  });
  return run;
}
