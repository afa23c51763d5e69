// Builds the Bolt app in Socket Mode, pointed at SLACK_API_URL for every Web API
// call (including apps.connections.open), with Bolt's logs going through ours.
// We create the Socket Mode receiver ourselves so readiness can see the
// WebSocket's state.
import { App, SocketModeReceiver } from '@slack/bolt';
import { slackSdkLogger, type Logger, type SlackConfig } from '@agentops/core';

export interface SlackConnection {
  /** True between Slack's `hello` and the next disconnect. */
  isConnected(): boolean;
}

export function createSlackApp(
  slack: SlackConfig,
  apiUrl: string,
  logger: Logger,
): { app: App; connection: SlackConnection } {
  // Bolt's own lines all pass; the pino level decides what is written.
  const bolt = slackSdkLogger(logger, { component: 'bolt' });
  const receiver = new SocketModeReceiver({
    appToken: slack.appToken,
    logger: bolt,
    installerOptions: { clientOptions: { slackApiUrl: apiUrl } },
  });
  let connected = false;
  receiver.client.on('connected', () => {
    connected = true;
    logger.info('[controller] Slack Socket Mode connected');
  });
  // 'close' comes at once; 'reconnecting' only after the client's reconnect delay.
  for (const state of ['close', 'disconnected', 'reconnecting']) {
    receiver.client.on(state, () => {
      if (connected) logger.warn(`[controller] Slack Socket Mode ${state}`);
      connected = false;
    });
  }
  const app = new App({
    token: slack.botToken,
    receiver,
    logger: bolt,
    // Handlers answer people themselves; Bolt must not reply "error" on its own.
    extendedErrorHandler: false,
    clientOptions: { slackApiUrl: apiUrl },
  });
  return { app, connection: { isConnected: () => connected } };
}
