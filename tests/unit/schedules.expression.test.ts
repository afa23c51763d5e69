// Schedule expressions: cron patterns and `every` intervals, what is refused
// and why, and the next run times `schedule add` shows.
import { describe, expect, it } from 'vitest';
import {
  describeExpression,
  formatRunTime,
  nextRuns,
  parseCron,
  parseEvery,
  shortestGapMs,
} from '@agentops/controller';

const MONDAY_8AM_UTC = Date.parse('2026-12-07T08:00:00Z');

describe('parseEvery', () => {
  it.each([
    ['2s', 2_000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['90S', 90_000],
  ])('reads %s', (token, ms) => {
    expect(parseEvery(token)).toEqual({ ok: true, expression: { kind: 'every', ms } });
  });

  it.each(['30', 'm30', '1w', '-5m', '0s', '400d'])('refuses %s, saying the right form', (token) => {
    const parsed = parseEvery(token);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(/every <number>|at least 1s|at most 366d/);
  });
});

describe('parseCron', () => {
  it('accepts five fields, six with seconds, and names', () => {
    expect(parseCron('0 9 * * 1-5')).toEqual({ ok: true, expression: { kind: 'cron', pattern: '0 9 * * 1-5' } });
    expect(parseCron('  */10   * * * * * ').ok).toBe(true);
    expect(parseCron('@Daily')).toEqual({ ok: true, expression: { kind: 'cron', pattern: '@daily' } });
  });

  it('refuses what cron-parser refuses, rephrased, with the right form', () => {
    const hour = parseCron('0 25 * * *');
    expect(hour.ok).toBe(false);
    if (!hour.ok) {
      expect(hour.message).toContain('25 is out of range: that field takes 0 to 23');
      expect(hour.message).toContain('"0 9 * * 1-5"');
    }
    const step = parseCron('*/0 * * * *');
    if (!step.ok) expect(step.message).toContain('a step of /0 never repeats');
    const alias = parseCron('0 9 * * funday');
    if (!alias.ok) expect(alias.message).toContain('is not a number or a month or weekday name');
  });

  it('refuses the wrong number of fields and unknown names', () => {
    for (const pattern of ['0 9 * *', '* * * * * * *', '@fortnightly']) {
      const parsed = parseCron(pattern);
      expect(parsed.ok, pattern).toBe(false);
      if (!parsed.ok) expect(parsed.message).toContain('is not a cron expression');
    }
  });
});

describe('next runs', () => {
  it('counts cron runs in the schedule’s time zone', () => {
    const cron = { kind: 'cron' as const, pattern: '0 9 * * 1-5' };
    expect(nextRuns(cron, 'UTC', MONDAY_8AM_UTC).map((at) => new Date(at).toISOString())).toEqual([
      '2026-12-07T09:00:00.000Z',
      '2026-12-08T09:00:00.000Z',
      '2026-12-09T09:00:00.000Z',
    ]);
    // 09:00 in Berlin (UTC+1 in December) is 08:00 UTC: the first run is the next day.
    expect(new Date(nextRuns(cron, 'Europe/Berlin', MONDAY_8AM_UTC)[0] ?? 0).toISOString()).toBe(
      '2026-12-08T08:00:00.000Z',
    );
  });

  it('runs an every schedule at once, then each interval', () => {
    expect(nextRuns({ kind: 'every', ms: 2_000 }, 'UTC', 1_000)).toEqual([1_000, 3_000, 5_000]);
  });

  it('measures the shortest gap, for the minimum interval', () => {
    expect(shortestGapMs({ kind: 'every', ms: 30_000 }, 'UTC', 0)).toBe(30_000);
    expect(shortestGapMs({ kind: 'cron', pattern: '* * * * * *' }, 'UTC', MONDAY_8AM_UTC)).toBe(1_000);
    expect(shortestGapMs({ kind: 'cron', pattern: '*/5 * * * *' }, 'UTC', MONDAY_8AM_UTC)).toBe(300_000);
  });

  it('reads back as people write it', () => {
    expect(describeExpression({ kind: 'every', ms: 1_800_000 }, 'UTC')).toBe('every 30m');
    expect(describeExpression({ kind: 'every', ms: 90_000 }, 'UTC')).toBe('every 90s');
    expect(describeExpression({ kind: 'cron', pattern: '0 9 * * 1-5' }, 'Europe/Berlin')).toBe(
      'cron "0 9 * * 1-5" (Europe/Berlin)',
    );
    expect(formatRunTime(Date.parse('2026-12-07T09:00:00Z'), 'UTC')).toBe('Mon 2026-12-07 09:00 (UTC)');
    expect(formatRunTime(Date.parse('2026-12-07T09:00:05Z'), 'Europe/Berlin')).toBe(
      'Mon 2026-12-07 10:00:05 (Europe/Berlin)',
    );
  });
});
