// The built research worker as a real process, with the suite's Redis; a real
// controller on the same queues tells the Slack simulator what the worker did
// (workers never talk to Slack). By default it runs the real `claude` CLI
// (against the Anthropic stand-in) with read-only tools in a folder of its
// own: its sourced report lands in the receipt's thread, and scripted attempts
// to write, run a command or read outside that folder are refused and shown
// on the job card. With RESEARCH_ENGINE=local it asks the OpenAI-compatible
// stand-in instead.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobData } from '@agentops/core';
import type { JobDetails } from '@agentops/controller';
import { systemText, toolNames, toolResults, userTexts } from '../support/llm/anthropic-inspect.js';
import { reply, startAnthropicStandin, type AnthropicStandin } from '../support/llm/anthropic-standin.js';
import { makeClaudeHome, offlineClaudeEnv } from '../support/llm/claude-cli.js';
import { lastUserMessage, startOpenAIStandin, type OpenAIStandin } from '../support/llm/openai-standin.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { releaseAfter, releaseFileResources } from '../support/release-after.js';
import { logRecordsMatching } from '../support/logs.js';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { startSlackSimulator, type SimMessage, type SlackSimulator } from '../support/slack-sim/index.js';
import { cardEdits, enqueueUnderReceipt, startThreadController } from '../support/worker-jobs.js';
import { repliesByJob } from '../support/llm/replies-by-job.js';

const WORKER = path.join(REPO_ROOT, 'workers', 'research-worker', 'dist', 'worker.js');
const CLAUDE = path.join(REPO_ROOT, 'node_modules', '.bin', 'claude');
const USER = 'U0SIMUSER1';

// Each describe starts a worker and a controller, and a 2-core machine starts them slowly.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

let sim: SlackSimulator;
let anthropic: AnthropicStandin;
let openai: OpenAIStandin;
/** How the stand-in answers each job, by job text: request 1, 2, ... of that job. */
const scripts = repliesByJob();

beforeAll(async () => {
  sim = await startSlackSimulator({ echoBotMessages: false });
  anthropic = await startAnthropicStandin({ fallback: scripts.fallback });
  openai = await startOpenAIStandin({
    respond: ({ path: requestPath, body }) =>
      requestPath === '/v1/chat/completions'
        ? {
            content: `## Findings\n\nFrom memory, about: ${lastUserMessage(body)}\n\n## Sources to check\n\n- the vendor documentation`,
          }
        : undefined,
  });
});

afterAll(async () => {
  await releaseFileResources();
  await anthropic?.close();
  await openai?.close();
  await sim?.close();
});

/**
 * A research worker on its own queue prefix (it needs no Slack variables), and
 * a controller on that prefix that tells the job threads.
 */
async function startResearchWorker(
  extra: Record<string, string> = {},
): Promise<{ harness: QueueHarness; process: RunningProcess }> {
  const harness = await openQueues();
  releaseAfter(() => harness.close());
  const home = makeClaudeHome();
  releaseAfter(() => home.remove());
  const worker = startNode(WORKER, {
    ...harness.env,
    ...offlineClaudeEnv({ baseURL: anthropic.baseURL, home: home.home }),
    CLAUDE_BIN: CLAUDE,
    LM_STUDIO_URL: openai.baseURL,
    LOG_LEVEL: 'info',
    ...extra,
  });
  releaseAfter(() => worker.stop('SIGKILL'));
  await Promise.all([
    startThreadController(harness, sim),
    waitFor(
      () => {
        if (worker.child.exitCode !== null) throw new Error(`the worker exited:\n${worker.output()}`);
        return logRecordsMatching(worker.output(), { started: 'research', concurrency: 1 }).length > 0;
      },
      20_000,
      'the research worker to start',
    ),
  ]);
  return { harness, process: worker };
}

function enqueue(harness: QueueHarness, text: string): Promise<{ job: JobData; receiptTs: string }> {
  return enqueueUnderReceipt(harness, sim, 'research', text, { user: USER });
}

async function finished(harness: QueueHarness, id: string): Promise<JobDetails> {
  return waitFor(
    async () => {
      const details = await harness.manager.inspect(id);
      // inspect reads the job, then its state: a job that finished in between shows its new state with the old fields.
      return ['completed', 'failed', 'cancelled'].includes(details.status) && details.finishedAt !== undefined
        ? details
        : undefined;
    },
    30_000,
    `job ${id} to finish`,
  );
}

const thread = (receiptTs: string): SimMessage[] =>
  sim.messages(sim.config.defaultChannelId).filter((message) => message.thread_ts === receiptTs);
const shown = (message: SimMessage | undefined) => JSON.stringify(message?.blocks ?? []);

/** Job `id`'s answer in its receipt's thread, once the controller has posted it. */
const answerIn = (receiptTs: string, id: string): Promise<SimMessage> =>
  sim.waitForMessage(
    sim.config.defaultChannelId,
    (message) => message.thread_ts === receiptTs && message.text.startsWith(`Answer to job #${id}`),
    20_000,
  );

/** The blocks of job card `receiptTs` once the controller has edited it to "done" (its outcome). */
async function doneCard(receiptTs: string, id: string): Promise<string> {
  const done = (text: string) => text.startsWith(`Job #${id} (research, P3) done in `);
  await waitFor(() => cardEdits(sim, receiptTs).some(done), 20_000, `job ${id}'s card to show its outcome`);
  const edit = sim.calls('chat.update').find((call) => call.args.ts === receiptTs && done(String(call.args.text)));
  return JSON.stringify(edit?.args.blocks ?? []);
}

