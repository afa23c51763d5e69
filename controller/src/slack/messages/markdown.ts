// The model's Markdown as Slack mrkdwn, converted by the maintained
// slackify-markdown. Pure.
import { createRequire } from 'node:module';

type Slackify = (markdown: string) => string;
let slackify: Slackify | undefined;

/**
 * Markdown as Slack mrkdwn (headings bold, **bold** as *bold*, links as
 * <url|text>, bullets as •). slackify-markdown is CommonJS and pulls in
 * remark; it is loaded on first use so a process that never converts does not
 * pay for it at start.
 */
export function toMrkdwn(markdown: string): string {
  slackify ??= createRequire(import.meta.url)('slackify-markdown') as Slackify;
  return slackify(markdown).trimEnd();
}
