// Text clean-up shared by every input path. Pure.

/** Unicode code points, so an emoji or CJK character counts as one. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/**
 * Cuts to at most `max` UTF-16 units, the stricter of the ways Slack may count,
 * never inside a surrogate pair (emoji), adding `marker` when cut.
 */
export function truncate(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  const budget = Math.max(0, max - marker.length);
  let used = 0;
  let end = 0;
  for (const char of text) {
    if (used + char.length > budget) break;
    used += char.length;
    end += char.length;
  }
  return text.slice(0, end) + marker;
}

// C0 controls except tab and newline, DEL, and C1 controls.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** Normalises line endings, drops control characters and trims. */
export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL_CHARS, '').trim();
}
