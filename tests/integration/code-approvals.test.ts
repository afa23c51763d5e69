// Tool approvals in the job's thread: the built code worker runs the real
// `claude` CLI under CLAUDE_PERMISSION_MODE=default against the Anthropic
// stand-in; a scripted Bash tool use is asked about in the thread (through the
// controller, the one process with Slack's tokens) with Approve, Deny and
// "Approve all for this job"; clicks go through the Slack simulator. Approve
// runs the command, Deny gives the model a refusal, a stranger's click is
// refused privately and changes nothing, no answer in APPROVAL_TIMEOUT_MS is a
// denial, the card says it waits, and the wait is not counted against the
// job's time limit.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTION_IDS, type JobData } from '@agentops/core';
import type { JobDetails } from '@agentops/controller';
import { toolResults, userTexts } from '../support/llm/anthropic-inspect.js';
import { reply, startAnthropicStandin, type AnthropicStandin } from '../support/llm/anthropic-standin.js';
import { makeClaudeHome, offlineClaudeEnv } from '../support/llm/claude-cli.js';
import { repliesByJob } from '../support/llm/replies-by-job.js';
import { logRecordsMatching } from '../support/logs.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { releaseAfter, releaseFileResources } from '../support/release-after.js';
import { startSlackSimulator, type SimMessage, type SlackSimulator } from '../support/slack-sim/index.js';
import { enqueueUnderReceipt, startThreadController } from '../support/worker-jobs.js';

const WORKER = path.join(REPO_ROOT, 'workers', 'code-worker', 'dist', 'worker.js');
const CLAUDE = path.join(REPO_ROOT, 'node_modules', '.bin', 'claude');
const OWNER = 'U0SIMUSER1';
const STRANGER = 'U0SIMUSER2';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

let sim: SlackSimulator;
let standin: AnthropicStandin;
const scripts = repliesByJob();

beforeAll(async () => {
  sim = await startSlackSimulator({ echoBotMessages: false });
  standin = await startAnthropicStandin({ fallback: scripts.fallback });
});

afterAll(async () => {
  await releaseFileResources();
  await standin?.close();
  await sim?.close();
});

interface Stack {
  harness: QueueHarness;
  worker: RunningProcess;
  workdir: string;
}

/** A code worker under the default permission mode and a controller, on a queue prefix of their own. */
async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const harness = await openQueues();
  releaseAfter(() => harness.close());
  const home = makeClaudeHome();
  releaseAfter(() => home.remove());
  const workdir = mkdtempSync(path.join(tmpdir(), 'agentops-approvals-'));
  releaseAfter(() => rmSync(workdir, { recursive: true, force: true }));
  const worker = startNode(WORKER, {
    ...harness.env,
    ...offlineClaudeEnv({ baseURL: standin.baseURL, home: home.home }),
    CLAUDE_BIN: CLAUDE,
    CODE_WORKDIR: workdir,
    CLAUDE_PERMISSION_MODE: 'default',
    LOG_LEVEL: 'info',
    ...env,
  });
  releaseAfter(() => worker.stop('SIGKILL'));
  await Promise.all([
    startThreadController(harness, sim),
    waitFor(
      () => {
        if (worker.child.exitCode !== null) throw new Error(`the worker exited:\n${worker.output()}`);
        return logRecordsMatching(worker.output(), { started: 'code', concurrency: 1 }).length > 0;
      },
      20_000,
      'the code worker to start',
    ),
  ]);
  return { harness, worker, workdir };
}

const channel = () => sim.config.defaultChannelId;

async function finished(harness: QueueHarness, id: string, timeoutMs = 40_000): Promise<JobDetails> {
  return waitFor(
    async () => {
      const details = await harness.manager.inspect(id);
      return ['completed', 'failed', 'cancelled'].includes(details.status) && details.finishedAt !== undefined
        ? details
        : undefined;
    },
    timeoutMs,
    `job ${id} to finish`,
  );
}

