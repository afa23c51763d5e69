// The history's search syntax: words and "phrases" all required, word* as a
// prefix, and no user text able to become FTS5 syntax.
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, ftsMatch, parseSearch, searchTerms, websearchText } from '@agentops/controller';

describe('history search', () => {
  it('reads words, quoted phrases and prefixes', () => {
    expect(parseSearch('deploy "api gateway" test*')).toEqual([
      { text: 'deploy', prefix: false },
      { text: 'api gateway', prefix: false },
      { text: 'test', prefix: true },
    ]);
    expect(ftsMatch(parseSearch('deploy "api gateway" test*'))).toBe('"deploy" "api gateway" "test" *');
  });

  it('quotes every term, so FTS5 operators and column filters are plain words', () => {
    for (const input of ['a OR b', 'text:secret', 'NEAR(a b)', '^start', 'x AND NOT y', '(a', 'say "hi']) {
      const match = ftsMatch(parseSearch(input));
      // Every term is a quoted string (quotes inside doubled), optionally followed by a prefix star.
      expect(match).toMatch(/^(?:"(?:[^"]|"")*"(?: \*)?)(?: "(?:[^"]|"")*"(?: \*)?)*$/);
    }
    expect(ftsMatch([{ text: 'say "hi"', prefix: false }])).toBe('"say ""hi"""');
  });

  it('drops words without letters or digits, and refuses a search with none', () => {
    expect(parseSearch('!!! -- deploy')).toEqual([{ text: 'deploy', prefix: false }]);
    expect(() => searchTerms('!!! ***')).toThrow(/has no words to look for/);
  });

  it('writes phrases for PostgreSQL in quotes and words as they are', () => {
    expect(websearchText(parseSearch('deploy "api gateway"'))).toBe('deploy "api gateway"');
  });

  it('pages with an opaque cursor and refuses one it did not make', () => {
    expect(decodeCursor(encodeCursor(42))).toBe(42);
    expect(() => decodeCursor('42')).toThrow(/is not a history cursor/);
    expect(() => decodeCursor("'; drop table jobs; --")).toThrow(/is not a history cursor/);
  });
});
