// The hooks file: checked at start, each mistake named by file, hook and field.
import { describe, expect, it } from 'vitest';
import { parseHooksFile } from '@agentops/controller';

const env = { HOOK_SECRET_CI: 'ci-hook-secret-0123456789' };
const good = {
  hooks: {
    'ci-failed': {
      signature: 'github',
      secretEnv: 'HOOK_SECRET_CI',
      events: ['workflow_run'],
      when: { 'workflow_run.conclusion': 'failure' },
      text: 'fix the failing test in {{repository.full_name}}',
      queue: 'code',
      workspace: 'API',
    },
  },
};
const parse = (value: unknown, names: string[] = ['api']) =>
  parseHooksFile(JSON.stringify(value), '/etc/hooks.json', env, names);

describe('parseHooksFile', () => {
  it('reads hooks with their secrets and defaults, workspace as configured', () => {
    expect(parse(good)).toEqual([
      expect.objectContaining({
        name: 'ci-failed',
        secret: env.HOOK_SECRET_CI,
        priority: 3,
        workspace: 'api',
        queue: 'code',
      }),
    ]);
  });

  it.each([
    ['not JSON', '{', 'is not valid JSON'],
    [
      'a bad queue',
      { hooks: { x: { ...good.hooks['ci-failed'], queue: 'gpu' } } },
      'hook "x", field "queue": must be one of',
    ],
    [
      'a secret outside the family',
      { hooks: { x: { ...good.hooks['ci-failed'], secretEnv: 'SLACK_BOT_TOKEN' } } },
      'field "secretEnv"',
    ],
    [
      'an unset secret',
      { hooks: { x: { ...good.hooks['ci-failed'], secretEnv: 'HOOK_SECRET_NONE' } } },
      'HOOK_SECRET_NONE is not set',
    ],
    ['an unknown field', { hooks: { x: { ...good.hooks['ci-failed'], script: 'rm -rf /' } } }, 'hook "x"'],
    ['a code-like template', { hooks: { x: { ...good.hooks['ci-failed'], text: '{{ a() }}' } } }, 'field "text"'],
    [
      'an unknown workspace',
      { hooks: { x: { ...good.hooks['ci-failed'], workspace: 'web' } } },
      'is not a CODE_WORKSPACES name',
    ],
    [
      'a bad hook name',
      { hooks: { 'Bad Name': good.hooks['ci-failed'] } },
      'hook "Bad Name": the name must be lower-case',
    ],
  ])('refuses %s, naming the file and the place', (_label, value, message) => {
    const run = () =>
      typeof value === 'string' ? parseHooksFile(value, '/etc/hooks.json', env, ['api']) : parse(value);
    expect(run).toThrow('/etc/hooks.json (HOOKS_FILE) is invalid');
    expect(run).toThrow(message);
  });
});
