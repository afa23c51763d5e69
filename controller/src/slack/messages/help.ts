// The help message: every /queue subcommand and message form. Pure.
import { escapeMrkdwn } from '@agentops/core';
import { MESSAGE_FORMS } from '../../commands/help-text.js';
import { SUBCOMMANDS } from '../../commands/grammar.js';
import { context, section, withinLimits, type ControllerMessage } from './blocks.js';

export function helpMessage(): ControllerMessage {
  // `<text>` and `<id>` are words to replace, not Slack links: escaped, Slack shows them as written.
  const commands = SUBCOMMANDS.map(
    (sub) => `\`/queue ${sub.name}${sub.args ? ` ${escapeMrkdwn(sub.args)}` : ''}\` ${escapeMrkdwn(sub.description)}`,
  ).join('\n');
  const forms = MESSAGE_FORMS.map(([form, meaning]) => `\`${escapeMrkdwn(form)}\` ${escapeMrkdwn(meaning)}`).join('\n');
  return withinLimits({
    text: 'AgentOps help: /queue commands and message forms',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'AgentOps: what I can do' } },
      section(`*Slash commands*\n${commands}`),
      section(`*Or just write in this channel*\n${forms}`),
      context(
        'Jobs are routed to *code* (Claude Code), *local* (LM Studio) or *research*. Use the buttons on a job receipt to cancel, retry or promote it.',
      ),
    ],
  });
}
