// Structured logs with pino. Known secret fields are redacted by path, and every
// line is scrubbed of the secret values the configuration holds, wherever they hide
// (error messages, URLs, nested objects), in the forms a line can hold them in:
// as written, escaped inside a JSON string, or percent-encoded in a URL.
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
  '*.headers["x-api-key"]',
  '*.headers.cookie',
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

/** The shortest value scrubbed: shorter ones would match ordinary words (config.secrets keeps only longer ones). */
export const MIN_SECRET_LENGTH = 6;

/**
 * Each form a secret can take in a line: as is, inside a JSON string (a log
 * line is JSON; `"` and `\\` come out escaped) and percent-encoded (in a URL).
 */
export function secretForms(secret: string): string[] {
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  // Longest first, so that no form is left half replaced by a shorter one.
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/** secretForms, worked out once per secret: every log line and result is scrubbed with them. */
const formsCache = new Map<string, string[]>();
function cachedForms(secret: string): string[] {
  let forms = formsCache.get(secret);
  if (!forms) {
    forms = secretForms(secret);
    if (formsCache.size < 1_000) formsCache.set(secret, forms);
  }
  return forms;
}

/** Replaces secret values (in every form of secretForms) and anything shaped like a Slack or Anthropic token. */
export function scrubSecrets(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of cachedForms(secret)) if (out.includes(form)) out = out.split(form).join('[redacted]');
  }
  return out.replace(TOKEN_SHAPES, '[redacted]');
}

/** scrubSecrets applied to every string inside a value (a job result, its stats); the shape is kept. */
export function scrubSecretsDeep<T>(value: T, secrets: readonly string[]): T {
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return scrubSecrets(item, secrets);
    if (Array.isArray(item)) return item.map(walk);
    if (typeof item === 'object' && item !== null)
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, walk(inner)]));
    return item;
  };
  return walk(value) as T;
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
