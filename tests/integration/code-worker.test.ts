// The built code worker as a real process running the real `claude` CLI
// against the Anthropic stand-in, with the suite's Redis; a real controller
// on the same queues tells the Slack simulator what the worker did (workers
// never talk to Slack): answers land in the receipt's thread and the job card
// shows the live step, then the time, cost, turns and permission denials;
// tool calls are allowed or refused by the permission mode, API errors fail
// the job (retried only when waiting helps), the time limit and cancel end
// the CLI's whole process tree, job text reaches the model verbatim and is
// never run, and a missing CLI, a CLI that prints garbage or a missing
// CODE_WORKDIR fail clearly.
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTION_IDS, type JobData } from '@agentops/core';
import type { JobDetails } from '@agentops/controller';
import { lastPromptText, toolResults, userTexts } from '../support/llm/anthropic-inspect.js';
import { reply, startAnthropicStandin, type AnthropicStandin } from '../support/llm/anthropic-standin.js';
import { makeClaudeHome, offlineClaudeEnv } from '../support/llm/claude-cli.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { logRecordsMatching } from '../support/logs.js';
import { releaseAfter, releaseFileResources } from '../support/release-after.js';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { testEnv } from '../support/redis.js';
import { startSlackSimulator, type SimMessage, type SlackSimulator } from '../support/slack-sim/index.js';
import { enqueueUnderReceipt, failureNotice, simSlackEnv, startThreadController } from '../support/worker-jobs.js';
import { repliesByJob } from '../support/llm/replies-by-job.js';

const WORKER = path.join(REPO_ROOT, 'workers', 'code-worker', 'dist', 'worker.js');
const CLAUDE = path.join(REPO_ROOT, 'node_modules', '.bin', 'claude');
const GARBAGE_CLI = path.join(REPO_ROOT, 'tests', 'fixtures', 'claude-garbage.mjs');
const STUBBORN_CLI = path.join(REPO_ROOT, 'tests', 'fixtures', 'claude-stubborn.mjs');
const USER = 'U0SIMUSER1';
/** Who cancels the job in the cancel test: a user id, which the card shows as a mention. */
const CANCELLER = 'U0SIMUSER2';
/** Short, for the time-limit tests; every other run gets the default 30 minutes. */
const TIME_LIMIT_MS = 4_000;

// Each test starts (or shares) a worker and a controller, and a 2-core machine starts them slowly.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

let sim: SlackSimulator;
let standin: AnthropicStandin;
/** How the stand-in answers each job, by job text: request 1, 2, ... of that job. */
const scripts = repliesByJob();

beforeAll(async () => {
  // Run as CLAUDE_BIN directly, like the real CLI: a checkout without the executable bit would fail for the wrong reason.
  for (const fixture of [GARBAGE_CLI, STUBBORN_CLI]) chmodSync(fixture, 0o755);
  sim = await startSlackSimulator({ echoBotMessages: false });
  standin = await startAnthropicStandin({ fallback: scripts.fallback });
});

afterAll(async () => {
  await releaseFileResources();
  await standin?.close();
  await sim?.close();
});

