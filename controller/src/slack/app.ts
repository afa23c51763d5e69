// Builds the Bolt app in Socket Mode, pointed at SLACK_API_URL for every Web API
// call (including apps.connections.open), with Bolt's logs going through ours.
// We create the Socket Mode receiver ourselves so readiness can see the
// WebSocket's state.
import { App, LogLevel, SocketModeReceiver, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger, SlackConfig } from '@agentops/shared';

function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const child = logger.child({ component: 'bolt' });
  const join = (messages: unknown[]) => messages.map((message) => (typeof message === 'string' ? message : JSON.stringify(message))).join(' ');
  return {
    debug: (...messages) => child.debug(`[bolt] ${join(messages)}`),
    info: (...messages) => child.info(`[bolt] ${join(messages)}`),
    warn: (...messages) => child.warn(`[bolt] ${join(messages)}`),
    error: (...messages) => child.error(`[bolt] ${join(messages)}`),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

export interface SlackConnection {
  /** True between Slack's `hello` and the next disconnect. */
  isConnected(): boolean;
}

export function createSlackApp(slack: SlackConfig, apiUrl: string, logger: Logger): { app: App; connection: SlackConnection } {
  const bolt = boltLogger(logger);
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
