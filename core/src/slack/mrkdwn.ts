// Our own strings in Slack's mrkdwn: escaping text that is not ours, mentions
// that AgentOps itself adds, code blocks, quoting, and cutting mrkdwn without
// leaving half an escape or half a link. Pure.
import { truncate } from '../text.js';

/** Escapes the three characters mrkdwn gives meaning to, so text can never mention, link or ping (`<!channel>`). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Slack user id becomes a mention; anything else (e.g. "cli:alice") is shown as text. */
export function mention(who: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(who) ? `<@${who}>` : escapeMrkdwn(who);
}

/** Quotes every line of `text` as a Slack block quote. */
export function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
}

/** An escape (`&lt;`) or a link (`<url|label>`) left open at the end of a cut. */
const OPEN_AT_END = /(?:&[a-z]{0,4}|<[^<>]*)$/i;

/**
 * truncate for mrkdwn: the beginning of `text` in at most `max` code units,
 * `marker` included, never ending inside an escape or a link (which would
 * show as `&l` or as a broken `<https://…`).
 */
export function truncateMrkdwn(text: string, max: number, marker = '…'): string {
  const cut = truncate(text, max, marker);
  if (cut === text || !cut.endsWith(marker)) return cut;
  const head = cut.slice(0, cut.length - marker.length);
  return `${head.replace(OPEN_AT_END, '').trimEnd()}${marker}`;
}

const FENCE = '```';

/**
 * Text that is not ours (a table of jobs, a job's details) as a Slack code
 * block of at most `max` code units: escaped, so it cannot mention anyone, and
 * with any ``` in it kept apart so it cannot end the block early. Slack shows
 * the escapes as the characters typed.
 */
export function codeBlock(text: string, max = Number.POSITIVE_INFINITY): string {
  const body = escapeMrkdwn(text).replace(/`(?=`)/g, '`\u200B');
  const room = max - 2 * (FENCE.length + 1);
  return `${FENCE}\n${truncateMrkdwn(body, room, '\n…')}\n${FENCE}`;
}
