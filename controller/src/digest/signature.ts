// What makes two failures "the same failure" for the digest: the error code
// and the message with everything that differs from one job to the next
// (numbers, ids, paths, URLs, hex, quoted values) replaced by placeholders.
// Pure. The key is a short hash of both, safe to put in a button value.
import { createHash } from 'node:crypto';

export interface FailureSignature {
  /** 12 hex characters: the group's name in the digest and on its buttons. */
  key: string;
  /** The coded error's code (AgentOpsError), or FAILED when the reason carries none. */
  code: string;
  /** The normalised message, as shown for the group. */
  pattern: string;
}

/** Longest normalised message kept; the rest does not make failures any more different. */
const PATTERN_MAX = 300;

/** Each rule replaces what varies with a placeholder; order matters (quotes before paths, paths before numbers). */
const RULES: readonly [RegExp, string][] = [
  [/"[^"\n]*"|“[^”\n]*”|'[^'\n]{1,200}'|`[^`\n]*`/g, '"…"'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s)>\]]+/gi, '<url>'],
  [/(?:[A-Za-z]:\\|\\\\)[^\s:]+/g, '<path>'],
  [/(?:~|\.{1,2})?\/[^\s:,;)]*[/.][^\s:,;)]*/g, '<path>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b/gi, '<hex>'],
  [/\b(?:job-|#)?\d+(?:[.,:]\d+)*(?:ms|s|m|h|kb|mb|gb|%)?\b/gi, '<n>'],
  [/#<n>/g, '<n>'],
];

/** The message with its varying parts replaced, white space collapsed. */
export function normaliseMessage(message: string): string {
  let text = message.trim();
  for (const [pattern, placeholder] of RULES) text = text.replace(pattern, placeholder);
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > PATTERN_MAX ? `${text.slice(0, PATTERN_MAX - 1)}…` : text;
}

/**
 * The error code of a failure: workers put the coded error's code first in
 * the stack trace BullMQ keeps (`CODE: message`); a reason of that shape is
 * read the same way.
 */
export function failureCode(reason: string, stackTop?: string): string {
  for (const candidate of [stackTop, reason]) {
    const match = /^([A-Z][A-Z0-9_]{2,40}):\s/.exec(candidate ?? '');
    if (match?.[1]) return match[1];
  }
  return 'FAILED';
}

export function failureSignature(code: string, message: string): FailureSignature {
  const pattern = normaliseMessage(message.replace(new RegExp(`^${code}:\\s*`), ''));
  const key = createHash('sha256').update(`${code}\n${pattern}`).digest('hex').slice(0, 12);
  return { key, code, pattern };
}
