// Text clean-up shared by every input path. Pure.

/** Unicode code points, so an emoji or CJK character counts as one. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** Cuts to at most `max` code points (never inside a surrogate pair), adding `marker` when cut. */
export function truncate(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  const markerLength = codePointLength(marker);
  if (codePointLength(text) <= max) return text;
  const kept: string[] = [];
  let count = 0;
  for (const char of text) {
    if (count + 1 > max - markerLength) break;
    kept.push(char);
    count += 1;
  }
  return kept.join('') + marker;
}

// C0 controls except tab and newline, DEL, and C1 controls.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** Normalises line endings, drops control characters and trims. */
export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL_CHARS, '').trim();
}
