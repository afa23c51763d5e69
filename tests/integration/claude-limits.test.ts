// A code queue that waits out Claude's limits, end to end: the real `claude`
// CLI against the Anthropic stand-in, which answers a job with 429
// rate_limit_error (the CLI's own retries off, as after it has used them up).
// The job goes back to waiting without using an attempt, the code queue claims
// nothing until the reset (a few seconds ahead here), the channel is told once
// when it waits and once when it runs again, a waiting job's card offers "Run
// on the local model instead", which moves it to the local queue (which kept
// running throughout), and at the reset the limited job runs again and
// completes once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTION_IDS, jobButtonValue, type JobData } from '@agentops/core';
import type { JobDetails } from '@agentops/controller';
import { userTexts } from '../support/llm/anthropic-inspect.js';
import { reply, startAnthropicStandin, type AnthropicStandin } from '../support/llm/anthropic-standin.js';
import { makeClaudeHome, offlineClaudeEnv } from '../support/llm/claude-cli.js';
import { logRecordsMatching } from '../support/logs.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { startSlackStack, type SlackStack } from '../support/slack-stack.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 90_000 });

const CODE_WORKER = path.join(REPO_ROOT, 'workers', 'code-worker', 'dist', 'worker.js');
const LOCAL_WORKER = path.join(REPO_ROOT, 'workers', 'local-worker', 'dist', 'worker.js');
const CLAUDE = path.join(REPO_ROOT, 'node_modules', '.bin', 'claude');
const WAIT_MS = 8_000;
const LIMITED = 'fix the limited parser in src/parse.ts';

let stack: SlackStack;
let anthropic: AnthropicStandin;
let dir: string;
const homes: { remove(): void }[] = [];
const workers: RunningProcess[] = [];
let limitedCalls = 0;

async function startWorker(file: string, queue: string, env: Record<string, string>): Promise<RunningProcess> {
  const worker = startNode(file, { ...stack.queues.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env });
  workers.push(worker);
  await waitFor(
    () => {
      if (worker.child.exitCode !== null) throw new Error(`the ${queue} worker exited:\n${worker.output()}`);
      return logRecordsMatching(worker.output(), { started: queue }).length > 0;
    },
    30_000,
    `the ${queue} worker to start`,
  );
  return worker;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'agentops-limits-'));
  anthropic = await startAnthropicStandin({
    fallback: (request) => {
      const texts = userTexts(request.body).join('\n');
      if (texts.includes(LIMITED)) {
        limitedCalls += 1;
        if (limitedCalls === 1)
          return reply.error(
            429,
            'rate_limit_error',
            'Number of request tokens has exceeded your per-minute rate limit',
          );
        return reply.text('Fixed the parser after the limit lifted.');
      }
      return reply.text('Done.');
    },
  });
  stack = await startSlackStack({ llm: {}, env: { LOG_FORMAT: 'json', SLACK_WAITING_REFRESH_MS: '60000' } });
  const home = makeClaudeHome();
  homes.push(home);
  await Promise.all([
    startWorker(CODE_WORKER, 'code', {
      ...offlineClaudeEnv({ baseURL: anthropic.baseURL, home: home.home, maxRetries: 0 }),
      CLAUDE_BIN: CLAUDE,
      CODE_WORKDIR: dir,
      CLAUDE_RATE_LIMIT_WAIT_MS: String(WAIT_MS),
    }),
    startWorker(LOCAL_WORKER, 'local', { LM_STUDIO_URL: stack.llm.baseURL }),
  ]);
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
  await stack?.close();
  await anthropic?.close();
  for (const home of homes) home.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function jobWithText(fragment: string): Promise<JobData> {
  return waitFor(
    async () => (await stack.queues.manager.list(undefined, 100)).find((job) => job.data.text.includes(fragment))?.data,
    15_000,
    `a job with "${fragment}"`,
  );
}

const inspect = (id: string): Promise<JobDetails> => stack.queues.manager.inspect(id);

