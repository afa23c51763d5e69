// Recognising the limits Claude runs into, and when each lifts. Pure: every
// form below is a real sample (the CLI 2.1.330 against a stand-in, older CLIs'
// wording, the Messages API's headers), each with a test.
//
// - Subscription usage limit, new CLIs: a `rate_limit_event` whose
//   `rate_limit_info` is `{status: "rejected", resetsAt: <epoch s>,
//   rateLimitType: "five_hour"}`, then a result with `api_error:
//   "usage_limit_reached"` and "You've hit your 5-hour limit · resets 8:09am (UTC)".
// - Older CLIs: a result "Claude AI usage limit reached|<epoch s>".
// - API key, after the CLI's own retries: a result with `api_error_status: 429`
//   (`api_error_type: "rate_limit_error"`): the reset headers do not reach the
//   result, so the wait is a default.
// - 529 `overloaded_error`: a short wait.
// - Direct API responses: `retry-after` (seconds or an HTTP date) and the
//   `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset`
//   headers (RFC 3339), the latest of which is when everything is free again.

export type LimitKind = 'usage_limit' | 'rate_limit' | 'overloaded';

export interface LimitHit {
  kind: LimitKind;
  /** When work may start again (ms since the epoch). */
  resetAt: number;
  /** Whether the reset time came from the limit itself, or is a default wait. */
  known: boolean;
  /** What the CLI or the API said, for the channel's notice. */
  said: string;
}

export interface LimitWaits {
  /** A rate limit without a reset time. */
  rateLimitMs: number;
  /** An overloaded API. */
  overloadedMs: number;
  /** A usage limit whose wording could not be read (the 5-hour window at most). */
  usageLimitMs: number;
}

export const DEFAULT_LIMIT_WAITS: LimitWaits = {
  rateLimitMs: 60_000,
  overloadedMs: 30_000,
  usageLimitMs: 3_600_000,
};

/** No limit is waited out for longer than this: a reset further away is read as a mistake and capped. */
export const MAX_LIMIT_WAIT_MS = 7 * 24 * 3_600_000;

const clamp = (resetAt: number, now: number) => Math.min(Math.max(resetAt, now + 1_000), now + MAX_LIMIT_WAIT_MS);

/** Epoch seconds or milliseconds, as the CLI writes them, in ms. */
function epochMs(value: number): number {
  return value < 1e12 ? value * 1_000 : value;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The offset of `timeZone` from UTC at `at`, in ms (undefined for a zone Intl does not know). */
function zoneOffsetMs(timeZone: string, at: number): number | undefined {
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }).formatToParts(new Date(at));
    const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
    const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return local - Math.floor(at / 1_000) * 1_000;
  } catch {
    return undefined;
  }
}

/**
 * The reset in wording such as "resets 8:09am (UTC)", "resets 3pm
 * (Europe/Berlin)" or "resets Jan 5, 10am (America/New_York)": the next such
 * time after `now`, in the zone named (UTC when none is).
 */
export function parseResetWording(text: string, now: number): number | undefined {
  const match =
    /resets\s+(?:(?<month>[A-Za-z]{3})[a-z]*\s+(?<day>\d{1,2}),?\s+)?(?:at\s+)?(?<hour>\d{1,2})(?::(?<minute>\d{2}))?\s*(?<half>am|pm)?\s*(?:\((?<zone>[^)]+)\))?/i.exec(
      text,
    );
  const groups = match?.groups;
  if (!groups?.hour) return undefined;
  let hour = Number(groups.hour);
  const minute = Number(groups.minute ?? 0);
  const half = groups.half?.toLowerCase();
  if (half === 'pm' && hour < 12) hour += 12;
  if (half === 'am' && hour === 12) hour = 0;
  if (hour > 23 || minute > 59) return undefined;
  const zone = groups.zone?.trim() || 'UTC';
  const offset = zoneOffsetMs(zone, now);
  if (offset === undefined) return undefined;
  const localNow = new Date(now + offset);
  const month = groups.month ? MONTHS.indexOf(groups.month.toLowerCase()) : localNow.getUTCMonth();
  if (month < 0) return undefined;
  const day = groups.day ? Number(groups.day) : localNow.getUTCDate();
  let year = localNow.getUTCFullYear();
  const at = (y: number, d: number) => Date.UTC(y, month, d, hour, minute) - offset;
  let reset = at(year, day);
  if (reset <= now) {
    if (groups.day) {
      year += 1;
      reset = at(year, day);
    } else {
      reset = at(year, day + 1);
    }
  }
  return reset;
}

