// Text as AgentOps measures, cuts and cleans it, for every input and output
// path: splitting long text to fit Slack's limits without losing or mangling a
// character, truncating it, counting it, cleaning what people type; and
// durations and costs as people read them. Pure.
//
// Lengths are UTF-16 code units (String#length): never fewer than the
// characters Slack counts, so a piece that fits here fits there.

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * How far past a cut the segmenter looks. Whether a position is a grapheme
 * boundary depends on what precedes it (known: pieces start on boundaries) and
 * on the next character or two; 16 code units is ample.
 */
const LOOKAHEAD = 16;

/** Preferred places to cut, best first: after a paragraph, a line, a sentence, a word. */
const BREAKS = ['\n\n', '\n', '. ', '。', ' '] as const;

/** Grapheme boundaries in (start, limit], found by segmenting from `start`, which must be one. */
function boundariesAfter(text: string, start: number, limit: number): Set<number> {
  const boundaries = new Set<number>();
  const window = text.slice(start, Math.min(text.length, limit + LOOKAHEAD));
  for (const { index } of segmenter.segment(window)) {
    if (index > 0 && start + index <= limit) boundaries.add(start + index);
  }
  if (limit >= text.length) boundaries.add(text.length);
  return boundaries;
}

/** Whether a piece may end at a position (besides it being a grapheme boundary). */
type CutAllowed = (at: number) => boolean;

/** Where to end the piece that starts at `start` and may reach `limit` (exclusive end). */
function chooseCut(text: string, start: number, limit: number, allowed: CutAllowed): number {
  const boundaries = boundariesAfter(text, start, limit);
  // A natural break is only worth it if the piece stays at least half full.
  const earliest = start + Math.ceil((limit - start) / 2);
  for (const mark of BREAKS) {
    let at = text.lastIndexOf(mark, limit - mark.length);
    while (at >= start && at + mark.length >= earliest) {
      const cut = at + mark.length;
      if (boundaries.has(cut) && allowed(cut)) return cut;
      // lastIndexOf clamps a negative start to 0 and would find the same match again.
      at = at > 0 ? text.lastIndexOf(mark, at - 1) : -1;
    }
  }
  const latestFirst = [...boundaries].sort((a, b) => b - a);
  const best = latestFirst.find(allowed) ?? latestFirst[0];
  if (best !== undefined && best > start) return best;
  // One grapheme longer than the limit (e.g. a run of combining marks): cut
  // it, but never between the two halves of a surrogate pair.
  const code = text.charCodeAt(limit - 1);
  const highSurrogate = code >= 0xd800 && code <= 0xdbff;
  return highSurrogate && limit - 1 > start ? limit - 1 : limit;
}

/**
 * Cuts `text` into pieces of at most `max` code units, preferring paragraph,
 * line, sentence and word breaks and never cutting inside a grapheme (emoji,
 * flag, surrogate pair, letter with accents). `pieces.join('') === text`.
 */
export function splitText(text: string, max: number): string[] {
  return splitWhere(text, max, () => true);
}