function tempDir(label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `agentops-${label}-`));
  releaseAfter(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface CodeWorker {
  harness: QueueHarness;
  process: RunningProcess;
  workdir: string;
}

interface CodeWorkerOptions {
  /** The worker's own variables (it needs no Slack ones). */
  env?: Record<string, string>;
  /** The controller's, e.g. a shorter SLACK_CARD_EDIT_INTERVAL_MS. */
  controllerEnv?: Record<string, string>;
}

/**
 * A code worker on its own queue prefix, with its own Claude home and working
 * folder, and a controller on that prefix that tells the job threads.
 */
async function startCodeWorker(options: CodeWorkerOptions = {}): Promise<CodeWorker> {
  const harness = await openQueues();
  releaseAfter(() => harness.close());
  const home = makeClaudeHome();
  releaseAfter(() => home.remove());
  const workdir = tempDir('code-workdir');
  const worker = startNode(WORKER, {
    ...harness.env,
    ...offlineClaudeEnv({ baseURL: standin.baseURL, home: home.home }),
    CLAUDE_BIN: CLAUDE,
    CODE_WORKDIR: workdir,
    LOG_LEVEL: 'info',
    ...options.env,
  });
  releaseAfter(() => stopWorker(worker));
  await Promise.all([
    startThreadController(harness, sim, options.controllerEnv),
    waitFor(
      () => {
        if (worker.child.exitCode !== null) throw new Error(`the worker exited:\n${worker.output()}`);
        return logRecordsMatching(worker.output(), { started: 'code', concurrency: 1 }).length > 0;
      },
      20_000,
      'the code worker to start',
    ),
  ]);
  return { harness, process: worker, workdir };
}

function enqueue(harness: QueueHarness, text: string): Promise<{ job: JobData; receiptTs: string }> {
  return enqueueUnderReceipt(harness, sim, 'code', text, { user: USER });
}

async function finished(harness: QueueHarness, id: string, timeoutMs = 30_000): Promise<JobDetails> {
  return waitFor(
    async () => {
      const details = await harness.manager.inspect(id);
      // inspect reads the job, then its state: a job that finished in between shows its new state with the old fields.
      return ['completed', 'failed', 'cancelled'].includes(details.status) && details.finishedAt !== undefined
        ? details
        : undefined;
    },
    timeoutMs,
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

interface CardEdit {
  /** The notification text, e.g. "Job #3 (code, P3) done in 4 s: ...". */
  text: string;
  /** The blocks people see, as JSON. */
  shown: string;
}

/** The edits Slack accepted of job card `receiptTs`, oldest first. */
const edits = (receiptTs: string): CardEdit[] =>
  sim
    .calls('chat.update')
    .filter((call) => call.args.ts === receiptTs && call.ok)
    .map((call) => ({ text: String(call.args.text ?? ''), shown: JSON.stringify(call.args.blocks ?? []) }));

/** The first edit of job card `receiptTs` that `matches`, once the controller has made it. */
const cardEdit = (receiptTs: string, what: string, matches: (edit: CardEdit) => boolean): Promise<CardEdit> =>
  waitFor(() => edits(receiptTs).find(matches), 20_000, `the job card to show ${what}`);

/** The card's outcome edit: the notification text says how the job ended. */
const outcome = (receiptTs: string, id: string, ended: 'done in' | 'failed' | 'cancelled') =>
  cardEdit(receiptTs, `that it ${ended}`, (edit) =>
    new RegExp(`^Job #${id} \\(code, P3\\) ${ended}\\b`).test(edit.text),
  );

const requestsFor = (text: string) =>
  standin.messageRequests().filter((request) => userTexts(request.body).includes(text));

interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  args: string;
}

/** Every live process, from /proc (group and session ids included, which `ps -g` would mix up). */
function processes(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (fields[0] === 'Z') return [];
        const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
        return [{ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]), sid: Number(fields[3]), args }];
      } catch {
        return [];
      }
    });
}

/** The Claude Code CLI the worker is running now. */
async function claudeChildOf(worker: RunningProcess): Promise<number> {
  return waitFor(
    () => processes().find((p) => p.ppid === worker.child.pid && p.args.includes('stream-json'))?.pid,
    10_000,
    'the claude child process',
  );
}

/** Processes in the process group or session the CLI led. */
const groupMembers = (leader: number) => processes().filter((p) => p.pgid === leader || p.sid === leader);

/** Kills a worker and, should a test have failed mid-run, the CLI groups it leaves behind. */
async function stopWorker(worker: RunningProcess): Promise<void> {
  for (const child of processes().filter((p) => p.ppid === worker.child.pid)) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Not a group leader, or gone already.
    }
  }
  await worker.stop('SIGKILL');
}

