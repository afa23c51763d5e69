// Pure controller logic: the command grammar, keyword routing and help text.
import { describe, expect, it } from 'vitest';
import { codePointLength, MAX_JOB_TEXT, truncate } from '@agentops/core';
import {
  classifyByKeywords,
  helpLines,
  MAX_BATCH_ITEMS,
  parseJobId,
  parseLlmAnswer,
  parseMessage,
  parseSubcommand,
  SUBCOMMANDS,
} from '@agentops/controller';

function command(text: string, context: 'slash' | 'cli' = 'slash') {
  const result = parseSubcommand(text, context);
  if (!result.ok)
    throw new Error(`expected a command for "${text}", got ${result.error.code}: ${result.error.message}`);
  return result.command;
}

function error(text: string, context: 'slash' | 'cli' = 'slash') {
  const result = parseSubcommand(text, context);
  if (result.ok) throw new Error(`expected an error for "${text}", got ${JSON.stringify(result.command)}`);
  return result.error;
}

describe('the /queue subcommands', () => {
  it('reads help, status, pause and resume', () => {
    expect(command('help')).toEqual({ kind: 'help' });
    expect(command('STATUS')).toEqual({ kind: 'status' });
    expect(command('pause')).toEqual({ kind: 'pause' });
    expect(command('  resume  ')).toEqual({ kind: 'resume' });
  });

  it('queues add at P3 and addp1/addp2/addp3 at their priority', () => {
    expect(command('add fix the flaky test in repo api')).toEqual({
      kind: 'add',
      batch: false,
      items: [{ text: 'fix the flaky test in repo api', priority: 3 }],
    });
    expect(command('addp1 urgent thing')).toMatchObject({ items: [{ text: 'urgent thing', priority: 1 }] });
    expect(command('addp2 less urgent')).toMatchObject({ items: [{ priority: 2 }] });
    expect(command('addp3 whenever')).toMatchObject({ items: [{ priority: 3 }] });
  });

  it('accepts `add p1 <text>` and `add p2: <text>` as priorities', () => {
    expect(command('add p1 deploy the hotfix')).toMatchObject({ items: [{ text: 'deploy the hotfix', priority: 1 }] });
    expect(command('add p2: tidy the docs')).toMatchObject({ items: [{ text: 'tidy the docs', priority: 2 }] });
  });

  it('keeps multi-line text and drops control characters', () => {
    expect(command('add line one\r\nline\u0007 two')).toMatchObject({ items: [{ text: 'line one\nline two' }] });
  });

  it('reads workers 1-6 and refuses anything else', () => {
    expect(command('workers 1')).toEqual({ kind: 'workers', count: 1 });
    expect(command('workers 6')).toEqual({ kind: 'workers', count: 6 });
    for (const bad of ['0', '7', '9', '-1', '2.5', 'many']) {
      const problem = error(`workers ${bad}`);
      expect(problem.code).toBe('bad_worker_count');
      expect(problem.message).toContain('1 to 6');
      expect(problem.usage).toBe('/queue workers <1-6>');
    }
    expect(error('workers').code).toBe('missing_worker_count');
  });

  it('reads cancel, retry and inspect ids in every written form', () => {
    expect(command('cancel 42')).toEqual({ kind: 'cancel', id: '42' });
    expect(command('retry #7')).toEqual({ kind: 'retry', id: '7' });
    expect(command('inspect job-13')).toEqual({ kind: 'inspect', id: '13' });
    expect(command('cancel 007')).toEqual({ kind: 'cancel', id: '7' });
  });

  it('explains a missing or malformed id', () => {
    expect(error('cancel')).toMatchObject({ code: 'missing_id', usage: '/queue cancel <id>' });
    const bad = error('cancel abc');
    expect(bad.code).toBe('bad_id');
    expect(bad.message).toContain('`abc` is not a job id');
    expect(error('retry 0').code).toBe('bad_id');
    expect(error('cancel 4 5').code).toBe('unexpected_argument');
  });

  it('reads promote with p1/p2/p3 and explains a bad priority', () => {
    expect(command('promote 5 p1')).toEqual({ kind: 'promote', id: '5', priority: 1 });
    expect(command('promote #5 P2')).toEqual({ kind: 'promote', id: '5', priority: 2 });
    const bad = error('promote 5 p7');
    expect(bad.code).toBe('bad_priority');
    expect(bad.message).toContain('p1 (most urgent), p2 or p3');
    expect(bad.usage).toBe('/queue promote <id> p1|p2|p3');
    expect(error('promote 5').code).toBe('missing_priority');
    expect(error('promote').code).toBe('missing_id');
  });

  it('reads list with an optional state', () => {
    expect(command('list')).toEqual({ kind: 'list' });
    expect(command('list failed')).toEqual({ kind: 'list', state: 'failed' });
    expect(error('list broken').code).toBe('bad_state');
  });

  it('answers an empty /queue and an unknown subcommand with the way forward', () => {
    const empty = error('   ');
    expect(empty.code).toBe('empty');
    expect(empty.message).toContain('/queue help');
    const unknown = error('frobnicate now');
    expect(unknown.code).toBe('unknown_subcommand');
    expect(unknown.message).toContain('`frobnicate` is not a command');
    expect(unknown.message).toContain('/queue add <text>');
  });

  it('refuses empty and over-long job text with the limit', () => {
    expect(error('add').code).toBe('empty_text');
    expect(error('add    ').code).toBe('empty_text');
    expect(error('addp1 p1:').code).toBe('empty_text');
    const long = error(`add ${'x'.repeat(40_000)}`);
    expect(long.code).toBe('text_too_long');
    expect(long.message).toContain('40,000 characters');
    expect(long.message).toContain(MAX_JOB_TEXT.toLocaleString('en-US'));
  });

  it('counts emoji and CJK as one character each at the limit', () => {
    expect(command(`add ${'😀'.repeat(MAX_JOB_TEXT)}`)).toMatchObject({ kind: 'add' });
    expect(error(`add ${'漢'.repeat(MAX_JOB_TEXT + 1)}`).code).toBe('text_too_long');
  });

  it('writes usage for the CLI with the agentops prefix', () => {
    expect(error('cancel', 'cli').usage).toBe('agentops cancel <id>');
    expect(error('', 'cli').message).toContain('agentops help');
  });
});