function splitWhere(text: string, max: number, allowed: CutAllowed): string[] {
  if (!Number.isInteger(max) || max < 2) throw new RangeError(`splitText needs a limit of at least 2, not ${max}`);
  const pieces: string[] = [];
  let start = 0;
  while (text.length - start > max) {
    const cut = chooseCut(text, start, start + max, allowed);
    pieces.push(text.slice(start, cut));
    start = cut;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}

const FENCE = '```';
/** "\n```" closing a piece plus "```\n" reopening the next. */
const FENCE_OVERHEAD = 2 * (FENCE.length + 1);

function countFences(text: string): number {
  let count = 0;
  for (let at = text.indexOf(FENCE); at !== -1; at = text.indexOf(FENCE, at + FENCE.length)) count += 1;
  return count;
}

/** Longest `<url|label>` a cut is kept out of; a longer run after a `<` is not one of our links. */
const MAX_LINK = 1_000;

/** Whether `at` is inside an escape (`&lt;`) or a link (`<url|label>`) of mrkdwn, where a cut would break it in two. */
function insideMrkdwnSpan(text: string, at: number): boolean {
  if (/&[a-z]{0,4}$/i.test(text.slice(Math.max(0, at - 5), at)) && /^[a-z]{0,4};/i.test(text.slice(at, at + 5)))
    return true;
  const before = text.slice(Math.max(0, at - MAX_LINK), at);
  const open = before.lastIndexOf('<');
  if (open === -1 || before.indexOf('>', open) !== -1 || before.includes('\n', open)) return false;
  const after = text.slice(at, at + MAX_LINK);
  const close = after.indexOf('>');
  return close !== -1 && !after.slice(0, close).includes('\n');
}

/**
 * splitText for mrkdwn: a code block cut in two is closed at the end of one
 * piece and reopened at the start of the next, so both render as code, and
 * no cut falls inside an escape or a link when another place is near.
 * Each piece is at most `max` code units, fences included.
 */
export function splitMrkdwn(text: string, max: number): string[] {
  if (max <= FENCE_OVERHEAD + 1)
    throw new RangeError(`splitMrkdwn needs a limit above ${FENCE_OVERHEAD + 1}, not ${max}`);
  const pieces = splitWhere(text, max - FENCE_OVERHEAD, (at) => !insideMrkdwnSpan(text, at));
  let insideCode = false;
  return pieces.map((piece) => {
    const reopened = insideCode ? `${FENCE}\n${piece}` : piece;
    if (countFences(piece) % 2 === 1) insideCode = !insideCode;
    return insideCode ? `${reopened}\n${FENCE}` : reopened;
  });
}

/**
 * The beginning of `text` in at most `max` code units, `marker` included when
 * something was left out. Cut like splitText: at a paragraph, line, sentence or
 * word break when one is near, and never inside a grapheme.
 */
export function truncate(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  const room = max - marker.length;
  if (room < 2) return marker.length <= max ? marker : '';
  const [head = ''] = splitText(text, room);
  return `${head.trimEnd()}${marker}`;
}

/** Unicode code points, so an emoji or CJK character counts as one. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

// C0 controls except tab and newline, DEL, and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: they are removed from job text.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * A format character (Unicode category Cf: zero-width space, word joiner, BOM,
 * soft hyphen, bidi marks, tag characters...), or a whole emoji tag sequence
 * (the flags of England, Scotland and Wales are a black flag followed by tag
 * characters), which is kept.
 */
const FORMAT_CHAR_OR_TAG_SEQUENCE = /(\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F})|\p{Cf}/gu;
/** Format characters that are visible signs spanning the digits after them (Arabic number signs...): kept. */
const VISIBLE_FORMAT_CHARS = /^[\u0600-\u0605\u06DD\u070F\u0890\u0891\u08E2\u{110BD}\u{110CD}]$/u;
const ZWJ = '\u200D';
const ZWNJ = '\u200C';
/** What may stand before a ZWJ inside an emoji sequence: an emoji, a skin tone, or the emoji-style selector VS16. */
const EMOJI_BEFORE_JOINER = /^(?:[\p{Extended_Pictographic}\p{Emoji_Modifier}]|\uFE0F)$/u;
const EMOJI_AFTER_JOINER = /^\p{Extended_Pictographic}$/u;
/** Letters of scripts whose spelling uses ZWJ and ZWNJ (Persian, Arabic, Indic...), not Latin, Greek or Cyrillic. */
const JOINING_LETTER = /^(?![\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}])[\p{L}\p{M}]$/u;

function codePointBefore(text: string, at: number): string {
  const low = text.charCodeAt(at - 1);
  const start = low >= 0xdc00 && low <= 0xdfff && at >= 2 ? at - 2 : at - 1;
  return at > 0 ? String.fromCodePoint(text.codePointAt(start) ?? 0) : '';
}

function codePointAt(text: string, at: number): string {
  const code = text.codePointAt(at);
  return code === undefined ? '' : String.fromCodePoint(code);
}

