// A job processor that runs Claude Code, for the workers that use it: each says
// only what differs (folder, tools, permission mode, prompt); the binary, the
// limits, the model and the secrets to hide come from the configuration.
import type { Config, Logger } from '@agentops/core';
import type { Processor } from '../runtime/runtime.js';
import type { ClaudeFlags } from './args.js';
import { reapOrphansAtStart } from './orphans.js';
import { runClaude } from './run.js';

export type ClaudeJobFlags = Pick<
  ClaudeFlags,
  'permissionMode' | 'allowedTools' | 'disallowedTools' | 'tools' | 'appendSystemPrompt'
>;

export interface ClaudeProcessorOptions extends ClaudeJobFlags {
  /** The folder Claude works in (already checked). */
  cwd: string;
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
  const { cwd, logPrefix, ...flags } = options;
  return ({ data, signal, progress, logger: jobLogger }) =>
    runClaude({
      ...flags,
      bin: config.claude.bin,
      cwd,
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
}
