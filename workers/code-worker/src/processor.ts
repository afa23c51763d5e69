// The code queue's work: the Claude Code CLI, headless, in CODE_WORKDIR, with
// the operator's permission mode, tool allowances and limits. The answer is
// Claude's final message; cost, turns, session and refused tool calls go with
// it as stats (the Slack reply shows them).
import type { Config, Logger } from '@agentops/core';
import { createClaudeProcessor, describePermissionMode, resolveWorkdir, type Processor } from '@agentops/worker-kit';

/** Added to Claude Code's own system prompt: nobody can answer questions, and the reply lands in a chat thread. */
export const CODE_SYSTEM_PROMPT = [
  'You are running unattended for a team that sent this task from a chat channel; nobody can answer questions while you work.',
  'Make reasonable assumptions, say which ones you made, and finish the task as far as your permissions allow.',
  'End with a short summary in Markdown: what you changed (files), what you ran and its result, and anything left to do.',
].join('\n');

/** Checks CODE_WORKDIR (a coded error stops the process) and builds the processor once, at start. */
export function createCodeProcessor(config: Config, logger: Logger): Promise<Processor> {
  const claude = config.claude;
  const workdir = resolveWorkdir(claude.workdir);
  const mode = describePermissionMode(claude.permissionMode);
  logger.info(
    {
      workdir,
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
  return createClaudeProcessor(config, logger, {
    cwd: workdir,
    logPrefix: '[code-worker]',
    permissionMode: claude.permissionMode,
    allowedTools: claude.allowedTools,
    appendSystemPrompt: CODE_SYSTEM_PROMPT,
  });
}
