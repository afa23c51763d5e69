// How much each Claude Code permission mode lets the model do unasked, in
// words for the start-up log. Pure.
//
// Measured with the CLI (v2.1.330) in print mode: `acceptEdits` runs file
// edits and Bash; `plan` and `default` refuse writes (nobody is there to
// approve them); `dontAsk` refuses every tool call that is not pre-approved
// (CLAUDE_ALLOWED_TOOLS) apart from reads in the working folder, so it is
// narrower than acceptEdits, not broader.
// `auto` lets a classifier approve tools, and `bypassPermissions` approves
// everything (and is refused by the CLI when running as root).
import type { ClaudePermissionMode } from './args.js';

export interface PermissionModeNote {
  /** Broader than acceptEdits: worth a warning at start. */
  broad: boolean;
  description: string;
}

const NOTES: Record<ClaudePermissionMode, PermissionModeNote> = {
  default: {
    broad: false,
    description:
      'reads within the working folder only; edits and commands are refused unless CLAUDE_ALLOWED_TOOLS allows them',
  },
  plan: { broad: false, description: 'plans only; every edit and command is refused' },
  dontAsk: {
    broad: false,
    description: 'reads within the working folder and the tools CLAUDE_ALLOWED_TOOLS lists; everything else is refused',
  },
  acceptEdits: { broad: false, description: 'edits files and runs commands in the working folder without asking' },
  auto: { broad: true, description: 'a classifier approves tool calls on its own, beyond file edits' },
  bypassPermissions: {
    broad: true,
    description: 'every tool runs without any permission check (the CLI refuses this mode when run as root)',
  },
};

export function describePermissionMode(mode: ClaudePermissionMode): PermissionModeNote {
  return NOTES[mode];
}
