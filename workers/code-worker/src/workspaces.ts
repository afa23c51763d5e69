// The folders code jobs may run in, checked once at start: CODE_WORKDIR and
// every CODE_WORKSPACES entry must exist and be a folder (a typo stops the
// worker with the entry named, instead of failing every job that picks it),
// and each is recorded as a git repository or not, since only a repository
// gets a worktree per job. A folder inside a repository (a package of a
// monorepo) counts as git: its worktree is the whole repository's, and the
// job runs in the same subfolder of it.
import { statSync } from 'node:fs';
import path from 'node:path';
import { AgentOpsError, ErrorCode, type Config } from '@agentops/core';
import { gitMaybe } from './git.js';

export interface CodeFolder {
  /** The CODE_WORKSPACES name; undefined for CODE_WORKDIR. */
  name?: string;
  /** The folder's absolute path. */
  path: string;
  /** When it is in a git repository: the repository's top folder and the folder's place in it ('' at the top). */
  git?: { top: string; sub: string };
}

export interface CodeFolders {
  /** CODE_WORKDIR. */
  workdir: CodeFolder;
  /** CODE_WORKSPACES, by lower-case name. */
  workspaces: Map<string, CodeFolder>;
}

function checkFolder(entry: { name: string; path: string }, base: string): string {
  const absolute = path.resolve(base, entry.path);
  let info: ReturnType<typeof statSync> | undefined;
  try {
    info = statSync(absolute);
  } catch {
    info = undefined;
  }
  if (!info?.isDirectory()) {
    const problem = info ? 'is not a folder' : 'does not exist';
    throw new AgentOpsError(
      ErrorCode.ConfigInvalid,
      `CODE_WORKSPACES entry "${entry.name}=${entry.path}" ${problem} (${absolute}). Fix: create the folder, correct the path, or remove the entry from CODE_WORKSPACES.`,
      { details: { variable: 'CODE_WORKSPACES', name: entry.name, path: absolute } },
    );
  }
  return absolute;
}

/** The git repository `folder` is in, if any (git missing counts as none). */
export async function gitPlace(folder: string): Promise<CodeFolder['git']> {
  const top = await gitMaybe(folder, ['rev-parse', '--show-toplevel']);
  if (!top) return undefined;
  const sub = path.relative(top, folder);
  // A symlinked path makes `relative` climb out; then the folder is the repository's top as git sees it.
  return { top, sub: sub.startsWith('..') ? '' : sub };
}

/** Checks CODE_WORKSPACES (CODE_WORKDIR is already resolved) and finds which folders are repositories. */
export async function loadCodeFolders(config: Config, workdir: string, base = process.cwd()): Promise<CodeFolders> {
  const checked = config.workspaces.map((entry) => ({ name: entry.name, path: checkFolder(entry, base) }));
  const [workdirGit, ...workspaceGit] = await Promise.all([
    gitPlace(workdir),
    ...checked.map((entry) => gitPlace(entry.path)),
  ]);
  const workspaces = new Map<string, CodeFolder>();
  checked.forEach((entry, index) => {
    const git = workspaceGit[index];
    workspaces.set(entry.name.toLowerCase(), { name: entry.name, path: entry.path, ...(git ? { git } : {}) });
  });
  return { workdir: { path: workdir, ...(workdirGit ? { git: workdirGit } : {}) }, workspaces };
}