/** Approval questions in the thread, asked ("Job #4 asks to use Bash…") or answered ("Job #4, Bash: …"). */
const questionsIn = (receiptTs: string, id: string): SimMessage[] =>
  sim
    .messages(channel())
    .filter(
      (message) =>
        message.thread_ts === receiptTs &&
        (message.text.startsWith(`Job #${id} asks to use`) || message.text.startsWith(`Job #${id}, `)),
    );

const question = (receiptTs: string, id: string): Promise<SimMessage> =>
  waitFor(() => questionsIn(receiptTs, id)[0], 30_000, `job ${id}'s approval question`);

const answerIn = (receiptTs: string, id: string): Promise<SimMessage> =>
  sim.waitForMessage(
    channel(),
    (message) => message.thread_ts === receiptTs && message.text.startsWith(`Answer to job #${id}`),
    30_000,
  );

/** The question message as it is now (edits included). */
const current = (message: SimMessage) => sim.message(channel(), message.ts) ?? message;
const shown = (message: SimMessage | undefined) => JSON.stringify(message?.blocks ?? []);

const click = (actionId: string, message: SimMessage, userId = OWNER) =>
  sim.sendBlockAction({ actionId, messageTs: message.ts, userId });

/** A click that left before the buttons went away (a stale client): Slack still sends the button's value. */
const lateClick = (actionId: string, message: SimMessage, jobId: string) =>
  sim.sendBlockAction({
    actionId,
    messageTs: message.ts,
    userId: OWNER,
    value: `${jobId}.1`,
    blockId: `agentops_approval_${jobId}.1`,
  });

const privateNote = (user: string, fragment: string) =>
  waitFor(
    () => sim.ephemerals().find((entry) => entry.user === user && entry.text.includes(fragment)),
    15_000,
    `a private note to ${user} saying "${fragment}"`,
  );

const requestsFor = (text: string) =>
  standin.messageRequests().filter((request) => userTexts(request.body).includes(text));

function enqueue(harness: QueueHarness, text: string): Promise<{ job: JobData; receiptTs: string }> {
  return enqueueUnderReceipt(harness, sim, 'code', text, { user: OWNER });
}

