// The buttons that act on many jobs: Confirm / Never mind under a bulk retry
// or cancel question, and Retry all / Discard on a failure digest's group.
// Each job goes through execute (its owner or an admin, audited) or, for
// Discard (admins), is removed while still failed; the person who clicked is
// told what was done and what was skipped, and the jobs' cards and the digest
// message are drawn again. Cards are edited, not announced in each thread: a
// bulk action must not flood the channel's posting budget.
import {
  AgentOpsError,
  ErrorCode,
  parseBulkButtonValue,
  parseDigestButtonValue,
  type DigestButtonValue,
} from '@agentops/core';
import { bulkResultText, confirmBulk, type BulkResult } from '../commands/bulk.js';
import { execute, type Outcome } from '../commands/execute.js';
import { settleGroup, type Digest, type DigestGroup } from '../digest/groups.js';
import { removeFailed } from '../queue/bulk.js';
import type { SlackDeps, SlackOrigin } from './context.js';
import { bulkResultMessage, digestMessage, jobCard, plainMessage } from './messages/index.js';
import { receiptKey } from './messenger.js';

const FORGED = 'That button does not belong to a question or digest I know. Use the buttons AgentOps posted.';

/** The Slack message key of a digest (its post), which edits target. */
export function digestKey(id: string): string {
  return `digest:${id}`;
}

/** Draws a job's card again after a bulk retry or cancel. */
async function redrawCard(deps: SlackDeps, outcome: Outcome, by: string): Promise<void> {
  const note = outcome.kind === 'retried' ? `:repeat: Retried by <@${by}>` : `:octagonal_sign: Cancelled by <@${by}>`;
  const job =
    outcome.kind === 'retried'
      ? outcome.job
      : outcome.kind === 'cancelled' && outcome.result.outcome === 'removed'
        ? outcome.result.job
        : undefined;
  if (!job?.data.slack) return;
  const state = outcome.kind === 'retried' ? ({ kind: 'queued' } as const) : ({ kind: 'cancelled', by } as const);
  const workspaceUrl = deps.memoryView?.workspaceUrl;
  await deps.messenger.update(
    job.data.slack.channel,
    { key: receiptKey(job.id) },
    jobCard({ data: job.data, state, note, priority: job.priority, ...(workspaceUrl ? { workspaceUrl } : {}) }),
  );
}

/** Runs `action` on each of `ids` as `origin.user`, redrawing each changed card. */
function runEach(deps: SlackDeps, origin: SlackOrigin, action: 'retry' | 'cancel') {
  return async (id: string) => {
    const outcome = await execute({ kind: action, id }, deps, { id: origin.user, source: 'button' });
    await redrawCard(deps, outcome, origin.user);
  };
}

export async function confirmBulkAction(deps: SlackDeps, origin: SlackOrigin, value: string | undefined) {
  const token = parseBulkButtonValue(value)?.token;
  if (!token || !deps.bulk) throw new AgentOpsError(ErrorCode.Usage, FORGED);
  const request = await deps.bulk.take(token, origin.user);
  const result = await confirmBulk(request, runEach(deps, origin, request.action));
  await deps.messenger.ephemeral(origin.channel, origin.user, bulkResultMessage(result));
}

export async function dismissBulkAction(deps: SlackDeps, origin: SlackOrigin, value: string | undefined) {
  const token = parseBulkButtonValue(value)?.token;
  if (!token || !deps.bulk) throw new AgentOpsError(ErrorCode.Usage, FORGED);
  await deps.bulk.take(token, origin.user).catch(() => undefined);
  await deps.messenger.ephemeral(origin.channel, origin.user, plainMessage('Nothing was changed.'));
}

async function findGroup(deps: SlackDeps, button: DigestButtonValue): Promise<{ digest: Digest; group: DigestGroup }> {
  const found = deps.digests ? await deps.digests.get(button.digest) : undefined;
  const group = found?.digest?.groups.find((entry) => entry.key === button.group);
  if (!found?.digest || !group)
    throw new AgentOpsError(
      ErrorCode.Usage,
      'That failure digest is no longer kept (digests are kept 7 days). Use /queue retry failed instead.',
    );
  return { digest: found.digest, group };
}

/** Marks the group settled (compare-and-set, read again on a clash) and edits the digest's message. */
async function settle(
  deps: SlackDeps,
  button: DigestButtonValue,
  settled: NonNullable<DigestGroup['settled']>,
): Promise<void> {
  const store = deps.digests;
  if (!store) return;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const { digest, raw } = await store.get(button.digest);
    if (!digest) return;
    const next = settleGroup(digest, button.group, settled);
    if (await store.replace(next, raw)) {
      await deps.outbox.send([
        {
          method: 'update',
          channel: deps.scope.channelId,
          target: { key: digestKey(next.id) },
          message: digestMessage(next),
          at: next.updatedAt,
        },
      ]);
      return;
    }
  }
}

function alreadySettled(group: DigestGroup): AgentOpsError | undefined {
  if (!group.settled) return undefined;
  const verb = group.settled.action === 'retried' ? 'retried' : 'discarded';
  return new AgentOpsError(ErrorCode.Usage, `This group was ${verb} already by ${group.settled.by}.`);
}

export async function retryDigestGroup(deps: SlackDeps, origin: SlackOrigin, value: string | undefined) {
  const button = parseDigestButtonValue(value);
  if (!button) throw new AgentOpsError(ErrorCode.Usage, FORGED);
  const { group } = await findGroup(deps, button);
  const earlier = alreadySettled(group);
  if (earlier) throw earlier;
  const request = { action: 'retry' as const, user: origin.user, ids: group.jobIds, others: 0 };
  const result = await confirmBulk(request, runEach(deps, origin, 'retry'));
  // Jobs left for their owners keep the group open, so its buttons stay for them.
  const leftForOthers = result.skipped.some((entry) => entry.reason !== 'changed');
  if (!leftForOthers)
    await settle(deps, button, {
      action: 'retried',
      by: origin.user,
      at: Date.now(),
      done: result.done.length,
      skipped: result.skipped.length,
    });
  await deps.messenger.ephemeral(origin.channel, origin.user, bulkResultMessage(result));
}

export async function discardDigestGroup(deps: SlackDeps, origin: SlackOrigin, value: string | undefined) {
  const button = parseDigestButtonValue(value);
  if (!button) throw new AgentOpsError(ErrorCode.Usage, FORGED);
  const actor = { id: origin.user, source: 'button' as const };
  const access = await deps.guard.check(actor, 'discard');
  if (!access.allowed) throw new AgentOpsError(ErrorCode.Forbidden, access.message);
  const { group } = await findGroup(deps, button);
  const earlier = alreadySettled(group);
  if (earlier) throw earlier;
  const result: BulkResult = { action: 'cancel', done: [], skipped: [], others: 0 };
  for (const id of group.jobIds) {
    if (await removeFailed(deps.manager, id)) result.done.push(id);
    else result.skipped.push({ id, reason: 'changed', message: 'not failed any more' });
  }
  await deps.guard.done(actor, 'discard');
  await settle(deps, button, {
    action: 'discarded',
    by: origin.user,
    at: Date.now(),
    done: result.done.length,
    skipped: result.skipped.length,
  });
  const text = bulkResultText(result).replace(/^Cancelled/, 'Discarded (removed)');
  await deps.messenger.ephemeral(origin.channel, origin.user, plainMessage(text));
}
