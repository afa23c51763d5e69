// The built local worker as a real process, against the suite's Redis, the
// OpenAI-compatible stand-in (real `openai` client) and the Slack simulator,
// with the real controller telling job threads (workers never talk to Slack):
// the job's card is edited in place (working, done, failed, cancelled), answers
// land in the receipt's thread, failures are retried only when waiting helps
// and are explained with a Retry button, cancel and the time limit really stop
// the request, long answers arrive whole, a Slack outage delays the answer but
// not the job, SIGTERM hands a running job back to the queue, and for a CLI job
// the result is the job's return value that `agentops inspect` shows.
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, jobButtonValue, type JobData } from '@agentops/core';
import { createOutbox, QueueManager, type JobDetails } from '@agentops/controller';
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
import {
  answerPost,
  cardEdits,
  cardShowing,
  enqueueUnderReceipt,
  failureNotice,
  startThreadController,
  threadReplies,
} from '../support/worker-jobs.js';

const WORKER = path.join(REPO_ROOT, 'workers', 'local-worker', 'dist', 'worker.js');
const CLI = path.join(REPO_ROOT, 'controller', 'dist', 'cli.js');
/** Short, so the time-limit test is quick; every other scripted answer comes back at once. */
const TIME_LIMIT_MS = 5_000;
const SHUTDOWN_GRACE_MS = 300;

let sim: SlackSimulator;
let standin: OpenAIStandin;
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
});

afterAll(async () => {
  await releaseFileResources();
  await standin?.close();
  await sim?.close();
});

/** The worker's environment: Redis and LM Studio only. Workers need no Slack variables. */
function workerEnv(harness: QueueHarness, extra: Record<string, string> = {}): Record<string, string> {
  return { ...harness.env, LM_STUDIO_URL: standin.baseURL, LOG_LEVEL: 'info', ...extra };
}

