// Text for Slack's mrkdwn: the model's Markdown converted by the maintained
// slackify-markdown, and our own strings escaped. Pure.
import { createRequire } from 'node:module';

type Slackify = (markdown: string) => string;
let slackify: Slackify | undefined;

/**
 * Markdown as Slack mrkdwn (headings bold, **bold** as *bold*, links as
 * <url|text>, bullets as •). slackify-markdown is CommonJS and pulls in
 * remark; it is loaded on first use so the CLI, which imports this package
 * but never converts, does not pay for it at start.
 */
export function toMrkdwn(markdown: string): string {
  slackify ??= createRequire(import.meta.url)('slackify-markdown') as Slackify;
  return slackify(markdown).trimEnd();
}

/** Escapes the three characters mrkdwn gives meaning to, for text that is not ours (errors, tool names). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Slack user id becomes a mention; anything else (e.g. "cli:alice") is shown as text. */
export function mention(who: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(who) ? `<@${who}>` : escapeMrkdwn(who);
}
