// Slack's side of submitting jobs: each routed request is checked against the
// queue's allow list (a refusal is a private answer), each job gets its receipt
// posted before it exists (the receipt's ts is the job's thread), and once the
// jobs are queued the receipts are linked to them. If queueing fails, every
// receipt says the job was not queued. Similar past jobs for each receipt are
// looked up beside routing and waited for at most QDRANT_RECEIPT_BUDGET_MS
// (from the start of the intake), so the job memory adds at most that budget to
// a receipt, and nothing when it is off.
import { toCodedError, type JobData, type JobRequest } from '@agentops/core';
import { submitJobs } from '../intake/submit.js';
import type { MemoryDeps, PastJob } from '../memory/index.js';
import { checkQueue } from './access.js';
import type { SlackDeps, SlackOrigin } from './context.js';
import { plainMessage, receiptMessage } from './messages/index.js';
import { refusalText } from './replies.js';

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

export async function intakeJobs(deps: SlackDeps, origin: SlackOrigin, items: JobRequest[]): Promise<JobData[]> {
  const { messenger } = deps;
  const lookups = lookUpSimilar(deps, items);
  const admittedItems: JobRequest[] = [];
  const shown = new Map<string, PastJob[]>();
  const receiptOf = (job: JobData) => job.slack?.receiptTs;
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
    },
    items,
    {
      hooks: {
        admit(item, decision) {
          const access = checkQueue(origin.user, decision.queue, deps.access);
          if (!access.allowed) return { admitted: false, message: access.message };
          admittedItems.push(item);
          return { admitted: true };
        },
        async refused(_item, decision, message) {
          deps.logger.warn(
            { refused: 'queue_not_allowed', kind: origin.source, user: origin.user, queue: decision.queue },
            `[slack] Refused ${decision.queue} job for ${origin.user}: not allowed`,
          );
          await messenger.ephemeral(origin.channel, origin.user, plainMessage(`:no_entry_sign: ${message}`));
        },
        async beforeEnqueue(job, index) {
          // Never rejects: the memory answers [] when it is off, failing or late.
          const item = admittedItems[index];
          const matches = (item && (await lookups.get(item))) ?? [];
          if (matches.length > 0) shown.set(job.id, matches);
          const workspaceUrl = deps.memoryView?.workspaceUrl;
          const receiptTs = await messenger.post(
            origin.channel,
            receiptMessage(job, { similar: matches, ...(workspaceUrl ? { workspaceUrl } : {}) }),
          );
          if (receiptTs && job.slack) job.slack.receiptTs = receiptTs;
        },
        async afterEnqueue(jobs) {
          await Promise.all(
            jobs.flatMap((job) => {
              const ts = receiptOf(job);
              return ts ? [deps.receiptLinks.link(ts, job.id)] : [];
            }),
          );
          const receipts = deps.memoryView?.receipts;
          if (receipts) await Promise.all([...shown].map(([id, matches]) => receipts.save(id, matches)));
        },
        async afterEnqueueFailed(jobs, error) {
          // The jobs are queued and will run; only commands typed in their threads may not find them.
          deps.logger.warn(
            { err: toCodedError(error), jobIds: jobs.map((job) => job.id) },
            '[slack] Jobs queued, but linking their receipts failed; commands typed in their threads may not reach them',
          );
        },
        async enqueueFailed(jobs, error) {
          // The receipts promised jobs that do not exist: say so on each of them.
          const reason = refusalText(error);
          await Promise.all(
            jobs.flatMap((job) => {
              const ts = receiptOf(job);
              return ts
                ? [messenger.update(origin.channel, ts, plainMessage(`Job #${job.id} was *not* queued. ${reason}`))]
                : [];
            }),
          );
        },
      },
    },
  );
}
