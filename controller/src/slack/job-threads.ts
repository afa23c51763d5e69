// The job-thread feed: follows BullMQ's event stream of each queue and tells
// each Slack job what happened, through the delivery service. A job that
// starts gets its card edited to "Working" (only if it is still running after
// SLACK_WORKING_NOTICE_MS, so a quick job goes straight to its outcome);
// progress edits the card at most every SLACK_CARD_EDIT_INTERVAL_MS; a
// completed job's card shows its outcome and its answer is posted in the
// thread; a failed job's notice (with Retry) is posted once BullMQ has moved it
// to failed, so the button works the moment it appears.
//
// Workers never wait for any of this: they only store their result in BullMQ.
// The feed keeps its place per queue in Redis and resumes there after a
// restart; every delivery it makes has a fixed key (or is an edit dated by its
// event), so handling an entry twice says nothing twice.
import {
  KEEP_COMPLETED,
  KEEP_FAILED,
  QUEUE_NAMES,
  fromBullJobId,
  jobDataSchema,
  redisKeys,
  toCodedError,
  type Config,
  type JobData,
  type JobResult,
  type Logger,
  type QueueName,
  type Redis,
} from '@agentops/core';
import type { Outbox } from '../delivery/outbox.js';
import type { Delivery } from '../delivery/types.js';
import type { SlackMemoryView } from '../memory/index.js';
import type { Durations } from '../queue/durations.js';
import type { QueueManager, StoredJob } from '../queue/manager.js';
import { fieldsOf, followStreams, forEachBatch, streamIdTime } from '../queue/streams.js';
import {
  answerMessages,
  cancelledNotice,
  closeAnswer,
  closingBlocks,
  footerKey,
  planFooter,
  failureNotice,
  jobCard,
  planAnswer,
  type CardState,
} from './messages/index.js';
import { jobThread, receiptKey } from './messenger.js';
import { releaseFollowers } from '../conversations/release.js';
import type { ThreadChain } from '../conversations/chain.js';

export interface JobThreadsOptions {
  /** A connection of its own (it blocks on XREAD); the feed closes it. */
  reader: Redis;
  prefix: string;
  streams: Record<QueueName, string>;
  manager: QueueManager;
  outbox: Outbox;
  durations: Durations;
  memoryView?: SlackMemoryView;
  /** The order of job threads: the follow-up waiting for a job that ended is let go. */
  threads?: ThreadChain;
  delivery: Config['delivery'];
  logger: Logger;
  blockMs?: number;
}

export interface JobThreads {
  close(): Promise<void>;
}

type Event = { queue: QueueName; id: string; at: number; fields: Record<string, string> };

const NARRATED = new Set(['active', 'progress', 'completed', 'failed', 'delayed', 'waiting']);

function parseJson<T>(raw: string | undefined): T | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

