// Looks in Redis for the jobs a phase created: ids come from AgentOps' shared
// counter, so a phase knows exactly which ids to expect, and checks each job
// exists with its Slack receipt: the intake hands the receipt (the job's card)
// to the delivery outbox before the job exists, and the delivery service links
// receipt and job both ways once it has posted it.
import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUE_NAMES, redisKeys, toBullJobId, type JobData } from '@agentops/core';
import { receiptKey } from '@agentops/controller';
import { bullKey, type BenchContext } from './context.js';

export async function lastJobId(ctx: BenchContext, prefix: string): Promise<number> {
  return Number((await ctx.client.get(redisKeys(prefix).nextJobId)) ?? 0);
}

export function idRange(after: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => after + index + 1);
}

/**
 * Resolves with Date.now() at the first poll that finds every key `keyOf(id)`
 * (several candidate keys per id: any one of them counts). Only ids still
 * missing are checked again, so polling stays cheap.
 */
export async function waitForKeys(
  ctx: BenchContext,
  ids: readonly number[],
  keysOf: (id: number) => string[],
  options: { timeoutMs: number; pollMs: number; what: string },
): Promise<number> {
  let missing = [...ids];
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const pipeline = ctx.client.pipeline();
    for (const id of missing) pipeline.exists(...keysOf(id));
    const answers = (await pipeline.exec()) ?? [];
    missing = missing.filter((_, index) => Number(answers[index]?.[1] ?? 0) === 0);
    if (missing.length === 0) return Date.now();
    if (Date.now() > deadline)
      throw new Error(
        `bench: ${missing.length} of ${ids.length} ${options.what} missing after ${options.timeoutMs} ms (e.g. id ${missing[0]})`,
      );
    await sleep(options.pollMs);
  }
}

export function jobKeys(prefix: string): (id: number) => string[] {
  return (id) => QUEUE_NAMES.map((queue) => bullKey(prefix, queue, toBullJobId(id)));
}

/** The delivery service's sent record of job `id`'s answer (its first message, or the summary of a file answer). */
export function answerSentKeys(prefix: string): (id: number) => string[] {
  const keys = redisKeys(prefix);
  return (id) => [keys.outboxSent(`answer:${id}:1`), keys.outboxSent(`answer:${id}:summary`)];
}

/** Deliveries waiting in the outbox of `prefix` (the delivery service's backlog). */
export async function outboxDepth(ctx: BenchContext, prefix: string): Promise<number> {
  return Math.max(0, Number((await ctx.client.get(redisKeys(prefix).outboxDepth)) ?? 0));
}

/** Waits until AgentOps' counter has handed out `after + count` ids. */
export async function waitForCounter(
  ctx: BenchContext,
  prefix: string,
  target: number,
  timeoutMs: number,
  pollMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await lastJobId(ctx, prefix)) < target) {
    if (Date.now() > deadline)
      throw new Error(
        `bench: job counter did not reach ${target} within ${timeoutMs} ms (at ${await lastJobId(ctx, prefix)})`,
      );
    await sleep(pollMs);
  }
}

export interface AnswerWait {
  /** Date.now() when the last answer was found, or when waiting gave up. */
  at: number;
  /** Ids whose answer never came. */
  missing: number[];
}

/**
 * Waits until every job's answer is recorded as sent, or until no new answer
 * came for `stallMs` (answers the job-thread feed never handed over): the
 * missing ones are returned, not thrown, so a phase can report them and go on.
 */
export async function waitForAnswers(
  ctx: BenchContext,
  prefix: string,
  ids: readonly number[],
  options: { pollMs: number; stallMs: number },
): Promise<AnswerWait> {
  const keysOf = answerSentKeys(prefix);
  let missing = [...ids];
  let lastProgress = Date.now();
  for (;;) {
    const pipeline = ctx.client.pipeline();
    for (const id of missing) pipeline.exists(...keysOf(id));
    const answers = (await pipeline.exec()) ?? [];
    const still = missing.filter((_, index) => Number(answers[index]?.[1] ?? 0) === 0);
    const now = Date.now();
    if (still.length < missing.length) lastProgress = now;
    missing = still;
    if (missing.length === 0 || now - lastProgress > options.stallMs) return { at: lastProgress, missing };
    await sleep(options.pollMs);
  }
}

