// Bad input through the entry paths not covered elsewhere: the environment of
// every process, and hostile text through the CLI. Slash commands, messages and
// buttons are tried in slack-commands, slack-messages and slack-actions.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_JOB_TEXT } from '@agentops/core';
import { REPO_ROOT, runNode, startNode } from '../support/processes.js';
import { testEnv } from '../support/redis.js';

const ENTRY_POINTS = {
  controller: 'controller/dist/server.js',
  'local-worker': 'workers/local-worker/dist/worker.js',
  'code-worker': 'workers/code-worker/dist/worker.js',
  'research-worker': 'workers/research-worker/dist/worker.js',
  'npm start': 'scripts/dist/start.js',
};

const BAD_ENVIRONMENTS: [string, Record<string, string>, RegExp][] = [
  [
    'a port that is not a number',
    { REDIS_PORT: 'sixty-three-seventy-nine' },
    /REDIS_PORT="sixty-three-seventy-nine": must be a whole number from 1 to 65535\. Fix: set it to the port your Redis listens on/,
  ],
  [
    'half of the Slack variables',
    { SLACK_BOT_TOKEN: 'xoxb-1-2-3abcdef', SLACK_CHANNEL_ID: 'C0123ABC' },
    /Slack is half configured: SLACK_BOT_TOKEN, SLACK_CHANNEL_ID set but SLACK_SIGNING_SECRET, SLACK_APP_TOKEN missing/,
  ],
  [
    'a URL without a scheme',
    { LM_STUDIO_URL: 'localhost:1234' },
    /LM_STUDIO_URL="localhost:1234": must be an http:\/\/ or https:\/\/ URL/,
  ],
  [
    'an unknown permission mode',
    { CLAUDE_PERMISSION_MODE: 'yolo' },
    /CLAUDE_PERMISSION_MODE="yolo": must be one of default, acceptEdits, plan/,
  ],
];

describe('a bad environment', () => {
  for (const [name, script] of Object.entries(ENTRY_POINTS)) {
    it(`stops ${name} at once with the variable, the problem and the fix`, async () => {
      for (const [what, bad, message] of BAD_ENVIRONMENTS) {
        const process = startNode(path.join(REPO_ROOT, script), { ...testEnv(), CODE_WORKDIR: '/tmp', ...bad });
        const exit = await process.exited;
        expect(exit.code, `${name} with ${what}`).toBe(1);
        expect(process.output(), `${name} with ${what}`).toMatch(message);
        expect(process.output()).not.toMatch(/\n\s+at .+:\d+:\d+/);
      }
    }, 60_000);
  }
});

describe('hostile text through the CLI', () => {
  const cli = path.join(REPO_ROOT, 'controller', 'dist', 'cli.js');
  // One prefix for the whole block, so a job added by one call is there for the next.
  let env: Record<string, string> | undefined;
  const agentops = (args: string[], stdin?: string) => {
    env ??= testEnv({ LM_STUDIO_URL: 'http://127.0.0.1:9/v1' });
    return runNode(cli, args, env, stdin);
  };

  it('refuses empty, whitespace and over-long text, and cleans control characters', async () => {
    for (const args of [
      ['add', ''],
      ['add', '   \t '],
      ['add', 'x'.repeat(40_001)],
    ]) {
      const run = await agentops(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/There is no job text|40,001 characters; the limit is 10,000/);
    }
    const cleaned = JSON.parse((await agentops(['--json', 'add', 'draft the\u0007 memo\u001b'])).stdout) as {
      jobs: { text: string }[];
    };
    expect(cleaned.jobs[0]?.text).toBe('draft the memo');
    // The OS refuses NUL in arguments; standard input carries it.
    const batch = JSON.parse((await agentops(['--json', 'batch'], 'draft\u0000 the notes\n')).stdout) as {
      jobs: { text: string }[];
    };
    expect(batch.jobs[0]?.text).toBe('draft the notes');
  });

  it('keeps emoji and CJK whole at the limit and Slack-looking text as typed', async () => {
    const emoji = JSON.parse((await agentops(['--json', 'add', '😀'.repeat(MAX_JOB_TEXT)])).stdout) as {
      jobs: { text: string }[];
    };
    expect([...(emoji.jobs[0]?.text ?? '')].length).toBe(MAX_JOB_TEXT);
    expect((await agentops(['add', '漢'.repeat(MAX_JOB_TEXT + 1)])).code).toBe(2);
    const escaped = JSON.parse(
      (await agentops(['--json', 'add', 'summarize &lt;b&gt; <@U123> <https://x.test|x>'])).stdout,
    ) as { jobs: { text: string }[] };
    expect(escaped.jobs[0]?.text).toBe('summarize &lt;b&gt; <@U123> <https://x.test|x>');
  });

  it('answers ids that do not exist or belong to finished jobs', async () => {
    const missing = await agentops(['inspect', '999999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('There is no job 999999');
    const added = JSON.parse((await agentops(['--json', 'add', 'draft a short note'])).stdout) as {
      jobs: { id: string }[];
    };
    const id = added.jobs[0]!.id;
    expect((await agentops(['cancel', id])).code).toBe(0);
    const again = await agentops(['cancel', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Job ${id} was already cancelled by cli:`);
  });

  it('reads a batch with blank lines, bullets and a too-long item with its line number', async () => {
    const run = await agentops(['batch'], `\n- ok item\n${'y'.repeat(MAX_JOB_TEXT + 1)}\n`);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Item 2: The job text is 10,001 characters/);
  });
});
