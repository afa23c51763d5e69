// Slack's side of submitting jobs: each routed request is checked against the
// queue's allow list (a refusal is a private answer), each job's card (its
// receipt) is handed to the delivery service before the job exists, so the
// thread is there before anything is said in it, and the similar past jobs a
// card shows are kept once the jobs are queued. Similar past jobs are looked
// up beside routing and waited for at most QDRANT_RECEIPT_BUDGET_MS (from the
// start of the intake), so the job memory adds at most that budget to a
// receipt, and nothing when it is off.
import {
  escapeMrkdwn,
  toCodedError,
  type JobData,
  type JobRequest,
  type QueueLimit,
  type QueueName,
} from '@agentops/core';
import type { ServiceRequest } from '../intake/inbox.js';
import { submitJobs } from '../intake/submit.js';
import type { MemoryDeps, PastJob } from '../memory/index.js';
import { attachOutcomes } from '../memory/estimate.js';
import type { HistoryInsights } from '../history/types.js';
import { estimateStart } from '../queue/durations.js';
import type { SlackDeps, SlackOrigin } from './context.js';
import { jobCard, plainMessage } from './messages/index.js';
import { receiptKey } from './messenger.js';
import { chooseForItems } from '../workspaces/index.js';

/** Lookups per intake; a long batch must not flood LM Studio with embeddings. */
const MAX_LOOKUPS = 10;

function lookUpSimilar(deps: MemoryDeps, items: readonly JobRequest[]): Map<JobRequest, Promise<PastJob[]>> {
  const { memory, memoryView } = deps;
  const lookups = new Map<JobRequest, Promise<PastJob[]>>();
  items.forEach((item, index) => {
    if (memory?.enabled && memoryView && index < MAX_LOOKUPS)
      lookups.set(item, memory.similar(item.text, { budgetMs: memoryView.receiptBudgetMs }));
  });
  return lookups;
}

/**
 * Most a receipt waits for the history's outcomes of its similar jobs (one
 * query by primary key, well under a millisecond unless the database is busy).
 */
const OUTCOMES_BUDGET_MS = 25;

/** The similar jobs with what the history knows of their ends, for the card's estimate; as they were when it is slow or away. */
async function withOutcomes(history: HistoryInsights | undefined, jobs: PastJob[]): Promise<PastJob[]> {
  if (!history || jobs.length === 0) return jobs;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), OUTCOMES_BUDGET_MS);
  });
  const outcomes = await Promise.race([history.outcomes(jobs.map((job) => job.jobId)).catch(() => undefined), late]);
  clearTimeout(timer);
  return outcomes ? attachOutcomes(jobs, outcomes) : jobs;
}

/** Where each new job of an intake stands in its queue, counting the ones queued before it in the same intake. */
function createLineUp(deps: SlackDeps) {
  const base = new Map<QueueName, Promise<{ ahead: number; active: number; slots: number; recent: number[] }>>();
  const added = new Map<QueueName, number>();
  return async (job: JobData) => {
    let known = base.get(job.queue);
    if (!known) {
      known = Promise.all([
        deps.manager.lineUp(job.queue, job.priority, deps.config.workers[job.queue].concurrency),
        deps.durations.recent(job.queue),
      ]).then(([line, recent]) => ({ ...line, recent }));
      base.set(job.queue, known);
    }
    const line = await known;
    const before = added.get(job.queue) ?? 0;
    added.set(job.queue, before + 1);
    const ahead = line.ahead + before;
    const etaMs = estimateStart(ahead, line.active, line.slots, line.recent);
    return { position: ahead + 1, ...(etaMs === undefined ? {} : { etaMs }) };
  };
}

/**
 * Each request's workspace (workspaces/choose.ts: `repo=`, the words, the
 * channel's default), before routing; a name that is not configured is
 * refused privately. Every queue's job keeps it: only the code worker runs
 * there, but a `code:` follow-up in a research or local thread inherits it.
 */
async function chooseWorkspaces(deps: SlackDeps, origin: SlackOrigin, items: JobRequest[]): Promise<JobRequest[]> {
  // An API or webhook request chose its workspace already (the API's field, the hook's setting).
  if (isService(origin)) return items;
  const channelDefault = await deps.workspaces?.channels.get(origin.channel);
  const chosen = chooseForItems(items, deps.workspaces?.names ?? [], channelDefault ? { channelDefault } : {});
  for (const message of chosen.refusals)
    await deps.messenger.ephemeral(
      origin.channel,
      origin.user,
      plainMessage(`:no_entry_sign: ${escapeMrkdwn(message)}`),
    );
  return chosen.items;
}

