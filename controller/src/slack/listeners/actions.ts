// The interactive handlers: card buttons (Cancel, Retry, Promote), tool
// approvals (Approve, Deny, Approve all: approval-actions.ts) and status
// controls (Pause/Resume, Refresh, Set Workers, View Status). Every click is
// written to the inbox (a redelivered click is dropped there), then
// acknowledged, and handled by the inbox consumer, which refuses forged values.
// Channel, person and Redis were checked by the access middleware.
import type { App, BlockAction } from '@slack/bolt';
import {
  ACTION_IDS,
  mention,
  AgentOpsError,
  ErrorCode,
  MAX_WORKERS,
  MIN_WORKERS,
  parseJobButtonValue,
  priorityLabel,
  type JobPriority,
} from '@agentops/core';
import { footerKey, plainMessage, planDecided, statusMessage } from '../messages/index.js';
import { queueFollowUp } from '../follow-ups.js';
import { execute, type Outcome } from '../../commands/execute.js';
import type { Command } from '../../commands/grammar.js';
import type { SlackDeps, SlackOrigin } from '../context.js';
import { announceInThread, presentOutcome, refuse } from '../replies.js';
import { accept } from './accept.js';
import { answerApproval } from './approval-actions.js';
import { confirmBulkAction, discardDigestGroup, dismissBulkAction, retryDigestGroup } from '../bulk-actions.js';

interface ActionInput {
  deps: SlackDeps;
  origin: SlackOrigin;
  /** The inbox entry of the click: a job it starts is planned under it. */
  entryId: string;
  /** The message the button sits on. */
  messageTs?: string;
  value?: string;
  selected?: string;
}

type Handler = (input: ActionInput) => Promise<void>;

const FORGED =
  'That button does not belong to a job I know (its value is not a job id). Use the buttons on a job receipt.';

function jobId(input: ActionInput): string {
  const parsed = parseJobButtonValue(input.value);
  if (!parsed) throw new AgentOpsError(ErrorCode.Usage, FORGED);
  return parsed.id;
}

async function runJobCommand(input: ActionInput, command: Command): Promise<void> {
  const outcome = await execute(command, input.deps, { id: input.origin.user, source: 'button' });
  await presentOutcome(input.deps, input.origin, outcome);
}

async function refreshStatus(input: ActionInput, note?: string): Promise<void> {
  const snapshot = await input.deps.manager.status();
  const message = statusMessage(snapshot, note ? { note } : {});
  if (input.messageTs) await input.deps.messenger.update(input.origin.channel, input.messageTs, message);
  else await input.deps.messenger.post(input.origin.channel, message);
}

async function applyToStatus(input: ActionInput, command: Command, note: (outcome: Outcome) => string): Promise<void> {
  const outcome = await execute(command, input.deps, { id: input.origin.user, source: 'button' });
  await refreshStatus(input, note(outcome));
}

/** What "Run it" asks of the plan's session. */
export const RUN_PLAN_TEXT =
  'Carry out the plan you made above, step by step. Then summarise what you changed, what you ran and its result.';

/** Run it / Drop it on a plan: once per plan, by the thread's requester or an admin. */
async function decidePlan(input: ActionInput, choice: 'run' | 'drop'): Promise<void> {
  const { deps, origin } = input;
  const planId = jobId(input);
  const plan = await deps.manager.inspect(planId);
  if (plan.data.mode !== 'plan') throw new AgentOpsError(ErrorCode.Usage, `Job #${planId} is not a plan.`);
  if (plan.status !== 'completed')
    throw new AgentOpsError(
      ErrorCode.Usage,
      `Job #${planId} has not finished planning (${plan.status}); wait for its plan.`,
    );
  const rootId = plan.data.thread?.root ?? planId;
  const subject = { job: { id: planId, queue: plan.queue, requestedBy: plan.data.requestedBy } };
  const access = await deps.guard.check({ id: origin.user, source: 'button' }, 'followUp', subject);
  if (!access.allowed) throw new AgentOpsError(ErrorCode.Forbidden, access.message);
  const earlier = await deps.threads.decidePlan(rootId, planId, choice === 'run' ? 'run' : 'dropped');
  if (earlier) {
    await deps.messenger.ephemeral(
      origin.channel,
      origin.user,
      plainMessage(`The plan of job #${planId} was ${earlier === 'dropped' ? 'dropped' : 'run'} already.`),
    );
    return;
  }
  const footer = { key: footerKey(planId) };
  if (choice === 'drop') {
    await deps.messenger.update(origin.channel, footer, planDecided(planId, origin.user, 'dropped'));
    return;
  }
  try {
    const run = await queueFollowUp(
      deps,
      origin,
      rootId,
      { request: { text: RUN_PLAN_TEXT, priority: plan.data.priority }, queue: 'code' },
      input.entryId,
    );
    if (run) await deps.messenger.update(origin.channel, footer, planDecided(planId, origin.user, { ran: run.id }));
    else await deps.threads.undecidePlan(rootId, planId);
  } catch (error) {
    await deps.threads.undecidePlan(rootId, planId);
    throw error;
  }
}

