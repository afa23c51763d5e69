// The checks a job text passes when it comes in as data rather than as a
// typed command (the REST API's `text`, a webhook template's result): what
// parseJobText checks, without its `p1:` and `plan:` prefixes (the API has
// fields for those). Pure.
import { cleanText, codePointLength, findBidiControl, hasVisibleText, MAX_JOB_TEXT } from '@agentops/core';

export type TextCheck = { ok: true; text: string } | { ok: false; message: string };

export function checkJobText(raw: string): TextCheck {
  const bidi = findBidiControl(raw);
  if (bidi)
    return {
      ok: false,
      message: `text has an invisible ${bidi.name} character (${bidi.codePoint}) at character ${bidi.position}, which makes text display in another order than it runs; remove it`,
    };
  const text = cleanText(raw);
  if (!hasVisibleText(text)) return { ok: false, message: 'text is empty; say what the job should do' };
  const length = codePointLength(text);
  if (length > MAX_JOB_TEXT)
    return {
      ok: false,
      message: `text is ${length.toLocaleString('en-US')} characters; the limit is ${MAX_JOB_TEXT.toLocaleString('en-US')}`,
    };
  return { ok: true, text };
}
