// What a worker may set for one headless Claude Code run, the prompt text as
// it is sent, and where the binary is. Pure. The Agent SDK turns the flags
// into the CLI's command line (sdk-options.ts); the job text is never part of
// it: the SDK writes it to the CLI's stdin as a stream-json user message, so
// text such as `--dangerously-skip-permissions` or `$(rm -rf ~)` cannot be
// parsed as an option, never meets a shell and does not show in `ps`.
// There is no `--add-dir`: a run reaches its working folder and nothing more.
import path from 'node:path';
import type { Config } from '@agentops/core';

export type ClaudePermissionMode = Config['claude']['permissionMode'];

/** What a worker may set for one run; everything else is fixed by the seam. */
export interface ClaudeFlags {
  permissionMode?: ClaudePermissionMode;
  /** Tools that run without asking (CLAUDE_ALLOWED_TOOLS), e.g. `Read`, `Bash(npm test)`. */
  allowedTools?: readonly string[];
  /** Tools removed from the session outright (also for subagents). */
  disallowedTools?: readonly string[];
  /** The only built-in tools the session has; absent or empty: the CLI's default set. */
  tools?: readonly string[];
  maxTurns?: number;
  maxBudgetUsd?: number;
  model?: string;
  appendSystemPrompt?: string;
  /**
   * `--restricted`: the file tools stay inside the working folder whatever a
   * permission rule allows, and user, project and local settings files are
   * ignored (so a `permissions.allow` or `additionalDirectories` in the
   * workstation owner's ~/.claude/settings.json cannot widen the run).
   */
  restricted?: boolean;
  /** `--strict-mcp-config`: no MCP servers from any settings (none is passed). */
  strictMcpConfig?: boolean;
  /** `--no-session-persistence`: no transcript of the run is kept on disk. */
  noSessionPersistence?: boolean;
  /** `--resume`: continue this session (it must have run in the same working folder). */
  resume?: string;
}

/**
 * The prompt as sent. Claude Code reads a prompt that starts with `/`
 * as one of its slash commands (`/cost`, `/compact`, or a project's own
 * commands) and never shows it to the model; a leading space is enough for it
 * to be taken as text, so that is the only change ever made to the job text.
 */
export function promptForStdin(text: string): string {
  return text.startsWith('/') ? ` ${text}` : text;
}

/**
 * CLAUDE_BIN as the child is started: a bare name is looked up on PATH; a
 * relative path is taken from where AgentOps runs, not from the working
 * folder the child starts in (where the OS would otherwise resolve it).
 */
export function resolveClaudeBin(bin: string, base: string): string {
  const isPath = bin.includes('/') || bin.includes('\\');
  return isPath && !path.isAbsolute(bin) ? path.resolve(base, bin) : bin;
}
