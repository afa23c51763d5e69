// The one message type AgentOps sends to Slack, and the few Block Kit shapes
// thread replies use, with constructors. The shapes are declared here
// (structurally compatible with @slack/types) so that a message can be read
// without narrowing Slack's wide union; builders that need more (headers,
// fields, selects) use @slack/types' KnownBlock as the message's block type.
import { SLACK_LIMITS } from './contract.js';

export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

export interface SectionBlock {
  type: 'section';
  text: MrkdwnText;
}

export interface ContextBlock {
  type: 'context';
  elements: MrkdwnText[];
}

export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: PlainText;
  value: string;
  style?: 'primary' | 'danger';
}

export interface ActionsBlock {
  type: 'actions';
  elements: ButtonElement[];
}

export type Block = SectionBlock | ContextBlock | ActionsBlock;

/** What chat.postMessage / chat.update get: blocks for display, text for notifications. */
export interface SlackMessage<B = Block> {
  /** Notification and accessibility fallback. */
  text: string;
  blocks: B[];
}

export function sectionBlock(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

export function contextBlock(...texts: string[]): ContextBlock {
  return {
    type: 'context',
    elements: texts.slice(0, SLACK_LIMITS.contextElements).map((text) => ({ type: 'mrkdwn', text })),
  };
}

export function buttonElement(
  actionId: string,
  label: string,
  value: string,
  style?: ButtonElement['style'],
): ButtonElement {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: label, emoji: true },
    value,
    ...(style ? { style } : {}),
  };
}

export function actionsBlock(...elements: ButtonElement[]): ActionsBlock {
  return { type: 'actions', elements };
}

/** Characters of text a message's blocks carry: what Slack's ~13k "msg_blocks_too_long" limit counts. */
export function blockChars(blocks: readonly Block[]): number {
  let total = 0;
  for (const block of blocks) {
    if (block.type === 'section') total += block.text.text.length;
    else if (block.type === 'context') for (const element of block.elements) total += element.text.length;
    else for (const element of block.elements) total += element.text.text.length + element.value.length;
  }
  return total;
}
