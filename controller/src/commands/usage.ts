// `/queue usage` and `agentops usage`: today's and this month's Claude spend,
// tokens and jobs per person and queue, the daily budgets and what is left of
// them. Gathering reads the day counters the workers keep (core/src/spend.ts);
// formatting is pure.
import { spendDay, type Config, type SpendLine, type SpendStore } from '@agentops/core';
import { table } from './tables.js';

export interface UsageReport {
  today: SpendLine[];
  month: SpendLine[];
  /** `YYYY-MM-DD` and `YYYY-MM`. */
  day: string;
  monthName: string;
  budgets: Config['budgets'];
}

/** Lines summed by queue and requester. */
function merge(lines: readonly SpendLine[]): SpendLine[] {
  const merged = new Map<string, SpendLine>();
  for (const line of lines) {
    const id = `${line.queue}|${line.requester}`;
    const into = merged.get(id) ?? { ...line, costUsd: 0, tokens: 0, jobs: 0 };
    into.costUsd += line.costUsd;
    into.tokens += line.tokens;
    into.jobs += line.jobs;
    merged.set(id, into);
  }
  return [...merged.values()].sort((a, b) => b.costUsd - a.costUsd);
}

export async function gatherUsage(
  spend: SpendStore,
  budgets: Config['budgets'],
  now = Date.now(),
): Promise<UsageReport> {
  const date = new Date(now);
  const days: string[] = [];
  for (let day = 1; day <= date.getUTCDate(); day += 1)
    days.push(spendDay(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), day)));
  const perDay = await Promise.all(days.map((day) => spend.day(day)));
  return {
    today: merge(perDay.at(-1) ?? []),
    month: merge(perDay.flat()),
    day: spendDay(now),
    monthName: spendDay(now).slice(0, 7),
    budgets,
  };
}

const usd = (value: number) => `$${value.toFixed(2)}`;
const total = (lines: readonly SpendLine[]) => lines.reduce((sum, line) => sum + line.costUsd, 0);

function linesTable(lines: readonly SpendLine[]): string {
  if (lines.length === 0) return '(no Claude jobs)';
  const rows = table(['Person', 'Queue', 'Jobs', 'Tokens', 'Cost']);
  for (const line of lines)
    rows.push([line.requester, line.queue, line.jobs, line.tokens.toLocaleString('en-US'), usd(line.costUsd)]);
  return rows.toString();
}

/** The budgets line: each daily limit, spent today and left. */
export function budgetLines(report: UsageReport): string[] {
  const lines: string[] = [];
  const { codeDailyUsd, userDailyUsd } = report.budgets;
  if (codeDailyUsd !== undefined) {
    const spent = total(report.today.filter((line) => line.queue === 'code'));
    lines.push(
      `Code queue budget: ${usd(codeDailyUsd)} a day; ${usd(spent)} spent today, ${usd(Math.max(0, codeDailyUsd - spent))} left.`,
    );
  }
  if (userDailyUsd !== undefined) {
    const people = new Map<string, number>();
    for (const line of report.today) people.set(line.requester, (people.get(line.requester) ?? 0) + line.costUsd);
    const over = [...people].filter(([, spent]) => spent >= userDailyUsd).map(([person]) => person);
    lines.push(
      `Per-person budget: ${usd(userDailyUsd)} a day${over.length > 0 ? `; spent today by ${over.join(', ')}` : '; nobody has spent it today'}.`,
    );
  }
  if (lines.length === 0) lines.push('No daily budget is set (CODE_DAILY_BUDGET_USD, USER_DAILY_BUDGET_USD).');
  return lines;
}

/** The whole report as plain text (the CLI prints it; Slack shows it in a code block). */
export function formatUsage(report: UsageReport): string {
  return [
    `Today (${report.day}, UTC): ${usd(total(report.today))}`,
    linesTable(report.today),
    '',
    `This month (${report.monthName}): ${usd(total(report.month))}`,
    linesTable(report.month),
    '',
    ...budgetLines(report),
  ].join('\n');
}
