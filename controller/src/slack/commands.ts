// /queue: all subcommands. Acknowledged first: parse errors and help go back in
// the ack itself (parsing is instant); everything else is answered afterwards.
import type { App } from '@slack/bolt';
import { helpMessage } from '../queue/formatters.js';
import { execute } from '../queue/operations.js';
import { parseSubcommand } from '../util/command-parser.js';
import type { SlackDeps, SlackOrigin } from './context.js';
import { intakeJobs } from './intake.js';
import { checkUser, isServedChannel } from './middleware.js';
import { presentOutcome, refuse } from './replies.js';
import { decodeSlackText } from './text.js';

export function registerCommands(app: App, deps: SlackDeps): void {
  app.command('/queue', async ({ command, ack }) => {
    if (!isServedChannel(command.channel_id, deps.scope)) {
      await ack({ response_type: 'ephemeral', text: `AgentOps only works in <#${deps.scope.channelId}>. Run /queue there.` });
      return;
    }
    const access = checkUser(command.user_id, deps.access);
    if (!access.allowed) {
      deps.logger.warn({ user: command.user_id }, `[commands] Refused /queue from ${command.user_id}: not on ALLOWED_USERS`);
      await ack({ response_type: 'ephemeral', text: `:no_entry_sign: ${access.message}` });
      return;
    }
    const parsed = parseSubcommand(decodeSlackText(command.text, deps.scope.botUserId), 'slash');
    if (!parsed.ok) {
      const { message, usage } = parsed.error;
      await ack({ response_type: 'ephemeral', text: `${message}${usage ? `\nUsage: \`${usage}\`` : ''}` });
      return;
    }
    if (parsed.command.kind === 'help') {
      const help = helpMessage();
      await ack({ response_type: 'ephemeral', text: help.text, blocks: help.blocks });
      return;
    }
    await ack();
    const origin: SlackOrigin = { channel: command.channel_id, user: command.user_id, source: 'slash' };
    try {
      if (!deps.manager.isAvailable()) throw deps.manager.unavailableError();
      if (parsed.command.kind === 'add') {
        await intakeJobs(deps, origin, parsed.command.items);
        return;
      }
      deps.logger.info({ user: origin.user, command: parsed.command.kind }, `[commands] /queue ${parsed.command.kind} by ${origin.user}`);
      const outcome = await execute(parsed.command, deps, { id: origin.user, source: 'slash' });
      await presentOutcome(deps, origin, outcome);
    } catch (error) {
      await refuse(deps, origin, error);
    }
  });
}
