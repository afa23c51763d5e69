// A hook's template: how a webhook's JSON payload becomes a job's text, and
// its `when` filter. Pure. Nothing here evaluates code: a placeholder is a
// path (`{{workflow_run.head_branch}}`, `{{pull_request.labels.0.name}}`)
// looked up among the payload's own properties (never its prototype), and its
// value is cleaned (control and invisible characters out, lines joined) and
// cut to a length, so a payload cannot smuggle markup, mentions or a novel
// into the job text. A placeholder whose value is missing, an object or a
// list renders as nothing.
import { cleanText, truncate } from '@agentops/core';

/** `{{ a.b.0.c }}`: letters, digits, _ and - in each segment. */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\s*\}\}/g;

/** Longest value a placeholder puts into the text, unless the hook says otherwise. */
export const DEFAULT_VALUE_LENGTH = 300;

/** What a `when` entry accepts: one value, or any of several. */
export type WhenValue = string | number | boolean | null | readonly (string | number | boolean | null)[];

/** The value at `path` in `payload` (own properties only), or undefined. */
export function lookup(payload: unknown, path: string): unknown {
  let current: unknown = payload;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else {
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}

/** A scalar as text; anything else is nothing. */
function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** What is wrong with a template's placeholders (for the hooks file check), or undefined. */
export function templateProblem(template: string): string | undefined {
  const rest = template.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}'))
    return 'has a {{ }} that is not a placeholder; write a path such as {{workflow_run.name}} (letters, digits, _ - and dots only)';
  return undefined;
}

/** The job text for `payload`: each placeholder replaced by its cleaned value, at most `maxValue` characters each. */
export function renderTemplate(template: string, payload: unknown, maxValue = DEFAULT_VALUE_LENGTH): string {
  const text = template.replace(PLACEHOLDER, (_match, path: string) => {
    const value = cleanText(scalarText(lookup(payload, path))).replace(/\s+/g, ' ');
    return truncate(value, maxValue);
  });
  return cleanText(text);
}

export type WhenResult = { matched: true } | { matched: false; field: string; reason: string };

function sameScalar(expected: string | number | boolean | null, actual: unknown): boolean {
  return actual === expected || (actual === undefined && expected === null);
}

/** Whether `payload` passes every entry of `when` (path → value or list of values). */
export function matchWhen(when: Readonly<Record<string, WhenValue>>, payload: unknown): WhenResult {
  for (const [field, expected] of Object.entries(when)) {
    const actual = lookup(payload, field);
    const allowed = Array.isArray(expected) ? expected : [expected as string | number | boolean | null];
    if (!allowed.some((value) => sameScalar(value, actual))) {
      const shown = truncate(cleanText(scalarText(actual)) || String(actual ?? 'missing'), 60);
      return {
        matched: false,
        field,
        reason: `${field} is ${shown}, not ${allowed.map((value) => JSON.stringify(value)).join(' or ')}`,
      };
    }
  }
  return { matched: true };
}
