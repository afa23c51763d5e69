// Bad input through the entry paths not covered elsewhere: the environment of
// every process, hostile text through the CLI, and invisible or reordering
// characters (zero-width, bidi overrides) through every path that takes text:
// /queue, a channel message and `agentops`. Other bad slash commands, messages
// and buttons are tried in slack-commands, slack-messages and slack-actions.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JOB_TEXT } from '@agentops/core';
import { REPO_ROOT, runNode, startNode, waitFor } from '../support/processes.js';
import { testEnv } from '../support/redis.js';
import { startSlackStack, type SlackStack } from '../support/slack-stack.js';

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

describe('invisible and reordering characters on every entry path', () => {
  const cli = path.join(REPO_ROOT, 'controller', 'dist', 'cli.js');
  let stack: SlackStack;
  beforeAll(async () => {
    stack = await startSlackStack();
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });
  // The CLI on the Slack stack's Redis, so its jobs are counted with the others.
  const agentops = (args: string[], stdin?: string) => runNode(cli, args, stack.env, stdin);
  const jobTexts = async () => (await stack.queues.manager.list(undefined, 500)).map((job) => job.data.text);
  const boards = () => stack.botMessages().filter((message) => message.text.startsWith('Queue status')).length;
  const ephemeral = (fragment: string) =>
    waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes(fragment)),
      10_000,
      `a private answer with "${fragment}"`,
    );

  it('refuses zero-width-only text as empty, and creates no job', async () => {
    const before = (await jobTexts()).length;
    const slash = await stack.sim.sendSlashCommand({ text: '\u200b\u200b' });
    expect(JSON.stringify(slash.ack)).toContain('Tell me what to do');
    const add = await stack.sim.sendSlashCommand({ text: 'add \u200b\u2060\ufeff' });
    expect(JSON.stringify(add.ack)).toContain('There is no job text');
    await stack.sim.sendMessage({ text: '\u200b\u200b' });
    await ephemeral('The message has no text to queue');
    const run = await agentops(['add', '\u200b\u200b']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('There is no job text');
    await sleep(500);
    expect(await jobTexts()).toHaveLength(before);
  });

  it('reads \\u200bstatus as the status command: /queue, a message and the CLI', async () => {
    const before = boards();
    await stack.sim.sendSlashCommand({ text: '\u200bstatus' });
    await stack.sim.sendMessage({ text: '\u200bstatus' });
    await waitFor(() => boards() >= before + 2, 10_000, 'two status boards');
    const run = await agentops(['\u200bstatus']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Queue\s+Waiting\s+Active/);
  });

  it('refuses bidi overrides and isolates with what was wrong and what to do, and creates no job', async () => {
    const before = (await jobTexts()).length;
    const slash = await stack.sim.sendSlashCommand({ text: 'add approve invoice \u202efdp.exe' });
    const ack = JSON.stringify(slash.ack);
    expect(ack).toContain('RIGHT-TO-LEFT OVERRIDE character (U+202E) at character 21');
    expect(ack).toContain('Delete it (retype the text, or paste it as plain text) and send it again.');
    expect(ack).toContain('ephemeral');
    await stack.sim.sendMessage({ text: 'draft the \u2066memo\u2069' });
    await ephemeral('LEFT-TO-RIGHT ISOLATE character (U+2066) at character 11');
    await stack.sim.sendMessage({ text: 'queue:\n- first item\n- second \u202ditem' });
    await ephemeral('LEFT-TO-RIGHT OVERRIDE character (U+202D)');
    const run = await agentops(['add', 'approve invoice \u202efdp.exe']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^The text has an invisible RIGHT-TO-LEFT OVERRIDE character \(U\+202E\) at character 21\./,
    );
    const batch = await agentops(['batch'], 'first item\nsecond \u2067item\n');
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain('RIGHT-TO-LEFT ISOLATE character (U+2067)');
    await sleep(500);
    expect(await jobTexts()).toHaveLength(before);
  });

  it('queues job text without its format characters, keeping emoji whole', async () => {
    await stack.sim.sendSlashCommand({ text: 'add draft\u200b the\u00ad notes 👩‍💻\ufeff' });
    await stack.sim.sendMessage({ text: '\u2060summarize the 🏳️‍🌈 parade\u200b notes' });
    const added = JSON.parse((await agentops(['--json', 'add', 'fix\u200b the login 👨‍👩‍👧\u00ad'])).stdout) as {
      jobs: { text: string }[];
    };
    expect(added.jobs[0]?.text).toBe('fix the login 👨‍👩‍👧');
    const texts = await waitFor(
      async () => {
        const all = await jobTexts();
        return all.includes('draft the notes 👩‍💻') && all.includes('summarize the 🏳️‍🌈 parade notes') ? all : undefined;
      },
      10_000,
      'the two Slack jobs',
    );
    expect(texts.some((text) => /[\u200b\u00ad\ufeff\u2060]/.test(text))).toBe(false);
  });
});