/** Whether the format character `char` at `at` does a job there: a joiner inside an emoji or a word that needs it. */
function formatCharIsMeaningful(char: string, text: string, at: number): boolean {
  if (VISIBLE_FORMAT_CHARS.test(char)) return true;
  if (char !== ZWJ && char !== ZWNJ) return false;
  const before = codePointBefore(text, at);
  const after = codePointAt(text, at + char.length);
  if (char === ZWJ && EMOJI_BEFORE_JOINER.test(before) && EMOJI_AFTER_JOINER.test(after)) return true;
  return JOINING_LETTER.test(before) && JOINING_LETTER.test(after);
}

/**
 * Removes invisible format characters (Unicode category Cf): zero-width
 * spaces, word joiners, byte order marks, soft hyphens, bidi marks and
 * controls, invisible tag characters. Keeps the ones that are part of what is
 * written: the zero-width joiner inside an emoji sequence (woman + ZWJ +
 * laptop is one emoji), emoji tag sequences (the flag of Scotland), ZWJ and
 * ZWNJ between the letters of scripts that spell with them (Persian, the Indic
 * scripts), and the visible Arabic number signs.
 */
export function removeFormatChars(text: string): string {
  return text.replace(FORMAT_CHAR_OR_TAG_SEQUENCE, (match: string, tagSequence: string | undefined, at: number) =>
    tagSequence || formatCharIsMeaningful(match, text, at) ? match : '',
  );
}

/** Normalises line endings, drops control and invisible format characters, and trims. */
export function cleanText(text: string): string {
  return removeFormatChars(text.replace(/\r\n?/g, '\n').replace(CONTROL_CHARS, '')).trim();
}

/** Characters that show nothing by themselves: white space, default-ignorable ones (Hangul fillers, variation selectors), lone marks, the blank braille cell. */
const INVISIBLE = /^[\s\p{Default_Ignorable_Code_Point}\p{M}\u2800]*$/u;

/** Whether `text` has at least one character a reader can see. */
export function hasVisibleText(text: string): boolean {
  return !INVISIBLE.test(text);
}

/** Embeddings, overrides and isolates: they make text display in another order than it is stored. */
const BIDI_CONTROL_NAMES: Readonly<Record<string, string>> = {
  '\u202A': 'LEFT-TO-RIGHT EMBEDDING',
  '\u202B': 'RIGHT-TO-LEFT EMBEDDING',
  '\u202C': 'POP DIRECTIONAL FORMATTING',
  '\u202D': 'LEFT-TO-RIGHT OVERRIDE',
  '\u202E': 'RIGHT-TO-LEFT OVERRIDE',
  '\u2066': 'LEFT-TO-RIGHT ISOLATE',
  '\u2067': 'RIGHT-TO-LEFT ISOLATE',
  '\u2068': 'FIRST STRONG ISOLATE',
  '\u2069': 'POP DIRECTIONAL ISOLATE',
};
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;

export interface BidiControl {
  /** e.g. "U+202E" */
  codePoint: string;
  /** e.g. "RIGHT-TO-LEFT OVERRIDE" */
  name: string;
  /** Where it is, counted in characters (code points) from 1. */
  position: number;
}

/** The first bidi embedding, override or isolate in `text`, if any (the trick behind reversed-looking text). */
export function findBidiControl(text: string): BidiControl | undefined {
  const match = BIDI_CONTROL.exec(text);
  if (!match) return undefined;
  const char = match[0];
  return {
    codePoint: `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`,
    name: BIDI_CONTROL_NAMES[char] ?? 'BIDI CONTROL',
    position: codePointLength(text.slice(0, match.index)) + 1,
  };
}

/** 850 ms, 12 s, 3 min 5 s, 1 h 2 min. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0 s';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

/** $0.04; tiny non-zero costs show as <$0.01 rather than a misleading $0.00. */
export function formatCost(usd: number): string {
  if (usd > 0 && usd < 0.005) return '<$0.01';
  return `$${usd.toFixed(2)}`;
}
