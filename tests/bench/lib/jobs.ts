// Looks in Redis for the jobs a phase created: ids come from AgentOps' shared
// counter, so a phase knows exactly which ids to expect, and checks each job
// exists with its Slack receipt (the ts in its data, and the receipt -> job link).
import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUE_NAMES, agentopsKey, toBullJobId, type JobData } from '@agentops/core';
import { bullKey, type BenchContext } from './context.js';

export async function lastJobId(ctx: BenchContext, prefix: string): Promise<number> {
  return Number((await ctx.client.get(agentopsKey(prefix, 'next-job-id'))) ?? 0);
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

export function deliveredKey(prefix: string): (id: number) => string[] {
  return (id) => [agentopsKey(prefix, 'delivered', String(id))];
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

export interface JobCheck {
  jobs: number;
  found: number;
  withReceiptTs: number;
  receiptLinked: number;
  byQueue: Record<string, number>;
  byMethod: Record<string, number>;
}

/** Reads every job's data and receipt link: the proof that each job exists with its receipt. */
export async function checkJobs(ctx: BenchContext, prefix: string, ids: readonly number[]): Promise<JobCheck> {
  const pipeline = ctx.client.pipeline();
  for (const id of ids) for (const queue of QUEUE_NAMES) pipeline.hget(bullKey(prefix, queue, toBullJobId(id)), 'data');
  const answers = (await pipeline.exec()) ?? [];
  const check: JobCheck = { jobs: ids.length, found: 0, withReceiptTs: 0, receiptLinked: 0, byQueue: {}, byMethod: {} };
  const receipts: { id: number; ts: string }[] = [];
  ids.forEach((id, index) => {
    const raw = QUEUE_NAMES.map((_, offset) => answers[index * QUEUE_NAMES.length + offset]?.[1]).find(
      (value): value is string => typeof value === 'string',
    );
    if (!raw) return;
    const data = JSON.parse(raw) as JobData;
    check.found += 1;
    check.byQueue[data.queue] = (check.byQueue[data.queue] ?? 0) + 1;
    check.byMethod[data.routing.method] = (check.byMethod[data.routing.method] ?? 0) + 1;
    if (data.slack?.receiptTs) {
      check.withReceiptTs += 1;
      receipts.push({ id, ts: data.slack.receiptTs });
    }
  });
  // The link is written right after the enqueue; give the last ones a moment.
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const links = await ctx.client.mget(...receipts.map((receipt) => agentopsKey(prefix, 'receipt', receipt.ts)));
    check.receiptLinked = receipts.filter((receipt, index) => links[index] === String(receipt.id)).length;
    if (check.receiptLinked === receipts.length) break;
    await sleep(100);
  }
  return check;
}
