// A git worktree per code job (CODE_WORKTREES=true): the job's thread gets its
// own checkout of the repository on branch `agentops/job-<root id>`, created
// from the repository's current HEAD, in
// `<data folder>/worktrees/<workspace or default>/job-<root id>`. Jobs on one
// repository never see each other's files, and the person's own checkout is
// never touched. A follow-up of the thread gets the same path (so its Claude
// session can be resumed there); when the folder is gone but the branch is
// not, the worktree is made again from the branch.
//
// Where the branch started is kept in the repository's config
// (`branch.<name>.agentopsbase`): the diffstat and clean compare with it, and
// `git branch -D` removes it together with the branch.
//
// The diffstat counts everything the job left: commits since the start and
// changes not committed, untracked files included (not ignored ones). It is
// taken with a scratch index (GIT_INDEX_FILE, a copy of the worktree's index
// so unchanged files are not hashed again): `git add -A` into it, then
// `git diff --cached --stat <start>`. Staging in the worktree's own index, or
// `git add -N`, would change what the person finds there; the copy leaves the
// worktree exactly as Claude left it.
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AgentOpsError, ErrorCode } from '@agentops/core';
import { git, gitMaybe, withRepository } from './git.js';
import { markInUse } from './worktree-use.js';

/** The folder under the data folder that holds every worktree. */
export function worktreesRoot(dataDir: string): string {
  return path.join(dataDir, 'worktrees');
}

export const branchOf = (rootId: string): string => `agentops/job-${rootId}`;

/** `<data>/worktrees/<workspace or default>/job-<root id>`: the same for every job of a thread. */
export function worktreePath(dataDir: string, workspace: string | undefined, rootId: string): string {
  return path.join(worktreesRoot(dataDir), (workspace ?? 'default').toLowerCase(), `job-${rootId}`);
}

export const baseConfigKey = (branch: string): string => `branch.${branch}.agentopsbase`;

/** Where `branch` started: the recorded commit, else where it meets the repository's HEAD. */
export async function branchBase(repository: string, branch: string): Promise<string | undefined> {
  return (
    (await gitMaybe(repository, ['config', '--get', baseConfigKey(branch)])) ??
    (await gitMaybe(repository, ['merge-base', 'HEAD', branch]))
  );
}

export interface Worktree {
  path: string;
  branch: string;
  /** The commit the branch started from. */
  base: string;
  /** Whether this job made it (false: an earlier job of the thread did). */
  created: boolean;
  /** Marks the worktree no longer in use by this job; a second call does nothing. */
  release(): void;
}

async function isWorktreeAt(folder: string): Promise<boolean> {
  if (!existsSync(folder)) return false;
  const top = await gitMaybe(folder, ['rev-parse', '--show-toplevel']);
  return top !== undefined && path.resolve(top) === path.resolve(folder);
}

async function branchExists(repository: string, branch: string): Promise<boolean> {
  return (await gitMaybe(repository, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])) !== undefined;
}

/**
 * The thread's worktree of `repository` at `folder`, made if needed, and
 * marked in use (clean leaves it alone) until released.
 */
export function openWorktree(repository: string, folder: string, rootId: string): Promise<Worktree> {
  const branch = branchOf(rootId);
  return withRepository(repository, async () => {
    let created = false;
    if (!(await isWorktreeAt(folder))) {
      // A folder that is not a worktree (half made, or its repository moved) is ours to replace.
      rmSync(folder, { recursive: true, force: true });
      mkdirSync(path.dirname(folder), { recursive: true });
      // Forget worktrees whose folders are gone, or the branch counts as checked out there.
      await git(repository, ['worktree', 'prune']);
      if (await branchExists(repository, branch)) {
        await git(repository, ['worktree', 'add', folder, branch]);
      } else {
        const head = await gitMaybe(repository, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
        if (!head)
          throw new AgentOpsError(
            ErrorCode.ConfigInvalid,
            `The repository ${repository} has no commit yet, so there is nothing to make a worktree from. Fix: commit once in it, or set CODE_WORKTREES=false.`,
            { details: { repository } },
          );
        await git(repository, ['worktree', 'add', '-b', branch, folder, head]);
        await git(repository, ['config', baseConfigKey(branch), head]);
        created = true;
      }
    }
    const base = (await branchBase(repository, branch)) ?? (await git(folder, ['rev-parse', 'HEAD']));
    const release = markInUse(folder);
    return { path: folder, branch, base, created, release };
  });
}

/** Longest diffstat kept: files listed, and characters. */
const STAT_FILES = 40;
const STAT_CHARS = 3_000;

/** `git diff --stat` of the worktree against `base`, commits and uncommitted changes (untracked files too); '' for none. */
export async function worktreeDiffstat(folder: string, base: string): Promise<string> {
  const scratch = path.join(
    tmpdir(),
    `agentops-index-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  );
  try {
    const index = path.resolve(folder, await git(folder, ['rev-parse', '--git-path', 'index']));
    if (existsSync(index)) copyFileSync(index, scratch);
    const env = { GIT_INDEX_FILE: scratch };
    await git(folder, ['add', '-A'], { env });
    const stat = await git(folder, ['diff', '--cached', `--stat=100`, `--stat-count=${STAT_FILES}`, base], { env });
    return stat.length > STAT_CHARS ? `${stat.slice(0, STAT_CHARS)}\n…` : stat;
  } finally {
    rmSync(scratch, { force: true });
  }
}
