// The history's search syntax, read once and written for each database. Pure.
// A search is words, all of which must appear (in the job's text, answer or
// failure reason), and "quoted phrases"; `word*` matches words starting with
// it (SQLite only; PostgreSQL's websearch_to_tsquery has no prefixes and
// reads the word whole). User text never reaches SQL: it is a bound parameter,
// and for FTS5 every term is a quoted string with its quotes doubled, so no
// operator (AND, OR, NEAR, column:, ^, parentheses) can be smuggled in.
import { AgentOpsError, ErrorCode } from '@agentops/core';

export interface SearchTerm {
  /** One word or a phrase, as typed (without the quotes or the trailing *). */
  text: string;
  prefix: boolean;
}

/** Longest search read; the rest is ignored. */
const MAX_TERMS = 16;
const WORDY = /[\p{L}\p{N}]/u;
const TOKEN = /"([^"]*)"?|(\S+)/g;

/** The terms of a search; words without a letter or digit are dropped (the tokenizer would drop them too). */
export function parseSearch(input: string): SearchTerm[] {
  const terms: SearchTerm[] = [];
  for (const match of input.matchAll(TOKEN)) {
    const phrase = match[1] !== undefined;
    let text = (match[1] ?? match[2] ?? '').trim();
    let prefix = false;
    if (!phrase && text.length > 1 && text.endsWith('*')) {
      prefix = true;
      text = text.replace(/\*+$/, '');
    }
    if (!WORDY.test(text)) continue;
    terms.push({ text, prefix });
    if (terms.length >= MAX_TERMS) break;
  }
  return terms;
}

/** The terms, or a USAGE error when the text has none. */
export function searchTerms(input: string): SearchTerm[] {
  const terms = parseSearch(input);
  if (terms.length === 0)
    throw new AgentOpsError(
      ErrorCode.Usage,
      `The search "${input.slice(0, 60)}" has no words to look for. Search with words from the job's text or answer, e.g. history deploy failed.`,
    );
  return terms;
}

/** An FTS5 MATCH expression: each term a quoted string (quotes doubled), all required. */
export function ftsMatch(terms: readonly SearchTerm[]): string {
  return terms.map((term) => `"${term.text.replaceAll('"', '""')}"${term.prefix ? ' *' : ''}`).join(' ');
}

/** Text for PostgreSQL's websearch_to_tsquery: words as they are, phrases in quotes. */
export function websearchText(terms: readonly SearchTerm[]): string {
  return terms.map((term) => (/\s/.test(term.text) ? `"${term.text.replaceAll('"', ' ')}"` : term.text)).join(' ');
}