const channelNotice = (fragment: string, timeoutMs = 20_000) =>
  stack.sim.waitForMessage(
    stack.channel,
    (message) => !message.thread_ts && message.text.includes(fragment),
    timeoutMs,
  );

describe('a code queue at Claude’s rate limit', () => {
  it('waits for the reset without using an attempt, offers the local model, and runs the job once afterwards', async () => {
    await stack.sim.sendMessage({ text: `queue:\n${LIMITED}\nfix the typo in src/readme.ts` });
    const limited = await jobWithText('limited parser');
    const other = await jobWithText('typo in src/readme.ts');
    expect([limited.queue, other.queue]).toEqual(['code', 'code']);

    // The queue waits; the channel is told once, with when it runs again.
    const notice = await channelNotice('The *code* queue waits for');
    expect(notice.text).toContain("the Anthropic API's rate limit");
    const first = await inspect(limited.id);
    expect(first.status).toBe('waiting');
    expect(first.attemptsMade).toBe(0);
    const status = await stack.queues.manager.status();
    const limit = status.queues.find((queue) => queue.name === 'code')?.limit;
    expect(limit).toMatchObject({ kind: 'rate_limit' });
    const resetAt = limit?.resetAt ?? 0;

    // Nothing else starts on code meanwhile; the waiting job's card offers the local model.
    const otherReceipt = await stack.receiptTs(other.id);
    const card = await waitFor(
      () => {
        const shown = stack.sim.message(stack.channel, otherReceipt);
        return JSON.stringify(shown?.blocks ?? []).includes(ACTION_IDS.spill) ? shown : undefined;
      },
      15_000,
      'the card to offer the local model',
    );
    expect(card.text).toContain('waiting on code');
    expect((await inspect(other.id)).status).toBe('waiting');
    await stack.sim.sendBlockAction({
      actionId: ACTION_IDS.spill,
      messageTs: otherReceipt,
      value: jobButtonValue(other.id),
    });
    // The local queue ran throughout: the moved job is answered there while code still waits.
    const moved = await waitFor(
      async () => {
        const details = await inspect(other.id);
        return details.status === 'completed' ? details : undefined;
      },
      20_000,
      'the moved job to complete on local',
    );
    expect(moved.queue).toBe('local');
    expect(Date.now()).toBeLessThan(resetAt);
    expect(limitedCalls).toBe(1);

    // At the reset the queue runs again by itself and says so; the job completes once.
    const done = await waitFor(
      async () => {
        const details = await inspect(limited.id);
        return details.status === 'completed' ? details : undefined;
      },
      30_000,
      'the limited job to complete after the reset',
    );
    // Not claimed again before the reset (BullMQ's limiter key expires then).
    expect(done.startedAt ?? 0).toBeGreaterThanOrEqual(resetAt - 50);
    expect(done.result).toMatchObject({ text: 'Fixed the parser after the limit lifted.' });
    expect(limitedCalls).toBe(2);
    await channelNotice('The *code* queue runs again');
    const notices = stack.sim
      .messages(stack.channel)
      .filter((message) => message.text.includes('The *code* queue waits for'));
    expect(notices).toHaveLength(1);
  });

  it('refuses "Run on the local model instead" for someone else’s job', async () => {
    await stack.queues.manager.pauseAll();
    await stack.sim.sendMessage({ text: 'fix the flaky date test in src/date.test.ts' });
    const job = await jobWithText('flaky date test');
    const receipt = await stack.receiptTs(job.id);
    await stack.sim.sendBlockAction({
      actionId: ACTION_IDS.spill,
      messageTs: receipt,
      value: jobButtonValue(job.id),
      userId: 'U0SIMOTHER',
    });
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.user === 'U0SIMOTHER' && entry.text.includes('is not yours')),
      15_000,
      'the refusal',
    );
    expect((await inspect(job.id)).queue).toBe('code');
    await stack.queues.manager.resumeAll();
  });
});
