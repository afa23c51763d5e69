// When a schedule runs: a cron pattern (five fields, or six with seconds, or a
// name such as @daily) in a time zone, or a fixed interval (`every 30m`).
// Pure: parsing with a message that says what is wrong and the right form,
// and the next run times, which `schedule add` shows before anything runs.
// cron-parser is the parser BullMQ itself uses for patterns, so what we accept
// is what the scheduler will run.
import { CronExpressionParser } from 'cron-parser';

export type ScheduleExpression = { kind: 'cron'; pattern: string } | { kind: 'every'; ms: number };

export type ExpressionResult = { ok: true; expression: ScheduleExpression } | { ok: false; message: string };

/** The shortest interval any schedule may have, whatever SCHEDULE_MIN_INTERVAL_MS says. */
export const MIN_EVERY_MS = 1_000;
/** The longest interval: a year. */
export const MAX_EVERY_MS = 366 * 24 * 3_600_000;

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 24 * 3_600_000 };
const NAMED = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly', '@weekdays', '@weekends']);

export const CRON_FORM =
  '"<minute> <hour> <day of month> <month> <day of week>" in quotes, e.g. "0 9 * * 1-5" (09:00 on weekdays)';
export const EVERY_FORM = 'every <number><s|m|h|d>, e.g. every 30m';

/** Reads `30m`, `2s`, `1h`, `1d` as milliseconds. */
export function parseEvery(token: string): ExpressionResult {
  const match = /^(\d{1,9})(s|m|h|d)$/i.exec(token.trim());
  if (!match?.[1] || !match[2])
    return {
      ok: false,
      message: `\`${token.slice(0, 40)}\` is not an interval. Write ${EVERY_FORM} (s seconds, m minutes, h hours, d days).`,
    };
  const ms = Number(match[1]) * (UNITS[match[2].toLowerCase()] ?? 0);
  if (ms < MIN_EVERY_MS) return { ok: false, message: `The interval must be at least 1s; \`${token}\` is shorter.` };
  if (ms > MAX_EVERY_MS) return { ok: false, message: `The interval must be at most 366d; \`${token}\` is longer.` };
  return { ok: true, expression: { kind: 'every', ms } };
}

/** cron-parser's message, said the way a person fixes it. */
function rephrase(message: string): string {
  const range = /got value (\S+) expected range (\d+)-(\d+)/.exec(message);
  if (range) return `${range[1]} is out of range: that field takes ${range[2]} to ${range[3]}`;
  if (/cannot repeat at every 0/.test(message)) return 'a step of /0 never repeats; use /1 or more';
  const alias = /cannot resolve alias "([^"]*)"/.exec(message);
  if (alias) return `"${alias[1]}" is not a number or a month or weekday name`;
  if (/too many fields/i.test(message)) return 'it has too many fields';
  return message.replace(/\.$/, '');
}

/** Checks a cron pattern: five fields (six with seconds first) or a name such as @daily. */
export function parseCron(raw: string, timeZone = 'UTC'): ExpressionResult {
  const spaced = raw.trim().replace(/\s+/g, ' ');
  const named = spaced.startsWith('@');
  const pattern = named ? spaced.toLowerCase() : spaced;
  const fields = pattern.split(' ').length;
  if (named ? !NAMED.has(pattern) : fields < 5 || fields > 6) {
    const what = named ? `\`${pattern.slice(0, 40)}\` is not a cron name` : `it has ${fields} field(s)`;
    return {
      ok: false,
      message: `\`${pattern.slice(0, 80)}\` is not a cron expression: ${what}. Write ${CRON_FORM}, or @hourly, @daily, @weekly, @monthly.`,
    };
  }
  try {
    CronExpressionParser.parse(pattern, { tz: timeZone, strict: false }).next();
  } catch (error) {
    const reason = rephrase(error instanceof Error ? error.message : String(error));
    return {
      ok: false,
      message: `\`${pattern.slice(0, 80)}\` is not a cron expression: ${reason}. Write ${CRON_FORM}.`,
    };
  }
  return { ok: true, expression: { kind: 'cron', pattern } };
}

/**
 * The shortest gap between two runs among the next few, for the minimum
 * interval check (a cron pattern with seconds can run every second).
 */
export function shortestGapMs(expression: ScheduleExpression, timeZone: string, from: number): number {
  if (expression.kind === 'every') return expression.ms;
  const runs = nextRuns(expression, timeZone, from, 6);
  let gap = Number.POSITIVE_INFINITY;
  for (let index = 1; index < runs.length; index += 1) gap = Math.min(gap, (runs[index] ?? 0) - (runs[index - 1] ?? 0));
  return gap;
}

/**
 * The next `count` run times (ms) after `from`. An `every` schedule runs once
 * at once when it is added (BullMQ's behaviour), then each interval.
 */
export function nextRuns(expression: ScheduleExpression, timeZone: string, from: number, count = 3): number[] {
  if (expression.kind === 'every') return Array.from({ length: count }, (_, index) => from + index * expression.ms);
  const interval = CronExpressionParser.parse(expression.pattern, { tz: timeZone, currentDate: new Date(from) });
  return interval.take(count).map((date) => date.getTime());
}

function intervalText(ms: number): string {
  for (const [unit, size] of [
    ['d', UNITS.d],
    ['h', UNITS.h],
    ['m', UNITS.m],
  ] as const)
    if (size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms / 1_000}s`;
}

/** How a schedule's expression reads back: `every 30m` or `cron "0 9 * * 1-5" (Europe/Berlin)`. */
export function describeExpression(expression: ScheduleExpression, timeZone: string): string {
  return expression.kind === 'every'
    ? `every ${intervalText(expression.ms)}`
    : `cron "${expression.pattern}" (${timeZone})`;
}

/** A run time as people read it in the schedule's time zone: `Mon 2026-12-07 09:00 (Europe/Berlin)`. */
export function formatRunTime(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((entry) => entry.type === type)?.value ?? '';
  const seconds = part('second') === '00' ? '' : `:${part('second')}`;
  return `${part('weekday')} ${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}${seconds} (${timeZone})`;
}