describe('the code worker under acceptEdits', () => {
  let worker: CodeWorker;
  beforeAll(async () => {
    worker = await startCodeWorker({
      // A deployment's one .env gives every process the Slack variables (npm start passes its environment
      // on): the worker has no use for them and must keep them from Claude.
      // A short wait after a limit that does not say when it lifts (an overloaded API).
      env: { CLAUDE_ALLOWED_TOOLS: 'Bash', CLAUDE_RATE_LIMIT_WAIT_MS: '2000', ...simSlackEnv(sim) },
      // Progress edits every second instead of every 3 s, so a step shows while Claude is still working.
      controllerEnv: { SLACK_CARD_EDIT_INTERVAL_MS: '1000' },
    });
  });

  it('posts a plain answer in the receipt thread, and its cost and turns on the job card', async () => {
    const text = 'explain what the retry backoff in the repo does';
    scripts.set(text, () => reply.text('It waits 5 s, then 10 s, then 20 s.'));
    const { job, receiptTs } = await enqueue(worker.harness, text);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('completed');
    expect(details.result).toMatchObject({
      text: 'It waits 5 s, then 10 s, then 20 s.',
      stats: { turns: 1, model: expect.any(String), sessionId: expect.any(String), costUsd: expect.any(Number) },
    });
    const done = await outcome(receiptTs, job.id, 'done in');
    expect(done.shown).toMatch(/Done in [^·"]+ · claude-[\w.-]+ · \$0\.\d\d · 1 turn; the answer is in the thread/);
    const answer = await answerIn(receiptTs, job.id);
    expect(shown(answer)).toContain('It waits 5 s, then 10 s, then 20 s.');
    // The answer is the thread's only message: no separate progress or status message any more.
    expect(thread(receiptTs)).toEqual([answer]);
    // Claude ran in CODE_WORKDIR.
    expect(JSON.stringify(requestsFor(text)[0]?.body)).toContain(worker.workdir);
  });

  it('lets a scripted Write create the file, showing the step live on the job card', async () => {
    const text = 'write the release notes to notes.md';
    const file = path.join(worker.workdir, 'notes.md');
    // The second answer waits, so the throttled progress edit shows the step while Claude works.
    scripts.set(text, (call) =>
      call === 1
        ? reply.toolUse({ name: 'Write', input: { file_path: file, content: '# Release notes\n' } })
        : reply.delay(3_500, reply.text('Wrote notes.md.')),
    );
    const { job, receiptTs } = await enqueue(worker.harness, text);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('completed');
    expect(readFileSync(file, 'utf8')).toBe('# Release notes\n');
    expect(details.result).toMatchObject({ text: 'Wrote notes.md.', stats: { turns: 2 } });
    expect((details.result as { stats?: { permissionDenials?: unknown } }).stats?.permissionDenials).toBeUndefined();
    const done = await outcome(receiptTs, job.id, 'done in');
    expect(done.shown).toContain('2 turns');
    expect(done.shown).not.toContain('permission denial');
    // While Claude waited for its second answer, the card said what it was doing.
    const card = edits(receiptTs);
    const step = card.findIndex((edit) => edit.shown.includes('Writing notes.md'));
    expect(step).toBeGreaterThanOrEqual(0);
    expect(card[step]?.text).toMatch(new RegExp(`^Job #${job.id} \\(code, P3\\) working: `));
    expect(card[step]?.shown).toMatch(/Working… since .* · attempt 1\/3 · 1 turn · Writing notes\.md/);
    expect(step).toBeLessThan(card.findIndex((edit) => edit.text === done.text));
    await answerIn(receiptTs, job.id);
    expect(thread(receiptTs)).toHaveLength(1);
  });

  it("gives Claude the environment without AgentOps' secrets", async () => {
    const text = 'dump the environment for debugging';
    const dump = path.join(worker.workdir, 'env.txt');
    scripts.set(text, (call) =>
      call === 1 ? reply.toolUse({ name: 'Bash', input: { command: `env > ${dump}` } }) : reply.text('Done.'),
    );
    const { job } = await enqueue(worker.harness, text);
    expect((await finished(worker.harness, job.id)).status).toBe('completed');
    const seen = readFileSync(dump, 'utf8');
    expect(seen).toContain(`ANTHROPIC_BASE_URL=${standin.baseURL}`);
    expect(seen).toContain(`CODE_WORKDIR=${worker.workdir}`);
    // The worker itself was given them (see beforeAll); Claude gets none.
    expect(seen).not.toContain('SLACK_');
    expect(seen).not.toContain(sim.config.botToken);
    expect(seen).not.toContain(sim.config.appToken);
  });

  it('fails at once, with the fix, when the API refuses the key (is_error: true)', async () => {
    const text = 'refactor the router with a bad key';
    scripts.set(text, () => reply.error(401, 'authentication_error', 'invalid x-api-key'));
    const { job, receiptTs } = await enqueue(worker.harness, text);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('failed');
    expect(details.attemptsMade).toBe(1);
    expect(details.failedReason).toMatch(
      /The Anthropic API refused the request with HTTP 401 \(.*\)\. Check ANTHROPIC_API_KEY/,
    );
    const failure = await failureNotice(sim, receiptTs, job.id);
    expect(shown(failure)).toContain('HTTP 401');
    expect(shown(failure)).toContain('ANTHROPIC_API_KEY');
    expect(shown(failure)).toContain(ACTION_IDS.retry);
    expect((await outcome(receiptTs, job.id, 'failed')).shown).toContain('HTTP 401');
    // Not retried: the card never said it would try again.
    expect(edits(receiptTs).some((edit) => edit.shown.includes('retrying'))).toBe(false);
  });

  it('waits out an overloaded API (529) without using an attempt, saying so on the job card, and then succeeds', async () => {
    const text = 'fix the flaky test while the API is busy';
    scripts.set(text, (call) =>
      call === 1 ? reply.error(529, 'overloaded_error', 'Overloaded') : reply.text('Fixed after the wait.'),
    );
    const { job, receiptTs } = await enqueue(worker.harness, text);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('completed');
    // The wait used no attempt: one attempt made, the one that succeeded.
    expect(details.attemptsMade).toBe(1);
    expect(details.result).toMatchObject({ text: 'Fixed after the wait.' });
    expect(requestsFor(text)).toHaveLength(2);
    const waiting = await cardEdit(receiptTs, 'the wait', (edit) => edit.text.includes('waiting on code for'));
    expect(waiting.text).toContain('the overloaded Anthropic API');
    await outcome(receiptTs, job.id, 'done in');
    expect(shown(await answerIn(receiptTs, job.id))).toContain('Fixed after the wait.');
    expect(thread(receiptTs).filter((message) => message.text.startsWith(`Job #${job.id} failed`))).toEqual([]);
  });

  it('stops a running job within 2 s of cancel; it ends cancelled and no process of the group is left', async () => {
    const text = 'rewrite the whole build system (to be cancelled)';
    scripts.set(text, () => reply.hang());
    const { job, receiptTs } = await enqueue(worker.harness, text);
    await waitFor(() => requestsFor(text).length === 1, 15_000, 'the request to reach the stand-in');
    const cli = await claudeChildOf(worker.process);

    const asked = Date.now();
    await worker.harness.manager.cancel(job.id, CANCELLER);
    const details = await finished(worker.harness, job.id, 10_000);
    expect(Date.now() - asked).toBeLessThan(2_000);
    expect(details.status).toBe('cancelled');
    expect(details.cancel?.by).toBe(CANCELLER);
    expect(details.attemptsMade).toBe(1);
    expect(groupMembers(cli)).toEqual([]);
    await waitFor(() => requestsFor(text)[0]?.aborted, 2_000, 'the stand-in to see the request aborted');

    const notice = await sim.waitForMessage(
      sim.config.defaultChannelId,
      (message) => message.thread_ts === receiptTs && message.text === `Job #${job.id} cancelled by ${CANCELLER}`,
      20_000,
    );
    expect(shown(notice)).toContain(ACTION_IDS.retry);
    expect((await outcome(receiptTs, job.id, 'cancelled')).shown).toContain(`Cancelled by <@${CANCELLER}>`);
    // Cancelled is not failed.
    expect(thread(receiptTs)).toEqual([notice]);
  });

  it('passes hostile job text to the model verbatim and runs none of it', async () => {
    const marker = `/tmp/pwned-${randomUUID()}`;
    const text = `--dangerously-skip-permissions $(touch ${marker}) \`id\` ; rm -rf ~`;
    const { job, receiptTs } = await enqueue(worker.harness, text);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('completed');
    const [request] = requestsFor(text);
    expect(lastPromptText(request?.body)).toBe(text);
    expect(details.result).toMatchObject({ text: `Stand-in answer to: ${text}` });
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(worker.workdir)).toBe(true);
    expect(shown(await answerIn(receiptTs, job.id))).toContain('--dangerously-skip-permissions');
  });
});

describe('the code worker under plan', () => {
  it('refuses a scripted Write (no file) and shows the denial on the job card', async () => {
    const worker = await startCodeWorker({ env: { CLAUDE_PERMISSION_MODE: 'plan' } });
    const text = 'write the migration plan to plan.md';
    const file = path.join(worker.workdir, 'plan.md');
    scripts.set(text, (call) =>
      call === 1
        ? reply.toolUse({ name: 'Write', input: { file_path: file, content: 'the plan' } })
        : reply.text('I was not allowed to write plan.md.'),
    );
    const { job, receiptTs } = await enqueue(worker.harness, text);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('completed');
    expect(existsSync(file)).toBe(false);
    expect(details.result).toMatchObject({
      text: 'I was not allowed to write plan.md.',
      stats: { permissionDenials: [{ tool: 'Write', input: { file_path: file, content: 'the plan' } }] },
    });
    expect(toolResults(requestsFor(text)[1]?.body)).toMatchObject([
      { is_error: true, text: expect.stringContaining('plan mode') },
    ]);
    expect((await outcome(receiptTs, job.id, 'done in')).shown).toContain('2 turns · 1 permission denial (Write)');
    expect(shown(await answerIn(receiptTs, job.id))).toContain('I was not allowed to write plan.md.');
    expect(logRecordsMatching(worker.process.output(), { permissionMode: 'plan' }).length).toBeGreaterThan(0);
  });
});

describe('the code worker at its time limit', () => {
  let worker: CodeWorker;
  beforeAll(async () => {
    worker = await startCodeWorker({ env: { CODE_TIMEOUT_MS: String(TIME_LIMIT_MS), CLAUDE_ALLOWED_TOOLS: 'Bash' } });
  });

  it('ends a run whose API hangs, fails at once, and leaves no process of the group alive', async () => {
    const text = 'migrate the database while the API hangs';
    scripts.set(text, () => reply.hang());
    const { job, receiptTs } = await enqueue(worker.harness, text);
    await waitFor(() => requestsFor(text).length === 1, 15_000, 'the request to reach the stand-in');
    const cli = await claudeChildOf(worker.process);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('failed');
    expect(details.attemptsMade).toBe(1);
    expect(details.failedReason).toContain('time limit of the code queue');
    expect(details.failedReason).toContain('CODE_TIMEOUT_MS');
    expect(groupMembers(cli)).toEqual([]);
    expect(requestsFor(text)[0]?.aborted).toBe(true);
    expect(shown(await failureNotice(sim, receiptTs, job.id))).toContain('time limit');
    expect((await outcome(receiptTs, job.id, 'failed')).shown).toMatch(
      /Failed on attempt 1, not retried: [^"]*time limit/,
    );
  });

  it('also ends a command the Bash tool is running in a session of its own', async () => {
    const marker = `agentops-long-command-${randomUUID()}`;
    const text = 'run the full integration suite (it never ends)';
    scripts.set(text, (call) =>
      call === 1
        ? reply.toolUse({ name: 'Bash', input: { command: `node -e "setTimeout(() => {}, 120000)" ${marker}` } })
        : reply.text('Done.'),
    );
    const { job } = await enqueue(worker.harness, text);
    const command = await waitFor(
      () => processes().find((p) => p.args.includes(marker) && p.args.startsWith('node')),
      15_000,
      'the Bash command to run',
    );
    const cli = await claudeChildOf(worker.process);
    expect(command.sid).not.toBe(cli);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('failed');
    expect(details.failedReason).toContain('time limit');
    expect(processes().filter((p) => p.args.includes(marker))).toEqual([]);
    expect(groupMembers(cli)).toEqual([]);
  });
});

describe('the code worker with a CLI that ignores SIGTERM', () => {
  it('falls back to SIGKILL for the CLI and for the command it started in its own session', async () => {
    const marker = `agentops-stubborn-${randomUUID()}`;
    const worker = await startCodeWorker({
      env: { CLAUDE_BIN: STUBBORN_CLI, CODE_TIMEOUT_MS: String(TIME_LIMIT_MS), STUBBORN_MARKER: marker },
    });
    const { job } = await enqueue(worker.harness, 'a job for a CLI that will not stop');
    const command = await waitFor(
      () => processes().find((p) => p.args.includes(marker)),
      15_000,
      'the stubborn command to run',
    );
    const cli = await claudeChildOf(worker.process);
    expect(command.sid).not.toBe(cli);
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('failed');
    expect(details.failedReason).toContain('time limit');
    await waitFor(() => processes().every((p) => !p.args.includes(marker)), 5_000, 'the stubborn command to be gone');
    expect(groupMembers(cli)).toEqual([]);
    expect(logRecordsMatching(worker.process.output(), { how: 'killed' })).toHaveLength(1);
  });
});

describe('the code worker when Claude Code cannot run', () => {
  it('fails clearly, at once, when the CLI is missing (and warns about a broad permission mode)', async () => {
    const worker = await startCodeWorker({
      env: { CLAUDE_BIN: '/nonexistent/claude', CLAUDE_PERMISSION_MODE: 'auto' },
    });
    expect(logRecordsMatching(worker.process.output(), { broadPermissionMode: 'auto' })).toHaveLength(1);
    const { job, receiptTs } = await enqueue(worker.harness, 'fix the bug without a CLI');
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('failed');
    expect(details.attemptsMade).toBe(1);
    expect(details.failedReason).toBe(
      'Claude Code CLI not found at /nonexistent/claude: npm install -g @anthropic-ai/claude-code or set CLAUDE_BIN',
    );
    expect(shown(await failureNotice(sim, receiptTs, job.id))).toContain('Claude Code CLI not found');
  });

  it('fails clearly, at once, when CLAUDE_BIN prints something that is not stream-json', async () => {
    const worker = await startCodeWorker({ env: { CLAUDE_BIN: GARBAGE_CLI } });
    const { job } = await enqueue(worker.harness, 'fix the bug with the wrong CLI');
    const details = await finished(worker.harness, job.id);

    expect(details.status).toBe('failed');
    expect(details.attemptsMade).toBe(1);
    expect(details.failedReason).toContain(
      `Claude Code CLI at ${GARBAGE_CLI} printed 3 line(s) that are not stream-json events (first: "Welcome to some other tool v1.0")`,
    );
    expect(details.failedReason).toContain('Check that CLAUDE_BIN points at the Claude Code CLI');
  });

  it.each([
    [
      'missing',
      { CODE_WORKDIR: '/nonexistent/agentops-workdir' },
      'CODE_WORKDIR="/nonexistent/agentops-workdir" does not exist',
    ],
    ['unset', {}, 'CODE_WORKDIR is not set'],
  ])(
    'exits 1 at start when CODE_WORKDIR is %s, naming the variable and the fix',
    async (_label, extra: Record<string, string>, problem) => {
      const worker = startNode(WORKER, { ...testEnv(), CLAUDE_BIN: CLAUDE, ...extra });
      releaseAfter(() => worker.stop('SIGKILL'));
      const exit = await worker.exited;
      expect(exit.code).toBe(1);
      expect(worker.output()).toContain(problem);
      expect(worker.output()).toContain('Fix:');
      expect(worker.output()).toContain('point CODE_WORKDIR at an existing folder');
    },
  );
});
