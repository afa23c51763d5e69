// The benchmark's output: one row per figure (median, spread, target, PASS or
// MISS), printed as a table and written as JSON with the machine's details.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MachineInfo } from './system.js';
import { round, type Summary } from './stats.js';

export interface Target {
  op: '<' | '<=' | '>=' | '=';
  value: number;
}

export interface Figure {
  /** Stable key for comparing result files, e.g. "ack.keyword.slash.p99". */
  id: string;
  /** Issue 8's numbering: "1 Ack latency", "2 Ingest", ... */
  section: string;
  label: string;
  unit: string;
  summary: Summary;
  /** Which value is checked against the target; the median unless said otherwise. */
  target?: Target;
  /** Words for the target when `target` is not enough (e.g. "within 2x of bare"). */
  targetText?: string;
  note?: string;
}

export type Status = 'PASS' | 'MISS' | '';

export function status(figure: Figure): Status {
  if (!figure.target) return '';
  const value = figure.summary.median;
  const { op, value: limit } = figure.target;
  const ok = op === '<' ? value < limit : op === '<=' ? value <= limit : op === '>=' ? value >= limit : value === limit;
  return ok ? 'PASS' : 'MISS';
}

function targetText(figure: Figure): string {
  if (figure.targetText) return figure.targetText;
  if (!figure.target) return '';
  return `${figure.target.op} ${figure.target.value}${figure.unit && figure.unit !== 'x' ? ` ${figure.unit}` : figure.unit}`;
}

function show(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const rounded = round(value);
  return Math.abs(rounded) >= 10_000 ? rounded.toLocaleString('en-US') : String(rounded);
}

function spread(summary: Summary): string {
  if (summary.runs.length === 0) return '(no run)';
  if (summary.runs.length <= 1 || summary.min === summary.max)
    return summary.runs.length <= 1 ? '(1 run)' : `${show(summary.min)} (all ${summary.runs.length})`;
  return `${show(summary.min)}-${show(summary.max)} (${summary.runs.length})`;
}

export interface Row {
  section: string;
  figure: string;
  median: string;
  spread: string;
  target: string;
  /** PASS, MISS, or empty for a figure without a target. */
  status: string;
}

export function rows(figures: readonly Figure[]): Row[] {
  return figures.map((figure) => ({
    section: figure.section,
    figure: figure.label,
    median: `${show(figure.summary.median)}${figure.unit ? ` ${figure.unit}` : ''}`,
    spread: spread(figure.summary),
    target: targetText(figure),
    status: status(figure),
  }));
}

/** A plain-text table; with `markdown`, a GitHub table for the README. */
export function formatTable(figures: readonly Figure[], markdown = false): string {
  const header: Row = {
    section: '#',
    figure: 'figure',
    median: 'median',
    spread: 'spread: min-max (runs)',
    target: 'target',
    status: 'result',
  };
  const body = rows(figures);
  const columns: (keyof Row)[] = ['section', 'figure', 'median', 'spread', 'target', 'status'];
  if (markdown) {
    const line = (row: Row) => `| ${columns.map((column) => String(row[column]).replace(/\|/g, '\\|')).join(' | ')} |`;
    return [line(header), `|${columns.map(() => '---').join('|')}|`, ...body.map(line)].join('\n');
  }
  const widths = columns.map((column) => Math.max(...[header, ...body].map((row) => String(row[column]).length)));
  const line = (row: Row) =>
    columns
      .map((column, index) => String(row[column]).padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  let previous = '';
  const lines = [line(header), widths.map((width) => '-'.repeat(width)).join('  ')];
  for (const row of body) {
    if (row.section !== previous && previous !== '') lines.push('');
    previous = row.section;
    lines.push(line(row));
  }
  return lines.join('\n');
}

export interface BenchResult {
  machine: MachineInfo;
  quick: boolean;
  durationSec: number;
  settings: Record<string, unknown>;
  figures: (Figure & { status: Status })[];
  details: Record<string, unknown>;
  errors: string[];
}

/**
 * Writes `<timestamp>.json` and the table as `latest.md` (linked from
 * docs/performance.md, naming the JSON it came from); returns the timestamped path.
 */
export function writeResult(dir: string, result: BenchResult): string {
  mkdirSync(dir, { recursive: true });
  const stamp = result.machine.date.replace(/[:.]/g, '-');
  const file = path.join(dir, `${stamp}${result.quick ? '-quick' : ''}.json`);
  const json = `${JSON.stringify(result, (_key, value: unknown) => (typeof value === 'number' ? round(value) : value), 2)}\n`;
  writeFileSync(file, json);
  const { machine } = result;
  const heading = `${machine.cpuCount} x ${machine.cpuModel}, Node ${machine.nodeVersion}, ${machine.date.slice(0, 10)}, load ${machine.loadAverage.start.toFixed(2)} -> ${(machine.loadAverage.end ?? 0).toFixed(2)}${result.quick ? ' (quick run)' : ''}`;
  writeFileSync(
    path.join(dir, 'latest.md'),
    `${heading}\n\nFrom \`${path.basename(file)}\`.\n\n${formatTable(result.figures, true)}\n`,
  );
  return file;
}
