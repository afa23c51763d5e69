// The `schedule` subcommands' grammar: `add "<cron>" <text>`, `add every 30m
// <text>`, `list`, and `remove|pause|resume|run <id>`. Pure; grammar.ts hands
// in how it fails, writes usage and reads job text, so every form answers in
// the same words as the rest of the grammar.
import type { JobRequest, QueueName } from '@agentops/core';
import { EVERY_FORM, parseCron, parseEvery, type ScheduleExpression } from '../schedules/expression.js';

/** What `schedule <action> <id>` does to an existing schedule. */
export const SCHEDULE_ACTIONS = ['remove', 'pause', 'resume', 'run'] as const;
export type ScheduleAction = (typeof SCHEDULE_ACTIONS)[number];

export type ScheduleCommand =
  /** A schedule: `request` (on `queue`, or routed at each run) whenever `expression` says. */
  | { kind: 'scheduleAdd'; expression: ScheduleExpression; request: JobRequest; queue?: QueueName }
  | { kind: 'scheduleList' }
  | { kind: 'scheduleControl'; action: ScheduleAction; id: string };

/** How the grammar fails (`F`) and reads job text, handed in so every form answers in its words. */
export interface ScheduleGrammarTools<F> {
  fail(message: string, sub: string): F;
  /** Reads the job text (`p1:` and `plan:` prefixes included) as `add` does. */
  jobText(text: string, sub: string): { request: JobRequest } | { failure: F };
  /** `code:`, `local:` or `research:` before the text puts every run on that queue. */
  queuePrefix: RegExp;
}

type Result<F> = { command: ScheduleCommand } | { failure: F };
/** Straight and curly quotes (Slack turns straight ones curly on some keyboards). */
const QUOTED = /^(["'“‘])([^"'“”‘’]*)(["'”’])\s*([\s\S]*)$/;

/** Reads `s3`, `S3` and `3` as schedule id `s3`. */
export function parseScheduleId(token: string | undefined): string | undefined {
  const match = /^s?(\d{1,9})$/i.exec(token ?? '');
  if (!match?.[1]) return undefined;
  const number = match[1].replace(/^0+(?=\d)/, '');
  return number === '0' ? undefined : `s${number}`;
}

function fail<F>(tools: ScheduleGrammarTools<F>, message: string, sub: string): Result<F> {
  return { failure: tools.fail(message, sub) };
}

function splitFirst(text: string): [string, string] {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  return match ? [match[1] ?? '', match[2] ?? ''] : ['', ''];
}

function parseAdd<F>(rest: string, tools: ScheduleGrammarTools<F>): Result<F> {
  const sub = 'schedule add';
  const body = rest.trim();
  if (!body)
    return fail(
      tools,
      '`schedule add` needs when and what: a cron expression in quotes or every <interval>, then the job text.',
      sub,
    );
  let expression: ScheduleExpression;
  let text: string;
  const quoted = QUOTED.exec(body);
  const [first, afterFirst] = splitFirst(body);
  if (quoted) {
    const parsed = parseCron(quoted[2] ?? '');
    if (!parsed.ok) return fail(tools, parsed.message, sub);
    expression = parsed.expression;
    text = quoted[4] ?? '';
  } else if (first.toLowerCase() === 'every') {
    const [interval, afterInterval] = splitFirst(afterFirst);
    if (!interval) return fail(tools, `\`every\` needs an interval: ${EVERY_FORM}.`, sub);
    const parsed = parseEvery(interval);
    if (!parsed.ok) return fail(tools, parsed.message, sub);
    expression = parsed.expression;
    text = afterInterval;
  } else if (first.startsWith('@')) {
    const parsed = parseCron(first);
    if (!parsed.ok) return fail(tools, parsed.message, sub);
    expression = parsed.expression;
    text = afterFirst;
  } else if (/^["'“‘]/.test(body)) {
    return fail(tools, 'The cron expression has no closing quote. Put all five fields in one pair of quotes.', sub);
  } else {
    return fail(
      tools,
      `Say when first: a cron expression in quotes such as "0 9 * * 1-5", or ${EVERY_FORM}. \`${first.slice(0, 40)}\` is neither.`,
      sub,
    );
  }
  const prefix = tools.queuePrefix.exec(text.trim());
  const queue = prefix?.[1]?.toLowerCase() as QueueName | undefined;
  const job = tools.jobText(prefix ? text.trim().slice(prefix[0].length) : text, sub);
  if ('failure' in job) return job;
  return { command: { kind: 'scheduleAdd', expression, request: job.request, ...(queue ? { queue } : {}) } };
}

export function parseScheduleLine<F>(rest: string, tools: ScheduleGrammarTools<F>): Result<F> {
  const [word, after] = splitFirst(rest);
  const name = word.toLowerCase();
  if (name === 'add') return parseAdd(after, tools);
  if (name === 'list' || name === '') {
    if (after.trim())
      return fail(tools, `\`schedule list\` takes no arguments; remove \`${after.trim()}\`.`, 'schedule list');
    return { command: { kind: 'scheduleList' } };
  }
  const action = SCHEDULE_ACTIONS.find((candidate) => candidate === name);
  if (!action)
    return fail(
      tools,
      `\`${word.slice(0, 40)}\` is not a schedule command. Use add, list, remove, pause, resume or run.`,
      'schedule',
    );
  const [token, extra] = splitFirst(after);
  if (!token)
    return fail(tools, `\`schedule ${action}\` needs a schedule id such as s3 (see schedule list).`, 'schedule');
  const id = parseScheduleId(token);
  if (!id)
    return fail(
      tools,
      `\`${token.slice(0, 40)}\` is not a schedule id. Schedule ids look like s3 (see schedule list).`,
      'schedule',
    );
  if (extra.trim())
    return fail(tools, `\`schedule ${action}\` takes only a schedule id; remove \`${extra.trim()}\`.`, 'schedule');
  return { command: { kind: 'scheduleControl', action, id } };
}
