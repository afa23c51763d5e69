// Tool approvals' pure parts: the question a worker writes (input shortened
// and scrubbed), the button value and stored answers read back, the words the
// model and the thread see, and the job clock that stops while a person decides.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ACTION_IDS,
  allows,
  denialMessage,
  parseApprovalAnswer,
  parseApprovalButtonValue,
  parseApprovalRequest,
  type ApprovalRequest,
  type JobData,
} from '@agentops/core';
import { alreadyAnswered, approvalAnswered, approvalQuestion } from '@agentops/controller';
import { APPROVAL_INPUT_MAX, approvalInputText, buildApprovalRequest, startJobClock } from '@agentops/worker-kit';

const data: JobData = {
  id: '7',
  text: 'tidy up',
  priority: 3,
  queue: 'code',
  source: 'slash',
  requestedBy: 'U0OWNER1',
  createdAt: 1,
  routing: { queue: 'code', method: 'explicit', confidence: 1, patterns: [] },
  slack: { channel: 'C0CHAN1', user: 'U0OWNER1' },
};

const request = (input: string, tool = 'Bash'): ApprovalRequest =>
  buildApprovalRequest({ data, n: 1, tool, input: { command: input }, secrets: [], timeoutMs: 600_000, at: 5 });

describe('the question a worker writes', () => {
  it('names the job, its owner and its thread, and shows the command', () => {
    expect(request('ls -la')).toEqual({
      id: '7.1',
      job: '7',
      queue: 'code',
      requestedBy: 'U0OWNER1',
      channel: 'C0CHAN1',
      root: '7',
      tool: 'Bash',
      input: 'ls -la',
      at: 5,
      timeoutMs: 600_000,
    });
    expect(
      buildApprovalRequest({
        ...request('x'),
        data: { ...data, thread: { root: '3', after: '6' } },
        n: 2,
        tool: 'Bash',
        input: {},
        secrets: [],
        timeoutMs: 1,
        at: 1,
      }).root,
    ).toBe('3');
  });

  it('scrubs secrets from the input and cuts it', () => {
    expect(approvalInputText('Bash', { command: 'curl -H "x-key: sk-live-123456"' }, ['sk-live-123456'])).not.toContain(
      'sk-live-123456',
    );
    expect(approvalInputText('Bash', { command: 'a'.repeat(5_000) }, []).length).toBeLessThanOrEqual(
      APPROVAL_INPUT_MAX,
    );
    expect(approvalInputText('Glob', { pattern: '**/*.ts' }, [])).toContain('"pattern": "**/*.ts"');
  });
});

describe('reading values back', () => {
  it('takes only question ids as button values', () => {
    expect(parseApprovalButtonValue('7.1')).toBe('7.1');
    for (const forged of [undefined, '', '7', 'job-7', '7.1 <!channel>', `${'9'.repeat(80)}.1`])
      expect(parseApprovalButtonValue(forged)).toBeUndefined();
  });

  it('reads stored answers and requests, and treats anything malformed as absent', () => {
    expect(parseApprovalAnswer('{"choice":"deny","by":"U1","at":3}')).toEqual({ choice: 'deny', by: 'U1', at: 3 });
    expect(parseApprovalAnswer('{"choice":"maybe","at":3}')).toBeUndefined();
    expect(parseApprovalAnswer('not json')).toBeUndefined();
    expect(parseApprovalRequest(JSON.stringify(request('ls')))).toEqual(request('ls'));
    expect(parseApprovalRequest('{"id":"7.1"}')).toBeUndefined();
  });

  it('lets the tool run on Approve and Approve all only', () => {
    expect(allows({ choice: 'approve', at: 1 })).toBe(true);
    expect(allows({ choice: 'approveAll', at: 1 })).toBe(true);
    expect(allows({ choice: 'deny', at: 1 })).toBe(false);
    expect(allows({ choice: 'timeout', at: 1 })).toBe(false);
    expect(denialMessage({ choice: 'timeout', at: 1 }, 600_000)).toContain('within 600 s');
  });
});

describe('the messages in the thread', () => {
  it('asks with three buttons, and the model-written input cannot ping or link', () => {
    const message = approvalQuestion(request('echo <!channel> <@U0OTHER1> <https://evil.example|docs>', '<!here>'));
    const shown = JSON.stringify(message);
    for (const id of [ACTION_IDS.approve, ACTION_IDS.deny, ACTION_IDS.approveAll]) expect(shown).toContain(id);
    expect(shown).not.toMatch(/<!channel>|<!here>|<@U0OTHER1>|<https:/);
    expect(shown).toContain('<@U0OWNER1>');
  });

  it('says who answered, without buttons', () => {
    const answered = JSON.stringify(approvalAnswered(request('ls'), { choice: 'approve', by: 'U0OWNER1', at: 9 }));
    expect(answered).toContain('Approved by <@U0OWNER1>');
    expect(answered).not.toContain(ACTION_IDS.approve);
    expect(JSON.stringify(approvalAnswered(request('ls'), { choice: 'timeout', at: 9 }))).toContain('nobody answered');
    expect(alreadyAnswered(request('ls'), { choice: 'deny', by: 'U0OWNER1', at: 9 })).toContain(
      'Denied by <@U0OWNER1>',
    );
  });
});

describe('the job clock', () => {
  afterEach(() => vi.useRealTimers());

  it('does not count paused time, and fires once the counted time is up', () => {
    vi.useFakeTimers();
    const expired = vi.fn();
    const clock = startJobClock(1_000, expired);
    vi.advanceTimersByTime(600);
    clock.pause();
    clock.pause();
    vi.advanceTimersByTime(10_000);
    clock.resume();
    vi.advanceTimersByTime(10_000);
    expect(expired).not.toHaveBeenCalled();
    clock.resume();
    vi.advanceTimersByTime(399);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
    clock.stop();
  });
});
