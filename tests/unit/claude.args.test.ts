// The Claude Code command line: fixed base flags, options as single
// `--flag=value` arguments, and the job text never among them.
import { describe, expect, it } from 'vitest';
import {
  BASE_ARGS,
  buildClaudeArgs,
  describePermissionMode,
  promptForStdin,
  resolveClaudeBin,
} from '@agentops/worker-kit';

describe('buildClaudeArgs', () => {
  it('always runs print mode with stream-json output, and nothing else by default', () => {
    expect(buildClaudeArgs({})).toEqual(['-p', '--output-format', 'stream-json', '--verbose']);
    expect(BASE_ARGS).toEqual(['-p', '--output-format', 'stream-json', '--verbose']);
  });

  it('passes every option as one --flag=value argument, so no value can become an option or a prompt', () => {
    const args = buildClaudeArgs({
      permissionMode: 'plan',
      tools: ['Read', 'Grep'],
      allowedTools: ['Read', 'Bash(npm test)'],
      disallowedTools: ['Write', 'Bash'],
      maxTurns: 12,
      maxBudgetUsd: 2.5,
      model: 'claude-sonnet-4-5',
      appendSystemPrompt: '--dangerously-skip-permissions\nsecond line',
    });
    expect(args).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode=plan',
      '--tools=Read,Grep',
      '--allowedTools=Read,Bash(npm test)',
      '--disallowedTools=Write,Bash',
      '--max-turns=12',
      '--max-budget-usd=2.5',
      '--model=claude-sonnet-4-5',
      '--append-system-prompt=--dangerously-skip-permissions\nsecond line',
    ]);
    expect(args.filter((arg) => arg === '--dangerously-skip-permissions')).toEqual([]);
  });

  it('leaves out empty lists and unset values', () => {
    expect(buildClaudeArgs({ allowedTools: [], disallowedTools: [], tools: [], model: '' })).toEqual([...BASE_ARGS]);
  });
});

describe('promptForStdin', () => {
  it.each([
    '--dangerously-skip-permissions $(touch /tmp/pwned) `id` ; rm -rf ~',
    '  leading spaces and\nseveral lines\n',
    'fix the bug in src/app.ts',
  ])('keeps job text verbatim: %j', (text) => {
    expect(promptForStdin(text)).toBe(text);
  });

  it('keeps a leading slash from being read as a Claude Code slash command', () => {
    expect(promptForStdin('/cost of the migration?')).toBe(' /cost of the migration?');
  });
});

describe('describePermissionMode', () => {
  it('flags only the modes that approve more than acceptEdits', () => {
    expect(describePermissionMode('bypassPermissions').broad).toBe(true);
    expect(describePermissionMode('auto').broad).toBe(true);
    for (const mode of ['default', 'acceptEdits', 'plan', 'dontAsk'] as const)
      expect(describePermissionMode(mode).broad).toBe(false);
  });
});

describe('resolveClaudeBin', () => {
  it('leaves a bare name to the PATH lookup and an absolute path alone', () => {
    expect(resolveClaudeBin('claude', '/srv/agentops')).toBe('claude');
    expect(resolveClaudeBin('/usr/local/bin/claude', '/srv/agentops')).toBe('/usr/local/bin/claude');
  });

  it('takes a relative path from where AgentOps runs, not from the working folder', () => {
    expect(resolveClaudeBin('node_modules/.bin/claude', '/srv/agentops')).toBe(
      '/srv/agentops/node_modules/.bin/claude',
    );
  });
});
