// /queue: all subcommands. Acknowledged first: parse errors and help go back in
// the ack itself (parsing is instant); everything else is answered afterwards.
// Channel, person and Redis were checked by the access middleware.
import type { App } from '@slack/bolt';
import { helpMessage } from '../messages/index.js';
import { execute } from '../../commands/execute.js';
import { parseSubcommand } from '../../commands/grammar.js';
import type { SlackDeps, SlackOrigin } from '../context.js';
import { intakeJobs } from '../intake.js';
import { presentOutcome, refuse } from '../replies.js';
import { decodeSlackText } from '../decode.js';

export function registerCommands(app: App, deps: SlackDeps): void {
  app.command('/queue', async ({ command, ack }) => {
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
      if (parsed.command.kind === 'add') {
        await intakeJobs(deps, origin, parsed.command.items);
        return;
      }
      deps.logger.info(
        { user: origin.user, command: parsed.command.kind },
        `[commands] /queue ${parsed.command.kind} by ${origin.user}`,
      );
      const outcome = await execute(parsed.command, deps, { id: origin.user, source: 'slash' });
      await presentOutcome(deps, origin, outcome);
    } catch (error) {
      await refuse(deps, origin, error);
    }
  });
}