async function startWorker(env: Record<string, string>): Promise<RunningProcess> {
  const worker = startNode(WORKER, env);
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

const shown = (message: SimMessage | undefined) => JSON.stringify(message?.blocks ?? []);

/** The card's notification text in `state`, as `Job #12 (local, P3) done in 3 s: <job text>`. */
const cardText = (id: string, state: string, text: string) => `Job #${id} (local, P3) ${state}: ${text}`;

type ButtonBlock = { type: string; elements?: { action_id: string; value: string }[] };
/** The buttons of a message (or of a chat.update call's arguments). */
const buttonsOf = (message: { blocks?: unknown } | undefined) =>
  ((message?.blocks ?? []) as ButtonBlock[]).find((block) => block.type === 'actions')?.elements ?? [];

describe('the local worker in Slack mode (the controller tells the job thread)', () => {
  let harness: QueueHarness;
  let controller: RunningProcess;
  let worker: RunningProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    harness = await openQueues();
    controller = await startThreadController(harness, sim);
    env = workerEnv(harness, { LOCAL_TIMEOUT_MS: String(TIME_LIMIT_MS) });
    worker = await startWorker(env);
  });
  afterAll(async () => {
    // The controller and the worker first, then the Redis keys they use.
    await releaseFileResources();
    await harness?.close();
  });
  afterEach(() => {
    sim.clearFaults();
  });

  it('posts the answer, converted to mrkdwn, in the thread of the receipt; the card shows the outcome', async () => {
    const text = 'summarize the release notes for the team';
    const markdown =
      '# Summary\n\nThe **key** change is faster builds; see [the notes](https://example.com/notes).\n\n- first point\n- second point';
    scripts.set(text, () => ({ content: markdown }));
    const { job, receiptTs } = await enqueueUnderReceipt(harness, sim, 'local', text);
    const details = await finished(harness, job.id);

    expect(details.status).toBe('completed');
    expect(details.result).toMatchObject({ text: markdown, stats: { model: 'standin-chat-model' } });
    const [request] = chatRequests(text);
    expect(request?.body).toMatchObject({ messages: [{ role: 'system' }, { role: 'user', content: text }] });

    const answer = await answerPost(sim, receiptTs, job.id);
    const answerText = shown(answer);
    expect(answerText).toContain('*Summary*');
    expect(answerText).toContain('*key*');
    expect(answerText).not.toContain('**key**');
    expect(answerText).toContain('<https://example.com/notes|the notes>');
    expect(answerText).toContain('•');
    expect(answer.metadata).toEqual({ event_type: 'agentops_delivery', event_payload: { key: `answer:${job.id}:1` } });

    // The receipt is the card: edited to the outcome, with the model that answered.
    const card = await cardShowing(sim, receiptTs, 'done');
    expect(card.text).toMatch(new RegExp(`^Job #${job.id} \\(local, P3\\) done in \\d+ m?s: ${text}$`));
    expect(shown(card)).toMatch(/Done in \d+ m?s · standin-chat-model; the answer is in the thread/);
    // The answer is the thread's one reply: no separate progress message any more.
    expect(threadReplies(sim, receiptTs)).toEqual([answer]);
    // The job's posts: the receipt in the channel, everything else in its thread.
    const ofJob = new RegExp(`job #${job.id}\\b`, 'i');
    const posts = sim.calls('chat.postMessage').filter((call) => ofJob.test(String(call.args.text)));
    expect(posts.map((call) => [call.args.thread_ts, call.args.text])).toEqual([
      [undefined, `Job #${job.id} queued on local`],
      [receiptTs, expect.stringMatching(new RegExp(`^Answer to job #${job.id}: `))],
    ]);
  });

  it('edits the card in place while the job runs: Working… with the step, then Done', async () => {
    const text = 'summarize the long design document';
    scripts.set(text, () => ({ delayMs: 4_000, content: 'Short summary.' }));
    const { job, receiptTs } = await enqueueUnderReceipt(harness, sim, 'local', text);
    const details = await finished(harness, job.id);

    expect(details.status).toBe('completed');
    await answerPost(sim, receiptTs, job.id);
    const card = await cardShowing(sim, receiptTs, 'done');
    // One "Working" edit (the job still ran after SLACK_WORKING_NOTICE_MS), then the outcome.
    expect(cardEdits(sim, receiptTs)).toEqual([
      cardText(job.id, 'working', text),
      expect.stringMatching(new RegExp(`^Job #${job.id} \\(local, P3\\) done in \\d+ s: `)),
    ]);
    const [working] = sim.calls('chat.update').filter((call) => call.args.ts === receiptTs);
    expect(JSON.stringify(working?.args.blocks)).toMatch(
      /Working… since <!date\^\d+\^\{time_secs\}\|\d\d:\d\d:\d\d UTC> · attempt 1\/3 · Asking standin-chat-model/,
    );
    expect(buttonsOf(working?.args).map((button) => button.action_id)).toEqual([ACTION_IDS.cancel]);
    expect(shown(card)).toMatch(/Done in \d+ s · standin-chat-model/);
    expect(buttonsOf(card)).toEqual([]);
    expect(threadReplies(sim, receiptTs)).toHaveLength(1);
  });

  it('retries when LM Studio is down, then fails with a clear message and a Retry button', async () => {
    const text = 'draft an email to the landlord about the heating';
    // Retries far enough apart that each "retrying" card edit goes out before the next attempt starts.
    const patient = new QueueManager({ connection: harness.redis, prefix: harness.prefix, backoffMs: 1_500 });
    await standin.stop();
    try {
      const { job, receiptTs } = await enqueueUnderReceipt({ ...harness, manager: patient }, sim, 'local', text);
      const details = await finished(harness, job.id, 30_000);
      expect(details.status).toBe('failed');
      expect(details.attemptsMade).toBe(3);
      expect(details.failedReason).toMatch(
        /LM Studio is not reachable at http:\/\/127\.0\.0\.1:\d+\/v1 .*start its server or set LM_STUDIO_URL/,
      );

      const failure = await failureNotice(sim, receiptTs, job.id);
      const card = await cardShowing(sim, receiptTs, 'failed');
      expect(cardEdits(sim, receiptTs)).toEqual([
        cardText(job.id, 'attempt 1/3 failed; retrying', text),
        cardText(job.id, 'attempt 2/3 failed; retrying', text),
        cardText(job.id, 'failed', text),
      ]);
      expect(shown(card)).toContain('Failed on attempt 3/3: LM Studio is not reachable at');
      expect(buttonsOf(card)).toMatchObject([{ action_id: ACTION_IDS.retry, value: jobButtonValue(job.id) }]);
      expect(threadReplies(sim, receiptTs)).toEqual([failure]);
      expect(shown(failure)).toContain('LM Studio is not reachable at');
      expect(shown(failure)).toContain('start its server or set LM_STUDIO_URL');
      expect(buttonsOf(failure)[0]).toMatchObject({ action_id: ACTION_IDS.retry, value: jobButtonValue(job.id) });
      expect(failure.metadata).toEqual({
        event_type: 'agentops_delivery',
        event_payload: { key: `failed:${job.id}:${details.finishedAt}` },
      });
    } finally {
      await standin.start();
      await patient.close();
    }
  });

  it('stops a slow request at the time limit and fails at once, without retrying', async () => {
    const text = 'rewrite this paragraph very slowly';
    scripts.set(text, () => ({ delayMs: 30_000, content: 'too late' }));
    const { job, receiptTs } = await enqueueUnderReceipt(harness, sim, 'local', text);
    const details = await finished(harness, job.id);

    expect(details.status).toBe('failed');
    expect(details.attemptsMade).toBe(1);
    expect(details.failedReason).toContain('time limit of the local queue');
    expect(details.failedReason).toContain('LOCAL_TIMEOUT_MS');
    expect(chatRequests(text).map((request) => request.aborted)).toEqual([true]);
    expect(shown(await failureNotice(sim, receiptTs, job.id))).toContain('time limit of the local queue');
    const card = await cardShowing(sim, receiptTs, 'failed');
    // The first attempt was the last: "attempt 1/3" (or "attempt 1, not retried").
    expect(shown(card)).toMatch(
      /Failed on attempt 1(\/3|, not retried): Stopped after the 5 s time limit of the local queue/,
    );
    expect(cardEdits(sim, receiptTs)).toEqual([cardText(job.id, 'working', text), cardText(job.id, 'failed', text)]);
  });

  it('fails clearly, and at once, on a response that is not a chat completion', async () => {
    const text = 'translate this note into French';
    scripts.set(text, () => ({ garbage: 'non-json' }));
    const { job, receiptTs } = await enqueueUnderReceipt(harness, sim, 'local', text);
    const details = await finished(harness, job.id);

    expect(details.status).toBe('failed');
    expect(details.attemptsMade).toBe(1);
    expect(details.failedReason).toMatch(
      /LM Studio at http:\/\/127\.0\.0\.1:\d+\/v1 sent a response that is not valid JSON/,
    );
    expect(shown(await failureNotice(sim, receiptTs, job.id))).toContain('not valid JSON');
    expect(shown(await cardShowing(sim, receiptTs, 'failed'))).toContain('not valid JSON');
  });

  it('posts the final failure only once the job is failed, so Retry works the moment it appears', async () => {
    const text = 'rephrase this note for the team';
    scripts.set(text, () => ({ garbage: 'non-json' }));
    const { job, receiptTs } = await enqueueUnderReceipt(harness, sim, 'local', text);
    const notice = await failureNotice(sim, receiptTs, job.id);
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
    // The rerun's answer follows the notice in the same thread, and the card moves on to done.
    const answer = await answerPost(sim, receiptTs, job.id);
    expect(shown(answer)).toContain('Here is the note, rephrased.');
    await cardShowing(sim, receiptTs, 'done');
    expect(threadReplies(sim, receiptTs)).toEqual([notice, answer]);
  });

  it('aborts the request when the job is cancelled, and says who cancelled it', async () => {
    const text = 'brainstorm names for the new project';
    scripts.set(text, () => ({ hang: true }));
    const { job, receiptTs } = await enqueueUnderReceipt(harness, sim, 'local', text);
    await waitFor(() => chatRequests(text).length === 1, 10_000, 'the request to reach LM Studio');
    const asked = Date.now();
    await harness.manager.cancel(job.id, 'U123');
    const details = await finished(harness, job.id);

    expect(details.status).toBe('cancelled');
    // Well inside the runtime's 5 s wait for a processor that ignores its signal.
    expect(Date.now() - asked).toBeLessThan(3_000);
    expect(details.attemptsMade).toBe(1);
    await waitFor(() => chatRequests(text)[0]?.aborted, 2_000, 'the stand-in to see the abort');
    const notice = await sim.waitForMessage(
      sim.config.defaultChannelId,
      (message) => message.thread_ts === receiptTs && message.text.startsWith(`Job #${job.id} cancelled`),
      20_000,
    );
    expect(notice.text).toBe(`Job #${job.id} cancelled by U123`);
    expect(shown(notice)).toContain('cancelled by <@U123>');
    expect(buttonsOf(notice)[0]).toMatchObject({ action_id: ACTION_IDS.retry, value: jobButtonValue(job.id) });
    expect(notice.metadata).toMatchObject({
      event_type: 'agentops_delivery',
      event_payload: { key: expect.stringMatching(new RegExp(`^cancelled:${job.id}:\\d+$`)) },
    });
    const card = await cardShowing(sim, receiptTs, 'cancelled');
    expect(shown(card)).toContain('Cancelled by <@U123>');
    expect(buttonsOf(card)).toMatchObject([{ action_id: ACTION_IDS.retry }]);
    // Not a failure: no failure notice, and the card never said failed.
    expect(threadReplies(sim, receiptTs)).toEqual([notice]);
    expect(cardEdits(sim, receiptTs).join('\n')).not.toContain('failed');
  });

  it('delivers a 60,000-character answer whole, as a file with a summary in the thread', async () => {
    const text = 'write the full handbook';
    const unit = 'Paragraph about onboarding 👋 with 日本語 text and **bold** words.\n\n';
    const answer = unit.repeat(Math.ceil(60_000 / unit.length)).slice(0, 60_000);
    scripts.set(text, () => ({ content: answer }));
    const { job, receiptTs } = await enqueueUnderReceipt(harness, sim, 'local', text);
    const details = await finished(harness, job.id);

    expect(details.status).toBe('completed');
    const upload = await sim.waitFor(
      () => sim.uploads().find((candidate) => candidate.threadTs === receiptTs && candidate.completed),
      20_000,
      'the answer file in the thread',
    );
    expect(upload).toMatchObject({ channelId: sim.config.defaultChannelId, filename: `job-${job.id}-answer.md` });
    expect(upload.content).toBe(answer);
    const summary = await answerPost(sim, receiptTs, job.id);
    expect(shown(summary)).toContain('Paragraph about onboarding');
    expect(shown(summary)).toContain('60,000 characters');
    // The file holds the answer: the summary is the thread's only message.
    expect(threadReplies(sim, receiptTs)).toEqual([summary]);
  });

  it('posts a long answer as messages, whole, when Slack refuses the file upload', async () => {
    const text = 'write the full handbook, even where files are not allowed';
    const unit = 'Section on onboarding 👋 with 日本語 text and **bold** words.\n\n';
    const answer = unit.repeat(Math.ceil(20_000 / unit.length)).slice(0, 20_000);
    scripts.set(text, () => ({ content: answer }));
    sim.failNext('files.getUploadURLExternal', { error: 'restricted_action' });
    const { job, receiptTs } = await enqueueUnderReceipt(harness, sim, 'local', text);
    expect((await finished(harness, job.id)).status).toBe('completed');

    const summary = await answerPost(sim, receiptTs, job.id);
    const parts = await sim.waitFor(
      () => {
        const posted = threadReplies(sim, receiptTs).filter((message) => message.text.includes('(part '));
        const total = Number(/\(part \d+\/(\d+)\)/.exec(posted[0]?.text ?? '')?.[1] ?? 0);
        return total > 1 && posted.length === total ? posted : undefined;
      },
      20_000,
      'every part of the answer',
    );
    expect(sim.calls('files.getUploadURLExternal').at(-1)?.error).toBe('restricted_action');
    expect(sim.uploads().filter((upload) => upload.threadTs === receiptTs && upload.completed)).toEqual([]);
    expect(threadReplies(sim, receiptTs)).toEqual([summary, ...parts]);
    expect(parts.map((part) => part.text.slice(0, part.text.indexOf(':')))).toEqual(
      parts.map((_, index) => `Answer to job #${job.id} (part ${index + 1}/${parts.length})`),
    );
    // Whole: every section of the answer is in the parts, in mrkdwn.
    const sections = parts.map(shown).join('');
    expect(sections.split('Section on onboarding').length - 1).toBe(answer.split('Section on onboarding').length - 1);
    expect(sections).toContain('*bold*');
    expect(sections).not.toContain('**bold**');
  });

  it('completes the job while Slack is down; the answer waits in the outbox and arrives once Slack is back', async () => {
    const text = 'summarize the meeting even if Slack is down';
    scripts.set(text, () => ({ content: 'The meeting went well.' }));
    const channel = sim.config.defaultChannelId;
    const before = new Set(sim.messages(channel).map((message) => message.ts));
    let outage: { end(): void } | undefined;
    try {
      const { job, receiptTs } = await enqueueUnderReceipt(harness, sim, 'local', text, {
        // Slack goes down once the receipt is posted, before the job is queued.
        afterReceipt: async () => {
          await sim.waitForMessage(
            channel,
            (message) => !before.has(message.ts) && message.text.endsWith(' queued on local'),
            20_000,
          );
          outage = sim.outage({ kind: { status: 503 } });
        },
      });
      const outageFrom = Date.now();
      const details = await finished(harness, job.id);
      expect(details.status).toBe('completed');
      expect(details.result).toMatchObject({ text: 'The meeting went well.' });

      // The controller tried to tell the thread and Slack failed; nothing was dropped.
      await waitFor(
        () =>
          sim.calls().some((call) => call.at >= outageFrom && call.error === 'http_503') &&
          logRecordsMatching(controller.output(), { slackError: 'HTTP 503' }).length > 0,
        20_000,
        'the delivery service to meet the outage',
      );
      expect(await createOutbox(harness.redis, harness.prefix).depth()).toBeGreaterThanOrEqual(2);
      expect(threadReplies(sim, receiptTs)).toEqual([]);
      expect(sim.message(channel, receiptTs)?.text).toBe(`Job #${job.id} queued on local`);

      outage?.end();
      const answer = await answerPost(sim, receiptTs, job.id, 30_000);
      expect(shown(answer)).toContain('The meeting went well.');
      await cardShowing(sim, receiptTs, 'done', 30_000);
      expect(threadReplies(sim, receiptTs)).toEqual([answer]);
    } finally {
      outage?.end();
    }
  });

  it('runs without any Slack variable, and its output holds no Slack token', async () => {
    // Started without them (only the controller has the tokens), yet its jobs reach their threads.
    expect(Object.keys(env).filter((name) => name.startsWith('SLACK_'))).toEqual([]);
    const text = 'summarize the onboarding checklist';
    scripts.set(text, () => ({ content: 'Three steps, in order.' }));
    const { job, receiptTs } = await enqueueUnderReceipt(harness, sim, 'local', text);
    expect(shown(await answerPost(sim, receiptTs, job.id))).toContain('Three steps, in order.');

    const output = worker.output();
    expect(logRecordsMatching(output, { started: 'local' })).toHaveLength(1);
    expect(output).toContain(`Job ${job.id} completed`);
    expect(output).not.toContain(sim.config.botToken);
    expect(output).not.toContain(sim.config.appToken);
    expect(output).not.toMatch(/xox[abp]-|xapp-/);
    // The controller does hold the bot token, and does not log it either.
    expect(controller.output()).not.toContain(sim.config.botToken);
  });
});

