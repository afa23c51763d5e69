// Text as AgentOps measures, cuts and cleans it, for every input and output
// path: splitting long text to fit Slack's limits without losing or mangling a
// character, truncating it, counting it, cleaning what people type. Pure.
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

/** Where to end the piece that starts at `start` and may reach `limit` (exclusive end). */
function chooseCut(text: string, start: number, limit: number): number {
  const boundaries = boundariesAfter(text, start, limit);
  // A natural break is only worth it if the piece stays at least half full.
  const earliest = start + Math.ceil((limit - start) / 2);
  for (const mark of BREAKS) {
    let at = text.lastIndexOf(mark, limit - mark.length);
    while (at >= start && at + mark.length >= earliest) {
      const cut = at + mark.length;
      if (boundaries.has(cut)) return cut;
      // lastIndexOf clamps a negative start to 0 and would find the same match again.
      at = at > 0 ? text.lastIndexOf(mark, at - 1) : -1;
    }
  }
  let best = start;
  for (const boundary of boundaries) if (boundary > best) best = boundary;
  if (best > start) return best;
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
  if (!Number.isInteger(max) || max < 2) throw new RangeError(`splitText needs a limit of at least 2, not ${max}`);
  const pieces: string[] = [];
  let start = 0;
  while (text.length - start > max) {
    const cut = chooseCut(text, start, start + max);
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

/**
 * splitText for mrkdwn: a code block cut in two is closed at the end of one
 * piece and reopened at the start of the next, so both render as code.
 * Each piece is at most `max` code units, fences included.
 */
export function splitMrkdwn(text: string, max: number): string[] {
  if (max <= FENCE_OVERHEAD + 1)
    throw new RangeError(`splitMrkdwn needs a limit above ${FENCE_OVERHEAD + 1}, not ${max}`);
  const pieces = splitText(text, max - FENCE_OVERHEAD);
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

/** Normalises line endings, drops control characters and trims. */
export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL_CHARS, '').trim();
}
