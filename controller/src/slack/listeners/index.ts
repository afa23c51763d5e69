// Registers every Slack listener on the app, behind the access middleware.
import type { App } from '@slack/bolt';
import { toCodedError } from '@agentops/core';
import { createAccessMiddleware } from '../access.js';
import { registerActions } from './actions.js';
import { registerCommands } from './commands.js';
import type { SlackDeps } from '../context.js';
import { registerEvents } from './messages.js';

export function registerListeners(app: App, deps: SlackDeps): void {
  app.use(createAccessMiddleware(deps));
  registerCommands(app, deps);
  registerEvents(app, deps);
  registerActions(app, deps);
  app.error(async (error) => {
    deps.logger.error({ err: toCodedError(error) }, `[controller] Unhandled Slack listener error: ${error.message}`);
  });
}

export type { SlackDeps } from '../context.js';
