// Which folder a code job runs in: its workspace (CODE_WORKSPACES, named by
// the job) or CODE_WORKDIR; with CODE_WORKTREES=true and a git repository
// there, the thread's own worktree instead, whose branch and diffstat the
// answer shows. Every job of a thread gets the same folder, so a follow-up
// resumes the session of the job before it.
import { AgentOpsError, conversationRoot, ErrorCode, type JobData, type Logger } from '@agentops/core';
import type { ClaudeFolder, FolderChoice } from '@agentops/worker-kit';
import path from 'node:path';
import type { CodeFolder, CodeFolders } from './workspaces.js';
import { openWorktree, worktreeDiffstat, worktreePath } from './worktrees.js';

export interface FolderChoiceOptions {
  folders: CodeFolders;
  worktrees: boolean;
  dataDir: string;
  logPrefix: string;
}

/** The job's workspace, or CODE_WORKDIR; a name this worker does not know fails the job, saying what to fix. */
export function folderOf(folders: CodeFolders, data: Pick<JobData, 'id' | 'workspace'>): CodeFolder {
  if (data.workspace === undefined) return folders.workdir;
  const folder = folders.workspaces.get(data.workspace.toLowerCase());
  if (folder) return folder;
  const known = [...folders.workspaces.values()].map((entry) => entry.name).join(', ');
  throw new AgentOpsError(
    ErrorCode.ConfigInvalid,
    `Job ${data.id} asks for workspace "${data.workspace}", which this code worker's CODE_WORKSPACES does not name (${known || 'none configured'}). Fix: give the code worker the same CODE_WORKSPACES as the controller, and restart it.`,
    { details: { workspace: data.workspace } },
  );
}

export function createFolderChoice(options: FolderChoiceOptions): FolderChoice {
  const { folders, logPrefix } = options;
  return async ({ data, logger }): Promise<ClaudeFolder> => {
    const folder = folderOf(folders, data);
    const log = (fields: Record<string, unknown>, line: string) =>
      (logger as Logger).info({ workspace: folder.name ?? null, ...fields }, `${logPrefix} Job ${data.id} ${line}`);
    if (!options.worktrees || !folder.git) {
      log({ workdir: folder.path }, `runs in ${folder.name ? `workspace ${folder.name}` : 'CODE_WORKDIR'}`);
      return { path: folder.path, kept: true, remove: () => undefined };
    }
    const root = conversationRoot(data);
    const worktree = await openWorktree(folder.git.top, worktreePath(options.dataDir, folder.name, root), root);
    const cwd = path.join(worktree.path, folder.git.sub);
    log(
      { workdir: cwd, branch: worktree.branch, base: worktree.base, worktreeCreated: worktree.created },
      `runs in worktree ${worktree.path} on branch ${worktree.branch}`,
    );
    return {
      path: cwd,
      kept: true,
      remove: worktree.release,
      describe: async () => ({
        branch: worktree.branch,
        diffstat: await worktreeDiffstat(worktree.path, worktree.base),
      }),
    };
  };
}
