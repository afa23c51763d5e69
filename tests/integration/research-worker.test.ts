// The built research worker as a real process, with the suite's Redis; a real
// controller on the same queues tells the Slack simulator what the worker did
// (workers never talk to Slack). By default it runs the real `claude` CLI
// (against the Anthropic stand-in) with read-only tools in a fresh folder per
// job: its sourced report lands in the receipt's thread, and scripted attempts
// to write, run a command or read outside that folder are refused and shown
// on the job card. The worst case is set up for every run: CODE_WORKDIR is
// set, its .env holds a secret, and the workstation owner's Claude settings
// allow Read everywhere and add the code folder; a research job still cannot
// read it, and a model that repeats whatever it read has nothing to repeat.
// RESEARCH_WORKDIR names a folder of the operator's choice instead. With
// RESEARCH_ENGINE=local it asks the OpenAI-compatible stand-in instead.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobData } from '@agentops/core';
import type { JobDetails } from '@agentops/controller';
import { systemText, toolNames, toolResults, userTexts } from '../support/llm/anthropic-inspect.js';
import type { RecordedRequest } from '../support/llm/http-standin.js';
import { reply, startAnthropicStandin, type AnthropicStandin } from '../support/llm/anthropic-standin.js';
import { makeClaudeHome, offlineClaudeEnv } from '../support/llm/claude-cli.js';
import { lastUserMessage, startOpenAIStandin, type OpenAIStandin } from '../support/llm/openai-standin.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { releaseAfter, releaseFileResources } from '../support/release-after.js';
import { logRecords, logRecordsMatching } from '../support/logs.js';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { startSlackSimulator, type SimMessage, type SlackSimulator } from '../support/slack-sim/index.js';
import { cardEdits, enqueueUnderReceipt, failureNotice, startThreadController } from '../support/worker-jobs.js';
import { repliesByJob } from '../support/llm/replies-by-job.js';

const WORKER = path.join(REPO_ROOT, 'workers', 'research-worker', 'dist', 'worker.js');
const CLAUDE = path.join(REPO_ROOT, 'node_modules', '.bin', 'claude');
const USER = 'U0SIMUSER1';
/** What the code folder's .env holds: recognisable anywhere it might turn up. */
const CODE_SECRET = 'code-folder-secret-7f3a9c41';

// Each describe starts a worker and a controller, and a 2-core machine starts them slowly.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

let sim: SlackSimulator;
let anthropic: AnthropicStandin;
let openai: OpenAIStandin;
/** How the stand-in answers each job, by job text: request 1, 2, ... of that job. */
const scripts = repliesByJob();
/** The code worker's folder, as a workstation has it: the repository and its .env. */
let codeDir: string;

/** A model that repeats every tool result it was sent, as one that quotes what it read would. */
const repeatWhatItRead = (request: RecordedRequest): string =>
  `What the tools gave me:\n${toolResults(request.body)
    .map((result) => result.text)
    .join('\n')}`;

/**
 * The workstation owner's ~/.claude/settings.json at its most open: Read, Grep
 * and Glob allowed everywhere, and the code folder added. The research worker
 * must not take any of it.
 */
const openSettings = () => ({
  permissions: { allow: ['Read', 'Grep', 'Glob', 'Read(//**)'], additionalDirectories: [codeDir] },
});

beforeAll(async () => {
  codeDir = mkdtempSync(path.join(tmpdir(), 'agentops-research-code-'));
  writeFileSync(path.join(codeDir, '.env'), `DB_PASSWORD=${CODE_SECRET}\n`);
  mkdirSync(path.join(codeDir, 'src'));
  writeFileSync(path.join(codeDir, 'src', 'app.ts'), `export const password = '${CODE_SECRET}';\n`);
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
  if (codeDir) rmSync(codeDir, { recursive: true, force: true });
});

/**
 * A research worker on its own queue prefix (it needs no Slack variables), and
 * a controller on that prefix that tells the job threads.
 */