/** What a Claude Code run's result (and its rate_limit_event, if any) says about a limit. */
export interface ResultFacts {
  result?: string;
  apiErrorStatus?: number;
  apiErrorType?: string;
  apiError?: string;
  /** The run's `rate_limit_event`: `rate_limit_info`. */
  rateLimit?: { status?: string; resetsAt?: number; rateLimitType?: string };
}

const USAGE_LIMIT = /usage limit reached|hit your (?:[\w-]+ )?limit|usage_limit_reached/i;
const OLD_FORM = /usage limit reached\|(\d{9,13})/i;

/** The limit a failed run ran into, if that is why it failed. */
export function limitFromResult(
  facts: ResultFacts,
  now: number,
  waits: LimitWaits = DEFAULT_LIMIT_WAITS,
): LimitHit | undefined {
  const said = (facts.result ?? '').trim().slice(0, 300);
  const rejected = facts.rateLimit?.status === 'rejected';
  const old = OLD_FORM.exec(facts.result ?? '');
  if (old?.[1]) return { kind: 'usage_limit', resetAt: clamp(epochMs(Number(old[1])), now), known: true, said };
  if (rejected || facts.apiError === 'usage_limit_reached' || USAGE_LIMIT.test(facts.result ?? '')) {
    const fromEvent = facts.rateLimit?.resetsAt;
    const fromWords = parseResetWording(facts.result ?? '', now);
    const resetAt = fromEvent ? epochMs(fromEvent) : fromWords;
    return resetAt === undefined
      ? { kind: 'usage_limit', resetAt: now + waits.usageLimitMs, known: false, said }
      : { kind: 'usage_limit', resetAt: clamp(resetAt, now), known: true, said };
  }
  if (facts.apiErrorStatus === 429 || facts.apiErrorType === 'rate_limit_error')
    return { kind: 'rate_limit', resetAt: now + waits.rateLimitMs, known: false, said };
  if (facts.apiErrorStatus === 529 || facts.apiErrorType === 'overloaded_error')
    return { kind: 'overloaded', resetAt: now + waits.overloadedMs, known: false, said };
  return undefined;
}

/** Reads `retry-after`: seconds, or an HTTP date. */
function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return now + Number(value.trim()) * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date;
}

const RESET_HEADERS = [
  'anthropic-ratelimit-requests-reset',
  'anthropic-ratelimit-tokens-reset',
  'anthropic-ratelimit-input-tokens-reset',
  'anthropic-ratelimit-output-tokens-reset',
];

/** The limit an API response (status and headers, names in any case) reports, if it is one. */
export function limitFromResponse(
  status: number,
  headers: Record<string, string | undefined>,
  now: number,
  waits: LimitWaits = DEFAULT_LIMIT_WAITS,
): LimitHit | undefined {
  if (status !== 429 && status !== 529) return undefined;
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const retry = retryAfterMs(lower['retry-after'], now);
  const resets = RESET_HEADERS.map((name) => Date.parse(lower[name] ?? '')).filter((at) => !Number.isNaN(at));
  const known = retry ?? (resets.length > 0 ? Math.max(...resets) : undefined);
  const kind: LimitKind = status === 529 ? 'overloaded' : 'rate_limit';
  const said = `HTTP ${status}`;
  if (known !== undefined) return { kind, resetAt: clamp(known, now), known: true, said };
  return { kind, resetAt: now + (status === 529 ? waits.overloadedMs : waits.rateLimitMs), known: false, said };
}