/** "Run on the local model instead": a waiting job of a queue that waits out Claude's limit moves to local. */
async function spillToLocal(input: ActionInput): Promise<void> {
  const { deps, origin } = input;
  const id = jobId(input);
  const job = await deps.manager.inspect(id);
  const actor = { id: origin.user, source: 'button' as const };
  // Moving a job is like promoting it: its requester or an admin, who may use the local queue.
  const owner = await deps.guard.check(actor, 'promote', {
    job: { id, queue: 'local', requestedBy: job.data.requestedBy },
  });
  if (!owner.allowed) throw new AgentOpsError(ErrorCode.Forbidden, owner.message);
  const moved = await deps.manager.moveToQueue(
    id,
    'local',
    `moved to the local model by ${origin.user} while ${job.queue} waited for a limit`,
  );
  await deps.guard.done(actor, 'promote', id);
  await announceInThread(
    deps,
    moved,
    `:twisted_rightwards_arrows: Job #${id} moved from *${job.queue}* to *local* by ${mention(origin.user)}: the local model answers it instead.`,
    { state: { kind: 'queued' }, note: `Moved to local by ${mention(origin.user)}` },
  );
}

/** "Allow anyway": an admin lets one job through a spent daily budget. */
async function allowOverBudget(input: ActionInput): Promise<void> {
  const { deps, origin } = input;
  const id = jobId(input);
  const job = await deps.manager.inspect(id);
  const actor = { id: origin.user, source: 'button' as const };
  const subject = { job: { id, queue: job.queue, requestedBy: job.data.requestedBy } };
  const access = await deps.guard.check(actor, 'overrideBudget', subject);
  if (!access.allowed) throw new AgentOpsError(ErrorCode.Forbidden, access.message);
  const released = await deps.manager.allowOverBudget(id);
  await deps.guard.done(actor, 'overrideBudget', id);
  if (!released) {
    await deps.messenger.ephemeral(
      origin.channel,
      origin.user,
      plainMessage(`Job #${id} is not held by a budget any more (${job.status}); nothing to allow.`),
    );
    return;
  }
  await announceInThread(
    deps,
    job,
    `:money_with_wings: Job #${id} may run over the daily budget: allowed by ${mention(origin.user)}.`,
    { state: { kind: 'queued' }, note: `Allowed over budget by ${mention(origin.user)}` },
  );
}

