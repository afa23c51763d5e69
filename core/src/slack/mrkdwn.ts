// Our own strings in Slack's mrkdwn: escaping text that is not ours, mentions
// that AgentOps itself adds, and quoting. Pure.

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
