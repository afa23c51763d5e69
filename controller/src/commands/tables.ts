// Plain-text tables of jobs and queues: the CLI prints them, and Slack shows
// `list` and `inspect` in a code block. Pure: values in, strings out.
import type { AuditRecord } from '../audit/log.js';
import Table from 'cli-table3';
import { priorityLabel, truncate, type JobData } from '@agentops/core';
import type { JobDetails, ListedJob, StatusSnapshot } from '../queue/manager.js';

export function table(head: string[]): Table.Table {
  return new Table({
    head,
    style: { head: [], border: [], compact: true },
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '  ',
    },
  });
}

export function formatStatus(snapshot: StatusSnapshot): string {
  const rows = table(['Queue', 'Waiting', 'Active', 'Delayed', 'Completed', 'Failed', 'Paused', 'Workers', 'Limit']);
  for (const queue of snapshot.queues) {
    const { counts } = queue;
    rows.push([
      queue.name,
      counts.waiting,
      counts.active,
      counts.delayed,
      counts.completed,
      counts.failed,
      queue.paused ? 'yes' : 'no',
      queue.workers,
      queue.globalConcurrency ?? '-',
    ]);
  }
  const waits = snapshot.queues
    .filter((queue) => queue.limit)
    .map(
      (queue) =>
        `\n${queue.name} waits for ${queue.limit?.kind.replace('_', ' ')} until ${new Date(queue.limit?.resetAt ?? 0).toISOString().slice(0, 16).replace('T', ' ')} UTC; its jobs run then.`,
    )
    .join('');
  const state = `${snapshot.paused ? 'All queues are PAUSED (agentops resume to continue).' : 'Queues are running.'}${waits}`;
  const limit =
    snapshot.globalConcurrency === null
      ? 'no global limit (each worker uses its own concurrency)'
      : `${snapshot.globalConcurrency} job(s) at once per queue`;
  return `${rows.toString()}\n${state} Concurrency: ${limit}.`;
}

export function describeRouting(data: JobData): string {
  const { routing } = data;
  const how =
    routing.method === 'keyword'
      ? `keywords (${routing.patterns.join(', ') || 'none'})`
      : routing.method === 'llm'
        ? 'LLM fallback'
        : routing.method === 'explicit'
          ? 'chosen by you'
          : 'default';
  return `${how}, confidence ${routing.confidence.toFixed(2)}`;
}

export function formatQueued(jobs: JobData[]): string {
  return jobs
    .map(
      (job) =>
        `Job #${job.id} queued on ${job.queue} (${priorityLabel(job.priority)}), routed by ${describeRouting(job)}: ${truncate(job.text.replace(/\s+/g, ' '), 80)}`,
    )
    .join('\n');
}

function when(ms: number | undefined): string {
  return ms
    ? new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')
    : '-';
}

export function formatList(jobs: ListedJob[]): string {
  if (jobs.length === 0) return 'No jobs.';
  const rows = table(['Id', 'Queue', 'Pri', 'Status', 'Created', 'Text']);
  for (const job of jobs) {
    if ('unreadable' in job) {
      rows.push([
        `#${job.id}`,
        job.queue,
        job.priority ? priorityLabel(job.priority) : '-',
        job.status,
        when(job.createdAt),
        truncate(`(unreadable data: ${job.unreadable})`, 60),
      ]);
      continue;
    }
    rows.push([
      `#${job.id}`,
      job.queue,
      priorityLabel(job.priority),
      job.status,
      when(job.createdAt),
      truncate(job.data.text.replace(/\s+/g, ' '), 60),
    ]);
  }
  return rows.toString();
}

export function formatDetails(job: JobDetails): string {
  const lines = [
    `Job #${job.id}  ${job.status.toUpperCase()}`,
    `Queue:     ${job.queue} (${priorityLabel(job.priority)})`,
    `Routed by: ${describeRouting(job.data)}`,
    `Source:    ${job.data.source}, requested by ${job.data.requestedBy}`,
    `Attempts:  ${job.attemptsMade}/${job.attempts}`,
    `Created:   ${when(job.createdAt)}`,
    `Started:   ${when(job.startedAt)}`,
    `Finished:  ${when(job.finishedAt)}`,
  ];
  if (job.cancel) lines.push(`Cancelled: by ${job.cancel.by} at ${when(job.cancel.at)}`);
  if (job.failedReason) lines.push(`Failure:   ${job.failedReason}`);
  lines.push('', 'Text:', job.data.text);
  if (job.result !== undefined) {
    const result = job.result as { text?: unknown };
    lines.push('', 'Result:', typeof result.text === 'string' ? result.text : JSON.stringify(job.result, null, 2));
  }
  return lines.join('\n');
}

/** The audit log as lines: when, who, what, which job, how it ended (newest first). */
export function formatAudit(records: readonly AuditRecord[]): string {
  if (records.length === 0) return 'The audit log is empty.';
  return records
    .map((record) =>
      [
        new Date(record.at).toISOString().replace('T', ' ').slice(0, 19),
        record.who,
        record.action,
        record.job ? `#${record.job}` : '-',
        record.source,
        record.outcome === 'done' ? 'done' : `${record.outcome}${record.reason ? ` (${record.reason})` : ''}`,
      ].join('  '),
    )
    .join('\n');
}
