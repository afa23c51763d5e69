// Registers every Slack listener on the app.
import type { App } from '@slack/bolt';
import { toCodedError } from '@agentops/shared';
import { registerActions } from './actions.js';
import { registerCommands } from './commands.js';
import type { SlackDeps } from './context.js';
import { registerEvents } from './events.js';

export function registerListeners(app: App, deps: SlackDeps): void {
  registerCommands(app, deps);
  registerEvents(app, deps);
  registerActions(app, deps);
  app.error(async (error) => {
    deps.logger.error({ err: toCodedError(error) }, `[controller] Unhandled Slack listener error: ${error.message}`);
  });
}

export type { SlackDeps } from './context.js';
