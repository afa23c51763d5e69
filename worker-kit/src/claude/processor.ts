// A job processor that runs Claude Code, for the workers that use it: each says
// only what differs (folder, tools, permission mode, prompt); the binary, the
// limits, the model and the secrets to hide come from the configuration. The
// folder is one for every job (CODE_WORKDIR) or one the worker chooses per
// job (a workspace, a worktree, a job thread's folder).
//
// A follow-up continues its thread: the latest earlier turn of the same queue
// that left a Claude session in the folder this run works in is resumed
// (`--resume`), so Claude has the whole conversation. When there is none (the
// thread changed queue, the folder is gone), the earlier answers go into the
// prompt instead (continuation.ts).
import type { Config, JobStats, Logger } from '@agentops/core';
import type { ApprovalDesk } from '../approvals/desk.js';
import type { Processor, ProcessorContext } from '../runtime/runtime.js';
import type { ClaudeFlags } from './args.js';
import { continuationPrompt, pickResume } from './continuation.js';
import { DEFAULT_LIMIT_WAITS } from './limits.js';
import { reapOrphansAtStart } from './orphans.js';
import { runClaude } from './run.js';
import type { WorkdirVariable } from './workdir.js';

export type ClaudeJobFlags = Pick<
  ClaudeFlags,
  | 'permissionMode'
  | 'allowedTools'
  | 'disallowedTools'
  | 'tools'
  | 'appendSystemPrompt'
  | 'restricted'
  | 'strictMcpConfig'
  | 'noSessionPersistence'
>;

/** The folder a job runs in, chosen by the worker. */
export interface ClaudeFolder {
  /** The folder's absolute path. */
  readonly path: string;
  /** Called once the run is over (a folder made for the job is removed). */
  remove(): void;
  /** The folder outlives the job (a workspace, a worktree, a conversation's folder): a session there can be resumed. */
  kept: boolean;
  /** What the answer should say about the folder once the run is over (a worktree's branch and diffstat). */
  describe?(): Promise<Partial<JobStats>>;
}

export type FolderChoice = (context: ProcessorContext) => Promise<ClaudeFolder>;

/** Plan mode changes nothing and dontAsk refuses by definition: neither asks anyone. */
const asksPeople = (mode: ClaudeFlags['permissionMode']) => mode !== 'plan' && mode !== 'dontAsk';

export interface ClaudeProcessorOptions extends ClaudeJobFlags {
  /** The folder Claude works in (already checked), or the worker's choice per job. */
  cwd: string | FolderChoice;
  /** The variable that named `cwd`, for messages when it disappears; default CODE_WORKDIR. */
  workdirVariable?: WorkdirVariable;
  /** e.g. "[code-worker]". */
  logPrefix: string;
  /** Asks in the job's thread about tool uses the permission mode leaves undecided; without it they are denied. */
  approvals?: ApprovalDesk;
}

/**
 * Builds the processor once, at worker start. Claude processes a previous worker
 * left running when it was killed are ended first, before any job is claimed.
 */
export async function createClaudeProcessor(
  config: Config,
  logger: Logger,
  options: ClaudeProcessorOptions,
): Promise<Processor> {
  await reapOrphansAtStart(logger, options.logPrefix, config.paths.runDir);
  const { maxTurns, maxBudgetUsd, model } = config.claude;
  const { cwd, logPrefix, workdirVariable, approvals, ...flags } = options;
  const openFolder = async (context: ProcessorContext): Promise<ClaudeFolder> => {
    if (typeof cwd === 'string') return { path: cwd, kept: true, remove: () => undefined };
    return cwd(context);
  };
  return async (context) => {
    const { data, signal, progress, logger: jobLogger, history } = context;
    const folder = await openFolder(context);
    if (typeof cwd !== 'string')
      jobLogger.info({ workdir: folder.path }, `${logPrefix} Job ${data.id} works in ${folder.path}`);
    const resume = folder.kept ? pickResume(history, data.queue, folder.path) : undefined;
    if (resume)
      jobLogger.info({ resume: resume.sessionId }, `${logPrefix} Job ${data.id} resumes job ${resume.job}'s session`);
    try {
      const result = await runClaude({
        ...flags,
        ...(data.mode === 'plan' ? { permissionMode: 'plan' as const } : {}),
        bin: config.claude.bin,
        cwd: folder.path,
        ...(workdirVariable ? { workdirVariable } : {}),
        prompt: resume ? data.text : continuationPrompt(data.text, history),
        ...(resume?.sessionId ? { resume: resume.sessionId } : {}),
        signal,
        progress,
        logger: jobLogger,
        logPrefix,
        secrets: config.secrets,
        runDir: config.paths.runDir,
        limitWaits: {
          ...DEFAULT_LIMIT_WAITS,
          rateLimitMs: config.claude.rateLimitWaitMs,
          overloadedMs: Math.min(DEFAULT_LIMIT_WAITS.overloadedMs, config.claude.rateLimitWaitMs),
        },
        ...(approvals && asksPeople(data.mode === 'plan' ? 'plan' : flags.permissionMode)
          ? { approve: approvals.forJob(context) }
          : {}),
        ...(maxTurns === undefined ? {} : { maxTurns }),
        ...(maxBudgetUsd === undefined ? {} : { maxBudgetUsd }),
        ...(model ? { model } : {}),
      });
      const described = (await folder.describe?.()) ?? {};
      return {
        ...result,
        stats: { ...result.stats, ...(folder.kept ? { workdir: folder.path } : {}), ...described },
      };
    } finally {
      // runClaude returns once the CLI has exited (a stopped run: once its process group has ended).
      folder.remove();
    }
  };
}
