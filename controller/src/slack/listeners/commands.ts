// /queue: all subcommands. Parse errors and help go back in the ack itself
// (parsing is instant); every other command is written to the inbox, then
// acknowledged, and handled by the inbox consumer (handleSlash).
import type { App } from '@slack/bolt';
import { escapeMrkdwn } from '@agentops/core';
import { helpMessage } from '../messages/index.js';
import { execute } from '../../commands/execute.js';
import { parseSubcommand } from '../../commands/grammar.js';
import type { SlackDeps, SlackOrigin } from '../context.js';
import { intakeJobs } from '../intake.js';
import { presentOutcome, refuse } from '../replies.js';
import { decodeSlackText } from '../decode.js';
import { accept } from './accept.js';

export function registerCommands(app: App, deps: SlackDeps): void {
  app.command('/queue', async ({ command, ack }) => {
    const parsed = parseSubcommand(decodeSlackText(command.text, deps.scope.botUserId), 'slash');
    if (!parsed.ok) {
      const { message, usage } = parsed.error;
      // The message may quote what was typed: escaped, so it shows as typed and pings nobody.
      const text = `${escapeMrkdwn(message)}${usage ? `\nUsage: \`${escapeMrkdwn(usage)}\`` : ''}`;
      await ack({ response_type: 'ephemeral', text });
      return;
    }
    if (parsed.command.kind === 'help') {
      const help = helpMessage();
      await ack({ response_type: 'ephemeral', text: help.text, blocks: help.blocks });
      return;
    }
    await accept(
      deps,
      { kind: 'slash', channel: command.channel_id, user: command.user_id, text: command.text },
      `slash:${command.trigger_id}`,
      (answer) => (answer ? ack({ response_type: 'ephemeral', text: answer }) : ack()),
    );
  });
}

/** Handles an accepted /queue command (from the inbox). */
export async function handleSlash(
  deps: SlackDeps,
  request: { channel: string; user: string; text: string },
  entryId: string,
): Promise<void> {
  const origin: SlackOrigin = { channel: request.channel, user: request.user, source: 'slash' };
  const parsed = parseSubcommand(decodeSlackText(request.text, deps.scope.botUserId), 'slash');
  if (!parsed.ok || parsed.command.kind === 'help') return; // Answered in the ack.
  try {
    if (parsed.command.kind === 'add') {
      await intakeJobs(deps, origin, parsed.command.items, entryId);
      return;
    }
    deps.logger.info(
      { user: origin.user, command: parsed.command.kind },
      `[commands] /queue ${parsed.command.kind} by ${origin.user}`,
    );
    // The channel: `repo` shows or sets its workspace, `status` shows it.
    const outcome = await execute(
      parsed.command,
      deps,
      { id: origin.user, source: 'slash' },
      { channel: origin.channel },
    );
    await presentOutcome(deps, origin, outcome);
  } catch (error) {
    await refuse(deps, origin, error);
  }
}