describe('approvals in the thread, under the default permission mode', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });

  it('asks with three buttons, shows the wait on the card, refuses a stranger, and runs the command on Approve', async () => {
    const file = path.join(stack.workdir, 'approved.txt');
    const text = 'create approved.txt with a shell command';
    scripts.set(text, (call) =>
      call === 1 ? reply.toolUse({ name: 'Bash', input: { command: `touch ${file}` } }) : reply.text('Created it.'),
    );
    const { job, receiptTs } = await enqueue(stack.harness, text);
    const asked = await question(receiptTs, job.id);

    expect(shown(asked)).toContain(`touch ${file}`);
    for (const id of [ACTION_IDS.approve, ACTION_IDS.deny, ACTION_IDS.approveAll]) expect(shown(asked)).toContain(id);
    await waitFor(
      () =>
        sim
          .calls('chat.update')
          .some(
            (call) => call.ok && call.args.ts === receiptTs && String(call.args.text).includes('waiting for approval'),
          ),
      15_000,
      'the card to say it waits for approval',
    );
    expect((await stack.harness.manager.inspect(job.id)).status).toBe('active');

    await click(ACTION_IDS.approve, asked, STRANGER);
    await privateNote(STRANGER, `Job #${job.id}`);
    expect(existsSync(file)).toBe(false);
    expect(shown(current(asked))).toContain(ACTION_IDS.approve);

    await click(ACTION_IDS.approve, asked);
    const answer = await answerIn(receiptTs, job.id);
    expect(answer.text).toContain('Created it.');
    expect(existsSync(file)).toBe(true);
    const details = await finished(stack.harness, job.id);
    expect(details.status).toBe('completed');
    expect((details.result as { stats?: { permissionDenials?: unknown } }).stats?.permissionDenials).toBeUndefined();
    await waitFor(
      () => shown(current(asked)).includes(`Approved by <@${OWNER}>`),
      15_000,
      'the question to say who approved',
    );
    expect(shown(current(asked))).not.toContain(ACTION_IDS.approve);

    await lateClick(ACTION_IDS.deny, asked, job.id);
    await privateNote(OWNER, `Job #${job.id}'s Bash request was already answered: Approved by`);
    expect(questionsIn(receiptTs, job.id)).toHaveLength(1);
  });

  it('tells the model the tool use was denied on Deny, and the answer still arrives', async () => {
    const file = path.join(stack.workdir, 'denied.txt');
    const text = 'create denied.txt with a shell command';
    scripts.set(text, (call) =>
      call === 1
        ? reply.toolUse({ name: 'Bash', input: { command: `touch ${file}` } })
        : reply.text('I was not allowed to create it.'),
    );
    const { job, receiptTs } = await enqueue(stack.harness, text);
    const asked = await question(receiptTs, job.id);
    await click(ACTION_IDS.deny, asked);

    expect((await answerIn(receiptTs, job.id)).text).toContain('I was not allowed to create it.');
    expect(existsSync(file)).toBe(false);
    const results = requestsFor(text).flatMap((request) => toolResults(request.body));
    expect(results).toEqual([expect.objectContaining({ is_error: true, text: expect.stringContaining('denied') })]);
    const details = await finished(stack.harness, job.id);
    expect(details.result).toMatchObject({ stats: { permissionDenials: [{ tool: 'Bash' }] } });
    await waitFor(
      () => shown(current(asked)).includes(`Denied by <@${OWNER}>`),
      15_000,
      'the question to say who denied',
    );
  });

  it('"Approve all for this job" lets a second tool use run without a second question', async () => {
    const first = path.join(stack.workdir, 'all-1.txt');
    const second = path.join(stack.workdir, 'all-2.txt');
    const text = 'create two files with shell commands';
    scripts.set(text, (call) =>
      call === 1
        ? reply.toolUse({ name: 'Bash', input: { command: `touch ${first}` } })
        : call === 2
          ? reply.toolUse({ name: 'Bash', input: { command: `touch ${second}` } })
          : reply.text('Created both.'),
    );
    const { job, receiptTs } = await enqueue(stack.harness, text);
    await click(ACTION_IDS.approveAll, await question(receiptTs, job.id));

    expect((await answerIn(receiptTs, job.id)).text).toContain('Created both.');
    expect(existsSync(first)).toBe(true);
    expect(existsSync(second)).toBe(true);
    expect(questionsIn(receiptTs, job.id)).toHaveLength(1);
  });
});

describe('an approval nobody answers', () => {
  it('is denied after APPROVAL_TIMEOUT_MS, and the wait does not count against the time limit', async () => {
    // The wait (6 s) is longer than the job's whole time limit (5 s): only a paused clock lets the job finish.
    const stack = await startStack({ APPROVAL_TIMEOUT_MS: '6000', CODE_TIMEOUT_MS: '5000' });
    const file = path.join(stack.workdir, 'late.txt');
    const text = 'create late.txt with a shell command';
    scripts.set(text, (call) =>
      call === 1
        ? reply.toolUse({ name: 'Bash', input: { command: `touch ${file}` } })
        : reply.text('Nobody approved it in time.'),
    );
    const { job, receiptTs } = await enqueue(stack.harness, text);
    const asked = await question(receiptTs, job.id);

    expect((await answerIn(receiptTs, job.id)).text).toContain('Nobody approved it in time.');
    const details = await finished(stack.harness, job.id);
    expect(details.status).toBe('completed');
    expect(existsSync(file)).toBe(false);
    const results = requestsFor(text).flatMap((request) => toolResults(request.body));
    expect(results).toEqual([expect.objectContaining({ is_error: true, text: expect.stringContaining('within 6 s') })]);
    await waitFor(
      () => shown(current(asked)).includes('nobody answered within 6 s'),
      15_000,
      'the question to say it timed out',
    );
    await lateClick(ACTION_IDS.approve, asked, job.id);
    await privateNote(OWNER, 'already answered: Denied: nobody answered within 6 s');
  });
});
