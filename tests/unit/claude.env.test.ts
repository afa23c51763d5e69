// What the Claude Code child may see of AgentOps' environment, and the
// working-folder check the workers run at start.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@agentops/core';
import { claudeChildEnv, resolveWorkdir } from '@agentops/worker-kit';

describe('claudeChildEnv', () => {
  it('passes everything on except the Slack, Redis and dashboard secrets', () => {
    const env = claudeChildEnv({
      PATH: '/usr/bin',
      HOME: '/home/me',
      ANTHROPIC_API_KEY: 'sk-ant-real',
      ANTHROPIC_BASE_URL: 'http://gateway',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_CHANNEL_ID: 'C1',
      REDIS_PASSWORD: 'pw',
      REDIS_HOST: 'localhost',
      BULLBOARD_PASSWORD: 'pw2',
      UNSET: undefined,
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/me',
      ANTHROPIC_API_KEY: 'sk-ant-real',
      ANTHROPIC_BASE_URL: 'http://gateway',
      REDIS_HOST: 'localhost',
    });
  });
});

describe('resolveWorkdir', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'agentops-workdir-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the absolute path of an existing folder', () => {
    expect(resolveWorkdir(dir)).toBe(dir);
    expect(resolveWorkdir('.', dir)).toBe(dir);
  });

  it.each([
    ['not set', undefined, /CODE_WORKDIR is not set.*Fix: point CODE_WORKDIR at an existing folder/],
    [
      'missing',
      '/nonexistent/agentops-workdir',
      /CODE_WORKDIR="\/nonexistent\/agentops-workdir" does not exist.*Fix: create it/,
    ],
  ])('refuses a folder that is %s, naming the variable and the fix', (_label, value, message) => {
    expect(() => resolveWorkdir(value)).toThrow(message);
    try {
      resolveWorkdir(value);
    } catch (error) {
      expect(error).toMatchObject({ code: ErrorCode.ConfigInvalid });
    }
  });

  it('refuses a file', () => {
    const file = path.join(dir, 'file.txt');
    writeFileSync(file, 'x');
    expect(() => resolveWorkdir(file)).toThrow(/is not a folder/);
  });
});