async function startResearchWorker(
  extra: Record<string, string> = {},
): Promise<{ harness: QueueHarness; process: RunningProcess; controller: RunningProcess; home: string }> {
  const harness = await openQueues();
  releaseAfter(() => harness.close());
  const home = makeClaudeHome();
  releaseAfter(() => home.remove());
  const claudeEnv = offlineClaudeEnv({ baseURL: anthropic.baseURL, home: home.home });
  writeFileSync(path.join(claudeEnv.CLAUDE_CONFIG_DIR ?? '', 'settings.json'), JSON.stringify(openSettings()));
  const worker = startNode(WORKER, {
    ...harness.env,
    ...claudeEnv,
    CLAUDE_BIN: CLAUDE,
    CODE_WORKDIR: codeDir,
    LM_STUDIO_URL: openai.baseURL,
    LOG_LEVEL: 'info',
    ...extra,
  });
  releaseAfter(() => worker.stop('SIGKILL'));
  const [controller] = await Promise.all([
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
  return { harness, process: worker, controller, home: home.home };
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

/** The answer a finished job stored. */
const resultText = (details: JobDetails): string => (details.result as { text?: string } | undefined)?.text ?? '';

/** The folder job `id` worked in, from the worker's log line (a fresh one per job). */
function jobFolderOf(worker: RunningProcess, id: string): string {
  const record = logRecords(worker.output()).find((line) => String(line.msg).includes(`Job ${id} works in `));
  return typeof record?.workdir === 'string' ? record.workdir : '';
}

/** Everything a secret could have reached: what Slack got, the stored job, and both processes' logs. */
function everywhere(
  worker: { process: RunningProcess; controller: RunningProcess },
  details: JobDetails,
): Record<string, string> {
  return {
    'the job result': JSON.stringify(details.result ?? null),
    'the stored failure reason': details.failedReason ?? '',
    'Slack (every call: card, thread, notices)': JSON.stringify(sim.calls()),
    "the worker's logs": worker.process.output(),
    "the controller's logs": worker.controller.output(),
  };
}

describe('the research worker with Claude Code (the default engine)', () => {
  let worker: Awaited<ReturnType<typeof startResearchWorker>>;
  beforeAll(async () => {
    worker = await startResearchWorker();
  });

  it('works in an empty folder per job thread, not in CODE_WORKDIR, with read-only tools only', () => {
    const [engine] = logRecordsMatching(worker.process.output(), { engine: 'claude' });
    expect(String(engine?.workdir)).toMatch(/research$/);
    expect(String(engine?.msg)).toContain('an empty folder per job thread');
  });

  it('posts a sourced report in the receipt thread, from the thread’s own empty folder, kept for follow-ups', async () => {
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

    const folder = jobFolderOf(worker.process, job.id);
    expect(path.basename(folder)).toBe(`thread-${job.id}`);
    expect(path.relative(codeDir, folder).startsWith('..')).toBe(true);
    // The CLI tells the model the folder it works in: the thread's; the code folder is not among its folders.
    expect(request?.rawBody).toContain(folder);
    expect(request?.rawBody).not.toContain(codeDir);
    expect(readdirSync(folder)).toEqual([]);

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
    const before = readdirSync(codeDir);
    scripts.set(text, (call) => {
      if (call === 1)
        return reply.toolUse({ name: 'Write', input: { file_path: path.join(codeDir, 'notes.md'), content: 'notes' } });
      if (call === 2)
        return reply.toolUse({ name: 'Bash', input: { command: `touch ${path.join(codeDir, 'bash-was-here')}` } });
      if (call === 3) return reply.toolUse({ name: 'Read', input: { file_path: outside } });
      return reply.text('I could not save notes; here is the report instead.');
    });
    const { job, receiptTs } = await enqueue(worker.harness, text);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('completed');
    expect(readdirSync(codeDir)).toEqual(before);
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

  it("cannot read CODE_WORKDIR's .env (Read, Grep, Glob, a path through ..), though the owner's settings allow it: the secret is nowhere", async () => {
    const text = 'research what our deployment needs, starting from the project settings';
    const env = path.join(codeDir, '.env');
    let jobId = '';
    scripts.set(text, (call, request) => {
      if (call === 1) return reply.toolUse({ name: 'Read', input: { file_path: env } });
      if (call === 2) return reply.toolUse({ name: 'Grep', input: { pattern: 'PASSWORD', path: codeDir } });
      if (call === 3) return reply.toolUse({ name: 'Glob', input: { pattern: '**/*', path: codeDir } });
      if (call === 4) {
        // The same file by a path that starts in the job's folder and climbs out of it.
        const folder = jobFolderOf(worker.process, jobId);
        return reply.toolUse({ name: 'Read', input: { file_path: `${folder}/${path.relative(folder, env)}` } });
      }
      return reply.text(repeatWhatItRead(request));
    });
    const { job, receiptTs } = await enqueue(worker.harness, text);
    jobId = job.id;
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('completed');
    const results = toolResults(requestsFor(text).at(-1)?.body);
    expect(results).toHaveLength(4);
    expect(results.map((result) => result.is_error)).toEqual([true, true, true, true]);
    expect(results.map((result) => result.text).join('\n')).toMatch(/outside .*--restricted confines the file tools/);
    expect(resultText(details)).toContain('What the tools gave me');
    await answerIn(receiptTs, job.id);
    for (const [where, content] of Object.entries(everywhere(worker, details)))
      expect(content, `the code folder's secret in ${where}`).not.toContain(CODE_SECRET);
  });

  it("cannot read CODE_WORKDIR's .env on a job that fails: not in the stored failure reason or the failure notice", async () => {
    const text = 'research our database setup from the project files';
    scripts.set(text, (call, request) => {
      if (call === 1) return reply.toolUse({ name: 'Read', input: { file_path: path.join(codeDir, '.env') } });
      if (call === 2) return reply.toolUse({ name: 'Read', input: { file_path: path.join(codeDir, 'src', 'app.ts') } });
      // An API that puts the conversation into its error, as some gateways do.
      return reply.error(400, 'invalid_request_error', `rejected conversation: ${repeatWhatItRead(request)}`);
    });
    const { job, receiptTs } = await enqueue(worker.harness, text);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('failed');
    expect(details.failedReason).toMatch(/HTTP 400 .*rejected conversation: What the tools gave me/s);
    const notice = await failureNotice(sim, receiptTs, job.id);
    expect(JSON.stringify(notice)).toContain('rejected conversation');
    for (const [where, content] of Object.entries(everywhere(worker, details)))
      expect(content, `the code folder's secret in ${where}`).not.toContain(CODE_SECRET);
  });

  it('stops cleanly, leaving only empty thread folders', async () => {
    worker.process.child.kill('SIGTERM');
    expect((await worker.process.exited).code).toBe(0);
    const base = path.join(worker.harness.env.AGENTOPS_DATA_DIR ?? '', 'research');
    for (const name of readdirSync(base)) {
      expect(name).toMatch(/^thread-\d+$/);
      expect(readdirSync(path.join(base, name))).toEqual([]);
    }
  });
});

describe('the research worker with RESEARCH_WORKDIR', () => {
  it('works in that folder, reads in it, keeps it, and refuses what lies outside', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'agentops-research-chosen-'));
    releaseAfter(() => rmSync(folder, { recursive: true, force: true }));
    writeFileSync(path.join(folder, 'brief.md'), 'The brief: compare queue libraries.\n');
    const worker = await startResearchWorker({ RESEARCH_WORKDIR: folder });
    const [engine] = logRecordsMatching(worker.process.output(), { engine: 'claude' });
    expect(engine).toMatchObject({ workdir: folder });
    expect(logRecordsMatching(worker.process.output(), { codeWorkdir: codeDir })).toEqual([]);

    const text = 'research what the brief in this folder asks';
    scripts.set(text, (call, request) => {
      if (call === 1) return reply.toolUse({ name: 'Read', input: { file_path: path.join(folder, 'brief.md') } });
      if (call === 2) return reply.toolUse({ name: 'Read', input: { file_path: path.join(codeDir, '.env') } });
      return reply.text(repeatWhatItRead(request));
    });
    const { job } = await enqueue(worker.harness, text);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('completed');
    const results = toolResults(requestsFor(text).at(-1)?.body);
    expect(results.map((result) => result.is_error)).toEqual([false, true]);
    expect(resultText(details)).toContain('The brief: compare queue libraries.');
    expect(resultText(details)).not.toContain(CODE_SECRET);
    expect(readdirSync(folder)).toEqual(['brief.md']);
  });

  it("may point at CODE_WORKDIR, the operator's explicit choice, with a warning at start", async () => {
    const worker = await startResearchWorker({ RESEARCH_WORKDIR: codeDir });
    expect(logRecordsMatching(worker.process.output(), { workdir: codeDir, codeWorkdir: codeDir })).toHaveLength(1);
    const text = 'research what the project settings say';
    scripts.set(text, (call, request) =>
      call === 1
        ? reply.toolUse({ name: 'Read', input: { file_path: path.join(codeDir, '.env') } })
        : reply.text(repeatWhatItRead(request)),
    );
    const { job } = await enqueue(worker.harness, text);
    expect(resultText(await finished(worker.harness, job.id))).toContain(CODE_SECRET);
  });

  it('refuses to start when RESEARCH_WORKDIR names no folder, saying so', async () => {
    const harness = await openQueues();
    releaseAfter(() => harness.close());
    const missing = path.join(tmpdir(), 'agentops-no-such-research-folder');
    const worker = startNode(WORKER, { ...harness.env, CLAUDE_BIN: CLAUDE, RESEARCH_WORKDIR: missing });
    releaseAfter(() => worker.stop('SIGKILL'));
    expect((await worker.exited).code).toBe(1);
    expect(worker.output()).toContain(`RESEARCH_WORKDIR="${missing}" does not exist`);
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