const requestsFor = (text: string) =>
  anthropic.messageRequests().filter((request) => userTexts(request.body).includes(text));

describe('the research worker with Claude Code (the default engine)', () => {
  let worker: { harness: QueueHarness; process: RunningProcess };
  let folder: string;
  beforeAll(async () => {
    worker = await startResearchWorker();
    const [engine] = logRecordsMatching(worker.process.output(), { engine: 'claude' });
    folder = typeof engine?.workdir === 'string' ? engine.workdir : '';
  });

  it('works in an empty folder of its own, with read-only tools only', () => {
    expect(path.basename(folder)).toMatch(/^agentops-research-/);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('posts a sourced report in the receipt thread', async () => {
    const text = 'research how BullMQ detects stalled jobs';
    const report =
      '## Summary\n\nA stalled check runs every 30 s ([BullMQ docs](https://docs.bullmq.io/guide/jobs/stalled)).\n\n## Sources\n\n- https://docs.bullmq.io/guide/jobs/stalled: the stalled check';
    scripts.set(text, () => reply.text(report));
    const { job, receiptTs } = await enqueue(worker.harness, text);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('completed');
    expect(details.result).toMatchObject({ text: report, stats: { turns: 1, costUsd: expect.any(Number) } });
    const [request] = requestsFor(text);
    expect(systemText(request?.body)).toContain('End with a "Sources" section');
    const offered = toolNames(request?.body);
    expect(offered).toEqual(expect.arrayContaining(['WebSearch', 'WebFetch', 'Read']));
    for (const tool of ['Write', 'Edit', 'MultiEdit', 'NotebookEdit', 'Bash']) expect(offered).not.toContain(tool);

    expect(await doneCard(receiptTs, job.id)).toMatch(
      /Done in [^·"]+ · claude-[\w.-]+ · \$0\.\d\d · 1 turn; the answer is in the thread/,
    );
    const answer = await answerIn(receiptTs, job.id);
    expect(shown(answer)).toContain('<https://docs.bullmq.io/guide/jobs/stalled|BullMQ docs>');
    expect(shown(answer)).toContain('Sources');
    // The report is the thread's only message: no separate progress or status message any more.
    expect(thread(receiptTs)).toEqual([answer]);
  });

  it('refuses scripted Write, Bash and outside reads: nothing written or run, the refusals on the job card', async () => {
    const text = 'research the competition and save notes';
    const outside = path.join(REPO_ROOT, 'package.json');
    scripts.set(text, (call) => {
      if (call === 1)
        return reply.toolUse({ name: 'Write', input: { file_path: path.join(folder, 'notes.md'), content: 'notes' } });
      if (call === 2)
        return reply.toolUse({ name: 'Bash', input: { command: `touch ${path.join(folder, 'bash-was-here')}` } });
      if (call === 3) return reply.toolUse({ name: 'Read', input: { file_path: outside } });
      return reply.text('I could not save notes; here is the report instead.');
    });
    const { job, receiptTs } = await enqueue(worker.harness, text);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('completed');
    expect(readdirSync(folder)).toEqual([]);
    expect(details.result).toMatchObject({
      text: 'I could not save notes; here is the report instead.',
      stats: {
        turns: 4,
        permissionDenials: [{ tool: 'Write' }, { tool: 'Bash' }, { tool: 'Read', input: { file_path: outside } }],
      },
    });
    const results = toolResults(requestsFor(text).at(-1)?.body);
    expect(results.map((result) => result.is_error)).toEqual([true, true, true]);
    expect(results.map((result) => result.text).join('\n')).not.toContain('"name": "@agentops');
    expect(await doneCard(receiptTs, job.id)).toContain('4 turns · 3 permission denials (Write, Bash, Read)');
    expect(shown(await answerIn(receiptTs, job.id))).toContain('I could not save notes');
  });

  it('removes its folder when it stops', async () => {
    worker.process.child.kill('SIGTERM');
    expect((await worker.process.exited).code).toBe(0);
    expect(existsSync(folder)).toBe(false);
  });
});

describe('the research worker with RESEARCH_ENGINE=local', () => {
  it('answers through LM Studio with a research prompt', async () => {
    const worker = await startResearchWorker({ RESEARCH_ENGINE: 'local' });
    expect(logRecordsMatching(worker.process.output(), { engine: 'local' })).toHaveLength(1);
    const text = 'research the pros and cons of Redis persistence modes';
    const before = anthropic.messageRequests().length;
    const { job, receiptTs } = await enqueue(worker.harness, text);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('completed');
    expect(details.result).toMatchObject({
      text: expect.stringContaining(`From memory, about: ${text}`),
      stats: { model: 'standin-chat-model' },
    });
    const request = openai.requests.find(
      (candidate) => candidate.path === '/v1/chat/completions' && lastUserMessage(candidate.body) === text,
    );
    expect(request?.body).toMatchObject({
      messages: [
        { role: 'system', content: expect.stringContaining('research assistant') },
        { role: 'user', content: text },
      ],
    });
    expect(anthropic.messageRequests().length).toBe(before);
    expect(await doneCard(receiptTs, job.id)).toMatch(/Done in [^·"]+ · standin-chat-model/);
    expect(shown(await answerIn(receiptTs, job.id))).toContain('From memory, about');
  });
});
