// The command line of one headless Claude Code run, and the prompt text that
// goes to it on stdin. Pure.
//
// The job text is never an argument: it is written to the CLI's stdin (with
// `-p` and no prompt argument, `claude` reads the prompt from stdin until it
// closes). So text such as `--dangerously-skip-permissions` or `$(rm -rf ~)`
// cannot be parsed as an option, never meets a shell, does not show in `ps`,
// and is not bound by argv length limits or Windows quoting rules.
// Every flag that carries a value is passed as one `--flag=value` argument,
// so a value can never be mistaken for an option of its own and variadic
// flags (`--allowedTools <tools...>`) cannot swallow the arguments after them.
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

/** Always present: print mode, one JSON event per line, and verbose (stream-json requires it with -p). */
export const BASE_ARGS = ['-p', '--output-format', 'stream-json', '--verbose'] as const;

const list = (flag: string, values: readonly string[] | undefined): string[] =>
  values && values.length > 0 ? [`${flag}=${values.join(',')}`] : [];

const value = (flag: string, raw: string | number | undefined): string[] =>
  raw === undefined || raw === '' ? [] : [`${flag}=${raw}`];

const when = (flag: string, on: boolean | undefined): string[] => (on ? [flag] : []);

/** The arguments after the binary, in a stable order. */
export function buildClaudeArgs(flags: ClaudeFlags): string[] {
  return [
    ...BASE_ARGS,
    ...value('--permission-mode', flags.permissionMode),
    ...list('--tools', flags.tools),
    ...list('--allowedTools', flags.allowedTools),
    ...list('--disallowedTools', flags.disallowedTools),
    ...value('--max-turns', flags.maxTurns),
    ...value('--max-budget-usd', flags.maxBudgetUsd),
    ...value('--model', flags.model),
    ...value('--append-system-prompt', flags.appendSystemPrompt),
    ...when('--restricted', flags.restricted),
    ...when('--strict-mcp-config', flags.strictMcpConfig),
    ...when('--no-session-persistence', flags.noSessionPersistence),
    ...value('--resume', flags.resume),
  ];
}

/**
 * The text written to stdin. Claude Code reads a prompt that starts with `/`
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
