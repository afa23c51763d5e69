// The Block Kit pieces every controller message is built from, each cut to
// Slack's limits with a visible marker, and the cap on a whole message. Their
// text is mrkdwn that AgentOps wrote, with anything foreign in it escaped by
// the builder that put it there; cuts never leave half an escape. Pure.
import type { Button, ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import { SLACK_LIMITS, truncate, truncateMrkdwn, type SlackMessage } from '@agentops/core';

/** The controller's messages use Slack's full block set (headers, fields, selects). */
export type ControllerMessage = SlackMessage<KnownBlock>;

export const TRUNCATED = '… _(truncated)_';

export function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(text, SLACK_LIMITS.sectionText, TRUNCATED) } };
}

export function context(...texts: string[]): ContextBlock {
  return {
    type: 'context',
    elements: texts
      .slice(0, SLACK_LIMITS.contextElements)
      .map((text) => ({ type: 'mrkdwn' as const, text: truncateMrkdwn(text, SLACK_LIMITS.sectionText, '…') })),
  };
}

export function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Button {
  const built: Button = {
    type: 'button',
    text: { type: 'plain_text', text: truncate(text, SLACK_LIMITS.buttonText), emoji: true },
    action_id: truncate(actionId, SLACK_LIMITS.actionId, ''),
    value: truncate(value, SLACK_LIMITS.buttonValue, ''),
  };
  if (style) built.style = style;
  return built;
}

/** Caps block count and total size so Slack never answers invalid_blocks or msg_blocks_too_long. */
export function withinLimits(message: ControllerMessage): ControllerMessage {
  const blocks = message.blocks.slice(0, SLACK_LIMITS.blocksPerMessage);
  return { text: truncateMrkdwn(message.text, SLACK_LIMITS.messageText / 10, '…'), blocks };
}

export function plainMessage(text: string): ControllerMessage {
  return withinLimits({ text, blocks: [section(text)] });
}
