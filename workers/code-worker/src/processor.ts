// The code queue's work: the Claude Code CLI, headless, in the job's folder
// (its workspace or CODE_WORKDIR, or with CODE_WORKTREES=true the thread's own
// git worktree there: folder-choice.ts), with the operator's permission mode,
// tool allowances and limits. The answer is Claude's final message; cost,
// turns, session, refused tool calls, and a worktree's branch and diffstat go
// with it as stats (the Slack reply shows them). Worktrees are cleaned at
// start, every hour (those unused for WORKTREE_DAYS) and on `/queue clean`.
import { serveWorktreeCleans, toCodedError, type Config, type Logger, type Releasers } from '@agentops/core';
import {
  createApprovalDesk,
  createClaudeProcessor,
  describePermissionMode,
  resolveWorkdir,
  type Processor,
} from '@agentops/worker-kit';
import { cleanWorktrees } from './clean.js';
import { createFolderChoice } from './folder-choice.js';
import { loadCodeFolders, type CodeFolders } from './workspaces.js';

/** How often worktrees unused for WORKTREE_DAYS are looked for. */
export const SWEEP_EVERY_MS = 3_600_000;

/** Added to Claude Code's own system prompt: nobody can answer questions, and the reply lands in a chat thread. */
export const CODE_SYSTEM_PROMPT = [
  'You are running unattended for a team that sent this task from a chat channel; nobody can answer questions while you work.',
  'Make reasonable assumptions, say which ones you made, and finish the task as far as your permissions allow.',
  'End with a short summary in Markdown: what you changed (files), what you ran and its result, and anything left to do.',
].join('\n');

/** The repositories worktrees are made of: the git workspaces and CODE_WORKDIR, each once. */
function repositoriesOf(folders: CodeFolders): string[] {
  const tops = [folders.workdir, ...folders.workspaces.values()].flatMap((folder) =>
    folder.git ? [folder.git.top] : [],
  );
  return [...new Set(tops)];
}

/** The sweep at start and every hour, and the answers to `/queue clean`, released at shutdown. */
function startCleaning(config: Config, logger: Logger, folders: CodeFolders, releasers: Releasers): void {
  const options = { dataDir: config.paths.dataDir, repositories: repositoriesOf(folders) };
  const sweep = async () => {
    const report = await cleanWorktrees({ ...options, olderThanMs: config.worktrees.days * 86_400_000 });
    if (report.removed.length + report.deleted.length + report.problems.length > 0)
      logger.info(
        { removed: report.removed, deleted: report.deleted, kept: report.kept, problems: report.problems },
        `[code-worker] Worktrees unused for ${config.worktrees.days} days: ${report.removed.length} removed, ${report.deleted.length} empty branches deleted, ${report.kept.length} branches with commits kept`,
      );
  };
  const sweepLogged = () =>
    sweep().catch((error: unknown) =>
      logger.warn({ err: toCodedError(error) }, '[code-worker] Cleaning old worktrees failed'),
    );
  const first = sweepLogged();
  const timer = setInterval(() => void sweepLogged(), SWEEP_EVERY_MS);
  timer.unref();
  const server = serveWorktreeCleans(
    config,
    async (request) => {
      const report = await cleanWorktrees(options);
      logger.info(
        {
          by: request.by,
          removed: report.removed,
          deleted: report.deleted,
          kept: report.kept,
          problems: report.problems,
        },
        `[code-worker] Clean asked by ${request.by}: ${report.removed.length} worktrees removed, ${report.kept.length} branches kept`,
      );
      return report;
    },
    (error) => logger.warn({ err: toCodedError(error) }, '[code-worker] Answering a clean request failed'),
  );
  releasers.add('worktree sweep', async () => {
    clearInterval(timer);
    await first;
  });
  releasers.add('clean requests', () => server.close());
}

/** Checks CODE_WORKDIR and CODE_WORKSPACES (a coded error stops the process) and builds the processor once, at start. */
export async function createCodeProcessor(config: Config, logger: Logger, releasers?: Releasers): Promise<Processor> {
  const claude = config.claude;
  const workdir = resolveWorkdir(claude.workdir);
  const folders = await loadCodeFolders(config, workdir);
  const mode = describePermissionMode(claude.permissionMode);
  const workspaces = [...folders.workspaces.values()].map((folder) => ({
    name: folder.name,
    path: folder.path,
    git: folder.git !== undefined,
  }));
  logger.info(
    {
      workdir,
      workdirGit: folders.workdir.git !== undefined,
      workspaces,
      worktrees: config.worktrees.enabled,
      permissionMode: claude.permissionMode,
      allowedTools: claude.allowedTools,
      maxTurns: claude.maxTurns,
      maxBudgetUsd: claude.maxBudgetUsd,
    },
    `[code-worker] Claude Code (${claude.bin}) works in ${workdir} with permission mode ${claude.permissionMode}: ${mode.description}`,
  );
  if (mode.broad) {
    logger.warn(
      { broadPermissionMode: claude.permissionMode },
      `[code-worker] CLAUDE_PERMISSION_MODE=${claude.permissionMode} is broader than acceptEdits: ${mode.description}. Use it only in a sandbox; acceptEdits is the safe default.`,
    );
  }
  if (config.worktrees.enabled) {
    const git = [folders.workdir, ...folders.workspaces.values()].filter((folder) => folder.git);
    if (git.length === 0)
      logger.warn(
        { worktrees: true },
        '[code-worker] CODE_WORKTREES=true, but neither CODE_WORKDIR nor any CODE_WORKSPACES folder is in a git repository: jobs run in the folders themselves',
      );
  } else if (config.workers.code.concurrency > 1) {
    logger.warn(
      { concurrency: config.workers.code.concurrency },
      "[code-worker] CODE_CONCURRENCY > 1 without CODE_WORKTREES=true: jobs on the same folder can change each other's files",
    );
  }
  // Also with CODE_WORKTREES=false: worktrees of an earlier setting still go after WORKTREE_DAYS or on clean.
  if (releasers) startCleaning(config, logger, folders, releasers);
  // Tool uses the permission mode leaves undecided are asked in the job's thread.
  const approvals = createApprovalDesk(config, logger);
  releasers?.add('approval desk', () => approvals.close());
  return createClaudeProcessor(config, logger, {
    cwd: createFolderChoice({
      folders,
      worktrees: config.worktrees.enabled,
      dataDir: config.paths.dataDir,
      logPrefix: '[code-worker]',
    }),
    logPrefix: '[code-worker]',
    permissionMode: claude.permissionMode,
    allowedTools: claude.allowedTools,
    appendSystemPrompt: CODE_SYSTEM_PROMPT,
    approvals,
  });
}
