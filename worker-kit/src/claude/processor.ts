// A job processor that runs Claude Code, for the workers that use it: each says
// only what differs (folder, tools, permission mode, prompt); the binary, the
// limits, the model and the secrets to hide come from the configuration. The
// folder is either one for every job (the code worker's CODE_WORKDIR) or a
// fresh one per job, created for it and removed after it (job-folder.ts).
import type { Config, Logger } from '@agentops/core';
import type { Processor } from '../runtime/runtime.js';
import type { ClaudeFlags } from './args.js';
import { createJobFolder, type JobFolder } from './job-folder.js';
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

/** A new empty folder for each job, in the OS temporary directory, named `<perJob><job id>-XXXXXX`. */
export interface PerJobFolder {
  perJob: string;
}

export interface ClaudeProcessorOptions extends ClaudeJobFlags {
  /** The folder Claude works in (already checked), or a fresh folder per job. */
  cwd: string | PerJobFolder;
  /** The variable that named `cwd`, for messages when it disappears; default CODE_WORKDIR. */
  workdirVariable?: WorkdirVariable;
  /** e.g. "[code-worker]". */
  logPrefix: string;
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
  const { cwd, logPrefix, workdirVariable, ...flags } = options;
  const openFolder = (jobId: string): JobFolder =>
    typeof cwd === 'string' ? { path: cwd, remove: () => undefined } : createJobFolder(cwd.perJob, jobId);
  return async ({ data, signal, progress, logger: jobLogger }) => {
    const folder = openFolder(data.id);
    if (typeof cwd !== 'string')
      jobLogger.info({ workdir: folder.path }, `${logPrefix} Job ${data.id} works in ${folder.path}`);
    try {
      return await runClaude({
        ...flags,
        bin: config.claude.bin,
        cwd: folder.path,
        ...(workdirVariable ? { workdirVariable } : {}),
        prompt: data.text,
        signal,
        progress,
        logger: jobLogger,
        logPrefix,
        secrets: config.secrets,
        runDir: config.paths.runDir,
        ...(maxTurns === undefined ? {} : { maxTurns }),
        ...(maxBudgetUsd === undefined ? {} : { maxBudgetUsd }),
        ...(model ? { model } : {}),
      });
    } finally {
      // runClaude returns once the CLI has exited (a stopped run: once its process group has ended).
      folder.remove();
    }
  };
}
