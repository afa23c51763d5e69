// What the thread shows while a job runs and when it ends.
import { describe, expect, it } from 'vitest';
import { ACTION_IDS, parseJobButtonValue, type SlackMessage } from '@agentops/core';
import {
  cancelledMessage,
  failureMessage,
  outcomeMessage,
  progressMessage,
  retryingMessage,
} from '@agentops/worker-kit';

const shown = (message: SlackMessage) => JSON.stringify(message.blocks);

describe('status messages', () => {
  it('shows progress with attempt, elapsed time, turns and the latest step', () => {
    const message = progressMessage({
      workerName: 'code-worker',
      attempt: { n: 2, max: 3 },
      elapsedMs: 75_000,
      turns: 4,
      step: 'Editing src/app.ts',
    });
    expect(message.text).toBe('Working on it… attempt 2/3');
    expect(shown(message)).toContain('1 min 15 s · 4 turns · Editing src/app.ts');
  });

  it('shows the outcome with duration, cost, turns, model and permission denials', () => {
    const message = outcomeMessage({
      workerName: 'code-worker',
      elapsedMs: 12_300,
      stats: {
        costUsd: 0.0412,
        turns: 3,
        model: 'claude-sonnet',
        permissionDenials: [{ tool: 'Write' }, { tool: 'Bash' }],
      },
    });
    expect(message.text).toBe('Done in 12 s');
    expect(shown(message)).toContain('claude-sonnet · $0.04 · 3 turns · 2 permission denials (Write, Bash)');
  });

  it('says an attempt failed and will be retried', () => {
    const message = retryingMessage({
      jobId: '5',
      workerName: 'local-worker',
      attempt: { n: 1, max: 3 },
      reason: 'LM Studio is not reachable',
    });
    expect(shown(message)).toContain('Attempt 1/3 failed: LM Studio is not reachable; retrying');
  });

  it('posts a final failure with its reason, escaped, and a Retry button for the job', () => {
    const message = failureMessage({
      jobId: '42',
      workerName: 'local-worker',
      attempt: { n: 3, max: 3 },
      reason: 'Bad <answer> & more',
    });
    expect(shown(message)).toContain('Bad &lt;answer&gt; &amp; more');
    const buttons = message.blocks.flatMap((block) => (block.type === 'actions' ? block.elements : []));
    expect(buttons).toHaveLength(1);
    expect(buttons[0]!.action_id).toBe(ACTION_IDS.retry);
    expect(parseJobButtonValue(buttons[0]!.value)).toEqual({ id: '42' });
  });

  it('says who cancelled: a Slack user as a mention, a CLI user as text', () => {
    expect(shown(cancelledMessage({ jobId: '8', workerName: 'local-worker', by: 'U123ABC' }))).toContain(
      'cancelled by <@U123ABC>',
    );
    expect(shown(cancelledMessage({ jobId: '8', workerName: 'local-worker', by: 'cli:alice' }))).toContain(
      'cancelled by cli:alice',
    );
  });
});
