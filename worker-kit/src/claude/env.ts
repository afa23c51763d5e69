// The environment a Claude Code child process gets. Pure.
//
// It inherits everything (PATH, HOME, ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY,
// proxies...) except AgentOps' own secrets: Claude's tools (Bash, Read of
// /proc/self/environ, a subagent) run as this child, so whatever it holds,
// the model can read and repeat. The secrets are the configuration's list
// and its secret families (HOOK_SECRET_*); every Slack and dashboard variable
// goes too, secret or not.
import { SECRET_VARIABLE_PATTERNS, SECRET_VARIABLES } from '@agentops/core';

const AGENTOPS_ONLY = [/^SLACK_/, /^BULLBOARD_/, ...SECRET_VARIABLE_PATTERNS];

export function isAgentOpsSecret(name: string): boolean {
  const declared = SECRET_VARIABLES[name];
  if (declared) return !declared.child;
  return AGENTOPS_ONLY.some((pattern) => pattern.test(name));
}

export function claudeChildEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !isAgentOpsSecret(name)) out[name] = value;
  }
  return out;
}
