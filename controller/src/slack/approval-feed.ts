// The approval feed: follows the stream on which workers announce tool
// approval questions, and tells Slack. A new question is posted in the job's
// thread with Approve, Deny and "Approve all for this job", and the job card
// says it waits for approval; a question the worker timed out has its message
// edited to say it was denied. The controller keeps its place in the stream in
// Redis, so a question asked while it restarts is posted when it is back; each
// delivery has a fixed key (the question's id), so reading an entry twice
// posts nothing twice. The click itself is handled by
// listeners/approval-actions.ts.
import {
  QUEUE_NAMES,
  jobDataSchema,
  redisKeys,
  toBullJobId,
  toCodedError,
  type ApprovalRequest,
  type JobData,
  type Logger,
  type QueueName,
  type Redis,
} from '@agentops/core';
import type { ApprovalStore } from '../approvals/store.js';
import type { Outbox } from '../delivery/outbox.js';
import type { Delivery } from '../delivery/types.js';
import type { SlackMemoryView } from '../memory/index.js';
import type { QueueManager } from '../queue/manager.js';
import { fieldsOf, followStreams, type StreamFollower } from '../queue/streams.js';
import { approvalAnswered, approvalQuestion, jobCard } from './messages/index.js';
import { jobThread, receiptKey } from './messenger.js';

export interface ApprovalFeedOptions {
  /** A connection of its own (it blocks on XREAD); the feed closes it. */
  reader: Redis;
  prefix: string;
  store: ApprovalStore;
  manager: QueueManager;
  outbox: Outbox;
  memoryView?: SlackMemoryView;
  logger: Logger;
  blockMs?: number;
}

/** The delivery key of an approval question's message. */
export const approvalKey = (id: string) => `approval:${id}`;

const isQueue = (queue: string): queue is QueueName => (QUEUE_NAMES as readonly string[]).includes(queue);

/** The job of a question, if it still exists and came from Slack. */
export async function approvalJob(manager: QueueManager, request: ApprovalRequest): Promise<JobData | undefined> {
  if (!isQueue(request.queue)) return undefined;
  const job = await manager.queues[request.queue].getJob(toBullJobId(request.job));
  const parsed = jobDataSchema.safeParse(job?.data);
  return parsed.success && parsed.data.slack ? parsed.data : undefined;
}

/** The edit of a question's message once it has its answer. */
export function answeredEdit(data: JobData, request: ApprovalRequest, answer: Parameters<typeof approvalAnswered>[1]) {
  return {
    method: 'update',
    channel: data.slack?.channel ?? '',
    target: { key: approvalKey(request.id) },
    message: approvalAnswered(request, answer),
    at: answer.at,
  } satisfies Delivery;
}

export function startApprovalFeed(options: ApprovalFeedOptions): StreamFollower {
  const { reader, store, manager, outbox, logger } = options;
  const keys = redisKeys(options.prefix);

  const asked = async (data: JobData, request: ApprovalRequest): Promise<Delivery[]> => {
    const channel = data.slack?.channel ?? '';
    const similar = (await options.memoryView?.receipts.load(data.id)) ?? [];
    const workspaceUrl = options.memoryView?.workspaceUrl;
    return [
      {
        method: 'post',
        key: approvalKey(request.id),
        channel,
        thread: jobThread(data) ?? { key: receiptKey(data.id) },
        message: approvalQuestion(request),
      },
      {
        method: 'update',
        channel,
        target: { key: receiptKey(data.id) },
        message: jobCard({
          data,
          state: { kind: 'awaiting-approval', tool: request.tool, since: request.at },
          similar,
          ...(workspaceUrl ? { workspaceUrl } : {}),
        }),
        at: request.at,
      },
    ];
  };

  const handle = async (fields: Record<string, string>): Promise<Delivery[]> => {
    const id = fields.id ?? '';
    const request = await store.request(id);
    if (!request) return [];
    const data = await approvalJob(manager, request);
    if (!data) return [];
    if (fields.event === 'asked') return asked(data, request);
    if (fields.event === 'timeout') {
      const answer = await store.answer(id);
      return answer ? [answeredEdit(data, request, answer)] : [];
    }
    return [];
  };

  const run = async (signal: AbortSignal, blocking: (on: boolean) => void) => {
    // A first start asks from now on; older questions were timed out by their workers long ago.
    const last = (await reader.xrevrange(keys.approvalRequests, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
    await reader.set(keys.approvalCursor, last, 'NX');
    while (!signal.aborted) {
      const cursor = (await reader.get(keys.approvalCursor)) ?? '0-0';
      blocking(true);
      let reply: [string, [string, string[]][]][] | null;
      try {
        if (signal.aborted) return;
        reply = (await reader.xread(
          'COUNT',
          100,
          'BLOCK',
          options.blockMs ?? 5_000,
          'STREAMS',
          keys.approvalRequests,
          cursor,
        )) as [string, [string, string[]][]][] | null;
      } finally {
        blocking(false);
      }
      const entries = reply?.[0]?.[1] ?? [];
      const deliveries: Delivery[] = [];
      for (const [entryId, list] of entries) {
        try {
          deliveries.push(...(await handle(fieldsOf(list))));
        } catch (error) {
          logger.warn(
            { err: toCodedError(error), entry: entryId },
            `[approvals] Could not tell the thread about approval entry ${entryId}`,
          );
        }
      }
      await outbox.send(deliveries);
      const newest = entries.at(-1)?.[0];
      if (newest) await reader.set(keys.approvalCursor, newest);
    }
  };

  return followStreams(reader, run, (error) =>
    logger.debug({ err: toCodedError(error) }, `[approvals] Approval feed: ${toCodedError(error).message}; resuming`),
  );
}
