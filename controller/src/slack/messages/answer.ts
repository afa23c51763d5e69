// How an answer reaches its thread whole. Pure: Markdown in, messages (or a
// file plus a summary message) out.
//
// Up to ANSWER_FILE_THRESHOLD characters the answer is posted as mrkdwn,
// split into section blocks and, when needed, several messages. Longer answers
// are documents: they go up as a Markdown file (whole, copyable, tables and
// code intact) with a summary message showing their beginning, instead of a
// wall of messages that buries the thread. If the upload fails, the delivery service
// falls back to the inline form, which has no length limit.
import {
  contextBlock,
  escapeMrkdwn,
  sectionBlock,
  SLACK_LIMITS,
  splitMrkdwn,
  truncate,
  type SlackMessage,
} from '@agentops/core';
import { mrkdwnPreview, toMrkdwn } from './markdown.js';

/** Answers longer than this (in characters of Markdown) are uploaded as a file: about one full message. */
export const ANSWER_FILE_THRESHOLD = 12_000;
/** How much of a long answer the summary message shows. */
const SUMMARY_CHARS = 1_500;
/** Room for the "part 2/5" context line of a multi-message answer. */
const PART_LABEL_RESERVE = 50;
/** Four full sections plus the part label stay inside SLACK_LIMITS.totalBlockChars. */
export const ANSWER_SECTION_CHARS = Math.min(
  SLACK_LIMITS.sectionText,
  Math.floor((SLACK_LIMITS.totalBlockChars - PART_LABEL_RESERVE) / 4),
);
/** Notification text (`text` beside the blocks) is a preview, not the answer. */
const PREVIEW_CHARS = 200;

export interface MessageBudget {
  maxBlocks: number;
  maxChars: number;
}

const ANSWER_BUDGET: MessageBudget = {
  maxBlocks: SLACK_LIMITS.blocksPerMessage - 1,
  maxChars: SLACK_LIMITS.totalBlockChars - PART_LABEL_RESERVE,
};

/** Groups pieces, in order, into as few messages as the budget allows (at least one piece each). */
export function packSections(pieces: readonly string[], budget: MessageBudget = ANSWER_BUDGET): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const piece of pieces) {
    if (current.length > 0 && (current.length + 1 > budget.maxBlocks || chars + piece.length > budget.maxChars)) {
      groups.push(current);
      current = [];
      chars = 0;
    }
    current.push(piece);
    chars += piece.length;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The notification text: the converted (so escaped) beginning, links as the words they show. */
const preview = (mrkdwn: string) => truncate(mrkdwnPreview(mrkdwn), PREVIEW_CHARS);

/** Converted answer; one the converter chokes on or turns into nothing is shown as sent, never dropped. */
function answerMrkdwn(markdown: string): string {
  let converted = '';
  try {
    converted = toMrkdwn(markdown);
  } catch {
    // Fall through to the escaped original below.
  }
  return converted.trim() === '' ? escapeMrkdwn(markdown.trim() || '(empty answer)') : converted;
}

/** The whole answer as one or more messages, each within Block Kit limits. */
export function answerMessages(jobId: string, markdown: string): SlackMessage[] {
  const groups = packSections(splitMrkdwn(answerMrkdwn(markdown), ANSWER_SECTION_CHARS));
  return groups.map((group, index) => {
    const blocks: SlackMessage['blocks'] = group.map((piece) => sectionBlock(piece));
    const label = groups.length > 1 ? ` (part ${index + 1}/${groups.length})` : '';
    if (label) blocks.push(contextBlock(`Answer to job #${jobId}${label}`));
    return { text: `Answer to job #${jobId}${label}: ${preview(group[0] ?? '')}`, blocks };
  });
}

export interface AnswerFile {
  filename: string;
  title: string;
  /** The answer exactly as the model wrote it. */
  content: string;
}

export type AnswerDelivery =
  | { kind: 'inline'; messages: SlackMessage[] }
  | { kind: 'file'; summary: SlackMessage; file: AnswerFile };

export function answerFile(jobId: string, markdown: string): AnswerFile {
  return { filename: `job-${jobId}-answer.md`, title: `Answer to job #${jobId}`, content: markdown };
}

/** The message that goes with an uploaded answer: its beginning and where the rest is. */
export function answerSummary(jobId: string, markdown: string): SlackMessage {
  const file = answerFile(jobId, markdown);
  let head = answerMrkdwn(truncate(markdown, SUMMARY_CHARS));
  if (head.length > SLACK_LIMITS.sectionText) head = `${splitMrkdwn(head, SLACK_LIMITS.sectionText - 1)[0] ?? ''}…`;
  const note = `:page_facing_up: The full answer (${markdown.length.toLocaleString('en-US')} characters) is in the file *${escapeMrkdwn(file.filename)}* below.`;
  return {
    text: `Answer to job #${jobId}: ${preview(head)}`,
    blocks: [sectionBlock(head), contextBlock(note)],
  };
}

export function planAnswer(jobId: string, markdown: string, threshold = ANSWER_FILE_THRESHOLD): AnswerDelivery {
  if (markdown.length > threshold)
    return { kind: 'file', summary: answerSummary(jobId, markdown), file: answerFile(jobId, markdown) };
  return { kind: 'inline', messages: answerMessages(jobId, markdown) };
}

/** Characters a block adds to a message's total, as Slack counts them (its text). */
function blockChars(block: SlackMessage['blocks'][number]): number {
  return JSON.stringify(block).length;
}

/**
 * Adds `blocks` at the end of an answer: to its last message when they fit
 * within Block Kit's limits, else as one more message.
 */
export function closeAnswer(delivery: AnswerDelivery, blocks: SlackMessage['blocks']): AnswerDelivery {
  if (blocks.length === 0) return delivery;
  const fits = (message: SlackMessage) =>
    message.blocks.length + blocks.length <= SLACK_LIMITS.blocksPerMessage &&
    [...message.blocks, ...blocks].reduce((sum, block) => sum + blockChars(block), 0) <= SLACK_LIMITS.totalBlockChars;
  const extend = (message: SlackMessage): SlackMessage => ({ ...message, blocks: [...message.blocks, ...blocks] });
  if (delivery.kind === 'file')
    return fits(delivery.summary) ? { ...delivery, summary: extend(delivery.summary) } : delivery;
  const last = delivery.messages[delivery.messages.length - 1];
  if (!last) return delivery;
  return {
    kind: 'inline',
    messages: fits(last)
      ? [...delivery.messages.slice(0, -1), extend(last)]
      : [...delivery.messages, { text: last.text, blocks }],
  };
}
