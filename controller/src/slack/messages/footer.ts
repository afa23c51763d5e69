// What closes a job's answer in its thread: a line with the command that
// continues the Claude session in a terminal (added to the answer's last
// message, so it costs no extra post), and for a plan, a message of its own
// with the buttons that run it or drop it (edited once someone chose). Pure.
import {
  ACTION_IDS,
  contextBlock,
  escapeMrkdwn,
  jobButtonValue,
  mention,
  type JobData,
  type JobStats,
  type SlackMessage,
} from '@agentops/core';
import { handoffCommand } from '../../conversations/handoff.js';
import { button, section, withinLimits, type ControllerMessage } from './blocks.js';
import { worktreeBlocks } from './worktree.js';

type Block = SlackMessage['blocks'][number];

/** The blocks that close a code or research answer: a worktree's branch and diffstat, and the terminal handoff, when the job left a session. */
export function closingBlocks(stats: JobStats | undefined): Block[] {
  const command = handoffCommand(stats);
  if (!command) return worktreeBlocks(stats);
  // Inline code cannot hold a backtick; a folder with one is shown without it rather than breaking the line.
  return [
    ...worktreeBlocks(stats),
    contextBlock(`:computer: Continue in a terminal: \`${escapeMrkdwn(command.replace(/`/g, ''))}\``),
  ];
}

/** The delivery key of plan job `id`'s Run it / Drop it message. */
export function footerKey(id: string): string {
  return `answer:${id}:plan`;
}

/** The message after a plan's answer: Run it queues its execution as a follow-up of the same session. */
export function planFooter(data: JobData): ControllerMessage {
  return withinLimits({
    text: `Plan for job #${data.id}: Run it or Drop it`,
    blocks: [
      section(
        `:clipboard: *Plan for job #${data.id}*: nothing was changed yet. *Run it* queues the work as a follow-up of this session; reply in the thread to change the plan first, or *Drop it*.`,
      ),
      {
        type: 'actions',
        block_id: `agentops_plan_${data.id}`,
        elements: [
          button('Run it', ACTION_IDS.runPlan, jobButtonValue(data.id), 'primary'),
          button('Drop it', ACTION_IDS.dropPlan, jobButtonValue(data.id), 'danger'),
        ],
      },
    ],
  });
}

/** The plan message once someone chose: who ran it (and as which job) or dropped it. */
export function planDecided(planId: string, by: string, outcome: { ran: string } | 'dropped'): ControllerMessage {
  const line =
    outcome === 'dropped'
      ? `:wastebasket: Plan of job #${planId} dropped by ${mention(by)}.`
      : `:arrow_forward: Plan of job #${planId} is being carried out as job #${outcome.ran}, started by ${mention(by)}.`;
  return withinLimits({ text: line, blocks: [section(line)] });
}