const isService = (origin: SlackOrigin) => origin.source === 'api' || origin.source === 'webhook';

/** A REST API or webhook request, with a receipt in the served channel (API_RECEIPTS). */
export function intakeServiceJobs(deps: SlackDeps, request: ServiceRequest, entryId: string): Promise<JobData[]> {
  const origin: SlackOrigin = {
    channel: deps.scope.channelId,
    user: request.actor.id,
    source: request.actor.source,
    trigger: request.trigger,
    ...(request.actor.scopes ? { scopes: request.actor.scopes } : {}),
  };
  return intakeJobs(deps, origin, request.items, entryId, request.queue ? { queue: request.queue } : {});
}

export async function intakeJobs(
  deps: SlackDeps,
  origin: SlackOrigin,
  requested: JobRequest[],
  entryId: string,
  options: { queue?: QueueName } = {},
): Promise<JobData[]> {
  const { messenger } = deps;
  const items = await chooseWorkspaces(deps, origin, requested);
  if (items.length === 0) return [];
  const lookups = lookUpSimilar(deps, items);
  const admittedItems: JobRequest[] = [];
  const shown = new Map<string, PastJob[]>();
  const lineUp = createLineUp(deps);
  // A queue waiting out Claude's limit says so on the receipt, with "Run on the local model instead".
  let limits: Promise<Map<string, { kind: QueueLimit['kind']; resetAt: number }>> | undefined;
  const limitOf = async (queue: string) => {
    limits ??= deps.manager.limits
      .all()
      .catch(() => [])
      .then(
        (all) =>
          new Map(
            all
              .filter((limit) => limit.resetAt > Date.now())
              .map((limit) => [limit.queue, { kind: limit.kind, resetAt: limit.resetAt }] as const),
          ),
      );
    return (await limits).get(queue);
  };
  return submitJobs(
    deps,
    {
      source: origin.source,
      requestedBy: origin.user,
      slack: {
        channel: origin.channel,
        user: origin.user,
        ...(origin.messageTs ? { messageTs: origin.messageTs } : {}),
      },
      ...(origin.trigger ? { trigger: origin.trigger } : {}),
    },
    items,
    {
      entryId,
      ...(options.queue ? { queue: options.queue } : {}),
      hooks: {
        async admit(item, decision) {
          const actor = { id: origin.user, source: origin.source, ...(origin.scopes ? { scopes: origin.scopes } : {}) };
          const access = await deps.guard.check(actor, 'submit', {
            queue: decision.queue,
          });
          if (!access.allowed) return { admitted: false, message: access.message };
          admittedItems.push(item);
          return { admitted: true };
        },
        async refused(_item, _decision, message) {
          // Logged and audited by the guard; an API token or a hook has no one to tell in Slack.
          if (isService(origin)) return;
          await messenger.ephemeral(origin.channel, origin.user, plainMessage(`:no_entry_sign: ${message}`));
        },
        async beforeEnqueue(job, index) {
          // Never rejects: the memory answers [] when it is off, failing or late.
          const item = admittedItems[index];
          const [found, place, limit] = await Promise.all([
            (item && lookups.get(item)) ?? [],
            lineUp(job),
            limitOf(job.queue),
          ]);
          const matches = await withOutcomes(deps.history, found);
          if (matches.length > 0) shown.set(job.id, matches);
          const workspaceUrl = deps.memoryView?.workspaceUrl;
          const card = jobCard({
            data: job,
            state: { kind: 'queued', ...place, ...(limit ? { limit } : {}) },
            similar: matches,
            ...(workspaceUrl ? { workspaceUrl } : {}),
          });
          await deps.outbox.send([
            { method: 'post', key: receiptKey(job.id), channel: origin.channel, message: card, receiptOf: job.id },
          ]);
        },
        async afterEnqueue() {
          const receipts = deps.memoryView?.receipts;
          if (receipts) await Promise.all([...shown].map(([id, matches]) => receipts.save(id, matches)));
        },
        async afterEnqueueFailed(jobs, error) {
          // The jobs are queued and will run; only their cards may miss the similar jobs later.
          deps.logger.warn(
            { err: toCodedError(error), jobIds: jobs.map((job) => job.id) },
            '[slack] Jobs queued, but saving the similar jobs their cards show failed',
          );
        },
      },
    },
  );
}
