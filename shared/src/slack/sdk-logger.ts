// Routes @slack/web-api's own log lines (rate-limit waits, retries) into our
// pino logger, so they are structured and scrubbed of secrets like every other
// line, instead of going to the console.
import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../logger.js';

const RANK: Record<LogLevel, number> = {
  [LogLevel.DEBUG]: 0,
  [LogLevel.INFO]: 1,
  [LogLevel.WARN]: 2,
  [LogLevel.ERROR]: 3,
};

function line(parts: unknown[]): string {
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if (part instanceof Error) return part.message;
      try {
        return JSON.stringify(part);
      } catch {
        return String(part);
      }
    })
    .join(' ');
}

/** The SDK is chatty at info (every request at debug); warnings and errors are what an operator needs. */
export function slackSdkLogger(logger: Logger, level: LogLevel = LogLevel.WARN): SlackLogger {
  const target = logger.child({ component: 'slack-web-api' });
  let current = level;
  const at =
    (wanted: LogLevel, write: (message: string) => void) =>
    (...parts: unknown[]) => {
      if (RANK[wanted] >= RANK[current]) write(line(parts));
    };
  return {
    debug: at(LogLevel.DEBUG, (message) => target.debug(message)),
    info: at(LogLevel.INFO, (message) => target.info(message)),
    warn: at(LogLevel.WARN, (message) => target.warn(message)),
    error: at(LogLevel.ERROR, (message) => target.error(message)),
    setLevel: (next: LogLevel) => {
      current = next;
    },
    getLevel: () => current,
    setName: () => undefined,
  };
}
