// The model's Markdown as Slack mrkdwn. Pure.
//
// The conversion is slackify-markdown's (headings bold, **bold** as *bold*,
// bullets as •), with our own handlers for everything that carries the model's
// characters: text, code, raw HTML, links and images. An answer is written by
// a model that may have read a hostile web page, so none of it may speak
// Slack's special syntax: every `&`, `<` and `>` of it is escaped (also in
// code, which Slack still shows as typed), so no `<!channel>`, `<@U…>`,
// `<#C…>` or `<!subteam^…>` can reach anyone, and the only `<…>` in the
// result are links built here, whose label never claims another address than
// the one they open.
import { createRequire } from 'node:module';
import { escapeMrkdwn } from '@agentops/core';

/** The parts of an mdast node the handlers read. */
interface MdNode {
  type: string;
  value?: string;
  url?: string;
  alt?: string | null;
  title?: string | null;
  identifier?: string;
  children?: MdNode[];
}
type Handler = (node: MdNode, parent: unknown, context: unknown, safe: unknown) => string;
interface Definition {
  title: string | null;
  url: string;
}
interface Pipeline {
  use(plugin: unknown, ...options: unknown[]): Pipeline;
  processSync(markdown: string): { toString(): string };
}
interface SlackifyParts {
  unified: () => Pipeline;
  parse: unknown;
  gfm: unknown;
  stringify: unknown;
  collectDefinitions: unknown;
  removeDefinitions: unknown;
  createOptions: (definitions: Record<string, Definition>) => { handlers: Record<string, Handler> };
}

