// Slack's message text as the person typed it. Pure. (Escaping our own output
// is the other way round: escapeMrkdwn in @agentops/core.)

/**
 * Turns Slack-escaped message text into what the person typed:
 * `&lt;` -> `<`, `<https://x|label>` -> `label (https://x)`, `<@U1>` -> `@U1`,
 * and drops a leading mention of the bot.
 */
export function decodeSlackText(text: string, botUserId?: string): string {
  let out = text;
  if (botUserId) out = out.replace(new RegExp(`^\\s*<@${botUserId}(?:\\|[^>]*)?>[:,]?\\s*`), '');
  out = out.replace(/<([^<>]+)>/g, (_whole, inner: string) => {
    const [target = '', label] = inner.split('|', 2);
    if (target.startsWith('@')) return label ? `@${label}` : target;
    if (target.startsWith('#')) return label ? `#${label}` : target;
    if (target.startsWith('!')) return `@${label ?? target.slice(1).split('^')[0]}`;
    if (label && label !== target && label !== target.replace(/^mailto:/, '')) return `${label} (${target})`;
    return target.replace(/^mailto:/, '');
  });
  return out.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
