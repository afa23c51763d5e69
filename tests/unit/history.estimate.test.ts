// The receipt's estimate from similar past jobs and their history, and the
// per-day stats: what a person reads on the card and in `/queue stats`.
import { describe, expect, it } from 'vitest';
import {
  attachOutcomes,
  durationRange,
  estimateLine,
  percentile,
  similarJobsText,
  summarizeStats,
  type PastJob,
} from '@agentops/controller';

const past = (jobId: string): PastJob => ({
  jobId,
  queue: 'code',
  status: 'completed',
  text: `job ${jobId}`,
  score: 0.9,
});

describe('the receipt estimate', () => {
  it('says how long similar jobs took, what they cost and how many succeeded', () => {
    const jobs = attachOutcomes(['1', '2', '3', '4', '5'].map(past), [
      { id: '1', status: 'completed', durationMs: 120_000, costUsd: 0.25 },
      { id: '2', status: 'completed', durationMs: 180_000, costUsd: 0.3 },
      { id: '3', status: 'completed', durationMs: 240_000, costUsd: 0.35 },
      { id: '4', status: 'completed', durationMs: 150_000, costUsd: 0.3 },
      { id: '5', status: 'failed', costUsd: 0.1 },
    ]);
    expect(estimateLine(jobs)).toBe('similar jobs took 2-4 min, about $0.30, 4 of 5 succeeded');
    expect(similarJobsText(jobs)).toContain('Estimate: similar jobs took 2-4 min');
  });

  it('gives no line when the history knows none of them', () => {
    const jobs = attachOutcomes([past('1'), past('2')], [{ id: '9', status: 'completed', durationMs: 1_000 }]);
    expect(estimateLine(jobs)).toBeUndefined();
    expect(similarJobsText(jobs)).not.toContain('Estimate');
    // A job still running says nothing about how long such jobs take.
    expect(estimateLine(attachOutcomes([past('1')], [{ id: '1', status: 'active' }]))).toBeUndefined();
  });

  it('leaves out what it does not know', () => {
    const jobs = attachOutcomes(
      [past('1'), past('2')],
      [
        { id: '1', status: 'failed' },
        { id: '2', status: 'failed' },
      ],
    );
    expect(estimateLine(jobs)).toBe('similar jobs 0 of 2 succeeded');
  });

  it('reads run time ranges in one unit where it can', () => {
    expect(durationRange(20_000, 45_000)).toBe('20-45 s');
    expect(durationRange(40_000, 40_400)).toBe('40 s');
    expect(durationRange(20_000, 240_000)).toBe('20 s-4 min');
    expect(durationRange(3_600_000, 9_000_000)).toBe('1-2.5 h');
  });
});

describe('history stats', () => {
  const day = Date.UTC(2026, 0, 10, 12);
  it('groups per queue and day with success rate, p50, p95 and cost', () => {
    const rows = [
      ...Array.from({ length: 19 }, (_, index) => ({
        queue: 'local',
        created_at: day,
        status: 'completed',
        duration_ms: (index + 1) * 1_000,
        cost_usd: null,
      })),
      { queue: 'local', created_at: day, status: 'failed', duration_ms: null, cost_usd: null },
      { queue: 'code', created_at: day - 86_400_000, status: 'completed', duration_ms: 60_000, cost_usd: 0.5 },
      { queue: 'code', created_at: day - 86_400_000, status: 'waiting', duration_ms: null, cost_usd: 0.25 },
    ];
    expect(summarizeStats(rows)).toEqual([
      {
        queue: 'local',
        day: '2026-01-10',
        jobs: 20,
        completed: 19,
        failed: 1,
        successRate: 0.95,
        p50Ms: 10_000,
        p95Ms: 19_000,
        costUsd: 0,
      },
      {
        queue: 'code',
        day: '2026-01-09',
        jobs: 2,
        completed: 1,
        failed: 0,
        successRate: 1,
        p50Ms: 60_000,
        p95Ms: 60_000,
        costUsd: 0.75,
      },
    ]);
    expect(percentile([], 0.5)).toBeUndefined();
  });
});
