// A click on Approve, Deny or "Approve all for this job" under an approval
// question. The button carries only the question's id; the question and its
// job are read again, and the access decision ('approve': the job's requester
// or an admin) is made for that job and that person. The first answer wins
// (SET NX in the store); a later click, or one after the timeout, is told
// privately what the answer was. The question's message is edited to say who
// answered; the worker, woken by the answer, carries on.
import {
  AgentOpsError,
  ErrorCode,
  parseApprovalButtonValue,
  type ApprovalAnswer,
  type ApprovalChoice,
} from '@agentops/core';
import type { SlackDeps, SlackOrigin } from '../context.js';
import { answeredEdit, approvalJob } from '../approval-feed.js';
import { alreadyAnswered, plainMessage } from '../messages/index.js';

const FORGED = 'That button does not belong to an approval question I know. Use the buttons in a job thread.';

export async function answerApproval(
  deps: SlackDeps,
  origin: SlackOrigin,
  choice: ApprovalChoice,
  value: string | undefined,
): Promise<void> {
  const id = parseApprovalButtonValue(value);
  if (!id) throw new AgentOpsError(ErrorCode.Usage, FORGED);
  const tell = (text: string) => deps.messenger.ephemeral(origin.channel, origin.user, plainMessage(text));
  const request = await deps.approvals.request(id);
  const data = request ? await approvalJob(deps.manager, request) : undefined;
  if (!request || !data) {
    await tell('That approval question is no longer open: its job is gone or the question expired.');
    return;
  }
  const actor = { id: origin.user, source: 'button' as const };
  const decision = await deps.guard.check(
    actor,
    'approve',
    { job: { id: data.id, queue: data.queue, requestedBy: data.requestedBy } },
    { approval: id },
  );
  if (!decision.allowed) {
    await tell(decision.message);
    return;
  }
  const answer: ApprovalAnswer = { choice, by: origin.user, at: Date.now() };
  const outcome = await deps.approvals.decide(id, answer);
  if (!outcome.written) {
    await tell(
      outcome.earlier ? alreadyAnswered(request, outcome.earlier) : 'That approval question was already answered.',
    );
    return;
  }
  await deps.guard.done(actor, 'approve', data.id);
  await deps.outbox.send([answeredEdit(data, request, answer)]);
}
