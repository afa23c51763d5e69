// Daily Claude budgets, end to end: the real `claude` CLI against the
// Anthropic stand-in, whose answer costs more than the code queue's daily
// budget. The next code job waits (held until the next UTC day) with a card
// that says why and offers "Allow anyway"; a non-admin's click is refused and
// changes nothing; an admin's lets it run. `/queue usage` and `agentops usage`
// show the day's spend per person and queue and what is left of the budget.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTION_IDS, jobButtonValue, type JobData } from '@agentops/core';
import { reply, startAnthropicStandin, type AnthropicStandin } from '../support/llm/anthropic-standin.js';
import { makeClaudeHome, offlineClaudeEnv } from '../support/llm/claude-cli.js';
import { logRecordsMatching } from '../support/logs.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { startSlackStack, type SlackStack } from '../support/slack-stack.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 90_000 });

const CODE_WORKER = path.join(REPO_ROOT, 'workers', 'code-worker', 'dist', 'worker.js');
const CLI = path.join(REPO_ROOT, 'controller', 'dist', 'cli.js');
const CLAUDE = path.join(REPO_ROOT, 'node_modules', '.bin', 'claude');
const ADMIN = 'U0SIMADMIN';
const BUDGET = '0.05';

let stack: SlackStack;
let anthropic: AnthropicStandin;
let worker: RunningProcess;
let dir: string;
let home: { home: string; remove(): void };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'agentops-budgets-'));
  // 100,000 input tokens: about $0.30 at the stand-in model's price, over the $0.05 budget at once.
  anthropic = await startAnthropicStandin({
    fallback: reply.text('Changed the file.', { input_tokens: 100_000, output_tokens: 50 }),
  });
  stack = await startSlackStack({
    env: { LOG_FORMAT: 'json', ADMIN_USERS: ADMIN, CODE_DAILY_BUDGET_USD: BUDGET },
  });
  home = makeClaudeHome();
  worker = startNode(CODE_WORKER, {
    ...stack.queues.env,
    ...offlineClaudeEnv({ baseURL: anthropic.baseURL, home: home.home }),
    CLAUDE_BIN: CLAUDE,
    CODE_WORKDIR: dir,
    CODE_DAILY_BUDGET_USD: BUDGET,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
  });
  await waitFor(
    () => {
      if (worker.child.exitCode !== null) throw new Error(`the code worker exited:\n${worker.output()}`);
      return logRecordsMatching(worker.output(), { started: 'code' }).length > 0;
    },
    30_000,
    'the code worker to start',
  );
});

afterAll(async () => {
  await worker?.stop('SIGTERM');
  await stack?.close();
  await anthropic?.close();
  home?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function jobWithText(fragment: string): Promise<JobData> {
  return waitFor(
    async () => (await stack.queues.manager.list(undefined, 100)).find((job) => job.data.text.includes(fragment))?.data,
    15_000,
    `a job with "${fragment}"`,
  );
}

async function status(id: string, wanted: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => (await stack.queues.manager.inspect(id)).status === wanted,
    timeoutMs,
    `job ${id} to be ${wanted}`,
  );
}

describe('a spent daily budget', () => {
  it('holds the next Claude job with a card that says why, until an admin allows it', async () => {
    await stack.sim.sendMessage({ text: 'fix the off-by-one in src/range.ts' });
    const first = await jobWithText('off-by-one in src/range.ts');
    await status(first.id, 'completed');

    await stack.sim.sendMessage({ text: 'fix the failing import in src/index.ts' });
    const second = await jobWithText('failing import in src/index.ts');
    await status(second.id, 'delayed');
    const receipt = await stack.receiptTs(second.id);
    const card = await waitFor(
      () => {
        const shown = stack.sim.message(stack.channel, receipt);
        return JSON.stringify(shown?.blocks ?? []).includes(ACTION_IDS.allowBudget) ? shown : undefined;
      },
      15_000,
      'the held card',
    );
    expect(JSON.stringify(card.blocks)).toContain("the code queue's daily budget of $0.05 is spent");

    // Not an admin: refused, still held.
    await stack.sim.sendBlockAction({
      actionId: ACTION_IDS.allowBudget,
      messageTs: receipt,
      value: jobButtonValue(second.id),
    });
    await waitFor(
      () =>
        stack.sim
          .ephemerals()
          .find((entry) =>
            entry.text.includes('Only an admin (ADMIN_USERS) may let a job run over a spent daily budget'),
          ),
      15_000,
      'the refusal',
    );
    expect((await stack.queues.manager.inspect(second.id)).status).toBe('delayed');

    // An admin lets it through: it runs now.
    await stack.sim.sendBlockAction({
      actionId: ACTION_IDS.allowBudget,
      messageTs: receipt,
      value: jobButtonValue(second.id),
      userId: ADMIN,
    });
    await status(second.id, 'completed');
    await stack.sim.waitForMessage(
      stack.channel,
      (message) => message.thread_ts === receipt && message.text.includes('may run over the daily budget'),
      15_000,
    );
  });

  it('shows the day’s spend per person and queue, and what is left, in Slack and at the CLI', async () => {
    await stack.sim.sendSlashCommand({ text: 'usage' });
    const answer = await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes('This month')),
      15_000,
      'the usage answer',
    );
    expect(answer.text).toContain(stack.user);
    expect(answer.text).toMatch(/Code queue budget: \$0\.05 a day; \$0\.\d\d spent today, \$0\.00 left\./);
    const cli = await execa('node', [CLI, 'usage'], { env: { ...stack.queues.env, CODE_DAILY_BUDGET_USD: BUDGET } });
    expect(cli.stdout).toMatch(/code\s+2\s+/);
    expect(cli.stdout).toContain('Code queue budget: $0.05 a day');
  });
});