describe('the local worker on shutdown', () => {
  let harness: QueueHarness;
  afterAll(async () => {
    await harness?.close();
  });

  it('hands a running job back to the queue on SIGTERM; another worker completes it once', async () => {
    harness = await openQueues();
    await startThreadController(harness, sim);
    const env = workerEnv(harness, { SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS) });
    const text = 'draft the quarterly update while the worker restarts';
    scripts.set(text, (call) =>
      call === 1 ? { hang: true } : { content: 'Quarterly update, finished after the restart.' },
    );
    const first = await startWorker(env);
    const { job, receiptTs } = await enqueueUnderReceipt(harness, sim, 'local', text);
    await waitFor(() => chatRequests(text).length === 1, 10_000, 'the request to reach LM Studio');

    const signalled = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(SHUTDOWN_GRACE_MS + 3_000);
    expect(chatRequests(text)[0]?.aborted).toBe(true);
    expect(['waiting', 'delayed']).toContain((await harness.manager.inspect(job.id)).status);
    // The card says so (no worker runs, so nothing replaces it yet), with Cancel still offered.
    const interrupted = await cardShowing(sim, receiptTs, 'interrupted');
    expect(shown(interrupted)).toContain('Interrupted: its worker stopped; the job is back in the queue');
    expect(buttonsOf(interrupted)[0]).toMatchObject({ action_id: ACTION_IDS.cancel });

    await startWorker(env);
    const details = await finished(harness, job.id);
    expect(details.status).toBe('completed');
    expect(details.result).toMatchObject({ text: 'Quarterly update, finished after the restart.' });
    expect(chatRequests(text)).toHaveLength(2);
    const answer = await answerPost(sim, receiptTs, job.id);
    expect(shown(answer)).toContain('Quarterly update, finished after the restart.');
    await cardShowing(sim, receiptTs, 'done');
    expect(threadReplies(sim, receiptTs)).toEqual([answer]);
  });
});

describe('the local worker for a CLI job (no Slack thread)', () => {
  let harness: QueueHarness;
  afterAll(async () => {
    await harness?.close();
  });

  it('keeps the answer as the job result, which agentops inspect shows', async () => {
    harness = await openQueues();
    await startWorker(workerEnv(harness));
    const text = 'summarize the changelog for the CLI user';
    scripts.set(text, () => ({ content: 'The changelog, in **three** points.' }));
    const job: JobData = await harness.manager.enqueue({
      text,
      priority: 3,
      source: 'cli',
      requestedBy: 'cli:test',
      routing: { queue: 'local', method: 'explicit', confidence: 1, patterns: [] },
    });
    const details = await finished(harness, job.id);

    expect(details.status).toBe('completed');
    expect(details.result).toMatchObject({
      text: 'The changelog, in **three** points.',
      stats: { model: 'standin-chat-model' },
    });
    const inspect = await runNode(CLI, ['inspect', job.id], harness.env);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain('COMPLETED');
    expect(inspect.stdout).toContain('The changelog, in **three** points.');
  });
});
