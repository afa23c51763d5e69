// loadConfig: defaults, Slack all-or-nothing, and messages that name the fix.
import { describe, expect, it } from 'vitest';
import { ErrorCode, describeMode, loadConfig } from '@agentops/core';

const slack = {
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-abcdefabcdef',
  SLACK_SIGNING_SECRET: 'f00dfeedf00dfeedf00dfeed',
  SLACK_CHANNEL_ID: 'C0ABKSQ3TKQ',
  SLACK_APP_TOKEN: 'xapp-1-A111-222-abcdefabcdef',
};

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toMatchObject({ code: ErrorCode.ConfigInvalid });
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('fills the documented defaults and runs in local mode without Slack', () => {
    const config = loadConfig({});
    expect(config.redis).toEqual({ host: 'localhost', port: 6379, password: undefined, prefix: 'bull' });
    expect(config.http.port).toBe(3000);
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.lmStudio.url).toBe('http://localhost:1234/v1');
    expect(config.qdrant.url).toBe('http://localhost:6333');
    expect(config.slackApiUrl).toBe('https://slack.com/api/');
    expect(config.slack).toBeNull();
    expect(config.workers.local).toEqual({ concurrency: 2, timeoutMs: 300_000 });
    expect(config.workers.code).toEqual({ concurrency: 1, timeoutMs: 1_800_000 });
    expect(config.workers.research).toEqual({ concurrency: 1, timeoutMs: 900_000 });
    expect(config.claude.permissionMode).toBe('acceptEdits');
    expect(describeMode(config)).toMatch(/^Local mode/);
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: '', REDIS_PORT: ' ', LM_STUDIO_MODEL: '' });
    expect(config.slack).toBeNull();
    expect(config.redis.port).toBe(6379);
    expect(config.lmStudio.model).toBeUndefined();
  });

  it('runs in Slack mode when all four Slack variables are set', () => {
    const config = loadConfig({ ...slack, SLACK_API_URL: 'http://127.0.0.1:9999/api' });
    expect(config.slack).toEqual({
      botToken: slack.SLACK_BOT_TOKEN,
      signingSecret: slack.SLACK_SIGNING_SECRET,
      channelId: 'C0ABKSQ3TKQ',
      appToken: slack.SLACK_APP_TOKEN,
    });
    expect(config.slackApiUrl).toBe('http://127.0.0.1:9999/api/');
    expect(describeMode(config)).toBe('Slack mode: serving channel C0ABKSQ3TKQ');
    expect(config.secrets).toEqual(
      expect.arrayContaining([slack.SLACK_BOT_TOKEN, slack.SLACK_APP_TOKEN, slack.SLACK_SIGNING_SECRET]),
    );
  });

  it('names the missing Slack variables when only some are set', () => {
    const message = problems({ SLACK_BOT_TOKEN: slack.SLACK_BOT_TOKEN, SLACK_CHANNEL_ID: slack.SLACK_CHANNEL_ID });
    expect(message).toContain(
      'Slack is half configured: SLACK_BOT_TOKEN, SLACK_CHANNEL_ID set but SLACK_SIGNING_SECRET, SLACK_APP_TOKEN missing',
    );
    expect(message).toContain('or none to run in local mode');
  });

  it('names each bad variable, what is wrong and the fix, without echoing secrets', () => {
    const message = problems({
      ...slack,
      SLACK_BOT_TOKEN: 'xoxp-user-token-secret',
      SLACK_CHANNEL_ID: '#general',
      REDIS_PORT: '70000',
      PORT: 'http',
      LM_STUDIO_URL: 'localhost:1234',
      QUEUE_PREFIX: 'my prefix',
      NODE_ENV: 'staging',
      LOG_LEVEL: 'loud',
      ALLOWED_USERS: 'U123,bob',
      CLAUDE_PERMISSION_MODE: 'yolo',
    });
    expect(message).toContain('SLACK_BOT_TOKEN (value hidden): must start with "xoxb-"');
    expect(message).not.toContain('xoxp-user-token-secret');
    expect(message).toContain('SLACK_CHANNEL_ID="#general": must be a channel id such as C0ABKSQ3TKQ');
    expect(message).toContain('REDIS_PORT="70000": must be at most 65535');
    expect(message).toContain('PORT="http": must be a whole number');
    expect(message).toContain('LM_STUDIO_URL="localhost:1234": must be an http:// or https:// URL. Fix:');
    expect(message).toContain('QUEUE_PREFIX="my prefix"');
    expect(message).toContain('NODE_ENV="staging": must be development, production or test');
    expect(message).toContain('LOG_LEVEL="loud"');
    expect(message).toContain('ALLOWED_USERS="U123,bob": must list Slack user ids');
    expect(message).toContain('CLAUDE_PERMISSION_MODE="yolo"');
  });

  it('accepts a Redis Cluster hash tag as the queue prefix', () => {
    expect(loadConfig({ QUEUE_PREFIX: '{agentops}' }).redis.prefix).toBe('{agentops}');
  });

  it('keeps a tool pattern with a space whole, and splits lists on commas and spaces outside parentheses', () => {
    const config = loadConfig({ CLAUDE_ALLOWED_TOOLS: 'Read, Edit,Bash(npm test) Bash(git diff:*)' });
    expect(config.claude.allowedTools).toEqual(['Read', 'Edit', 'Bash(npm test)', 'Bash(git diff:*)']);
    expect(loadConfig({ ALLOWED_USERS: 'U0AAA1, U0BBB2 U0CCC3' }).access.allowedUsers).toEqual([
      'U0AAA1',
      'U0BBB2',
      'U0CCC3',
    ]);
  });
});
