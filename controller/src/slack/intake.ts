// Turns job requests from Slack into jobs: route, check access, post one receipt
// per job (its ts becomes the job's thread), then enqueue them together.
// Similar past jobs for each receipt are looked up beside routing and waited for
// at most QDRANT_RECEIPT_BUDGET_MS (from the start of the intake), so the job
// memory adds at most that budget to a receipt, and nothing when it is off.
import type { JobData } from '@agentops/shared';
import type { MemoryDeps, PastJob } from '../qdrant/index.js';
import { plainMessage, receiptMessage } from '../queue/formatters.js';
import { routeRequests } from '../queue/operations.js';
import type { JobRequest } from '../util/command-parser.js';
import type { SlackDeps, SlackOrigin } from './context.js';
import { checkQueue } from './middleware.js';
import { refusalText } from './replies.js';

/** Lookups per intake; a long batch must not flood LM Studio with embeddings. */
const MAX_LOOKUPS = 10;

function lookUpSimilar(deps: MemoryDeps, items: JobRequest[]): Promise<PastJob[]>[] {
  const { memory, memoryView } = deps;
  return items.map((item, index) =>
    memory?.enabled && memoryView && index < MAX_LOOKUPS ? memory.similar(item.text, { budgetMs: memoryView.receiptBudgetMs }) : Promise.resolve([]),
  );
}

export async function intakeJobs(deps: SlackDeps, origin: SlackOrigin, items: JobRequest[]): Promise<JobData[]> {
  const { manager, messenger } = deps;
  const lookups = lookUpSimilar(deps, items);
  const decisions = await routeRequests(items, deps.route);
  const accepted: { item: JobRequest; decision: (typeof decisions)[number]; similar: Promise<PastJob[]> }[] = [];
  for (const [index, item] of items.entries()) {
    const decision = decisions[index];
    if (!decision) continue;
    const access = checkQueue(origin.user, decision.queue, deps.access);
    if (!access.allowed) {
      deps.logger.warn({ user: origin.user, queue: decision.queue }, `[slack] Refused ${decision.queue} job for ${origin.user}: not allowed`);
      await messenger.ephemeral(origin.channel, origin.user, plainMessage(`:no_entry_sign: ${access.message}`));
      continue;
    }
    accepted.push({ item, decision, similar: lookups[index] ?? Promise.resolve([]) });
  }
  if (accepted.length === 0) return [];
  if (!manager.isAvailable()) throw manager.unavailableError();
  const ids = await manager.allocateIds(accepted.length);
  const now = Date.now();
  const jobs: JobData[] = [];
  const shown = new Map<string, PastJob[]>();
  for (const [index, { item, decision, similar }] of accepted.entries()) {
    const data: JobData = {
      id: ids[index] ?? '',
      text: item.text,
      priority: item.priority,
      queue: decision.queue,
      source: origin.source,
      requestedBy: origin.user,
      createdAt: now,
      routing: decision,
      slack: { channel: origin.channel, user: origin.user, ...(origin.messageTs ? { messageTs: origin.messageTs } : {}) },
    };
    // Never rejects: the memory answers [] when it is off, failing or late.
    const matches = await similar;
    if (matches.length > 0) shown.set(data.id, matches);
    const workspaceUrl = deps.memoryView?.workspaceUrl;
    const receiptTs = await messenger.post(origin.channel, receiptMessage(data, { similar: matches, ...(workspaceUrl ? { workspaceUrl } : {}) }));
    if (receiptTs && data.slack) data.slack.receiptTs = receiptTs;
    jobs.push(data);
  }
  try {
    await manager.enqueueMany(
      jobs.map((job) => ({
        id: job.id,
        text: job.text,
        priority: job.priority,
        source: job.source,
        requestedBy: job.requestedBy,
        routing: job.routing,
        ...(job.slack ? { slack: job.slack } : {}),
      })),
    );
    await Promise.all(jobs.filter((job) => job.slack?.receiptTs).map((job) => manager.linkReceipt(job.slack!.receiptTs!, job.id)));
    const receipts = deps.memoryView?.receipts;
    if (receipts) await Promise.all([...shown].map(([id, matches]) => receipts.save(id, matches)));
  } catch (error) {
    // The receipts promised jobs that do not exist: say so on each of them.
    const reason = refusalText(error);
    await Promise.all(
      jobs.filter((job) => job.slack?.receiptTs).map((job) => messenger.update(origin.channel, job.slack!.receiptTs!, plainMessage(`Job #${job.id} was *not* queued. ${reason}`))),
    );
    throw error;
  }
  return jobs;
}
