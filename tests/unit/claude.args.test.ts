// A run's flags as the Agent SDK's options (the SDK builds the command line
// from them, the job text never among it), the prompt as sent, and CLAUDE_BIN.
import { describe, expect, it } from 'vitest';
import { buildSdkOptions, describePermissionMode, promptForStdin, resolveClaudeBin } from '@agentops/worker-kit';

const PRESET = { type: 'preset', preset: 'claude_code' };

describe('buildSdkOptions', () => {
  it("keeps Claude Code's own system prompt and sets nothing else by default", () => {
    expect(buildSdkOptions({})).toEqual({ systemPrompt: PRESET });
  });

  it('maps every flag to its option, the appended prompt as text, never as an argument', () => {
    expect(
      buildSdkOptions({
        permissionMode: 'plan',
        tools: ['Read', 'Grep'],
        allowedTools: ['Read', 'Bash(npm test)'],
        disallowedTools: ['Write', 'Bash'],
        maxTurns: 12,
        maxBudgetUsd: 2.5,
        model: 'claude-sonnet-4-5',
        appendSystemPrompt: '--dangerously-skip-permissions\nsecond line',
        resume: 'session-1',
      }),
    ).toEqual({
      systemPrompt: { ...PRESET, append: '--dangerously-skip-permissions\nsecond line' },
      permissionMode: 'plan',
      tools: ['Read', 'Grep'],
      allowedTools: ['Read', 'Bash(npm test)'],
      disallowedTools: ['Write', 'Bash'],
      maxTurns: 12,
      maxBudgetUsd: 2.5,
      model: 'claude-sonnet-4-5',
      resume: 'session-1',
    });
  });

  it('leaves out empty lists and unset values', () => {
    expect(buildSdkOptions({ allowedTools: [], disallowedTools: [], tools: [], model: '' })).toEqual({
      systemPrompt: PRESET,
    });
  });

  it('says bypassPermissions twice, as the SDK requires', () => {
    expect(buildSdkOptions({ permissionMode: 'bypassPermissions' })).toMatchObject({
      permissionMode: 'bypassPermissions',
      allowDangerouslySkipPermissions: true,
    });
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
