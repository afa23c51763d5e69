// Failure signatures: what varies between two failures of the same kind is
// replaced, so the digest groups them; what differs in kind stays apart.
import { describe, expect, it } from 'vitest';
import {
  addFailure,
  failureCode,
  failureSignature,
  normaliseMessage,
  openDigest,
  placeFailures,
  settleGroup,
  type Failure,
} from '@agentops/controller';

describe('normaliseMessage', () => {
  it.each([
    [
      'LM Studio is not reachable at http://localhost:1234/v1 (ECONNREFUSED)',
      'LM Studio is not reachable at <url> (ECONNREFUSED)',
    ],
    ['Stopped after the 5 min time limit of job 42', 'Stopped after the <n> min time limit of job <n>'],
    ['Job #1234 failed after 3500ms', 'Job <n> failed after <n>'],
    ['Cannot read /home/alice/repo/src/app.ts: ENOENT', 'Cannot read <path>: ENOENT'],
    ['Cannot read C:\\Users\\bob\\notes.txt', 'Cannot read <path>'],
    ['Model "qwen2.5-7b" is not loaded', 'Model "…" is not loaded'],
    ["Tool 'Bash(rm -rf)' was denied", 'Tool "…" was denied'],
    ['commit 3f2a9c1d0b not found, request 0xdeadbeef', 'commit <hex> not found, request <hex>'],
    ['session 123e4567-e89b-12d3-a456-426614174000 expired', 'session <id> expired'],
    ['  spaces\n  and   lines ', 'spaces and lines'],
  ])('%s', (message, expected) => {
    expect(normaliseMessage(message)).toBe(expected);
  });

  it('keeps words that are not ids (a hex-looking word needs a digit and a letter)', () => {
    expect(normaliseMessage('deadline exceeded in facade')).toBe('deadline exceeded in facade');
  });
});

describe('failureSignature', () => {
  it('groups the same failure of different jobs, and keeps other codes and messages apart', () => {
    const a = failureSignature('LLM_UNAVAILABLE', 'LM Studio is not reachable at http://127.0.0.1:1234/v1');
    const b = failureSignature('LLM_UNAVAILABLE', 'LM Studio is not reachable at http://10.0.0.2:9999/v1');
    const c = failureSignature('TIMEOUT', 'LM Studio is not reachable at http://127.0.0.1:1234/v1');
    const d = failureSignature('LLM_UNAVAILABLE', 'The model answered nothing');
    expect(a.key).toBe(b.key);
    expect(a.key).toMatch(/^[0-9a-f]{12}$/);
    expect(new Set([a.key, c.key, d.key]).size).toBe(3);
  });

  it('reads the code from the stack BullMQ kept, else from the reason, else FAILED', () => {
    expect(failureCode('whatever', 'TIMEOUT: Stopped after 5 min')).toBe('TIMEOUT');
    expect(failureCode('CLAUDE_FAILED: exit 1')).toBe('CLAUDE_FAILED');
    expect(failureCode('LM Studio is down', 'Error: LM Studio is down')).toBe('FAILED');
  });
});

const failure = (jobId: string, at: number, message: string, code = 'LLM_UNAVAILABLE'): Failure => ({
  jobId,
  queue: 'local',
  at,
  signature: failureSignature(code, message),
  reason: message,
  text: `job ${jobId}`,
  requestedBy: 'U0MEMBER1',
  attempts: { made: 3, max: 3 },
});

describe('the digest’s groups', () => {
  it('opens a digest with the first failure, counts a period’s failures by group, and opens the next after it', () => {
    const placed = placeFailures(
      undefined,
      [
        failure('1', 1_000, 'LM Studio is not reachable at http://a:1/v1'),
        failure('2', 2_000, 'LM Studio is not reachable at http://b:2/v1'),
        failure('3', 3_000, 'Stopped after 5 min', 'TIMEOUT'),
        failure('4', 70_000, 'Stopped after 9 min', 'TIMEOUT'),
      ],
      60_000,
    );
    expect(placed.digests.map((digest) => digest.id)).toEqual(['d1000', 'd70000']);
    expect(placed.opened.map((digest) => digest.id)).toEqual(['d1000', 'd70000']);
    const [first] = placed.digests;
    expect(first?.groups.map((group) => [group.code, group.count, group.jobIds])).toEqual([
      ['LLM_UNAVAILABLE', 2, ['1', '2']],
      ['TIMEOUT', 1, ['3']],
    ]);
    expect(first?.groups[0]?.latest.jobId).toBe('2');
  });

  it('grows the current digest without opening one, and a settled group opens again when the failure returns', () => {
    const digest = addFailure(openDigest(0, 60_000), failure('1', 0, 'boom 1'));
    const key = digest.groups[0]?.key ?? '';
    const settled = settleGroup(digest, key, { action: 'retried', by: 'U1', at: 10, done: 1, skipped: 0 });
    expect(settled.groups[0]?.settled?.by).toBe('U1');
    const placed = placeFailures(settled, [failure('1', 20, 'boom 2')], 60_000);
    expect(placed.opened).toEqual([]);
    expect(placed.digests[0]?.groups[0]).toMatchObject({ count: 2, jobIds: ['1'] });
    expect(placed.digests[0]?.groups[0]?.settled).toBeUndefined();
  });
});
