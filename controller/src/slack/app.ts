// Builds the Bolt app in Socket Mode, pointed at SLACK_API_URL for every Web API
// call (Bolt hands clientOptions to its Socket Mode client too), with Bolt's
// logs going through our logger.
import { App, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
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

export function createSlackApp(slack: SlackConfig, apiUrl: string, logger: Logger): App {
  return new App({
    token: slack.botToken,
    appToken: slack.appToken,
    socketMode: true,
    logger: boltLogger(logger),
    logLevel: LogLevel.INFO,
    // Handlers answer people themselves; Bolt must not reply "error" on its own.
    extendedErrorHandler: false,
    clientOptions: { slackApiUrl: apiUrl },
  });
}
