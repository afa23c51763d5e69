// `history [text] [@person] [completed|failed|cancelled] [queue]` and `stats`
// as people type them, and the clear refusals of bad input.
import { describe, expect, it } from 'vitest';
import { parseSubcommand } from '@agentops/controller';

function command(line: string, context: 'slash' | 'cli' = 'slash') {
  const parsed = parseSubcommand(line, context);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.command;
}

function refusal(line: string) {
  const parsed = parseSubcommand(line, 'slash');
  if (parsed.ok) throw new Error(`${line} parsed`);
  return parsed.error;
}

describe('history filters', () => {
  it('reads the filters in any order and keeps the rest as the search', () => {
    expect(command('history deploy @U0123ABCD failed code')).toEqual({
      kind: 'history',
      query: { text: 'deploy', requestedBy: 'U0123ABCD', status: 'failed', queue: 'code' },
    });
    expect(command('history <@U0123ABCD|ann> completed')).toEqual({
      kind: 'history',
      query: { requestedBy: 'U0123ABCD', status: 'completed' },
    });
    expect(command('history @cli:alice', 'cli')).toEqual({ kind: 'history', query: { requestedBy: 'cli:alice' } });
    expect(command('history')).toEqual({ kind: 'history', query: {} });
  });

  it('searches for a filter word when it is quoted', () => {
    expect(command('history "failed" login')).toEqual({ kind: 'history', query: { text: '"failed" login' } });
  });

  it('refuses two outcomes, two queues, two people and a bad mention, saying so', () => {
    expect(refusal('history failed completed').message).toMatch(/one outcome at a time/);
    expect(refusal('history code local').message).toMatch(/one queue at a time/);
    expect(refusal('history @U0123ABCD @U0999ZZZZ').message).toMatch(/one person at a time/);
    expect(refusal('history @bob').message).toMatch(/is not a person/);
    expect(refusal('history @bob').usage).toBe('/queue history [text] [@person] [completed|failed|cancelled] [queue]');
  });

  it('refuses a search without words and one that is too long', () => {
    expect(refusal('history !!!').message).toMatch(/has no words to search for/);
    expect(refusal(`history ${'x'.repeat(501)}`).message).toMatch(/the limit is 500/);
  });

  it('reads stats without arguments and refuses any', () => {
    expect(command('stats')).toEqual({ kind: 'stats' });
    expect(refusal('stats code').message).toMatch(/takes no arguments/);
  });
});
