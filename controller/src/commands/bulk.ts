// Bulk actions: `retry failed [queue]` and `cancel waiting [queue]`. The
// command only asks: it counts the jobs, keeps the exact set it will act on
// under a short-lived token bound to the person who asked, and says how many
// of them are someone else's (a non-admin acts only on their own jobs). The
// Confirm (a button in Slack, y or --yes at the CLI) then runs each job
// through the ordinary retry or cancel, with the same access rules, and says
// what was done and what was skipped and why.
import { randomBytes } from 'node:crypto';
import {
  AgentOpsError,
  ErrorCode,
  KEY_TTL_SEC,
  redisKeys,
  toCodedError,
  type QueueName,
  type Redis,
} from '@agentops/core';
import type { AccessActor } from '../access/policy.js';
import { jobsIn } from '../queue/bulk.js';
import type { QueueManager } from '../queue/manager.js';

export type BulkAction = 'retry' | 'cancel';

/** What a confirmation holds: who asked, what, and the exact job ids. */
export interface BulkRequest {
  action: BulkAction;
  queue?: QueueName;
  user: string;
  /** The jobs the confirm acts on. */
  ids: string[];
  /** Other people's jobs, left alone (non-admins). */
  others: number;
}

export interface BulkQuestion extends BulkRequest {
  token: string;
  /** How long the token lives (ms). */
  expiresInMs: number;
}

export type SkipReason = 'not_owner' | 'changed' | 'failed';

export interface BulkResult {
  action: BulkAction;
  queue?: QueueName;
  done: string[];
  skipped: { id: string; reason: SkipReason; message: string }[];
  /** Other people's jobs left alone when the question was asked. */
  others: number;
}

export interface BulkConfirmations {
  save(request: BulkRequest): Promise<BulkQuestion>;
  /** The request behind `token`, used up; CONFIRMATION_EXPIRED when it is gone, used or someone else's. */
  take(token: string, user: string): Promise<BulkRequest>;
}

const EXPIRED =
  'This confirmation has expired (it lasts 5 minutes), was used already, or is not yours. Nothing was changed; ask again.';

export function createBulkConfirmations(redis: Redis, prefix: string): BulkConfirmations {
  const keys = redisKeys(prefix);
  return {
    async save(request) {
      const token = randomBytes(16).toString('hex');
      await redis.set(keys.bulkConfirmation(token), JSON.stringify(request), 'EX', KEY_TTL_SEC.bulkConfirmation);
      return { ...request, token, expiresInMs: KEY_TTL_SEC.bulkConfirmation * 1_000 };
    },
    async take(token, user) {
      const key = keys.bulkConfirmation(token);
      const raw = await redis.get(key);
      const request = raw ? (JSON.parse(raw) as BulkRequest) : undefined;
      // Only its asker may use it, once: the DEL that removes it is the one that counts.
      if (!request || request.user !== user || (await redis.del(key)) !== 1)
        throw new AgentOpsError(ErrorCode.ConfirmationExpired, EXPIRED, { details: { token: token.slice(0, 8) } });
      return request;
    },
  };
}

/** Counts the jobs a bulk action would touch, and keeps the set behind a token. */
export async function askBulk(
  manager: QueueManager,
  confirmations: BulkConfirmations,
  actor: AccessActor,
  admin: boolean,
  action: BulkAction,
  queue?: QueueName,
): Promise<BulkQuestion> {
  const jobs = await jobsIn(manager, action === 'retry' ? 'failed' : 'waiting', queue);
  const mine = admin ? jobs : jobs.filter((job) => job.requestedBy === actor.id);
  return confirmations.save({
    action,
    ...(queue ? { queue } : {}),
    user: actor.id,
    ids: mine.map((job) => job.id),
    others: jobs.length - mine.length,
  });
}

const CHANGED = new Set<string>([
  ErrorCode.JobNotFound,
  ErrorCode.JobFinished,
  ErrorCode.JobInvalidState,
  ErrorCode.JobAlreadyRetried,
  ErrorCode.JobAlreadyCancelled,
  ErrorCode.JobDataInvalid,
]);

/** Runs the confirmed action on each job through `one` (execute: access and audit per job). */
export async function confirmBulk(request: BulkRequest, one: (id: string) => Promise<unknown>): Promise<BulkResult> {
  const result: BulkResult = {
    action: request.action,
    ...(request.queue ? { queue: request.queue } : {}),
    done: [],
    skipped: [],
    others: request.others,
  };
  for (const id of request.ids) {
    try {
      await one(id);
      result.done.push(id);
    } catch (error) {
      const coded = toCodedError(error);
      if (coded.code === ErrorCode.RedisUnavailable) throw error;
      const reason: SkipReason =
        coded.code === ErrorCode.Forbidden ? 'not_owner' : CHANGED.has(coded.code) ? 'changed' : 'failed';
      result.skipped.push({ id, reason, message: coded.message });
    }
  }
  return result;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The question, in words: the count, and what happens to other people's jobs. */
export function bulkQuestionText(question: BulkQuestion): string {
  const what = question.action === 'retry' ? 'failed' : 'waiting';
  const where = question.queue ? ` on ${question.queue}` : '';
  const verb = question.action === 'retry' ? 'Retry' : 'Cancel';
  const others =
    question.others > 0
      ? ` ${plural(question.others, 'other job')} ${question.others === 1 ? 'is' : 'are'} someone else's and will be skipped: only their requester or an admin may ${question.action} them.`
      : '';
  if (question.ids.length === 0) return `There are no ${what} jobs${where} you may ${question.action}.${others}`;
  return `${verb} ${plural(question.ids.length, `${what} job`)}${where}?${others}`;
}

/** What a confirmed bulk action did, in words. */
export function bulkResultText(result: BulkResult): string {
  const verb = result.action === 'retry' ? 'Retried' : 'Cancelled';
  const where = result.queue ? ` on ${result.queue}` : '';
  const lines = [
    `${verb} ${plural(result.done.length, 'job')}${where}${result.done.length > 0 ? `: ${result.done.map((id) => `#${id}`).join(', ')}` : ''}.`,
  ];
  const byReason = (reason: SkipReason) => result.skipped.filter((entry) => entry.reason === reason);
  const notMine = byReason('not_owner').length + result.others;
  if (notMine > 0)
    lines.push(
      `Skipped ${plural(notMine, 'job')} of other people: only their requester or an admin may ${result.action} them.`,
    );
  const changed = byReason('changed');
  if (changed.length > 0)
    lines.push(
      `Skipped ${plural(changed.length, 'job')} that changed since you asked (${changed.map((entry) => `#${entry.id}`).join(', ')}).`,
    );
  for (const entry of byReason('failed')) lines.push(`Job #${entry.id} could not be changed: ${entry.message}`);
  return lines.join('\n');
}