/** Addresses a link may open; anything else (javascript:, file:, relative paths) is shown as its words only. */
const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** What a link really opens, compared without case and `www.`: a host, or an e-mail address. */
function addressOf(url: URL): string {
  if (url.protocol === 'mailto:') return `mailto:${decoded(url.pathname).toLowerCase()}`;
  return url.hostname
    .toLowerCase()
    .replace(/^www\./, '')
    .replace(/\.$/, '');
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const EMAIL = /^[^\s@/]+@[^\s@/]+\.[^\s@/]+$/;
const DOMAIN = /^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,}\.?(?::\d+)?(?:[/?#]\S*)?$/u;
/** Punctuation around an address in a label ("(example.com)", "docs.example.com."). */
const AROUND = /^[\s"'“”‘’«»()[\]{}<>]+|[\s"'“”‘’«»()[\]{}<>.,;:!?]+$/g;

/** The address a word of a label reads as (a URL, an e-mail address or a domain), or undefined for plain words. */
function claimedAddress(word: string): string | undefined {
  const token = word.replace(AROUND, '');
  if (token === '') return undefined;
  if (EMAIL.test(token) && !SCHEME.test(token)) return `mailto:${token.toLowerCase()}`;
  const looksLikeUrl = SCHEME.test(token) && (/^[a-z][a-z0-9+.-]*:\/\//i.test(token) || /^mailto:/i.test(token));
  if (!looksLikeUrl && !DOMAIN.test(token)) return undefined;
  const url = parseUrl(looksLikeUrl ? token : `https://${token}`);
  // Reads as an address but is none: it cannot be the target either.
  return url ? addressOf(url) : `unparsable:${token}`;
}

/**
 * Whether a link's label claims another address than the one it opens, e.g.
 * `[https://docs.example.com](https://evil.example/steal)`. A label that is a
 * URL anywhere in it, or is as a whole a domain or e-mail address, is compared
 * with the target; other words ("the docs") are fine as a label.
 */
export function labelMisleads(label: string, target: URL): boolean {
  const words = label.trim().split(/\s+/);
  const claims =
    words.length === 1
      ? [claimedAddress(words[0] ?? '')]
      : words
          .filter((word) => /^[\s"'“”‘’«»()[\]{}<>]*(?:[a-z][a-z0-9+.-]*:\/\/|www\.)/i.test(word))
          .map(claimedAddress);
  const real = addressOf(target);
  return claims.some((claim) => claim !== undefined && claim !== real);
}

/**
 * A link as mrkdwn, `<url|label>`, with the model's label escaped. A label
 * that claims another address is replaced by the real one; a target that is
 * not a web or e-mail address gives the label as plain text.
 */
export function linkMrkdwn(target: string, label: string): string {
  const words = label.replace(/\s+/g, ' ').trim();
  const url = parseUrl(target);
  if (!url || !LINK_PROTOCOLS.has(url.protocol)) return escapeMrkdwn(words || target);
  // `|` ends the address in Slack's syntax; the URL parser leaves it as it is.
  const href = escapeMrkdwn(url.href.replace(/\|/g, '%7C'));
  const real = url.protocol === 'mailto:' ? escapeMrkdwn(decoded(url.pathname)) : href;
  if (words === '' || labelMisleads(words, url)) return `<${href}|${real}>`;
  return `<${href}|${escapeMrkdwn(words)}>`;
}

/** The plain words of a node: a link's label, an image's description. */
function wordsOf(node: MdNode): string {
  if (node.type === 'image' || node.type === 'imageReference') return node.alt ?? '';
  if (node.value !== undefined) return node.value;
  return (node.children ?? []).map(wordsOf).join('');
}

/** Code as typed; only a ``` inside it would end Slack's code block early, so its backticks are kept apart. */
function escapeCode(code: string): string {
  return escapeMrkdwn(code).replace(/`(?=`)/g, '`\u200B');
}

function handlers(definitions: Readonly<Record<string, Definition>>): Record<string, Handler> {
  const shownAsTyped: Handler = (node) => escapeMrkdwn(node.value ?? '');
  const reference = (node: MdNode, words: string): string => {
    const definition = node.identifier === undefined ? undefined : definitions[node.identifier];
    const label = words || definition?.title || '';
    return definition ? linkMrkdwn(definition.url, label) : escapeMrkdwn(label);
  };
  return {
    text: shownAsTyped,
    // Raw HTML in an answer is shown, never interpreted (it is where `<!channel>` hides).
    html: shownAsTyped,
    inlineCode: (node) => `\`${escapeCode((node.value ?? '').replace(/\r?\n/g, ' '))}\``,
    // slackify drops a `#!language` first line (old Bitbucket syntax) too.
    code: (node) => `\`\`\`\n${escapeCode((node.value ?? '').replace(/^#![a-z]+\n/, ''))}\n\`\`\``,
    link: (node) => linkMrkdwn(node.url ?? '', wordsOf(node) || node.title || ''),
    image: (node) => linkMrkdwn(node.url ?? '', node.alt || node.title || ''),
    linkReference: (node) => reference(node, wordsOf(node)),
    imageReference: (node) => reference(node, node.alt ?? ''),
    // A hard line break is a new line in Slack, not Markdown's backslash.
    break: () => '\n',
  };
}

/**
 * slackify-markdown's own pipeline (remark with GFM, its definitions plugins
 * and its handlers), loaded from the package on first use so a process that
 * never converts does not pay for remark at start.
 */
function loadSlackify(): SlackifyParts {
  const fromHere = createRequire(import.meta.url);
  const fromSlackify = createRequire(fromHere.resolve('slackify-markdown'));
  const definitions = fromSlackify('./src/definitions') as Pick<
    SlackifyParts,
    'collectDefinitions' | 'removeDefinitions'
  >;
  return {
    unified: fromSlackify('unified') as SlackifyParts['unified'],
    parse: fromSlackify('remark-parse'),
    gfm: fromSlackify('remark-gfm'),
    stringify: fromSlackify('remark-stringify'),
    collectDefinitions: definitions.collectDefinitions,
    removeDefinitions: definitions.removeDefinitions,
    createOptions: fromSlackify('./src/slackify') as SlackifyParts['createOptions'],
  };
}
let slackify: SlackifyParts | undefined;

/**
 * Markdown as Slack mrkdwn (headings bold, **bold** as *bold*, links as
 * <url|text>, bullets as •) in which nothing the model wrote can mention,
 * ping or disguise a link.
 */
export function toMrkdwn(markdown: string): string {
  slackify ??= loadSlackify();
  const definitions: Record<string, Definition> = {};
  const options = slackify.createOptions(definitions);
  return slackify
    .unified()
    .use(slackify.parse)
    .use(slackify.gfm)
    .use(slackify.collectDefinitions, definitions)
    .use(slackify.removeDefinitions)
    .use(slackify.stringify, { ...options, handlers: { ...options.handlers, ...handlers(definitions) } })
    .processSync(markdown)
    .toString()
    .trimEnd();
}

/** A converted answer as a one-line notification preview: links as the words they show. */
export function mrkdwnPreview(mrkdwn: string): string {
  return mrkdwn
    .replace(/<([^<>|]*)\|([^<>]*)>/g, '$2')
    .replace(/<([^<>]*)>/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}
