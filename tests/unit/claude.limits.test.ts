// Claude's limits, one real-world sample each: the CLI's results with and
// without a rate_limit_event, the older `|<epoch>` form, the "resets <time>"
// wording in several zones, API 429 and 529 results, and the Messages API's
// retry-after and anthropic-ratelimit-*-reset headers.
import { describe, expect, it } from 'vitest';
import { limitFromResponse, limitFromResult, parseResetWording } from '@agentops/worker-kit';

const NOW = Date.UTC(2026, 11, 1, 6, 0, 0); // 06:00 UTC

describe('limitFromResult', () => {
  it('reads the subscription limit with its rate_limit_event (CLI 2.1.330)', () => {
    const resetsAt = NOW / 1_000 + 7_740;
    expect(
      limitFromResult(
        {
          result: "You've hit your 5-hour limit · resets 8:09am (UTC)",
          apiError: 'usage_limit_reached',
          rateLimit: { status: 'rejected', resetsAt, rateLimitType: 'five_hour' },
        },
        NOW,
      ),
    ).toMatchObject({ kind: 'usage_limit', resetAt: resetsAt * 1_000, known: true });
  });

  it('reads the wording alone when there is no event', () => {
    const hit = limitFromResult({ result: "You've hit your 5-hour limit · resets 8:09am (UTC)" }, NOW);
    expect(hit).toMatchObject({ kind: 'usage_limit', known: true, resetAt: Date.UTC(2026, 11, 1, 8, 9) });
  });

  it('reads the older "usage limit reached|<epoch>" form', () => {
    const epoch = NOW / 1_000 + 3_600;
    expect(limitFromResult({ result: `Claude AI usage limit reached|${epoch}` }, NOW)).toMatchObject({
      kind: 'usage_limit',
      resetAt: epoch * 1_000,
      known: true,
    });
  });

  it('waits a default after an API-key 429, whose reset headers do not reach the result', () => {
    const hit = limitFromResult(
      {
        result: 'API Error: Request rejected (429) · rate limited',
        apiErrorStatus: 429,
        apiErrorType: 'rate_limit_error',
      },
      NOW,
      { rateLimitMs: 5_000, overloadedMs: 1_000, usageLimitMs: 60_000 },
    );
    expect(hit).toMatchObject({ kind: 'rate_limit', resetAt: NOW + 5_000, known: false });
  });

  it('waits briefly when the API is overloaded (529)', () => {
    expect(limitFromResult({ result: 'API Error: 529 overloaded', apiErrorStatus: 529 }, NOW)).toMatchObject({
      kind: 'overloaded',
      resetAt: NOW + 30_000,
    });
  });

  it('is no limit for other failures', () => {
    expect(limitFromResult({ result: 'API Error: 401 invalid x-api-key', apiErrorStatus: 401 }, NOW)).toBeUndefined();
    expect(limitFromResult({ result: 'Claude reached its turn limit' }, NOW)).toBeUndefined();
  });

  it('never waits more than a week, nor less than a second', () => {
    const far = limitFromResult({ result: `Claude AI usage limit reached|${NOW / 1_000 + 90 * 86_400}` }, NOW);
    expect(far?.resetAt).toBe(NOW + 7 * 86_400_000);
    const past = limitFromResult({ result: `Claude AI usage limit reached|${NOW / 1_000 - 60}` }, NOW);
    expect(past?.resetAt).toBe(NOW + 1_000);
  });
});

describe('parseResetWording', () => {
  it('takes the next such time: later today, or tomorrow once it has passed', () => {
    expect(parseResetWording('resets 8:09am (UTC)', NOW)).toBe(Date.UTC(2026, 11, 1, 8, 9));
    expect(parseResetWording('resets 5am (UTC)', NOW)).toBe(Date.UTC(2026, 11, 2, 5, 0));
    expect(parseResetWording('resets 12pm', NOW)).toBe(Date.UTC(2026, 11, 1, 12, 0));
  });

  it('reads named time zones and dates', () => {
    // 10am in Berlin in December is 09:00 UTC.
    expect(parseResetWording('resets 10am (Europe/Berlin)', NOW)).toBe(Date.UTC(2026, 11, 1, 9, 0));
    expect(parseResetWording('resets Dec 5, 3:30pm (America/New_York)', NOW)).toBe(Date.UTC(2026, 11, 5, 20, 30));
  });

  it('reads nothing it does not understand', () => {
    expect(parseResetWording('resets soon', NOW)).toBeUndefined();
    expect(parseResetWording('resets 25:00', NOW)).toBeUndefined();
    expect(parseResetWording('resets 9am (Mars/Olympus)', NOW)).toBeUndefined();
  });
});

describe('limitFromResponse', () => {
  it('honours retry-after in seconds and as a date', () => {
    expect(limitFromResponse(429, { 'Retry-After': '30' }, NOW)).toMatchObject({
      kind: 'rate_limit',
      resetAt: NOW + 30_000,
      known: true,
    });
    expect(limitFromResponse(429, { 'retry-after': new Date(NOW + 90_000).toUTCString() }, NOW)?.resetAt).toBe(
      NOW + 90_000,
    );
  });

  it('takes the latest anthropic-ratelimit-*-reset when there is no retry-after', () => {
    const hit = limitFromResponse(
      429,
      {
        'anthropic-ratelimit-requests-reset': new Date(NOW + 10_000).toISOString(),
        'anthropic-ratelimit-tokens-reset': new Date(NOW + 40_000).toISOString(),
      },
      NOW,
    );
    expect(hit).toMatchObject({ resetAt: NOW + 40_000, known: true });
  });

  it('reads 529 as overloaded, and other statuses as no limit', () => {
    expect(limitFromResponse(529, {}, NOW)).toMatchObject({ kind: 'overloaded', known: false });
    expect(limitFromResponse(500, { 'retry-after': '5' }, NOW)).toBeUndefined();
  });
});
