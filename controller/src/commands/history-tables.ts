// The history commands' answers as plain-text tables: the CLI prints them and
// Slack shows them in a code block. Pure: values in, strings out.
import { formatCost, formatDuration, priorityLabel, truncate } from '@agentops/core';
import type { HistoryJob, HistoryPage, QueueDayStats } from '../history/types.js';
import type { HistoryQuery } from './history-args.js';
import { table } from './tables.js';

function when(ms: number | undefined): string {
  return ms
    ? new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/:\d\d\.\d+Z$/, 'Z')
    : '-';
}

/** What was asked for, in words: `failed code jobs by U1 matching "deploy"`. */
export function describeHistoryQuery(query: HistoryQuery): string {
  const parts = [
    query.status ?? '',
    query.queue ?? '',
    'jobs',
    query.requestedBy ? `by ${query.requestedBy}` : '',
    query.text ? `matching "${truncate(query.text, 60)}"` : '',
  ];
  return parts.filter(Boolean).join(' ');
}

export function formatHistory(query: HistoryQuery, page: HistoryPage): string {
  const asked = describeHistoryQuery(query);
  if (page.jobs.length === 0) return `No ${asked} in the job history.`;
  const rows = table(['Id', 'Queue', 'Status', 'Created', 'Took', 'Cost', 'By', 'Text']);
  for (const job of page.jobs)
    rows.push([
      `#${job.id}`,
      job.queue,
      job.status,
      when(job.createdAt),
      job.durationMs === undefined ? '-' : formatDuration(job.durationMs),
      job.costUsd === undefined ? '-' : formatCost(job.costUsd),
      truncate(job.requestedBy, 16),
      truncate(job.text.replace(/\s+/g, ' '), 50),
    ]);
  const more = page.nextCursor
    ? `\nNewest ${page.jobs.length} ${asked} shown; there are more (narrow the search).`
    : '';
  return `${rows.toString()}${more}`;
}

function rate(value: number | undefined): string {
  return value === undefined ? '-' : `${Math.round(value * 100)}%`;
}

export function formatStats(days: number, stats: readonly QueueDayStats[]): string {
  if (stats.length === 0) return `No jobs in the job history in the last ${days} days.`;
  const rows = table(['Day', 'Queue', 'Jobs', 'Success', 'p50', 'p95', 'Cost']);
  for (const day of stats)
    rows.push([
      day.day,
      day.queue,
      day.jobs,
      `${rate(day.successRate)} (${day.completed}/${day.completed + day.failed})`,
      day.p50Ms === undefined ? '-' : formatDuration(day.p50Ms),
      day.p95Ms === undefined ? '-' : formatDuration(day.p95Ms),
      formatCost(day.costUsd),
    ]);
  return `${rows.toString()}\nPer queue and day (UTC) of creation, the last ${days} days; run times of completed jobs.`;
}

/** `inspect` of a job only the history still knows. */
export function formatPastDetails(job: HistoryJob): string {
  const lines = [
    `Job #${job.id}  ${job.status.toUpperCase()}  (from the job history; BullMQ no longer keeps it)`,
    `Queue:     ${job.queue} (${priorityLabel(job.priority)})`,
    `Routed by: ${job.routing}`,
    `Source:    ${job.source}${job.trigger ? ` (${job.trigger})` : ''}, requested by ${job.requestedBy}`,
    ...(job.workspace ? [`Workspace: ${job.workspace}`] : []),
    `Attempts:  ${job.attempts}`,
    `Created:   ${when(job.createdAt)}`,
    `Started:   ${when(job.startedAt)}`,
    `Finished:  ${when(job.finishedAt)}`,
  ];
  const figures = [
    job.durationMs === undefined ? '' : `took ${formatDuration(job.durationMs)}`,
    job.costUsd === undefined ? '' : formatCost(job.costUsd),
    job.turns === undefined ? '' : `${job.turns} turns`,
  ].filter(Boolean);
  if (figures.length > 0) lines.push(`Run:       ${figures.join(', ')}`);
  if (job.failedReason) lines.push(`Failure:   ${job.failedReason}`);
  lines.push('', 'Text:', job.text);
  if (job.answer !== undefined) lines.push('', 'Result:', job.answer);
  return lines.join('\n');
}
