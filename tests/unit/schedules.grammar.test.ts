// `schedule …`, `retry failed [queue]` and `cancel waiting [queue]` in the one
// grammar (Slack and CLI), beside every form `retry` and `cancel` had before.
import { describe, expect, it } from 'vitest';
import { helpLines, parseSubcommand, readCliArgs } from '@agentops/controller';

const command = (text: string, context: 'slash' | 'cli' = 'slash') => {
  const parsed = parseSubcommand(text, context);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.command;
};
const error = (text: string, context: 'slash' | 'cli' = 'slash') => {
  const parsed = parseSubcommand(text, context);
  if (parsed.ok) throw new Error(`parsed: ${JSON.stringify(parsed.command)}`);
  return parsed.error;
};

describe('schedule add', () => {
  it('reads a cron expression in straight or curly quotes, and every <interval>', () => {
    expect(command('schedule add "0 9 * * 1-5" summarize the standup notes')).toEqual({
      kind: 'scheduleAdd',
      expression: { kind: 'cron', pattern: '0 9 * * 1-5' },
      request: { text: 'summarize the standup notes', priority: 3 },
    });
    expect(command('schedule add “*/15 * * * *” check the build')).toMatchObject({
      expression: { kind: 'cron', pattern: '*/15 * * * *' },
    });
    expect(command('schedule add every 30m p1: check the inbox')).toEqual({
      kind: 'scheduleAdd',
      expression: { kind: 'every', ms: 1_800_000 },
      request: { text: 'check the inbox', priority: 1 },
    });
    expect(command('schedule add @daily code: run the test suite')).toEqual({
      kind: 'scheduleAdd',
      expression: { kind: 'cron', pattern: '@daily' },
      request: { text: 'run the test suite', priority: 3 },
      queue: 'code',
    });
  });

  it('refuses a bad expression with what is wrong and the right form', () => {
    const cron = error('schedule add "0 25 * * *" report');
    expect(cron.code).toBe('bad_schedule');
    expect(cron.message).toContain('25 is out of range');
    expect(cron.usage).toContain('/queue schedule add');
    expect(error('schedule add every 30x report').message).toContain('every <number><s|m|h|d>');
    expect(error('schedule add "0 9 * * 1-5 report').message).toContain('no closing quote');
    expect(error('schedule add tomorrow report').message).toContain('Say when first');
    expect(error('schedule add every 5m').code).toBe('empty_text');
    expect(error('schedule add', 'cli').usage).toContain('agentops schedule add');
  });
});

describe('schedule list, remove, pause, resume, run', () => {
  it('reads each with a schedule id', () => {
    expect(command('schedule list')).toEqual({ kind: 'scheduleList' });
    expect(command('schedule')).toEqual({ kind: 'scheduleList' });
    for (const action of ['remove', 'pause', 'resume', 'run'] as const)
      expect(command(`schedule ${action} s12`)).toEqual({ kind: 'scheduleControl', action, id: 's12' });
    expect(command('schedule pause 7')).toEqual({ kind: 'scheduleControl', action: 'pause', id: 's7' });
  });

  it('refuses missing and bad ids, extra words and unknown actions', () => {
    expect(error('schedule remove').message).toContain('needs a schedule id');
    expect(error('schedule remove x1').message).toContain('is not a schedule id');
    expect(error('schedule remove s1 s2').message).toContain('takes only a schedule id');
    expect(error('schedule edit s1').message).toContain('Use add, list, remove, pause, resume or run');
  });
});

describe('bulk retry and cancel', () => {
  it('reads retry failed and cancel waiting, with an optional queue', () => {
    expect(command('retry failed')).toEqual({ kind: 'retryFailed' });
    expect(command('retry FAILED code')).toEqual({ kind: 'retryFailed', queue: 'code' });
    expect(command('cancel waiting')).toEqual({ kind: 'cancelWaiting' });
    expect(command('cancel waiting research', 'cli')).toEqual({ kind: 'cancelWaiting', queue: 'research' });
    expect(error('retry failed mars').code).toBe('bad_queue');
    expect(error('cancel waiting local now').code).toBe('unexpected_argument');
  });

  it('keeps every single-job form and its errors', () => {
    expect(command('retry 42')).toEqual({ kind: 'retry', id: '42' });
    expect(command('cancel #7')).toEqual({ kind: 'cancel', id: '7' });
    expect(error('retry').code).toBe('missing_id');
    expect(error('cancel soon').message).toBe('`soon` is not a job id. Job ids are numbers such as 42.');
    expect(error('retry 42 now').code).toBe('unexpected_argument');
  });

  it('lists them in the help', () => {
    const help = helpLines('cli').join('\n');
    expect(help).toContain('agentops retry failed [queue]');
    expect(help).toContain('agentops cancel waiting [queue]');
    expect(help).toContain('agentops schedule add');
  });
});

describe('the CLI’s arguments', () => {
  it('puts back the quotes the shell took around a cron expression, and keeps flags in the text', () => {
    const args = readCliArgs(['schedule', 'add', '0 9 * * 1-5', 'summarize', '--json', 'notes']);
    expect(args).toMatchObject({ ok: true, line: 'schedule add "0 9 * * 1-5" summarize --json notes' });
    expect(command((args.ok && args.line) || '', 'cli')).toMatchObject({
      request: { text: 'summarize --json notes' },
    });
    expect(readCliArgs(['--queue', 'code', 'schedule', 'add', 'every', '2s', 'run', '--yes'])).toMatchObject({
      ok: true,
      line: 'schedule add every 2s run --yes',
      flags: { queue: 'code' },
    });
  });

  it('reads --yes for bulk actions', () => {
    expect(readCliArgs(['retry', 'failed', '--queue', 'local', '--yes'])).toMatchObject({
      ok: true,
      line: 'retry failed',
      flags: { queue: 'local', yes: true },
    });
  });
});
