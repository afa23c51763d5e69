// Reads the agentops command line into a subcommand line for the shared parser,
// plus the CLI's own flags. Pure. Flags are read before the job text starts, so
// text such as "--dangerously-skip-permissions" after `add` stays text.
import { QUEUE_NAMES, WORKSPACE_NAME, isQueueName, type QueueName } from '@agentops/core';

export interface CliFlags {
  json: boolean;
  help: boolean;
  queue?: QueueName;
  /** A CODE_WORKSPACES name for every job (checked against the configuration later). */
  repo?: string;
  limit?: number;
  /** --yes: confirm a bulk retry or cancel without asking. */
  yes?: boolean;
}

export type CliArgs = { ok: true; line: string; subcommand: string; flags: CliFlags } | { ok: false; message: string };

const TEXT_COMMANDS = new Set(['add', 'addp1', 'addp2', 'addp3', 'find']);

/** Whether the next word says when a `schedule add` runs (its cron expression, or `every <interval>`). */
function isScheduleWhen(words: readonly string[]): boolean {
  if ((words[0] ?? '').toLowerCase() !== 'schedule' || (words[1] ?? '').toLowerCase() !== 'add') return false;
  return words.length === 2 || (words.length === 3 && (words[2] ?? '').toLowerCase() === 'every');
}

export function readCliArgs(argv: readonly string[]): CliArgs {
  const flags: CliFlags = { json: false, help: false };
  const words: string[] = [];
  let inText = false;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (inText) {
      words.push(arg);
      continue;
    }
    if (arg === '--') {
      inText = true;
      continue;
    }
    if (arg === '--json') {
      flags.json = true;
    } else if (arg === '--yes' || arg === '-y') {
      flags.yes = true;
    } else if (arg === '--help' || arg === '-h') {
      flags.help = true;
    } else if (arg === '--queue' || arg.startsWith('--queue=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++index];
      if (!value || !isQueueName(value)) {
        return {
          ok: false,
          message: `--queue needs one of ${QUEUE_NAMES.join(', ')}${value ? `, not "${value}"` : ''}.`,
        };
      }
      flags.queue = value;
    } else if (arg === '--repo' || arg.startsWith('--repo=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++index];
      if (!value || !WORKSPACE_NAME.test(value)) {
        return {
          ok: false,
          message: `--repo needs a workspace name from CODE_WORKSPACES (letters, digits, . _ -)${value ? `, not "${value}"` : ''}.`,
        };
      }
      flags.repo = value;
    } else if (arg === '--limit' || arg.startsWith('--limit=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++index];
      const limit = Number(value);
      if (!value || !Number.isInteger(limit) || limit < 1 || limit > 1_000) {
        return { ok: false, message: `--limit needs a whole number from 1 to 1000${value ? `, not "${value}"` : ''}.` };
      }
      flags.limit = limit;
    } else if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg) && words.length === 0) {
      return {
        ok: false,
        message: `Unknown option ${arg}. Options: --json, --queue <name>, --repo <name>, --limit <n>, --yes, --help.`,
      };
    } else if (isScheduleWhen(words)) {
      // `schedule add "0 9 * * 1-5" …`: the shell took the quotes; put them back for the grammar.
      words.push(/\s/.test(arg) ? `"${arg.replace(/["“”]/g, '')}"` : arg);
      // The rest is the job's text, flags included.
      inText = words.length === 4 || arg.toLowerCase() !== 'every';
    } else {
      words.push(arg);
      // After `add [pN]` (or `find`) the rest is text, flags included.
      const first = (words[0] ?? '').toLowerCase();
      if (
        TEXT_COMMANDS.has(first) &&
        words.length >= 2 &&
        !(words.length === 2 && first === 'add' && /^p[123]$/i.test(arg))
      ) {
        inText = true;
      }
    }
  }
  const subcommand = (words[0] ?? '').toLowerCase();
  return { ok: true, line: words.join(' '), subcommand, flags };
}
