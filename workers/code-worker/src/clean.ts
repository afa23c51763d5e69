// Removing the worktrees of jobs that are over: every one on `/queue clean`
// (`agentops clean`), and those unused for WORKTREE_DAYS by the sweep at start
// and every hour. A worktree a job runs in is never touched.
//
// Nothing a job did is lost: changes left uncommitted in a worktree are first
// committed on its branch ("saved by clean"), then the folder goes. A branch
// with commits beyond where its job started is kept and listed; one without
// is deleted, since it holds nothing its start commit does not.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { toCodedError, type KeptBranch, type WorktreeCleanReport } from '@agentops/core';
import { git, gitMaybe, withRepository } from './git.js';
import { branchBase, worktreesRoot } from './worktrees.js';
import { forgetUse, inUse, lastUsed } from './worktree-use.js';

export interface CleanOptions {
  dataDir: string;
  /** Repositories whose `agentops/` branches are looked at (the git workspaces and CODE_WORKDIR). */
  repositories: readonly string[];
  /** Only worktrees unused this long; absent: every one no job runs in. */
  olderThanMs?: number;
  now?: number;
}

const COMMITTER = ['-c', 'user.name=AgentOps', '-c', 'user.email=agentops@localhost', '-c', 'commit.gpgsign=false'];

function subfolders(folder: string): string[] {
  try {
    return readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(folder, entry.name));
  } catch {
    return [];
  }
}

/** The job worktree folders under the data folder: `<root>/<workspace>/job-<id>`. */
export function jobWorktrees(dataDir: string): string[] {
  return subfolders(worktreesRoot(dataDir)).flatMap((workspace) =>
    subfolders(workspace).filter((folder) => /^job-\d+$/.test(path.basename(folder))),
  );
}

/** The repository's main folder, from one of its worktrees; undefined when `folder` is no worktree. */
async function mainFolderOf(folder: string): Promise<string | undefined> {
  const list = await gitMaybe(folder, ['worktree', 'list', '--porcelain']);
  const first = list?.split('\n').find((line) => line.startsWith('worktree '));
  return first?.slice('worktree '.length);
}

/** Commits what the job left uncommitted, so removing the folder loses nothing. */
async function saveUncommitted(folder: string): Promise<void> {
  const status = await git(folder, ['status', '--porcelain']);
  if (status === '') return;
  await git(folder, ['add', '-A']);
  await git(folder, [
    ...COMMITTER,
    'commit',
    '--no-verify',
    '--quiet',
    '-m',
    `AgentOps: changes left uncommitted in ${path.basename(folder)}, saved by clean`,
  ]);
}

/** Deletes the repository's `agentops/` branches that no worktree has checked out and that hold no commits of their own. */
async function tidyBranches(repository: string, report: WorktreeCleanReport): Promise<void> {
  await git(repository, ['worktree', 'prune']);
  const list = await git(repository, ['worktree', 'list', '--porcelain']);
  const checkedOut = new Set(
    list
      .split('\n')
      .filter((line) => line.startsWith('branch refs/heads/'))
      .map((line) => line.slice('branch refs/heads/'.length)),
  );
  const branches = (await git(repository, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/agentops/']))
    .split('\n')
    .filter((name) => name !== '' && !checkedOut.has(name));
  for (const branch of branches) {
    const base = (await branchBase(repository, branch)) ?? 'HEAD';
    const commits = Number(await git(repository, ['rev-list', '--count', `${base}..${branch}`]));
    if (commits === 0) {
      await git(repository, ['branch', '-D', branch]);
      report.deleted.push(branch);
    } else {
      const kept: KeptBranch = { branch, repo: repository, commits };
      report.kept.push(kept);
    }
  }
}

export async function cleanWorktrees(options: CleanOptions): Promise<WorktreeCleanReport> {
  const now = options.now ?? Date.now();
  const report: WorktreeCleanReport = {
    worker: `${hostname()}:${process.pid}`,
    removed: [],
    running: [],
    deleted: [],
    kept: [],
    problems: [],
  };
  const repositories = new Set(options.repositories);
  for (const folder of jobWorktrees(options.dataDir)) {
    if (inUse(folder)) {
      report.running.push(folder);
      continue;
    }
    if (options.olderThanMs !== undefined && now - lastUsed(folder) < options.olderThanMs) continue;
    try {
      const main = await mainFolderOf(folder);
      if (!main) {
        // Not (or no longer) a worktree: only a folder of ours.
        rmSync(folder, { recursive: true, force: true });
        forgetUse(folder);
        report.removed.push(folder);
        continue;
      }
      repositories.add(main);
      await withRepository(main, async () => {
        // A follow-up may have opened it while we looked.
        if (inUse(folder)) {
          report.running.push(folder);
          return;
        }
        await saveUncommitted(folder);
        await git(main, ['worktree', 'remove', '--force', folder]);
        forgetUse(folder);
        report.removed.push(folder);
      });
    } catch (error) {
      report.problems.push(`${folder}: ${toCodedError(error).message}`);
    }
  }
  for (const repository of repositories) {
    try {
      if (!statSync(repository).isDirectory()) continue;
      await withRepository(repository, () => tidyBranches(repository, report));
    } catch (error) {
      report.problems.push(`${repository}: ${toCodedError(error).message}`);
    }
  }
  return report;
}
