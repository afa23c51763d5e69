// The one way a request becomes jobs, for every entry path (Slack, the CLI, and
// later the API, webhooks and schedules): route each request, let the caller
// admit or refuse it, fix the plan (ids and each job's data, once per inbox
// entry), let the caller do what must happen before the jobs exist (Slack
// queues the receipts whose threads the jobs reply in), add them to their
// queues together, then let the caller do what needs the jobs.
//
// Every step may run again after a crash: the plan is read back instead of
// routing again, receipts are deliveries with fixed keys, and BullMQ does not
// add a job id twice, so a replayed entry ends with the same jobs and nothing
// more. If adding fails, the caller is told so it can take back what it
// promised; if only what follows fails, the jobs exist and will run.
import {
  buildJobData,
  type JobData,
  type JobOrigin,
  type JobRequest,
  type QueueName,
  type RoutingDecision,
} from '@agentops/core';
import type { CrashHook } from '@agentops/core';
import type { QueueManager } from '../queue/manager.js';
import { explicitRoute, type Router } from '../router/index.js';
import type { Plans } from './plans.js';

/** Who asks for the jobs and where they came from; Slack receipts are filled in by beforeEnqueue. */
export type SubmitOrigin = JobOrigin;

export type Admission = { admitted: true } | { admitted: false; message: string };

export interface SubmitHooks {
  /** Admits or refuses one routed request; refused requests get no id and no job. */
  admit?(request: JobRequest, decision: RoutingDecision): Admission | Promise<Admission>;
  /** Told of each refused request, in order. */
  refused?(request: JobRequest, decision: RoutingDecision, message: string): Promise<void>;
  /** Runs once per job, in order, after its id is reserved and before any job exists; may complete `job.slack`. */
  beforeEnqueue?(job: JobData, index: number): Promise<void>;
  /** Runs once the jobs are on their queues. */
  afterEnqueue?(jobs: readonly JobData[]): Promise<void>;
  /** Runs when adding the jobs failed (none exists), before the error is rethrown. */
  enqueueFailed?(jobs: readonly JobData[], error: unknown): Promise<void>;
  /** Runs when afterEnqueue failed: the jobs exist and will run; submitJobs still returns them. */
  afterEnqueueFailed?(jobs: readonly JobData[], error: unknown): Promise<void>;
}

export interface SubmitDeps {
  manager: QueueManager;
  route: Router;
  plans: Plans;
  crash?: CrashHook;
}

export interface SubmitOptions {
  /** Skip routing and put every job on this queue (CLI --queue). */
  queue?: QueueName;
  hooks?: SubmitHooks;
  /** The inbox entry being handled: its plan is fixed by the first attempt. */
  entryId: string;
  /** Ids of jobs to add parked (filled in by beforeEnqueue): follow-ups waiting for the job before them. */
  parked?: ReadonlySet<string>;
}

/** Routing decisions for `requests`, in order: the router's, or the chosen queue's. */
export function routeRequests(
  requests: readonly JobRequest[],
  route: Router,
  queue?: QueueName,
): Promise<RoutingDecision[]> {
  if (queue) return Promise.resolve(requests.map(() => explicitRoute(queue)));
  // A plan is Claude Code's plan mode: the code queue, whatever the words.
  return Promise.all(
    requests.map((request) => (request.mode === 'plan' ? explicitRoute('code') : route(request.text))),
  );
}

/** Submits `requests`; resolves with the jobs created (none when all were refused). */
export async function submitJobs(
  deps: SubmitDeps,
  origin: SubmitOrigin,
  requests: readonly JobRequest[],
  options: SubmitOptions,
): Promise<JobData[]> {
  const { manager, plans } = deps;
  const crash = deps.crash ?? (() => undefined);
  const hooks = options.hooks ?? {};
  let plan = await plans.get(options.entryId);
  if (!plan) {
    const decisions = await routeRequests(requests, deps.route, options.queue);
    const admitted: { request: JobRequest; decision: RoutingDecision }[] = [];
    for (const [index, request] of requests.entries()) {
      const decision = decisions[index];
      if (!decision) continue;
      const admission = hooks.admit ? await hooks.admit(request, decision) : { admitted: true as const };
      if (admission.admitted) admitted.push({ request, decision });
      else await hooks.refused?.(request, decision, admission.message);
    }
    if (admitted.length === 0) return [];
    manager.assertAvailable();
    const now = Date.now();
    const templates = admitted.map(({ request, decision }) => {
      const { id: _id, ...template } = buildJobData('0', request, decision, origin, now);
      return template;
    });
    plan = await plans.create(options.entryId, templates);
    crash('intake:after-plan');
  } else if (!plan.enqueued) {
    // A replay: admit again only to line the hooks up with the planned jobs.
    for (const job of plan.jobs)
      await hooks.admit?.(
        { text: job.text, priority: job.priority, ...(job.workspace ? { workspace: job.workspace } : {}) },
        job.routing,
      );
  }
  const { jobs } = plan;
  if (!plan.enqueued) {
    if (hooks.beforeEnqueue) for (const [index, job] of jobs.entries()) await hooks.beforeEnqueue(job, index);
    crash('intake:after-receipt');
    try {
      await manager.add(jobs, options.parked);
    } catch (error) {
      await hooks.enqueueFailed?.(jobs, error);
      throw error;
    }
    crash('intake:after-jobs');
    await plans.markEnqueued(options.entryId);
  }
  try {
    await hooks.afterEnqueue?.(jobs);
  } catch (error) {
    await hooks.afterEnqueueFailed?.(jobs, error);
  }
  return jobs;
}
