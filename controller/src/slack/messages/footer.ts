// What follows a job's answer in its thread: the command that continues the
// Claude session in a terminal, and for a plan, the buttons that run it or
// drop it. Pure.
import {
  ACTION_IDS,
  codeBlock,
  jobButtonValue,
  mention,
  SLACK_LIMITS,
  type JobData,
  type JobStats,
} from '@agentops/core';
import { handoffCommand } from '../../conversations/handoff.js';
import { button, context, section, withinLimits, type ControllerMessage } from './blocks.js';

/** The message after a code or research answer; undefined when there is nothing to add. */
export function answerFooter(data: JobData, stats: JobStats | undefined): ControllerMessage | undefined {
  const command = handoffCommand(stats);
  const plan = data.mode === 'plan';
  if (!command && !plan) return undefined;
  const blocks = [];
  if (plan)
    blocks.push(
      section(
        `:clipboard: *Plan for job #${data.id}*: nothing was changed yet. *Run it* queues the work as a follow-up of this session; reply in the thread to change the plan first, or *Drop it*.`,
      ),
      {
        type: 'actions' as const,
        block_id: `agentops_plan_${data.id}`,
        elements: [
          button('Run it', ACTION_IDS.runPlan, jobButtonValue(data.id), 'primary'),
          button('Drop it', ACTION_IDS.dropPlan, jobButtonValue(data.id), 'danger'),
        ],
      },
    );
  if (command)
    blocks.push(
      context('Continue this session in a terminal on the workstation:'),
      section(codeBlock(command, SLACK_LIMITS.sectionText)),
    );
  return withinLimits({
    text: plan ? `Plan for job #${data.id}: Run it or Drop it` : `Continue job #${data.id} in a terminal: ${command}`,
    blocks,
  });
}

/** The delivery key of job `id`'s footer, which a plan's buttons edit. */
export function footerKey(id: string): string {
  return `answer:${id}:footer`;
}

/** The plan footer once someone chose: who ran it (and as which job) or dropped it. */
export function planDecided(planId: string, by: string, outcome: { ran: string } | 'dropped'): ControllerMessage {
  const line =
    outcome === 'dropped'
      ? `:wastebasket: Plan of job #${planId} dropped by ${mention(by)}.`
      : `:arrow_forward: Plan of job #${planId} is being carried out as job #${outcome.ran}, started by ${mention(by)}.`;
  return withinLimits({ text: line, blocks: [section(line)] });
}
