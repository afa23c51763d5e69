// Reading the Slack simulator's record of Web API calls: which AgentOps
// delivery a post was (every post carries its delivery key in message
// metadata: `receipt:<id>`, `answer:<id>:<n>`...), which job each post and
// edit belongs to (posts by the thread they are in, edits by the card they
// edit), and the least time Slack's token buckets allow for a set of calls.
import type { RecordedCall } from '../../support/slack-sim/index.js';
import type { BucketRate } from '../../support/slack-sim/limits.js';

/** The delivery key in a post's metadata (`{event_type:'agentops_delivery', event_payload:{key}}`). */
export function deliveryKeyOf(call: RecordedCall): string | undefined {
  let metadata: unknown = call.args.metadata;
  if (typeof metadata === 'string') {
    try {
      metadata = JSON.parse(metadata);
    } catch {
      return undefined;
    }
  }
  const payload = (metadata as { event_type?: unknown; event_payload?: { key?: unknown } } | undefined)?.event_payload;
  return typeof payload?.key === 'string' ? payload.key : undefined;
}

/** The job id of an answer post's key (`answer:<id>:<n>`), else undefined. */
export function answerJobOf(call: RecordedCall): string | undefined {
  if (call.method !== 'chat.postMessage') return undefined;
  return /^answer:(\d+):/.exec(deliveryKeyOf(call) ?? '')?.[1];
}

/** Answer posts Slack accepted, one per job (the first), with the time the simulator answered. */
export function answersDelivered(calls: readonly RecordedCall[]): Map<string, number> {
  const answers = new Map<string, number>();
  for (const call of calls) {
    if (!call.ok) continue;
    const id = answerJobOf(call);
    if (id !== undefined && !answers.has(id)) answers.set(id, call.at);
  }
  return answers;
}

export interface JobCalls {
  /** Posts in the job's thread (its receipt, the card, is not one). */
  posts: number;
  /** Edits of the job's card. */
  edits: number;
}

/**
 * Slack calls per job, every call made (429s included): receipts are found by
 * their metadata key (`receipt:<id>`) and the ts Slack gave them, thread posts
 * by their thread_ts, card edits by the ts they edit.
 */
export function callsPerJob(calls: readonly RecordedCall[]): Map<string, JobCalls> {
  const jobOfReceipt = new Map<string, string>();
  for (const call of calls) {
    if (call.method !== 'chat.postMessage' || !call.ok) continue;
    const id = /^receipt:(\d+)$/.exec(deliveryKeyOf(call) ?? '')?.[1];
    const ts = call.response?.ts;
    if (id !== undefined && typeof ts === 'string') jobOfReceipt.set(ts, id);
  }
  const perJob = new Map<string, JobCalls>([...jobOfReceipt.values()].map((id) => [id, { posts: 0, edits: 0 }]));
  for (const call of calls) {
    if (call.method === 'chat.postMessage' && typeof call.args.thread_ts === 'string') {
      const id = jobOfReceipt.get(call.args.thread_ts);
      const entry = id === undefined ? undefined : perJob.get(id);
      if (entry) entry.posts += 1;
    } else if (call.method === 'chat.update' && typeof call.args.ts === 'string') {
      const id = jobOfReceipt.get(call.args.ts);
      const entry = id === undefined ? undefined : perJob.get(id);
      if (entry) entry.edits += 1;
    }
  }
  return perJob;
}

/** Least seconds between the first and the last of `calls` calls through a full token bucket. */
export function bucketMinimumSec(calls: number, rate: BucketRate): number {
  return Math.max(0, calls - rate.burst) / rate.perSecond;
}

export interface BucketMinimum {
  /** The binding bound: the larger of the two below. */
  seconds: number;
  /** The busiest channel's chat.postMessage calls through its bucket. */
  postSec: number;
  /** Every chat.update call through the app's bucket. */
  updateSec: number;
  postsByChannel: Record<string, number>;
  updates: number;
}

/** The least time Slack's buckets allow for the calls Slack accepted (a 429 takes no token). */
export function bucketMinimum(
  calls: readonly RecordedCall[],
  limits: { postMessage: BucketRate; update: BucketRate },
): BucketMinimum {
  const postsByChannel: Record<string, number> = {};
  let updates = 0;
  for (const call of calls) {
    if (!call.ok) continue;
    if (call.method === 'chat.postMessage') {
      const channel = String(call.args.channel ?? '');
      postsByChannel[channel] = (postsByChannel[channel] ?? 0) + 1;
    } else if (call.method === 'chat.update') updates += 1;
  }
  const postSec = Math.max(
    0,
    ...Object.values(postsByChannel).map((count) => bucketMinimumSec(count, limits.postMessage)),
  );
  const updateSec = bucketMinimumSec(updates, limits.update);
  return { seconds: Math.max(postSec, updateSec), postSec, updateSec, postsByChannel, updates };
}
