// A worker killed with SIGKILL mid-job: the job runs again and completes, its
// thread gets one final answer (not two), and no Claude process of the dead
// worker is left running once the next worker starts. Workers never talk to
// Slack: the controller tells the thread from BullMQ's events, so each test
// runs one on its queues.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStandin, type OpenAIStandin } from '../support/llm/openai-standin.js';
import { reply, startAnthropicStandin, type AnthropicStandin } from '../support/llm/anthropic-standin.js';
import { lastPromptText } from '../support/llm/anthropic-inspect.js';
import { makeClaudeHome, offlineClaudeEnv } from '../support/llm/claude-cli.js';
import { logRecords } from '../support/logs.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { startSlackSimulator, type SlackSimulator } from '../support/slack-sim/index.js';
import {
  answerPost,
  cardShowing,
  enqueueUnderReceipt,
  startThreadController,
  threadReplies,
} from '../support/worker-jobs.js';

const LOCAL_WORKER = path.join(REPO_ROOT, 'workers', 'local-worker', 'dist', 'worker.js');
const CODE_WORKER = path.join(REPO_ROOT, 'workers', 'code-worker', 'dist', 'worker.js');
const CLAUDE = path.join(REPO_ROOT, 'node_modules', '.bin', 'claude');

let sim: SlackSimulator;
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  sim = await startSlackSimulator({ echoBotMessages: false });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await sim?.close();
});

/** Queues on a fresh prefix, with a controller telling their job threads; both go after the test. */
async function openQueuesWithController(): Promise<QueueHarness> {
  const harness = await openQueues();
  cleanups.push(() => harness.close());
  const controller = await startThreadController(harness, sim);
  // Cleanups run newest first: the controller stops before its Redis keys go.
  cleanups.push(() => controller.stop('SIGTERM'));
  return harness;
}

const queueWithReceipt = (harness: QueueHarness, queue: 'local' | 'code', text: string) =>
  enqueueUnderReceipt(harness, sim, queue, text);

/** Once the card shows the outcome, the thread's answers containing `marker`, and its failure notices. */
async function settledThread(receiptTs: string, id: string, marker: string) {
  await answerPost(sim, receiptTs, id);
  await cardShowing(sim, receiptTs, 'done');
  const replies = threadReplies(sim, receiptTs);
  return {
    answers: replies.filter((message) => JSON.stringify(message.blocks ?? message.text).includes(marker)),
    failures: replies.filter((message) => message.text.startsWith(`Job #${id} failed`)),
  };
}

function start(script: string, env: Record<string, string>, queue: string): Promise<RunningProcess> {
  const worker = startNode(script, env);
  cleanups.push(() => worker.stop('SIGKILL'));
  // JSON logs escape the quotes around the queue name.
  const started = new RegExp(`Started on queue \\\\?"${queue}\\\\?"`);
  return waitFor(() => started.test(worker.output()) && worker, 20_000, `the ${queue} worker to start`);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a worker killed with SIGKILL mid-job', () => {
  it('local worker: the job runs again and its thread gets exactly one final answer', async () => {
    const harness = await openQueuesWithController();
    let calls = 0;
    const llm: OpenAIStandin = await startOpenAIStandin({
      respond: (request) => {
        if (!request.path.endsWith('/chat/completions')) return undefined;
        calls += 1;
        return calls === 1 ? { hang: true } : { content: 'The one and only final answer.' };
      },
    });
    cleanups.push(() => llm.close());
    const env = { ...harness.env, LOG_LEVEL: 'info', LM_STUDIO_URL: llm.baseURL };
    const first = await start(LOCAL_WORKER, env, 'local');
    const { job, receiptTs } = await queueWithReceipt(harness, 'local', 'summarize the incident timeline');
    await waitFor(() => calls === 1, 10_000, 'the first attempt to reach LM Studio');
    await first.stop('SIGKILL');
    const killedAt = Date.now();
    await start(LOCAL_WORKER, env, 'local');
    await waitFor(
      async () => (await harness.manager.inspect(job.id)).status === 'completed',
      20_000,
      'the job to complete on the second worker',
    );
    console.log(
      `[faults] killed worker's job completed again ${Date.now() - killedAt} ms after the kill (lock ${harness.env.WORKER_LOCK_MS} ms, stalled check every ${harness.env.WORKER_STALLED_INTERVAL_MS} ms)`,
    );
    const { answers, failures } = await settledThread(receiptTs, job.id, 'The one and only final answer');
    expect(answers).toHaveLength(1);
    expect(failures).toEqual([]);
    expect(calls).toBe(2);
  }, 60_000);

  it('code worker: the dead worker’s Claude process group is ended by the next worker, and the job completes once', async () => {
    const harness = await openQueuesWithController();
    const runDir = mkdtempSync(path.join(tmpdir(), 'agentops-run-'));
    const workdir = mkdtempSync(path.join(tmpdir(), 'agentops-kill-work-'));
    const home = makeClaudeHome();
    cleanups.push(
      () => rmSync(runDir, { recursive: true, force: true }),
      () => rmSync(workdir, { recursive: true, force: true }),
      () => home.remove(),
    );
    let requests = 0;
    const anthropic: AnthropicStandin = await startAnthropicStandin({
      fallback: (request) => {
        requests += 1;
        return requests === 1 ? reply.hang() : reply.text(`Done: ${lastPromptText(request.body)}`);
      },
    });
    cleanups.push(() => anthropic.close());
    const env = {
      ...harness.env,
      LOG_LEVEL: 'info',
      ...offlineClaudeEnv({ baseURL: anthropic.baseURL, home: home.home }),
      CLAUDE_BIN: CLAUDE,
      CODE_WORKDIR: workdir,
      AGENTOPS_RUN_DIR: runDir,
    };
    const first = await start(CODE_WORKER, env, 'code');
    const { job, receiptTs } = await queueWithReceipt(harness, 'code', 'rename the helper in utils.ts');
    await waitFor(() => requests === 1, 15_000, 'Claude to call the API');
    const registry = await waitFor(
      () => readdirSync(runDir).find((name) => name.startsWith('claude-children-')),
      5_000,
      'the child registry',
    );
    const claudePid = (JSON.parse(readFileSync(path.join(runDir, registry), 'utf8')) as { children: { pid: number }[] })
      .children[0]!.pid;
    await first.stop('SIGKILL');
    // Nothing in a SIGKILLed worker can end its child: the orphan is still there.
    expect(groupAlive(claudePid)).toBe(true);
    const second = await start(CODE_WORKER, env, 'code');
    const reaped = logRecords(second.output()).find((record) => Array.isArray(record.reapedPids));
    expect(reaped?.reapedPids).toEqual([claudePid]);
    await waitFor(() => !groupAlive(claudePid), 10_000, 'the orphaned group to end');
    await waitFor(
      async () => (await harness.manager.inspect(job.id)).status === 'completed',
      30_000,
      'the job to complete on the second worker',
    );
    const { answers, failures } = await settledThread(receiptTs, job.id, 'Done: rename the helper');
    expect(answers).toHaveLength(1);
    expect(failures).toEqual([]);
    expect(requests).toBe(2);
  }, 90_000);
});
