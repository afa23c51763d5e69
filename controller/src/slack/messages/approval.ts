// The approval question posted in a job's thread when its run asks to use a
// tool, and the same message once it is answered (who answered, no buttons).
// The tool and its input are the model's words: escaped (no mention, link or
// ping can come of them) and cut; the worker already scrubbed them of secrets.
// Pure.
import {
  ACTION_IDS,
  codeBlock,
  escapeMrkdwn,
  mention,
  truncate,
  type ApprovalAnswer,
  type ApprovalRequest,
} from '@agentops/core';
import { button, context, section, withinLimits, type ControllerMessage } from './blocks.js';
import { formatDuration } from './format.js';

const INPUT_SHOWN_MAX = 1_600;
const TOOL_MAX = 80;

const toolName = (request: ApprovalRequest) => escapeMrkdwn(truncate(request.tool, TOOL_MAX));

function questionBody(request: ApprovalRequest, headline: string) {
  return section(`${headline}\n${codeBlock(request.input, INPUT_SHOWN_MAX)}`);
}

export function approvalQuestion(request: ApprovalRequest): ControllerMessage {
  const tool = toolName(request);
  return withinLimits({
    text: `Job #${request.job} asks to use ${tool}: approve or deny in the thread`,
    blocks: [
      questionBody(request, `:raised_hand: *Job #${request.job} asks to use ${tool}*`),
      context(
        `Only ${mention(request.requestedBy)} or an admin can answer · no answer in ${formatDuration(request.timeoutMs)} denies it`,
      ),
      {
        type: 'actions',
        block_id: `agentops_approval_${request.id}`,
        elements: [
          button('Approve', ACTION_IDS.approve, request.id, 'primary'),
          button('Deny', ACTION_IDS.deny, request.id, 'danger'),
          button('Approve all for this job', ACTION_IDS.approveAll, request.id),
        ],
      },
    ],
  });
}

/** What the answer was, in words: "Approved by <@U1>". */
export function answerLine(answer: ApprovalAnswer, timeoutMs: number): string {
  switch (answer.choice) {
    case 'approve':
      return `:white_check_mark: Approved by ${mention(answer.by ?? 'someone')}`;
    case 'approveAll':
      return `:white_check_mark: Approved by ${mention(answer.by ?? 'someone')}, with every later tool use of this job`;
    case 'deny':
      return `:no_entry_sign: Denied by ${mention(answer.by ?? 'someone')}`;
    case 'timeout':
      return `:no_entry_sign: Denied: nobody answered within ${formatDuration(timeoutMs)}`;
  }
}

export function approvalAnswered(request: ApprovalRequest, answer: ApprovalAnswer): ControllerMessage {
  const tool = toolName(request);
  const line = answerLine(answer, request.timeoutMs);
  return withinLimits({
    text: `Job #${request.job}, ${tool}: ${line.replace(/^:[a-z_]+: /, '')}`,
    blocks: [questionBody(request, `*Job #${request.job} asked to use ${tool}*`), context(line)],
  });
}

/** The private reply to a click on a question that already has its answer. */
export function alreadyAnswered(request: ApprovalRequest, answer: ApprovalAnswer): string {
  return `Job #${request.job}'s ${toolName(request)} request was already answered: ${answerLine(answer, request.timeoutMs).replace(/^:[a-z_]+: /, '')}.`;
}
