// The job card through a job's life, and the notices posted in its thread.
import { describe, expect, it } from 'vitest';
import { ACTION_IDS, parseJobButtonValue, type JobData } from '@agentops/core';
import { cancelledNotice, estimateStart, failureNotice, jobCard, type CardState } from '@agentops/controller';

const data: JobData = {
  id: '42',
  text: 'fix the <flaky> test & push',
  priority: 2,
  queue: 'code',
  source: 'slash',
  requestedBy: 'U0ALICE',
  createdAt: 1_764_590_400_000,
  routing: { queue: 'code', method: 'keyword', confidence: 0.9, patterns: ['test'] },
  slack: { channel: 'C0TEST', user: 'U0ALICE' },
};

const shown = (state: CardState) => JSON.stringify(jobCard({ data, state }).blocks);
const buttonsOf = (state: CardState) =>
  jobCard({ data, state })
    .blocks.flatMap((block) => (block.type === 'actions' ? block.elements : []))
    .map((element) => (element as { action_id: string }).action_id);

describe('job card', () => {
  it('shows a waiting job with its place in line and an estimate, and offers Cancel and Promote', () => {
    const text = shown({ kind: 'queued', position: 3, etaMs: 240_000 });
    expect(text).toContain('Queued on *code* · 3rd in line · starts in about 4 min');
    expect(text).toContain('fix the &lt;flaky&gt; test &amp; push');
    expect(buttonsOf({ kind: 'queued' })).toEqual([ACTION_IDS.cancel, ACTION_IDS.promote]);
    expect(jobCard({ data, state: { kind: 'queued', etaMs: 0 } }).text).toContain('starting now');
  });

  it('offers no Promote for a P1 job', () => {
    const card = jobCard({ data, state: { kind: 'queued' }, priority: 1 });
    const ids = card.blocks.flatMap((block) => (block.type === 'actions' ? block.elements : []));
    expect(ids.map((element) => (element as { action_id: string }).action_id)).toEqual([ACTION_IDS.cancel]);
  });

  it('shows a running job with the time it started (in each reader’s zone), attempt, turns and step', () => {
    const text = shown({
      kind: 'running',
      since: 1_764_590_460_000,
      attempt: { n: 2, max: 3 },
      turns: 4,
      step: 'Editing src/app.ts',
    });
    expect(text).toContain('Working… since <!date^1764590460^{time_secs}|12:01:00 UTC>');
    expect(text).toContain('attempt 2/3 · 4 turns · Editing src/app.ts');
    expect(buttonsOf({ kind: 'running', since: 0, attempt: { n: 1, max: 3 } })).toEqual([ACTION_IDS.cancel]);
  });

  it('shows the outcome with duration, cost, turns, model and permission denials, and no buttons', () => {
    const state: CardState = {
      kind: 'completed',
      elapsedMs: 12_300,
      stats: {
        costUsd: 0.0412,
        turns: 3,
        model: 'claude-sonnet',
        permissionDenials: [{ tool: 'Write' }, { tool: 'Bash' }],
      },
    };
    expect(shown(state)).toContain(
      'Done in 12 s · claude-sonnet · $0.04 · 3 turns · 2 permission denials (Write, Bash)',
    );
    expect(buttonsOf(state)).toEqual([]);
  });

  it('offers Retry once the job failed or was cancelled', () => {
    const failed: CardState = { kind: 'failed', attempt: { n: 3, max: 3 }, reason: 'Bad <answer>' };
    expect(shown(failed)).toContain('Failed on attempt 3/3: Bad &lt;answer&gt;');
    expect(buttonsOf(failed)).toEqual([ACTION_IDS.retry]);
    // Failed before its last attempt: it was not retried, and the card does not suggest it will be.
    expect(shown({ kind: 'failed', attempt: { n: 1, max: 3 }, reason: 'time limit' })).toContain(
      'Failed on attempt 1, not retried: time limit',
    );
    expect(shown({ kind: 'cancelled', by: 'U0BOB' })).toContain('Cancelled by <@U0BOB>');
    expect(buttonsOf({ kind: 'cancelled', by: 'cli:alice' })).toEqual([ACTION_IDS.retry]);
  });

  it('says an attempt failed and will be retried', () => {
    expect(shown({ kind: 'retrying', attempt: { n: 1, max: 3 }, reason: 'LM Studio is not reachable' })).toContain(
      'attempt 1/3 failed: LM Studio is not reachable; retrying',
    );
  });
});

describe('thread notices', () => {
  it('posts a final failure with its reason, escaped, and a Retry button for the job', () => {
    const message = failureNotice('42', { n: 3, max: 3 }, 'Bad <answer> & more');
    expect(JSON.stringify(message.blocks)).toContain('Bad &lt;answer&gt; &amp; more');
    const buttons = message.blocks.flatMap((block) => (block.type === 'actions' ? block.elements : []));
    expect(buttons).toHaveLength(1);
    const button = buttons[0] as { action_id: string; value: string };
    expect(button.action_id).toBe(ACTION_IDS.retry);
    expect(parseJobButtonValue(button.value)).toEqual({ id: '42' });
  });

  it('says who cancelled: a Slack user as a mention, a CLI user as text', () => {
    expect(JSON.stringify(cancelledNotice('8', 'U123ABC').blocks)).toContain('cancelled by <@U123ABC>');
    expect(JSON.stringify(cancelledNotice('8', 'cli:alice').blocks)).toContain('cancelled by cli:alice');
  });
});

describe('start estimate', () => {
  it('is zero while a slot is free, and counts rounds of the median run time otherwise', () => {
    expect(estimateStart(0, 1, 2, [])).toBe(0);
    expect(estimateStart(0, 2, 2, [])).toBeUndefined();
    expect(estimateStart(0, 2, 2, [10_000, 30_000, 20_000])).toBe(20_000);
    expect(estimateStart(3, 2, 2, [10_000, 30_000, 20_000])).toBe(40_000);
  });
});
