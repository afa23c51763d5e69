// The built local worker as a real process, against the suite's Redis, the
// OpenAI-compatible stand-in (real `openai` client) and the Slack simulator:
// answers land in the receipt's thread, failures are retried only when
// waiting helps and are explained with a Retry button, cancel and the time
// limit really stop the request, long answers arrive whole, SIGTERM hands a
// running job back to the queue, and without Slack the result is the job's
// return value that `agentops inspect` shows.
import path from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, jobButtonValue, type JobData } from '@agentops/core';
import type { JobDetails } from '@agentops/controller';
import {
  lastUserMessage,
  startOpenAIStandin,
  type OpenAIReply,
  type OpenAIStandin,
} from '../support/llm/openai-standin.js';
import { REPO_ROOT, runNode, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { logRecordsMatching } from '../support/logs.js';
import { releaseAfter, releaseFileResources } from '../support/release-after.js';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { startSlackSimulator, type SimMessage, type SlackSimulator } from '../support/slack-sim/index.js';
import { failureNotice, simSlackEnv } from '../support/worker-jobs.js';

const WORKER = path.join(REPO_ROOT, 'workers', 'local-worker', 'dist', 'worker.js');
const CLI = path.join(REPO_ROOT, 'controller', 'dist', 'cli.js');
const USER = 'U0SIMUSER1';
/** Short, so the time-limit test is quick; every other scripted answer comes back at once. */
const TIME_LIMIT_MS = 5_000;
const SHUTDOWN_GRACE_MS = 300;

let sim: SlackSimulator;
let standin: OpenAIStandin;
let slack: WebClient;
/** How the stand-in answers each job, by job text: call 1, 2, ... of that text. */
const scripts = new Map<string, (call: number) => OpenAIReply | undefined>();
const callsByText = new Map<string, number>();

beforeAll(async () => {
  sim = await startSlackSimulator({ echoBotMessages: false });
  standin = await startOpenAIStandin({
    respond: ({ path: requestPath, body }) => {
      if (requestPath !== '/v1/chat/completions') return undefined;
      const text = lastUserMessage(body);
      const call = (callsByText.get(text) ?? 0) + 1;
      callsByText.set(text, call);
      return scripts.get(text)?.(call);
    },
  });
  slack = new WebClient(sim.config.botToken, { slackApiUrl: sim.apiUrl });
});

afterAll(async () => {
  await releaseFileResources();
  await standin?.close();
  await sim?.close();
});

function slackEnv(): Record<string, string> {
  return simSlackEnv(sim);
}

async function startWorker(env: Record<string, string>): Promise<RunningProcess> {
  const worker = startNode(WORKER, { LM_STUDIO_URL: standin.baseURL, LOG_LEVEL: 'info', ...env });
  releaseAfter(() => worker.stop('SIGKILL'));
  await waitFor(
    () => {
      if (worker.child.exitCode !== null) throw new Error(`the worker exited:\n${worker.output()}`);
      return logRecordsMatching(worker.output(), { started: 'local', concurrency: 2 }).length > 0;
    },
    20_000,
    'the local worker to start',
  );
  return worker;
}

function chatRequests(text: string) {
  return standin.requests.filter(
    (request) => request.path === '/v1/chat/completions' && lastUserMessage(request.body) === text,
  );
}

/** Queues a job as the controller would; `afterReceipt` runs between posting the receipt and queueing. */
async function enqueue(
  harness: QueueHarness,
  text: string,
  inSlack = true,
  afterReceipt?: () => void,
): Promise<{ job: JobData; receiptTs: string }> {
  let receiptTs = '';
  if (inSlack) {
    // A receipt like the controller's, so replies have a real message to thread under.
    const receipt = await slack.chat.postMessage({ channel: sim.config.defaultChannelId, text: 'Queued on local' });
    receiptTs = receipt.ts ?? '';
  }
  afterReceipt?.();
  const job = await harness.manager.enqueue({
    text,
    priority: 3,
    source: inSlack ? 'slash' : 'cli',
    requestedBy: inSlack ? USER : 'cli:test',
    routing: { queue: 'local', method: 'explicit', confidence: 1, patterns: [] },
    ...(inSlack ? { slack: { channel: sim.config.defaultChannelId, user: USER, receiptTs } } : {}),
  });
  return { job, receiptTs };
}

async function finished(harness: QueueHarness, id: string, timeoutMs = 20_000): Promise<JobDetails> {
  return waitFor(
    async () => {
      const details = await harness.manager.inspect(id);
      return ['completed', 'failed', 'cancelled'].includes(details.status) ? details : undefined;
    },
    timeoutMs,
    `job ${id} to finish`,
  );
}

function thread(receiptTs: string): SimMessage[] {
  return sim.messages(sim.config.defaultChannelId).filter((message) => message.thread_ts === receiptTs);
}

const shown = (message: SimMessage | undefined) => JSON.stringify(message?.blocks ?? []);

describe('the local worker in Slack mode', () => {
  let harness: QueueHarness;
  let worker: RunningProcess;

  beforeAll(async () => {
    harness = await openQueues();
    worker = await startWorker({ ...harness.env, ...slackEnv(), LOCAL_TIMEOUT_MS: String(TIME_LIMIT_MS) });
  });
  afterAll(async () => {
    await harness?.close();
  });
  afterEach(() => {
    sim.clearFaults();
  });

  it('posts the answer, converted to mrkdwn, in the thread of the receipt', async () => {
    const text = 'summarize the release notes for the team';
    const markdown =
      '# Summary\n\nThe **key** change is faster builds; see [the notes](https://example.com/notes).\n\n- first point\n- second point';
    scripts.set(text, () => ({ content: markdown }));
    const { job, receiptTs } = await enqueue(harness, text);
    const details = await finished(harness, job.id);

    expect(details.status).toBe('completed');
    expect(details.result).toMatchObject({ text: markdown, stats: { model: 'standin-chat-model' } });
    const [request] = chatRequests(text);
    expect(request?.body).toMatchObject({ messages: [{ role: 'system' }, { role: 'user', content: text }] });

    const replies = thread(receiptTs);
    expect(replies.length).toBe(2);
    const [progress, answer] = replies;
    expect(progress?.text).toMatch(/^Done in /);
    expect(shown(progress)).toContain('standin-chat-model');
    const answerText = shown(answer);
    expect(answerText).toContain('*Summary*');
    expect(answerText).toContain('*key*');
    expect(answerText).not.toContain('**key**');
    expect(answerText).toContain('<https://example.com/notes|the notes>');
    expect(answerText).toContain('•');
    // Every post went into the thread, none to the channel itself; the first was the progress message.
    const posts = sim.calls('chat.postMessage').filter((call) => call.args.thread_ts === receiptTs);
    expect(posts.map((call) => call.args.text)).toEqual([
      'Working on it… attempt 1/3',
      expect.stringMatching(/^Answer to job /),
    ]);
  });

  it('shows live progress by editing its one progress message in place', async () => {
    const text = 'summarize the long design document';
    scripts.set(text, () => ({ delayMs: 3_600, content: 'Short summary.' }));
    const { job, receiptTs } = await enqueue(harness, text);
    const details = await finished(harness, job.id);

    expect(details.status).toBe('completed');
    const [progress] = thread(receiptTs);
    const edits = sim.calls('chat.update').filter((call) => call.args.ts === progress?.ts);
    // One throttled progress edit (3 s after the post), then the outcome.
    expect(edits.map((call) => call.args.text)).toEqual([
      'Working on it… attempt 1/3',
      expect.stringMatching(/^Done in \d s$/),
    ]);
    expect(JSON.stringify(edits[0]?.args.blocks)).toMatch(/local-worker · \d s · Asking standin-chat-model/);
    expect(thread(receiptTs)).toHaveLength(2);
  });

  it('retries when LM Studio is down, then fails with a clear message and a Retry button', async () => {
    const text = 'draft an email to the landlord about the heating';
    await standin.stop();
    try {
      const { job, receiptTs } = await enqueue(harness, text);
      const details = await finished(harness, job.id);
      expect(details.status).toBe('failed');
      expect(details.attemptsMade).toBe(3);
      expect(details.failedReason).toMatch(
        /LM Studio is not reachable at http:\/\/127\.0\.0\.1:\d+\/v1 .*start its server or set LM_STUDIO_URL/,
      );

      const updates = sim.calls('chat.update').map((call) => String(call.args.text));
      expect(updates).toContain('Attempt 1/3 failed; retrying');
      expect(updates).toContain('Attempt 2/3 failed; retrying');
      const failure = await failureNotice(sim, receiptTs, job.id);
      const replies = thread(receiptTs);
      expect(replies[0]?.text).toBe('Failed on attempt 3/3');
      expect(shown(failure)).toContain('LM Studio is not reachable at');
      expect(shown(failure)).toContain('start its server or set LM_STUDIO_URL');
      const blocks = (failure?.blocks ?? []) as { type: string; elements?: { action_id: string; value: string }[] }[];
      const retry = blocks.find((block) => block.type === 'actions')?.elements?.[0];
      expect(retry).toMatchObject({ action_id: ACTION_IDS.retry, value: jobButtonValue(job.id) });
    } finally {
      await standin.start();
    }
  });

  it('stops a slow request at the time limit and fails at once, without retrying', async () => {
    const text = 'rewrite this paragraph very slowly';
    scripts.set(text, () => ({ delayMs: 30_000, content: 'too late' }));
    const { job, receiptTs } = await enqueue(harness, text);
    const details = await finished(harness, job.id);

    expect(details.status).toBe('failed');
    expect(details.attemptsMade).toBe(1);
    expect(details.failedReason).toContain('time limit of the local queue');
    expect(details.failedReason).toContain('LOCAL_TIMEOUT_MS');
    expect(chatRequests(text).map((request) => request.aborted)).toEqual([true]);
    expect(shown(await failureNotice(sim, receiptTs, job.id))).toContain('time limit of the local queue');
  });

  it('fails clearly, and at once, on a response that is not a chat completion', async () => {
    const text = 'translate this note into French';
    scripts.set(text, () => ({ garbage: 'non-json' }));
    const { job, receiptTs } = await enqueue(harness, text);
    const details = await finished(harness, job.id);

    expect(details.status).toBe('failed');
    expect(details.attemptsMade).toBe(1);
    expect(details.failedReason).toMatch(
      /LM Studio at http:\/\/127\.0\.0\.1:\d+\/v1 sent a response that is not valid JSON/,
    );
    expect(shown(await failureNotice(sim, receiptTs, job.id))).toContain('not valid JSON');
  });

  it('posts the final failure only once the job is failed, so Retry works the moment it appears', async () => {
    const text = 'rephrase this note for the team';
    scripts.set(text, () => ({ garbage: 'non-json' }));
    const { job, receiptTs } = await enqueue(harness, text);
    const notice = await sim.waitForMessage(
      sim.config.defaultChannelId,
      (message) => message.thread_ts === receiptTs && message.text.startsWith(`Job #${job.id} failed`),
      20_000,
    );
    expect(notice.text).toContain('not valid JSON');
    // The instant the notice is there, the job is failed in BullMQ and a Retry re-runs it.
    expect((await harness.manager.inspect(job.id)).status).toBe('failed');
    scripts.set(text, () => ({ content: 'Here is the note, rephrased.' }));
    const retried = await harness.manager.retry(job.id);
    expect(retried.outcome).toBe('requeued');
    const details = await waitFor(
      async () => {
        const current = await harness.manager.inspect(job.id);
        return current.status === 'completed' ? current : undefined;
      },
      20_000,
      'the retried job to complete',
    );
    expect(details.result).toMatchObject({ text: 'Here is the note, rephrased.' });
  });

  it('aborts the request when the job is cancelled, and says who cancelled it', async () => {
    const text = 'brainstorm names for the new project';
    scripts.set(text, () => ({ hang: true }));
    const { job, receiptTs } = await enqueue(harness, text);
    await waitFor(() => chatRequests(text).length === 1, 10_000, 'the request to reach LM Studio');
    const asked = Date.now();
    await harness.manager.cancel(job.id, 'U123');
    const details = await finished(harness, job.id);

    expect(details.status).toBe('cancelled');
    expect(Date.now() - asked).toBeLessThan(2_000);
    expect(details.attemptsMade).toBe(1);
    await waitFor(() => chatRequests(text)[0]?.aborted, 2_000, 'the stand-in to see the abort');
    await waitFor(
      () => thread(receiptTs).find((message) => message.text.startsWith(`Job #${job.id} cancelled`)),
      10_000,
      'the cancellation notice',
    );
    const replies = thread(receiptTs);
    expect(replies[0]?.text).toBe('Cancelled by U123');
    expect(shown(replies.find((message) => message.text.startsWith(`Job #${job.id} cancelled`)))).toContain(
      'cancelled by <@U123>',
    );
    expect(JSON.stringify(replies)).not.toContain('failed');
  });

  it('delivers a 60,000-character answer whole, as a file with a summary in the thread', async () => {
    const text = 'write the full handbook';
    const unit = 'Paragraph about onboarding 👋 with 日本語 text and **bold** words.\n\n';
    const answer = unit.repeat(Math.ceil(60_000 / unit.length)).slice(0, 60_000);
    scripts.set(text, () => ({ content: answer }));
    const { job, receiptTs } = await enqueue(harness, text);
    const details = await finished(harness, job.id);

    expect(details.status).toBe('completed');
    const upload = sim.uploads().find((candidate) => candidate.threadTs === receiptTs);
    expect(upload).toMatchObject({
      completed: true,
      channelId: sim.config.defaultChannelId,
      filename: `job-${job.id}-answer.md`,
    });
    expect(upload?.content).toBe(answer);
    const summary = thread(receiptTs).find((message) => message.text.startsWith(`Answer to job #${job.id}`));
    expect(shown(summary)).toContain('Paragraph about onboarding');
    expect(shown(summary)).toContain('60,000 characters');
  });

  it('completes the job even when Slack refuses every post', async () => {
    const text = 'summarize the meeting even if Slack is broken';
    scripts.set(text, () => ({ content: 'The meeting went well.' }));
    const { job } = await enqueue(harness, text, true, () =>
      sim.failNext('chat.postMessage', { error: 'not_in_channel' }, 10),
    );
    const details = await finished(harness, job.id);
    expect(details.status).toBe('completed');
    expect(details.result).toMatchObject({ text: 'The meeting went well.' });
    expect(
      logRecordsMatching(worker.output(), { slackMethod: 'chat.postMessage', slackError: 'not_in_channel' }).length,
    ).toBeGreaterThan(0);
  });

  it('never writes the bot token to its logs', () => {
    expect(logRecordsMatching(worker.output(), { mode: 'slack' })).toHaveLength(1);
    expect(worker.output()).not.toContain(sim.config.botToken);
  });
});

describe('the local worker on shutdown', () => {
  let harness: QueueHarness;
  afterAll(async () => {
    await harness?.close();
  });

  it('hands a running job back to the queue on SIGTERM; another worker completes it once', async () => {
    harness = await openQueues();
    const env = { ...harness.env, ...slackEnv(), SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS) };
    const text = 'draft the quarterly update while the worker restarts';
    scripts.set(text, (call) =>
      call === 1 ? { hang: true } : { content: 'Quarterly update, finished after the restart.' },
    );
    const first = await startWorker(env);
    const { job, receiptTs } = await enqueue(harness, text);
    await waitFor(() => chatRequests(text).length === 1, 10_000, 'the request to reach LM Studio');

    const signalled = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(SHUTDOWN_GRACE_MS + 3_000);
    expect(chatRequests(text)[0]?.aborted).toBe(true);
    expect(['waiting', 'delayed']).toContain((await harness.manager.inspect(job.id)).status);
    expect(thread(receiptTs)[0]?.text).toMatch(/^Interrupted: the worker stopped/);

    await startWorker(env);
    const details = await finished(harness, job.id);
    expect(details.status).toBe('completed');
    expect(details.result).toMatchObject({ text: 'Quarterly update, finished after the restart.' });
    expect(chatRequests(text)).toHaveLength(2);
    const answers = thread(receiptTs).filter((message) => message.text.startsWith(`Answer to job #${job.id}`));
    expect(answers).toHaveLength(1);
  });
});

describe('the local worker in local mode', () => {
  let harness: QueueHarness;
  afterAll(async () => {
    await harness?.close();
  });

  it('keeps the answer as the job result, which agentops inspect shows', async () => {
    harness = await openQueues();
    const worker = await startWorker(harness.env);
    expect(logRecordsMatching(worker.output(), { mode: 'local' })).toHaveLength(1);
    const text = 'summarize the changelog for the CLI user';
    scripts.set(text, () => ({ content: 'The changelog, in **three** points.' }));
    const slackCalls = sim.calls().length;
    const { job } = await enqueue(harness, text, false);
    const details = await finished(harness, job.id);

    expect(details.status).toBe('completed');
    expect(details.result).toMatchObject({
      text: 'The changelog, in **three** points.',
      stats: { model: 'standin-chat-model' },
    });
    expect(sim.calls().length).toBe(slackCalls);
    const inspect = await runNode(CLI, ['inspect', job.id], harness.env);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain('COMPLETED');
    expect(inspect.stdout).toContain('The changelog, in **three** points.');
  });
});