const HANDLERS: Record<string, Handler> = {
  [ACTION_IDS.allowBudget]: allowOverBudget,
  [ACTION_IDS.spill]: spillToLocal,
  [ACTION_IDS.bulkConfirm]: (input) => confirmBulkAction(input.deps, input.origin, input.value),
  [ACTION_IDS.bulkDismiss]: (input) => dismissBulkAction(input.deps, input.origin, input.value),
  [ACTION_IDS.digestRetry]: (input) => retryDigestGroup(input.deps, input.origin, input.value),
  [ACTION_IDS.digestDiscard]: (input) => discardDigestGroup(input.deps, input.origin, input.value),
  [ACTION_IDS.runPlan]: (input) => decidePlan(input, 'run'),
  [ACTION_IDS.dropPlan]: (input) => decidePlan(input, 'drop'),
  [ACTION_IDS.cancel]: (input) => runJobCommand(input, { kind: 'cancel', id: jobId(input) }),
  [ACTION_IDS.retry]: (input) => runJobCommand(input, { kind: 'retry', id: jobId(input) }),
  [ACTION_IDS.promote]: async (input) => {
    const id = jobId(input);
    const job = await input.deps.manager.inspect(id);
    if (job.priority === 1) {
      await input.deps.messenger.ephemeral(
        input.origin.channel,
        input.origin.user,
        plainMessage(`Job #${id} is already ${priorityLabel(1)}, the highest priority.`),
      );
      return;
    }
    await runJobCommand(input, { kind: 'promote', id, priority: (job.priority - 1) as JobPriority });
  },
  [ACTION_IDS.pause]: (input) =>
    applyToStatus(input, { kind: 'pause' }, () => `:double_vertical_bar: Paused by ${mention(input.origin.user)}`),
  [ACTION_IDS.resume]: (input) =>
    applyToStatus(input, { kind: 'resume' }, () => `:arrow_forward: Resumed by ${mention(input.origin.user)}`),
  [ACTION_IDS.approve]: (input) => answerApproval(input.deps, input.origin, 'approve', input.value),
  [ACTION_IDS.deny]: (input) => answerApproval(input.deps, input.origin, 'deny', input.value),
  [ACTION_IDS.approveAll]: (input) => answerApproval(input.deps, input.origin, 'approveAll', input.value),
  [ACTION_IDS.refresh]: (input) => refreshStatus(input, `Refreshed by ${mention(input.origin.user)}`),
  [ACTION_IDS.viewStatus]: async (input) => {
    await input.deps.messenger.post(input.origin.channel, statusMessage(await input.deps.manager.status()));
  },
  [ACTION_IDS.setWorkers]: async (input) => {
    const count = Number(input.selected);
    if (!Number.isInteger(count) || count < MIN_WORKERS || count > MAX_WORKERS) {
      throw new AgentOpsError(
        ErrorCode.Usage,
        `Worker count must be a whole number from ${MIN_WORKERS} to ${MAX_WORKERS}, not "${input.selected ?? ''}".`,
      );
    }
    await applyToStatus(
      input,
      { kind: 'workers', count },
      () => `Concurrency set to ${count} by ${mention(input.origin.user)}`,
    );
  },
};

export function registerActions(app: App, deps: SlackDeps): void {
  app.action<BlockAction>(/.*/, async ({ ack, body, action }) => {
    const channel = body.channel?.id ?? body.container?.channel_id ?? '';
    const messageTs = body.message?.ts ?? body.container?.message_ts;
    const actionTs = (action as { action_ts?: string }).action_ts ?? '';
    const actionId = action.action_id;
    await accept(
      deps,
      {
        kind: 'action',
        channel,
        user: body.user.id,
        actionId,
        ...(messageTs ? { messageTs } : {}),
        ...('value' in action && typeof action.value === 'string' ? { value: action.value } : {}),
        ...('selected_option' in action && action.selected_option ? { selected: action.selected_option.value } : {}),
      },
      `action:${messageTs ?? '-'}:${actionId}:${actionTs}`,
      () => ack(),
    );
  });
}

/** Handles an accepted click (from the inbox). */
export async function handleAction(
  deps: SlackDeps,
  request: { channel: string; user: string; actionId: string; value?: string; selected?: string; messageTs?: string },
  entryId: string,
): Promise<void> {
  const origin: SlackOrigin = { channel: request.channel, user: request.user, source: 'button' };
  const handler = HANDLERS[request.actionId];
  if (!handler) {
    deps.logger.warn(
      { actionId: request.actionId, user: request.user },
      `[actions] Unknown action ${request.actionId.slice(0, 80)}, ignoring`,
    );
    await deps.messenger.ephemeral(
      request.channel,
      request.user,
      plainMessage('That button is not one of mine any more. Use `/queue status` for fresh controls.'),
    );
    return;
  }
  const input: ActionInput = {
    deps,
    origin,
    entryId,
    ...(request.messageTs ? { messageTs: request.messageTs } : {}),
    ...(request.value !== undefined ? { value: request.value } : {}),
    ...(request.selected !== undefined ? { selected: request.selected } : {}),
  };
  try {
    await handler(input);
  } catch (error) {
    await refuse(deps, origin, error);
  }
}
