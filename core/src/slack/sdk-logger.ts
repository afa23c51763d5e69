// Routes the Slack SDKs' own log lines (Bolt's, and @slack/web-api's rate-limit
// waits and retries) into our pino logger, so they are structured and scrubbed
// of secrets like every other line, instead of going to the console. Bolt and
// the Web API client take the same logger interface, from @slack/logger.
import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
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

export interface SlackSdkLoggerOptions {
  /** The `component` field of every line, and its `[component]` prefix, e.g. "bolt". */
  component: string;
  /**
   * Least level passed on, whatever the SDK later asks for with setLevel. The
   * Web API client is chatty at info (every request at debug), so it passes
   * warnings and errors. Unset: everything passes and pino's level decides
   * (Bolt sets its logger to info itself, which would hide its debug lines).
   */
  level?: LogLevel;
}

export function slackSdkLogger(logger: Logger, options: SlackSdkLoggerOptions): SlackLogger {
  const target = logger.child({ component: options.component });
  const prefix = `[${options.component}]`;
  const floor = options.level;
  let current = options.level ?? LogLevel.INFO;
  const at =
    (wanted: LogLevel, write: (message: string) => void) =>
    (...parts: unknown[]) => {
      if (floor === undefined || RANK[wanted] >= RANK[floor]) write(`${prefix} ${line(parts)}`);
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

export { LogLevel as SlackLogLevel };
