// The arguments of `history`: `[text] [@person] [completed|failed|cancelled]
// [code|local|research]`, in any order. Pure. A queue or outcome word counts
// as a filter only unquoted; put it in quotes to search for it ("failed").
// Everything else is the search text, checked here so a search with no words
// is refused with a clear message before anything is asked.
import { QUEUE_NAMES, codePointLength, type QueueName } from '@agentops/core';
import { parseSearch } from '../history/search.js';

export const HISTORY_OUTCOMES = ['completed', 'failed', 'cancelled'] as const;
export type HistoryOutcomeFilter = (typeof HISTORY_OUTCOMES)[number];

export interface HistoryQuery {
  text?: string;
  /** A Slack user id (from @U… or <@U…>), or a CLI user (@cli:alice). */
  requestedBy?: string;
  status?: HistoryOutcomeFilter;
  queue?: QueueName;
}

export type HistoryArgs = { ok: true; query: HistoryQuery } | { ok: false; message: string };

/** Longest search text, in characters. */
export const MAX_HISTORY_TEXT = 500;

const TOKEN = /"[^"]*"?|\S+/g;
const PERSON = /^(?:<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>|@([UW][A-Z0-9]{2,}|cli:[\w.-]{1,64}))$/;

export function parseHistoryArgs(rest: string): HistoryArgs {
  const query: HistoryQuery = {};
  const words: string[] = [];
  for (const [token] of rest.matchAll(TOKEN)) {
    const lower = token.toLowerCase();
    const person = PERSON.exec(token);
    if (person) {
      const who = person[1] ?? person[2] ?? '';
      if (query.requestedBy && query.requestedBy !== who)
        return { ok: false, message: `\`history\` takes one person at a time, not ${query.requestedBy} and ${who}.` };
      query.requestedBy = who;
    } else if (token.startsWith('@') || token.startsWith('<@')) {
      return {
        ok: false,
        message: `\`${token.slice(0, 40)}\` is not a person. Mention them (@name in Slack), or give a CLI user as @cli:<name>.`,
      };
    } else if ((HISTORY_OUTCOMES as readonly string[]).includes(lower)) {
      if (query.status && query.status !== lower)
        return { ok: false, message: `\`history\` takes one outcome at a time, not ${query.status} and ${lower}.` };
      query.status = lower as HistoryOutcomeFilter;
    } else if ((QUEUE_NAMES as readonly string[]).includes(lower)) {
      if (query.queue && query.queue !== lower)
        return { ok: false, message: `\`history\` takes one queue at a time, not ${query.queue} and ${lower}.` };
      query.queue = lower as QueueName;
    } else {
      words.push(token);
    }
  }
  const text = words.join(' ').trim();
  if (!text) return { ok: true, query };
  const length = codePointLength(text);
  if (length > MAX_HISTORY_TEXT)
    return {
      ok: false,
      message: `The search text is ${length.toLocaleString('en-US')} characters; the limit is ${MAX_HISTORY_TEXT}. Search with a few words.`,
    };
  if (parseSearch(text).length === 0)
    return {
      ok: false,
      message: `\`${text.slice(0, 40)}\` has no words to search for. Use words from the job's text or answer, e.g. \`history deploy failed\`.`,
    };
  return { ok: true, query: { ...query, text } };
}
