// Plain-text help, for the CLI and as the fallback text of Slack's help message.
import { SUBCOMMANDS, type ParseContext } from './grammar.js';

export function helpLines(context: ParseContext): string[] {
  const prefix = context === 'cli' ? 'agentops ' : '/queue ';
  const width = Math.max(...SUBCOMMANDS.map((sub) => `${prefix}${sub.name} ${sub.args}`.trim().length));
  return SUBCOMMANDS.map((sub) => `${`${prefix}${sub.name} ${sub.args}`.trim().padEnd(width)}  ${sub.description}`);
}

export const MESSAGE_FORMS: readonly [string, string][] = [
  ['<any text>', 'Queued as one job at P3, routed by keywords'],
  ['p1: <text>', 'Queued at P1 (also p2:, p3:)'],
  ['queue:\\n<item>\\n<item>', 'One job per line, each with its own receipt'],
  ['status', 'Post the queue status'],
];
