// Structured logs with pino. Known secret fields are redacted by path, and every
// line is scrubbed of the secret values the configuration holds, wherever they hide
// (error messages, URLs, nested objects).
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

const REDACT_PATHS = [
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.password',
  '*.apiKey',
  '*.authorization',
  '*.headers.authorization',
  'token',
  'password',
  'apiKey',
  'authorization',
];

export interface LoggerOptions {
  name: string;
  level?: string;
  format?: 'json' | 'pretty';
  /** Values that must never appear in output. */
  secrets?: readonly string[];
  destination?: DestinationStream;
  /** File descriptor to write to when no destination is given: 1 (stdout) or 2 (stderr). */
  fd?: 1 | 2;
}

const TOKEN_SHAPES = /\b(xox[abposr]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|sk-ant-[A-Za-z0-9_-]{6,})/g;

/** Replaces secret values and anything shaped like a Slack or Anthropic token. */
export function scrubSecrets(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) {
    if (secret.length >= 6 && out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  return out.replace(TOKEN_SHAPES, '[redacted]');
}

export function createLogger(options: LoggerOptions): Logger {
  const secrets = options.secrets ?? [];
  const destination =
    options.destination ??
    (options.format === 'pretty'
      ? pretty({
          sync: true,
          destination: options.fd ?? 1,
          colorize: process.stdout.isTTY === true,
          ignore: 'pid,hostname,name',
          translateTime: 'SYS:HH:MM:ss.l',
        })
      : pino.destination({ sync: true, fd: options.fd ?? 1 }));
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      base: { name: options.name },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: { streamWrite: (line) => scrubSecrets(line, secrets) },
    },
    destination,
  );
}
