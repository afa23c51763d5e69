// Splitting long replies for Slack: nothing lost, nothing over a limit, and no
// cut through an emoji, a flag, a surrogate pair or an accented letter.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitMrkdwn, splitText, truncate } from '@agentops/core';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Positions where a cut would not break a grapheme (user-perceived character). */
function boundaries(text: string): Set<number> {
  const set = new Set<number>([text.length]);
  for (const { index } of graphemes.segment(text)) set.add(index);
  return set;
}

function cutPositions(pieces: string[]): number[] {
  const cuts: number[] = [];
  let at = 0;
  for (const piece of pieces.slice(0, -1)) {
    at += piece.length;
    cuts.push(at);
  }
  return cuts;
}

const TOKENS = [
  'word',
  'Slack',
  ' ',
  ' ',
  '\n',
  '\n\n',
  '. ',
  'é',
  'e\u0301',
  '😀',
  '👍🏽',
  '👨‍👩‍👧‍👦',
  '🇯🇵',
  '🏳️‍🌈',
  '漢字',
  '日本語の文章',
  '。',
  '한국어',
  'x'.repeat(40),
  '`code`',
  '\r\n',
];
const textArb = fc.array(fc.constantFrom(...TOKENS), { maxLength: 400 }).map((parts) => parts.join(''));

describe('splitText', () => {
  it('keeps every character, never exceeds the limit and never cuts inside a grapheme', () => {
    fc.assert(
      fc.property(textArb, fc.integer({ min: 16, max: 300 }), (text, max) => {
        const pieces = splitText(text, max);
        expect(pieces.join('')).toBe(text);
        for (const piece of pieces) {
          expect(piece.length).toBeGreaterThan(0);
          expect(piece.length).toBeLessThanOrEqual(max);
        }
        const allowed = boundaries(text);
        for (const cut of cutPositions(pieces)) expect(allowed.has(cut)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('handles arbitrary Unicode, including lone surrogates, without losing anything', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), fc.integer({ min: 2, max: 50 }), (text, max) => {
        const pieces = splitText(text, max);
        expect(pieces.join('')).toBe(text);
        for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(max);
      }),
    );
  });

  it('puts an emoji that straddles the limit whole into the next piece', () => {
    const text = `${'a'.repeat(9)}😀${'b'.repeat(5)}`;
    expect(splitText(text, 10)).toEqual(['a'.repeat(9), `😀${'b'.repeat(5)}`]);
    const family = '👨‍👩‍👧‍👦';
    const pieces = splitText(`${'a'.repeat(15)}${family}tail`, 20);
    expect(pieces).toEqual(['a'.repeat(15), `${family}tail`]);
  });

  it('cuts text without spaces (Chinese, Japanese) between characters', () => {
    const text = '漢字仮名交じり文'.repeat(50);
    const pieces = splitText(text, 33);
    expect(pieces.join('')).toBe(text);
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThanOrEqual(33);
  });

  it('prefers a paragraph break, then a line break, then a space', () => {
    const paragraph = `${'First paragraph with words. '.repeat(3)}\n\n`;
    const text = `${paragraph}${'Second one goes on and on. '.repeat(5)}`;
    expect(splitText(text, 120)[0]).toBe(paragraph);
    const lines = `${'line of text\n'.repeat(5)}${'more words here '.repeat(10)}`;
    expect(splitText(lines, 70)[0]?.endsWith('\n')).toBe(true);
    expect(splitText('alpha beta gamma delta', 12)).toEqual(['alpha beta ', 'gamma delta']);
  });

  it('returns nothing for empty text and the text itself when it fits', () => {
    expect(splitText('', 10)).toEqual([]);
    expect(splitText('short', 10)).toEqual(['short']);
  });
});

describe('splitMrkdwn', () => {
  it('closes a code block at a cut and reopens it in the next piece, within the limit', () => {
    const code = Array.from({ length: 200 }, (_, i) => `const value${i} = ${i};`).join('\n');
    const text = `Intro paragraph.\n\n\`\`\`\n${code}\n\`\`\`\n\nAfter the code.`;
    const pieces = splitMrkdwn(text, 500);
    expect(pieces.length).toBeGreaterThan(3);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(500);
      expect((piece.match(/```/g) ?? []).length % 2).toBe(0);
    }
    // Without the fences added at the cuts, the pieces are the text again.
    const rejoined = pieces
      .map((piece, index) => {
        let out = piece;
        if (index > 0 && pieces[index - 1]!.endsWith('\n```') && out.startsWith('```\n')) out = out.slice(4);
        if (index < pieces.length - 1 && pieces[index + 1]!.startsWith('```\n') && out.endsWith('\n```'))
          out = out.slice(0, -4);
        return out;
      })
      .join('');
    expect(rejoined).toBe(text);
  });

  it('leaves text without code alone', () => {
    const text = 'plain words '.repeat(100);
    expect(splitMrkdwn(text, 200).join('')).toBe(text);
  });
});

describe('truncate', () => {
  it('keeps short text and ends cut text with an ellipsis inside the limit, never halving an emoji', () => {
    expect(truncate('short', 10)).toBe('short');
    const cut = truncate(`${'a'.repeat(8)}😀😀😀`, 10);
    expect(cut.length).toBeLessThanOrEqual(10);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
