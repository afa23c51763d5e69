// How a job looks in the REST API: from the queue manager's details, or from
// the job history for jobs BullMQ no longer keeps. Pure.
import { ROUTING_METHODS, type JobResult, type RoutingMethod } from '@agentops/core';
import type { HistoryJob } from '../history/types.js';
import type { JobDetails } from '../queue/manager.js';
import type { CallbackOutcome } from '../webhooks/callback-store.js';
import type { JobView } from './schemas.js';

function statsOf(stats: JobResult['stats'] | undefined): JobView['stats'] {
  if (!stats) return undefined;
  const { durationMs, costUsd, turns, model, branch, diffstat } = stats;
  const view = { durationMs, costUsd, turns, model, branch, diffstat };
  return Object.fromEntries(Object.entries(view).filter(([, value]) => value !== undefined)) as JobView['stats'];
}

export function jobFromQueue(job: JobDetails, callback?: CallbackOutcome): JobView {
  const { data } = job;
  const result = job.result as Partial<JobResult> | undefined;
  const stats = statsOf(result?.stats);
  const answer = typeof result?.text === 'string' ? result.text : undefined;
  return {
    id: job.id,
    queue: job.queue,
    status: job.status,
    priority: job.priority,
    text: data.text,
    source: data.source,
    requestedBy: data.requestedBy,
    createdAt: job.createdAt,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    attempts: job.attemptsMade,
    routing: {
      queue: data.routing.queue,
      method: data.routing.method,
      confidence: data.routing.confidence,
      patterns: data.routing.patterns,
      ...(data.routing.reason ? { reason: data.routing.reason } : {}),
    },
    ...(data.workspace ? { workspace: data.workspace } : {}),
    ...(data.trigger ? { trigger: { kind: data.trigger.kind, name: data.trigger.name } } : {}),
    ...(answer !== undefined && job.status === 'completed' ? { answer } : {}),
    ...(job.failedReason && job.status === 'failed' ? { failedReason: job.failedReason } : {}),
    ...(stats ? { stats } : {}),
    ...(job.cancel ? { cancelled: job.cancel } : {}),
    ...(callback ? { callback } : {}),
    from: 'queue',
  };
}

function triggerOf(trigger: string | undefined): JobView['trigger'] {
  const match = /^(api|webhook|schedule):(.+)$/.exec(trigger ?? '');
  return match?.[1] && match[2] ? { kind: match[1] as 'api' | 'webhook' | 'schedule', name: match[2] } : undefined;
}

export function jobFromHistory(job: HistoryJob, callback?: CallbackOutcome): JobView {
  const method: RoutingMethod = (ROUTING_METHODS as readonly string[]).includes(job.routing)
    ? (job.routing as RoutingMethod)
    : 'default';
  const trigger = triggerOf(job.trigger);
  const stats = statsOf({
    ...(job.durationMs === undefined ? {} : { durationMs: job.durationMs }),
    ...(job.costUsd === undefined ? {} : { costUsd: job.costUsd }),
    ...(job.turns === undefined ? {} : { turns: job.turns }),
  });
  return {
    id: job.id,
    queue: job.queue,
    status: job.status,
    priority: job.priority,
    text: job.text,
    source: job.source,
    requestedBy: job.requestedBy,
    createdAt: job.createdAt,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    attempts: job.attempts,
    routing: { queue: job.queue, method },
    ...(job.workspace ? { workspace: job.workspace } : {}),
    ...(trigger ? { trigger } : {}),
    ...(job.answer !== undefined && job.status === 'completed' ? { answer: job.answer } : {}),
    ...(job.failedReason ? { failedReason: job.failedReason } : {}),
    ...(stats && Object.keys(stats).length > 0 ? { stats } : {}),
    ...(callback ? { callback } : {}),
    from: 'history',
  };
}