describe('channel messages', () => {
  it('turns any text into one P3 job', () => {
    expect(parseMessage('summarize today’s news')).toEqual({
      ok: true,
      command: { kind: 'add', batch: false, items: [{ text: 'summarize today’s news', priority: 3 }] },
    });
  });

  it('reads status, queue status and help', () => {
    for (const text of ['status', 'Queue Status', 'status?'])
      expect(parseMessage(text)).toEqual({ ok: true, command: { kind: 'status' } });
    expect(parseMessage('help')).toEqual({ ok: true, command: { kind: 'help' } });
    expect(parseMessage('status of the release')).toMatchObject({ ok: true, command: { kind: 'add' } });
  });

  it('reads p1:/p2:/p3: prefixes', () => {
    expect(parseMessage('p1: fix prod')).toMatchObject({
      ok: true,
      command: { items: [{ text: 'fix prod', priority: 1 }] },
    });
    expect(parseMessage('P2:draft the memo')).toMatchObject({
      ok: true,
      command: { items: [{ text: 'draft the memo', priority: 2 }] },
    });
  });

  it('splits queue: batches into one job per line, with bullets, numbers and priorities', () => {
    const result = parseMessage('queue:\n- first task\n2. p1: second task\n\n* third task\n');
    expect(result).toEqual({
      ok: true,
      command: {
        kind: 'add',
        batch: true,
        items: [
          { text: 'first task', priority: 3 },
          { text: 'second task', priority: 1 },
          { text: 'third task', priority: 3 },
        ],
      },
    });
    expect(parseMessage('queue: only one on the first line')).toMatchObject({
      ok: true,
      command: { items: [{ text: 'only one on the first line' }] },
    });
  });

  it('refuses empty and oversized batches', () => {
    expect(parseMessage('queue:\n\n  \n')).toMatchObject({ ok: false, error: { code: 'batch_empty' } });
    const big = Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, index) => `task ${index}`).join('\n');
    const result = parseMessage(`queue:\n${big}`);
    expect(result).toMatchObject({ ok: false, error: { code: 'batch_too_large' } });
    if (!result.ok) expect(result.error.message).toContain(`at most ${MAX_BATCH_ITEMS}`);
    const tooLong = parseMessage(`queue:\nfine\n${'y'.repeat(MAX_JOB_TEXT + 5)}`);
    expect(tooLong).toMatchObject({ ok: false, error: { code: 'text_too_long' } });
    if (!tooLong.ok) expect(tooLong.error.message).toMatch(/^Item 2:/);
  });

  it('refuses a message with no text', () => {
    expect(parseMessage(' \n\t ')).toMatchObject({ ok: false, error: { code: 'empty' } });
  });
});

