// How past jobs read in a receipt (with the estimate from their history), in Slack's `find` answer and in the CLI. Pure.
import { escapeMrkdwn, slackPermalinkPath, truncate } from '@agentops/core';
import { estimateLine } from './estimate.js';
import type { PastJob } from './records.js';

/** The thread of a past job in Slack's web client, when its receipt is known. */
export function threadLink(
  workspaceUrl: string | undefined,
  job: Pick<PastJob, 'channel' | 'receiptTs'>,
): string | undefined {
  if (!workspaceUrl || !job.channel || !job.receiptTs) return undefined;
  return `${workspaceUrl.replace(/\/+$/, '')}${slackPermalinkPath(job.channel, job.receiptTs)}`;
}

function percent(score: number): string {
  return `${Math.round(Math.max(0, Math.min(1, score)) * 100)}%`;
}

function oneLine(text: string, max: number): string {
  return truncate(text.replace(/\s+/g, ' ').trim(), max);
}

/** One mrkdwn line per past job: linked id, outcome, similarity and the request. */
export function pastJobLines(jobs: readonly PastJob[], workspaceUrl?: string, textChars = 90): string[] {
  return jobs.map((job) => {
    const link = threadLink(workspaceUrl, job);
    const id = link ? `<${link}|#${job.jobId}>` : `#${job.jobId}`;
    return `• ${id} ${job.status} on ${job.queue} · ${percent(job.score)} similar · ${escapeMrkdwn(oneLine(job.text, textChars))}`;
  });
}

/** The receipt's section about similar past jobs. */
export function similarJobsText(jobs: readonly PastJob[], workspaceUrl?: string): string {
  const estimate = estimateLine(jobs);
  return [
    `:card_index_dividers: *Similar past jobs*`,
    ...pastJobLines(jobs, workspaceUrl),
    ...(estimate ? [`:crystal_ball: Estimate: ${escapeMrkdwn(estimate)}`] : []),
  ].join('\n');
}

/** Slack's answer to `/queue find`. */
export function findAnswerText(query: string, jobs: readonly PastJob[], workspaceUrl?: string): string {
  const shown = escapeMrkdwn(oneLine(query, 80));
  if (jobs.length === 0) return `No remembered jobs yet to compare with “${shown}”.`;
  return [`*Closest past jobs to* “${shown}”`, ...pastJobLines(jobs, workspaceUrl, 120)].join('\n');
}

export function memoryOffText(reason: string): string {
  return `:zzz: Job memory is off, so there is nothing to search. ${reason}.`;
}

/** The CLI's `find` table, one job per line. */
export function formatFindForCli(query: string, jobs: readonly PastJob[]): string {
  if (jobs.length === 0) return `No remembered jobs yet to compare with "${oneLine(query, 80)}".`;
  const lines = jobs.map((job) => {
    const when = job.completedAt ? job.completedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-';
    return `#${job.jobId.padEnd(6)} ${job.status.padEnd(9)} ${job.queue.padEnd(8)} ${percent(job.score).padStart(4)}  ${when}  ${oneLine(job.text, 70)}`;
  });
  return [
    `Closest past jobs to "${oneLine(query, 80)}":`,
    'Id      Status    Queue    Sim   Finished              Text',
    ...lines,
  ].join('\n');
}
