// A run's flags as the Claude Agent SDK's query() options. Pure.
//
// The SDK builds the CLI's command line from these (one `--flag=value`
// argument per value, the prompt never among them) and adds what its own
// protocol needs: stream-json in and out, and, when a run has a `canUseTool`,
// `--permission-prompt-tool=stdio`, through which the CLI asks this process
// about every tool use the permission mode leaves undecided. The system prompt
// is always Claude Code's own, with the worker's addition appended; settings
// files load as they do for `claude -p` unless `restricted` says otherwise.
import type { Options } from '@anthropic-ai/claude-agent-sdk';
import type { ClaudeFlags } from './args.js';

/** The part of the SDK's options that follows from the flags (no process, callbacks or environment). */
export type SdkFlagOptions = Pick<
  Options,
  | 'permissionMode'
  | 'allowDangerouslySkipPermissions'
  | 'tools'
  | 'allowedTools'
  | 'disallowedTools'
  | 'maxTurns'
  | 'maxBudgetUsd'
  | 'model'
  | 'systemPrompt'
  | 'strictMcpConfig'
  | 'persistSession'
  | 'resume'
  | 'extraArgs'
>;

const nonEmpty = (values: readonly string[] | undefined): string[] | undefined =>
  values && values.length > 0 ? [...values] : undefined;

/** Leaves out what is unset, so the CLI's own default applies. */
export function buildSdkOptions(flags: ClaudeFlags): SdkFlagOptions {
  const options: SdkFlagOptions = {
    systemPrompt: {
      type: 'preset',
      preset: 'claude_code',
      ...(flags.appendSystemPrompt ? { append: flags.appendSystemPrompt } : {}),
    },
  };
  if (flags.permissionMode) options.permissionMode = flags.permissionMode;
  // The SDK refuses this mode unless told twice; CLAUDE_PERMISSION_MODE=bypassPermissions is that second time.
  if (flags.permissionMode === 'bypassPermissions') options.allowDangerouslySkipPermissions = true;
  const tools = nonEmpty(flags.tools);
  const allowed = nonEmpty(flags.allowedTools);
  const disallowed = nonEmpty(flags.disallowedTools);
  if (tools) options.tools = tools;
  if (allowed) options.allowedTools = allowed;
  if (disallowed) options.disallowedTools = disallowed;
  if (flags.maxTurns !== undefined) options.maxTurns = flags.maxTurns;
  if (flags.maxBudgetUsd !== undefined) options.maxBudgetUsd = flags.maxBudgetUsd;
  if (flags.model) options.model = flags.model;
  if (flags.strictMcpConfig) options.strictMcpConfig = true;
  if (flags.noSessionPersistence) options.persistSession = false;
  if (flags.resume) options.resume = flags.resume;
  // No option of its own in the SDK: `--restricted` goes through as a bare flag.
  if (flags.restricted) options.extraArgs = { restricted: null };
  return options;
}