describe('job ids', () => {
  it('reads 42, #42 and job-42 and nothing else', () => {
    expect(parseJobId('42')).toBe('42');
    expect(parseJobId('#42')).toBe('42');
    expect(parseJobId('JOB-42')).toBe('42');
    for (const bad of ['', 'abc', '-1', '4.2', '0', '1234567890123456']) expect(parseJobId(bad)).toBeUndefined();
  });
});

describe('the keyword classifier', () => {
  const decided = (text: string) => classifyByKeywords(text).decided;

  it('routes code work by repo, file names, stack traces and commands', () => {
    expect(decided('fix the flaky test in repo api')).toMatchObject({ queue: 'code' });
    expect(decided('refactor src/app.ts to remove the global state')).toMatchObject({ queue: 'code' });
    expect(decided('TypeError: Cannot read properties of undefined\n    at main (src/index.js:10:5)')).toMatchObject({
      queue: 'code',
    });
    expect(decided('run npm test and fix what fails')).toMatchObject({ queue: 'code' });
    expect(decided('review https://github.com/acme/api/pull/12')).toMatchObject({ queue: 'code' });
  });

  it('reports the patterns that matched, as the log line shows them', () => {
    const verdict = decided('update the repo so config.ts reads the new flag');
    expect(verdict?.queue).toBe('code');
    expect(verdict?.patterns).toEqual(expect.arrayContaining(['repo', '.ts']));
  });

  it('routes writing work to local', () => {
    expect(decided('summarize this article for the team')).toMatchObject({ queue: 'local' });
    expect(decided('draft an email to the landlord about the heating')).toMatchObject({ queue: 'local' });
    expect(decided('translate this paragraph into Spanish')).toMatchObject({ queue: 'local' });
  });

  it('routes investigation to research', () => {
    expect(decided('research the best vector databases for small teams')).toMatchObject({ queue: 'research' });
    expect(decided('investigate how competitors price their API')).toMatchObject({ queue: 'research' });
    expect(decided('compare Postgres and MySQL with sources')).toMatchObject({ queue: 'research' });
  });

  it('leaves weak or tied matches undecided, for the LLM', () => {
    expect(decided('hello there')).toBeUndefined();
    expect(classifyByKeywords('hello there').leader).toBeUndefined();
    const weak = classifyByKeywords('make it better, it has a bug');
    expect(weak.decided).toBeUndefined();
    expect(weak.leader).toBe('code');
  });

  it('gives higher confidence to a clearer lead', () => {
    const clear = decided('fix the bug in src/app.ts and add a unit test, then open a PR');
    const narrow = decided('research the bug reports and summarize them');
    expect(clear?.confidence ?? 0).toBeGreaterThan(0.8);
    if (narrow) expect(narrow.confidence).toBeLessThan(clear?.confidence ?? 1);
  });
});

describe('LLM answers', () => {
  it('accepts JSON or one queue word, and nothing else', () => {
    expect(parseLlmAnswer('{"queue":"research","reason":"needs sources"}')).toEqual({
      queue: 'research',
      reason: 'needs sources',
    });
    expect(parseLlmAnswer('```json\n{"queue": "code"}\n```')).toEqual({ queue: 'code' });
    expect(parseLlmAnswer('Local.')).toEqual({ queue: 'local' });
    expect(parseLlmAnswer('I think it is code, or maybe research')).toBeUndefined();
    expect(parseLlmAnswer('{"queue":"email"}')).toBeUndefined();
    expect(parseLlmAnswer('')).toBeUndefined();
  });
});

describe('help text', () => {
  it('lists all 12 /queue subcommands with what they do', () => {
    const lines = helpLines('slash');
    const twelve = [
      'help',
      'status',
      'add',
      'addp1',
      'addp2',
      'addp3',
      'workers',
      'pause',
      'resume',
      'cancel',
      'retry',
      'promote',
    ];
    for (const name of twelve) expect(lines.some((line) => line.startsWith(`/queue ${name}`))).toBe(true);
    expect(lines.find((line) => line.startsWith('/queue promote'))).toContain('p1|p2|p3');
    expect(SUBCOMMANDS.every((sub) => sub.description.length > 0)).toBe(true);
  });
});

describe('text helpers', () => {
  it('truncates without splitting an emoji and marks the cut', () => {
    const cut = truncate('ab😀😀😀', 5);
    expect(cut).toBe('ab😀…');
    expect(cut.length).toBeLessThanOrEqual(5);
    expect(truncate('ab😀😀😀', 4)).toBe('ab…');
    expect(codePointLength(truncate('漢'.repeat(10), 6))).toBe(6);
    expect(truncate('short', 10)).toBe('short');
  });
});