/** Like waitForCounter, but gives up quietly: resolves with the counter's value at the target or the deadline. */
export async function counterWithin(
  ctx: BenchContext,
  prefix: string,
  target: number,
  timeoutMs: number,
  pollMs = 10,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await lastJobId(ctx, prefix);
    if (value >= target || Date.now() > deadline) return value;
    await sleep(pollMs);
  }
}

export interface JobCheck {
  jobs: number;
  found: number;
  /** Jobs whose data says where in Slack they came from (channel and user). */
  withSlackOrigin: number;
  /** Jobs whose receipt is in the outbox or already posted. */
  receiptHandedOver: number;
  /** Jobs whose receipt the delivery service has posted (the rest wait their turn in the rate limits). */
  receiptPosted: number;
  /** Posted receipts whose message links back to the job. */
  receiptLinked: number;
  byQueue: Record<string, number>;
  byMethod: Record<string, number>;
}

/** Reads every job's data and its receipt's state: the proof that each job exists with its receipt. */
export async function checkJobs(ctx: BenchContext, prefix: string, ids: readonly number[]): Promise<JobCheck> {
  const keys = redisKeys(prefix);
  const pipeline = ctx.client.pipeline();
  for (const id of ids) {
    for (const queue of QUEUE_NAMES) pipeline.hget(bullKey(prefix, queue, toBullJobId(id)), 'data');
    // One EXISTS over both keys: the delivery service swaps one for the other in one step.
    pipeline.exists(keys.outboxItem(receiptKey(String(id))), keys.outboxSent(receiptKey(String(id))));
    pipeline.get(keys.jobReceipt(String(id)));
  }
  const answers = (await pipeline.exec()) ?? [];
  const check: JobCheck = {
    jobs: ids.length,
    found: 0,
    withSlackOrigin: 0,
    receiptHandedOver: 0,
    receiptPosted: 0,
    receiptLinked: 0,
    byQueue: {},
    byMethod: {},
  };
  const stride = QUEUE_NAMES.length + 2;
  const posted: { id: number; ts: string }[] = [];
  ids.forEach((id, index) => {
    const base = index * stride;
    const raw = QUEUE_NAMES.map((_, offset) => answers[base + offset]?.[1]).find(
      (value): value is string => typeof value === 'string',
    );
    if (Number(answers[base + QUEUE_NAMES.length]?.[1] ?? 0) > 0) check.receiptHandedOver += 1;
    const ts = answers[base + QUEUE_NAMES.length + 1]?.[1];
    if (typeof ts === 'string') posted.push({ id, ts });
    if (!raw) return;
    const data = JSON.parse(raw) as JobData;
    check.found += 1;
    check.byQueue[data.queue] = (check.byQueue[data.queue] ?? 0) + 1;
    check.byMethod[data.routing.method] = (check.byMethod[data.routing.method] ?? 0) + 1;
    if (data.slack?.channel && data.slack.user) check.withSlackOrigin += 1;
  });
  check.receiptPosted = posted.length;
  if (posted.length > 0) {
    const links = await ctx.client.mget(...posted.map((receipt) => keys.receiptLink(receipt.ts)));
    check.receiptLinked = posted.filter((receipt, index) => links[index] === String(receipt.id)).length;
  }
  return check;
}

/** What is wrong with a check of `expected` jobs, or undefined when nothing is. */
export function jobCheckProblem(check: JobCheck): string | undefined {
  const { jobs, found, withSlackOrigin, receiptHandedOver, receiptPosted, receiptLinked } = check;
  if (found === jobs && withSlackOrigin === jobs && receiptHandedOver === jobs && receiptLinked === receiptPosted)
    return undefined;
  return `of ${jobs} jobs ${found} found, ${withSlackOrigin} with their Slack origin, ${receiptHandedOver} with a receipt in the outbox or posted, ${receiptLinked} of ${receiptPosted} posted receipts linked to their job`;
}