export function startJobThreads(options: JobThreadsOptions): JobThreads {
  const { reader, manager, outbox, logger } = options;
  const names = redisKeys(options.prefix);

  const initCursors = async () => {
    for (const queue of QUEUE_NAMES) {
      // A first start narrates from now on; older events were never promised.
      const last = (await reader.xrevrange(options.streams[queue], '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
      await reader.set(names.threadCursor(queue), last, 'NX');
    }
  };

  const card = async (data: JobData, job: StoredJob, state: CardState) => {
    const similar = (await options.memoryView?.receipts.load(data.id)) ?? [];
    const workspaceUrl = options.memoryView?.workspaceUrl;
    return jobCard({
      data,
      state,
      priority: (job.priority || data.priority) as JobData['priority'],
      similar,
      ...(workspaceUrl ? { workspaceUrl } : {}),
    });
  };

  /** What to send for one event; nothing for jobs without a Slack thread. */
  const narrate = async (event: Event, job: StoredJob, settledInBatch: boolean): Promise<Delivery[]> => {
    const parsed = jobDataSchema.safeParse(job.data);
    if (!parsed.success || !parsed.data.slack) return [];
    const data = parsed.data;
    const channel = data.slack?.channel ?? '';
    const target = { key: receiptKey(data.id) };
    // A follow-up's card is a reply in its thread; everything it says goes to that thread.
    const thread = jobThread(data) ?? target;
    const attempt = { n: Math.max(1, job.attemptsMade), max: job.opts.attempts ?? 1 };
    const edit = async (
      state: CardState,
      extra: { notBefore?: number; minGapMs?: number } = {},
    ): Promise<Delivery> => ({
      method: 'update',
      channel,
      target,
      message: await card(data, job, state),
      at: event.at,
      ...extra,
    });
    const kind = event.fields.event;
    switch (kind) {
      case 'active':
      case 'progress': {
        if (settledInBatch) return [];
        const progress =
          kind === 'progress' ? parseJson<{ step?: string; turns?: number }>(event.fields.data) : undefined;
        const since = job.processedOn ?? event.at;
        return [
          await edit(
            {
              kind: 'running',
              since,
              attempt: { n: job.attemptsMade + 1, max: attempt.max },
              ...(progress?.step ? { step: progress.step } : {}),
              ...(typeof progress?.turns === 'number' ? { turns: progress.turns } : {}),
            },
            {
              notBefore: since + options.delivery.workingNoticeMs,
              ...(kind === 'progress' ? { minGapMs: options.delivery.cardEditIntervalMs } : {}),
            },
          ),
        ];
      }
      case 'completed': {
        const result = parseJson<JobResult>(event.fields.returnvalue) ?? job.returnvalue;
        const elapsedMs = job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : 0;
        const deliveries: Delivery[] = [
          await edit({ kind: 'completed', elapsedMs, ...(result?.stats ? { stats: result.stats } : {}) }),
        ];
        const markdown = typeof result?.text === 'string' ? result.text : '';
        const plan = closeAnswer(planAnswer(data.id, markdown), closingBlocks(result?.stats));
        if (plan.kind === 'file') {
          deliveries.push(
            { method: 'post', key: `answer:${data.id}:summary`, channel, thread, message: plan.summary },
            {
              method: 'upload',
              key: `answer:${data.id}:file`,
              channel,
              thread,
              file: plan.file,
              fallback: answerMessages(data.id, markdown),
            },
          );
        } else {
          for (const [index, message] of plan.messages.entries())
            deliveries.push({ method: 'post', key: `answer:${data.id}:${index + 1}`, channel, thread, message });
        }
        if (data.mode === 'plan')
          deliveries.push({ method: 'post', key: footerKey(data.id), channel, thread, message: planFooter(data) });
        return deliveries;
      }
      case 'failed': {
        const details = await manager.cancelInfo(data.id);
        const occurrence = job.finishedOn ?? event.at;
        if (details) {
          return [
            await edit({ kind: 'cancelled', by: details.by }),
            {
              method: 'post',
              key: `cancelled:${data.id}:${occurrence}`,
              channel,
              thread,
              message: cancelledNotice(data.id, details.by),
            },
          ];
        }
        const reason = job.failedReason || event.fields.failedReason || 'unknown failure';
        return [
          await edit({ kind: 'failed', attempt, reason }),
          {
            method: 'post',
            key: `failed:${data.id}:${occurrence}`,
            channel,
            thread,
            message: failureNotice(data.id, attempt, reason),
          },
        ];
      }
      case 'delayed':
      case 'waiting': {
        if (settledInBatch) return [];
        // A follow-up parked until the job before it ends (its card says so), then let go.
        const parked = data.thread !== undefined && !job.processedOn && job.attemptsMade === 0;
        if (parked)
          return kind === 'waiting' && event.fields.prev === 'delayed' ? [await edit({ kind: 'queued' })] : [];
        if (kind === 'waiting' && event.fields.prev !== 'active') return [];
        if (job.attemptsMade > 0 && job.failedReason)
          return [await edit({ kind: 'retrying', attempt, reason: job.failedReason })];
        // Held by a spent daily budget (the worker moved it to delayed until the next UTC day).
        const budget = kind === 'delayed' ? await manager.budgetHold(data.id) : undefined;
        if (budget) return [await edit({ kind: 'queued', budget })];
        // Back in line because its queue waits out Claude's limit (no attempt used).
        const limit = (await manager.limits.all()).find(
          (entry) => entry.queue === event.queue && entry.resetAt > Date.now(),
        );
        if (limit) return [await edit({ kind: 'queued', limit: { kind: limit.kind, resetAt: limit.resetAt } })];
        return [await edit({ kind: 'interrupted' })];
      }
      default:
        return [];
    }
  };

  const handleBatch = async (queue: QueueName, entries: [string, string[]][]) => {
    const events: Event[] = entries
      .map(([id, list]) => ({ queue, id, at: streamIdTime(id), fields: fieldsOf(list) }))
      .filter((event) => NARRATED.has(event.fields.event ?? '') && event.fields.jobId);
    const settled = new Set(
      events
        .filter((event) => ['completed', 'failed'].includes(event.fields.event ?? ''))
        .map((event) => event.fields.jobId),
    );
    const ids = [...new Set(events.map((event) => event.fields.jobId ?? ''))];
    const jobs = new Map(
      await Promise.all(ids.map(async (id) => [id, await manager.queues[queue].getJob(id)] as const)),
    );
    const deliveries: Delivery[] = [];
    const durations: number[] = [];
    /** Jobs that ended in this batch (finished or failed for good): their threads' next jobs may start. */
    const ended: JobData[] = [];
    let gone = 0;
    for (const event of events) {
      const job = jobs.get(event.fields.jobId ?? '');
      if (!job) {
        // A job cancelled while waiting was removed, and the controller said so already; a finished one
        // should still be there (KEEP_COMPLETED, KEEP_FAILED), unless far more finished meanwhile.
        if (event.fields.event === 'completed' || event.fields.event === 'failed') gone += 1;
        continue;
      }
      const laterSettled =
        settled.has(event.fields.jobId) && !['completed', 'failed'].includes(event.fields.event ?? '');
      try {
        deliveries.push(...(await narrate(event, job as StoredJob, laterSettled)));
      } catch (error) {
        logger.warn(
          { err: toCodedError(error), jobId: fromBullJobId(event.fields.jobId) },
          `[threads] Could not tell job ${fromBullJobId(event.fields.jobId)}'s thread about ${event.fields.event}`,
        );
      }
      if (event.fields.event === 'completed' && job.finishedOn && job.processedOn)
        durations.push(job.finishedOn - job.processedOn);
      if (event.fields.event === 'completed' || event.fields.event === 'failed') {
        const data = jobDataSchema.safeParse(job.data);
        if (data.success) ended.push(data.data);
      }
    }
    if (gone > 0)
      logger.warn(
        { threads: 'gone', queue, count: gone },
        `[threads] ${gone} finished ${queue} job(s) were removed by BullMQ before their threads were told (it keeps the last ${KEEP_COMPLETED} completed and ${KEEP_FAILED} failed per queue)`,
      );
    await outbox.send(deliveries);
    await options.durations.record(queue, durations);
    if (options.threads) await releaseFollowers(options.threads, manager, ended);
  };

  const run = async (signal: AbortSignal, blocking: (on: boolean) => void) => {
    await initCursors();
    await forEachBatch(
      reader,
      options.streams,
      names.threadCursor,
      { count: 200, blockMs: options.blockMs ?? 5_000, signal, blocking },
      handleBatch,
    );
  };

  return followStreams(reader, run, (error) =>
    logger.debug({ err: toCodedError(error) }, `[threads] Job-thread feed: ${toCodedError(error).message}; resuming`),
  );
}
