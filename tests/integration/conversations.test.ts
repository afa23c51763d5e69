// A job's thread is a conversation, end to end: the real controller over
// Socket Mode to the Slack simulator, real worker processes, the real openai
// client against the OpenAI stand-in and the real `claude` CLI against the
// Anthropic stand-in. A reply in the thread becomes a follow-up job with its
// own card in the thread; the local model gets the earlier turns as chat
// history, Claude resumes the first job's session (its API request carries
// the first job's turns), both after every process restarted; one thread
// runs one job at a time; `code:` hands a research answer to a code job;
// someone else's thread is refused; a plan waits for Run it, which continues
// the same session; the answer ends with the terminal handoff, which
// `agentops resume <id>` prints too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTION_IDS, jobButtonValue, type JobData } from '@agentops/core';
import type { JobDetails } from '@agentops/controller';
import { userTexts } from '../support/llm/anthropic-inspect.js';
import { reply, startAnthropicStandin, type AnthropicStandin } from '../support/llm/anthropic-standin.js';
import { makeClaudeHome, offlineClaudeEnv } from '../support/llm/claude-cli.js';
import type { OpenAIRequest } from '../support/llm/openai-standin.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { logRecordsMatching } from '../support/logs.js';
import { releaseFileResources } from '../support/release-after.js';
import { deliveryKeyOf, startSlackStack, type SlackStack } from '../support/slack-stack.js';
import type { SimMessage } from '../support/slack-sim/index.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 90_000 });

const WORKERS = {
  local: path.join(REPO_ROOT, 'workers', 'local-worker', 'dist', 'worker.js'),
  code: path.join(REPO_ROOT, 'workers', 'code-worker', 'dist', 'worker.js'),
  research: path.join(REPO_ROOT, 'workers', 'research-worker', 'dist', 'worker.js'),
} as const;
const CLI = path.join(REPO_ROOT, 'controller', 'dist', 'cli.js');
const CLAUDE = path.join(REPO_ROOT, 'node_modules', '.bin', 'claude');
const OTHER_USER = 'U0SIMOTHER';

let stack: SlackStack;
let anthropic: AnthropicStandin;
let dir: string;
const workers = new Map<keyof typeof WORKERS, RunningProcess>();
/** Chat completion requests the local worker made, by the last user message. */
const chats: OpenAIRequest[] = [];
/** How the chat stand-in answers a last user message (default: an answer naming it). */
const chatAnswers = new Map<string, { content: string; delayMs?: number }>();
/** How the Anthropic stand-in answers a job, by a text its request holds (default: quote the prompt). */
const claudeAnswers = new Map<string, string>();

function lastUser(body: unknown): string {
  const messages = (body as { messages?: { role: string; content: unknown }[] }).messages ?? [];
  const last = [...messages].reverse().find((message) => message.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

function workerEnv(queue: keyof typeof WORKERS, home: string): Record<string, string> {
  return {
    ...stack.queues.env,
    LM_STUDIO_URL: stack.llm.baseURL,
    AGENTOPS_DATA_DIR: path.join(dir, 'data'),
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    ...(queue === 'local'
      ? {}
      : {
          ...offlineClaudeEnv({ baseURL: anthropic.baseURL, home }),
          CLAUDE_BIN: CLAUDE,
          CODE_WORKDIR: path.join(dir, 'code'),
        }),
  };
}

const homes = new Map<string, string>();
async function startWorker(queue: keyof typeof WORKERS): Promise<RunningProcess> {
  // One home per queue for the whole file: Claude's sessions live there, and a resume needs the same one.
  let home = homes.get(queue);
  if (!home) {
    home = makeClaudeHome().home;
    homes.set(queue, home);
  }
  const worker = startNode(WORKERS[queue], workerEnv(queue, home));
  workers.set(queue, worker);
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

/** Every process stops and starts again: the controller and each worker. */
async function restartEverything(): Promise<void> {
  const running = [...workers.keys()];
  await Promise.all(running.map((queue) => workers.get(queue)?.stop('SIGTERM')));
  await stack.restartController();
  for (const queue of running) await startWorker(queue);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'agentops-conversations-'));
  await execa('mkdir', ['-p', path.join(dir, 'code'), path.join(dir, 'data')]);
  anthropic = await startAnthropicStandin({
    fallback: (request) => {
      const texts = userTexts(request.body).join('\n');
      for (const [fragment, answer] of claudeAnswers) if (texts.includes(fragment)) return reply.text(answer);
      return reply.text('Stand-in answer.');
    },
  });
  stack = await startSlackStack({
    llm: {
      respond: async (request) => {
        if (!request.path.endsWith('/chat/completions')) return undefined;
        const last = lastUser(request.body);
        // The router's classifier asks too; only the workers' requests carry the writing system prompt.
        const messages = (request.body as { messages?: { role: string; content: string }[] }).messages ?? [];
        if (!messages[0]?.content.includes('writing assistant')) return undefined;
        chats.push(request);
        const scripted = chatAnswers.get(last);
        return {
          content: scripted?.content ?? `Answer to: ${last}`,
          ...(scripted?.delayMs ? { delayMs: scripted.delayMs } : {}),
        };
      },
    },
    env: { LOG_FORMAT: 'json' },
  });
});

afterAll(async () => {
  await Promise.all([...workers.values()].map((worker) => worker.stop('SIGTERM')));
  await stack?.close();
  await anthropic?.close();
  await releaseFileResources();
  for (const home of homes.values()) rmSync(home, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const say = (text: string, extra: { threadTs?: string; userId?: string } = {}) =>
  stack.sim.sendMessage({ text, ...extra });

async function jobWithText(fragment: string, timeoutMs = 15_000): Promise<JobData> {
  return waitFor(
    async () => {
      const jobs = await stack.queues.manager.list(undefined, 100);
      return jobs.find((job) => job.data.text.includes(fragment))?.data;
    },
    timeoutMs,
    `a job with "${fragment}"`,
  );
}

async function finished(id: string, timeoutMs = 60_000): Promise<JobDetails> {
  return waitFor(
    async () => {
      const details = await stack.queues.manager.inspect(id);
      return ['completed', 'failed', 'cancelled'].includes(details.status) && details.finishedAt !== undefined
        ? details
        : undefined;
    },
    timeoutMs,
    `job ${id} to finish`,
  );
}

const inThread = (threadTs: string): SimMessage[] =>
  stack.sim.messages(stack.channel).filter((message) => message.thread_ts === threadTs);

function answerIn(threadTs: string, id: string, timeoutMs = 60_000): Promise<SimMessage> {
  return stack.sim.waitForMessage(
    stack.channel,
    (message) => message.thread_ts === threadTs && message.text.startsWith(`Answer to job #${id}`),
    timeoutMs,
  );
}

const followUpCard = (threadTs: string, id: string): SimMessage | undefined =>
  inThread(threadTs).find((message) => deliveryKeyOf(message) === `receipt:${id}`);

/** The follow-up job queued after `previous` in thread `threadTs`. */
async function followUpAfter(previous: string, fragment: string): Promise<JobData> {
  const job = await jobWithText(fragment);
  expect(job.thread?.after).toBe(previous);
  return job;
}

describe('local follow-ups', () => {
  beforeAll(async () => {
    await startWorker('local');
  });

  it('send the thread’s earlier turns as chat history, with a card of their own in the thread, also after a restart', async () => {
    chatAnswers.set('summarize the release notes for version 2', { content: 'Version 2 adds dark mode.' });
    await say('summarize the release notes for version 2');
    const first = await jobWithText('release notes for version 2');
    expect(first.queue).toBe('local');
    const threadTs = await stack.receiptTs(first.id);
    await answerIn(threadTs, first.id);

    await say('make it one sentence shorter', { threadTs });
    const second = await followUpAfter(first.id, 'one sentence shorter');
    expect(second).toMatchObject({ queue: 'local', thread: { root: first.id, after: first.id } });
    await answerIn(threadTs, second.id);
    const card = followUpCard(threadTs, second.id);
    expect(card?.text).toContain(`Job #${second.id}`);
    expect(JSON.stringify(card?.blocks)).toContain(`Follow-up of job #${first.id}`);
    const request = chats.find((chat) => lastUser(chat.body) === 'make it one sentence shorter');
    expect((request?.body as { messages?: unknown[] } | undefined)?.messages).toEqual([
      expect.objectContaining({ role: 'system' }),
      { role: 'user', content: 'summarize the release notes for version 2' },
      { role: 'assistant', content: 'Version 2 adds dark mode.' },
      { role: 'user', content: 'make it one sentence shorter' },
    ]);

    await restartEverything();
    await say('now in French', { threadTs });
    const third = await followUpAfter(second.id, 'now in French');
    await answerIn(threadTs, third.id);
    const after = chats.find((chat) => lastUser(chat.body) === 'now in French');
    const messages = (after?.body as { messages?: { content: string }[] } | undefined)?.messages ?? [];
    const contents = messages.map((message) => message.content);
    expect(contents.slice(1)).toEqual([
      'summarize the release notes for version 2',
      'Version 2 adds dark mode.',
      'make it one sentence shorter',
      'Answer to: make it one sentence shorter',
      'now in French',
    ]);
  });

  it('run one job of a thread at a time: a follow-up sent while the first runs waits for it', async () => {
    chatAnswers.set('summarize the quarterly incident log', { content: 'Three incidents.', delayMs: 3_000 });
    await say('summarize the quarterly incident log');
    const first = await jobWithText('quarterly incident log');
    const threadTs = await stack.receiptTs(first.id);
    await waitFor(
      async () => (await stack.queues.manager.inspect(first.id)).status === 'active',
      15_000,
      'job 1 to start',
    );
    await say('and list the open actions', { threadTs });
    const second = await followUpAfter(first.id, 'list the open actions');
    const card = await waitFor(() => followUpCard(threadTs, second.id), 15_000, 'the follow-up card');
    expect(card.text).toContain(`waits for job #${first.id} in this thread`);
    expect((await stack.queues.manager.inspect(second.id)).status).toBe('delayed');
    const [one, two] = [await finished(first.id), await finished(second.id)];
    expect(two.status).toBe('completed');
    expect(two.startedAt ?? 0).toBeGreaterThanOrEqual(one.finishedAt ?? Number.POSITIVE_INFINITY);
  });

  it('are for the thread’s requester: someone else is told so privately, and nothing is queued', async () => {
    await say('summarize the onboarding checklist');
    const first = await jobWithText('onboarding checklist');
    const threadTs = await stack.receiptTs(first.id);
    await answerIn(threadTs, first.id);
    const before = (await stack.queues.manager.list(undefined, 200)).length;
    await say('add a section about laptops', { threadTs, userId: OTHER_USER });
    const refusal = await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.user === OTHER_USER && entry.text.includes('is not yours')),
      15_000,
      'the refusal',
    );
    expect(refusal.text).toContain('ADMIN_USERS');
    expect((await stack.queues.manager.list(undefined, 200)).length).toBe(before);
  });

  it('say what was wrong with an unusable follow-up', async () => {
    await say('summarize the meeting notes from monday');
    const first = await jobWithText('meeting notes from monday');
    const threadTs = await stack.receiptTs(first.id);
    await say('research:   ', { threadTs });
    const hint = await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.thread_ts === threadTs && entry.text.includes('no job text')),
      15_000,
      'the hint',
    );
    expect(hint.text).toContain('code: …');
  });
});

describe('Claude follow-ups', () => {
  beforeAll(async () => {
    await Promise.all([startWorker('code'), startWorker('research')]);
  });

  it('resume the first job’s session: the follow-up’s API request carries its turns, also after a restart', async () => {
    claudeAnswers.set('fix the failing test in src/app.test.ts', 'I changed src/app.ts: the loop was off by one.');
    await say('fix the failing test in src/app.test.ts');
    const first = await jobWithText('failing test in src/app.test.ts');
    expect(first.queue).toBe('code');
    const threadTs = await stack.receiptTs(first.id);
    const answer = await answerIn(threadTs, first.id);
    const done = await finished(first.id);
    const stats = (done.result as { stats: { sessionId: string; workdir: string } }).stats;
    expect(stats.workdir).toBe(path.join(dir, 'code'));
    // The answer ends with the command that continues the session in a terminal.
    expect(JSON.stringify(answer.blocks)).toContain(`claude --resume ${stats.sessionId}`);
    const cli = await execa('node', [CLI, 'resume', first.id], { env: stack.queues.env, reject: false });
    expect(cli.stdout.trim()).toBe(`cd ${stats.workdir} && claude --resume ${stats.sessionId}`);
    await stack.sim.sendSlashCommand({ text: `handoff ${first.id}` });
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes(`claude --resume ${stats.sessionId}`)),
      15_000,
      'the handoff in Slack',
    );
    // A job without a session (one that has not run) has nothing to hand over, and says so.
    const added = await execa('node', [CLI, '--json', 'add', '--queue', 'local', 'draft a note'], {
      env: stack.queues.env,
      reject: false,
    });
    const queuedId = (JSON.parse(added.stdout) as { jobs: { id: string }[] }).jobs[0]?.id ?? '';
    const none = await execa('node', [CLI, 'resume', queuedId], { env: stack.queues.env, reject: false });
    expect(none.stdout).toContain(`Job #${queuedId} left no Claude session to continue`);

    await say('also add a changelog entry', { threadTs });
    const second = await followUpAfter(first.id, 'also add a changelog entry');
    await answerIn(threadTs, second.id);
    const request = anthropic
      .messageRequests()
      .find((entry) => userTexts(entry.body).some((text) => text.includes('also add a changelog entry')));
    expect(userTexts(request?.body).join('\n')).toContain('fix the failing test in src/app.test.ts');
    expect(request?.rawBody).toContain('the loop was off by one');
    expect(workers.get('code')?.output()).toContain(`resumes job ${first.id}'s session`);

    await restartEverything();
    await say('and bump the version', { threadTs });
    const third = await followUpAfter(second.id, 'and bump the version');
    await answerIn(threadTs, third.id);
    const later = anthropic
      .messageRequests()
      .find((entry) => userTexts(entry.body).some((text) => text.includes('and bump the version')));
    const texts = userTexts(later?.body).join('\n');
    expect(texts).toContain('fix the failing test in src/app.test.ts');
    expect(texts).toContain('also add a changelog entry');
  });

  it('hand a research answer to a code job with code:', async () => {
    claudeAnswers.set('research how token buckets refill', 'A token bucket refills at a steady rate up to its burst.');
    await say('research how token buckets refill');
    const research = await jobWithText('how token buckets refill');
    expect(research.queue).toBe('research');
    const threadTs = await stack.receiptTs(research.id);
    await answerIn(threadTs, research.id);
    // A research follow-up resumes the research session, in the thread's own folder.
    await say('and how big should the burst be', { threadTs });
    const more = await followUpAfter(research.id, 'how big should the burst be');
    expect(more.queue).toBe('research');
    await answerIn(threadTs, more.id);
    expect(workers.get('research')?.output()).toContain(`resumes job ${research.id}'s session`);
    const resumed = anthropic
      .messageRequests()
      .find((entry) => userTexts(entry.body).some((text) => text.includes('how big should the burst be')));
    expect(resumed?.rawBody).toContain('refills at a steady rate');

    await say('code: implement a token bucket in src/bucket.ts', { threadTs });
    const code = await followUpAfter(more.id, 'implement a token bucket');
    expect(code.queue).toBe('code');
    await answerIn(threadTs, code.id);
    const request = anthropic
      .messageRequests()
      .find((entry) =>
        userTexts(entry.body).some((text) => text.includes('implement a token bucket in src/bucket.ts')),
      );
    expect(userTexts(request?.body).join('\n')).toContain('A token bucket refills at a steady rate up to its burst.');
  });

  it('a plan waits for Run it, which continues the same session; a second click is told it ran', async () => {
    claudeAnswers.set('split the config loader', '1. Move parsing to parse.ts\n2. Keep loadConfig as the entry point');
    await say('plan: split the config loader');
    const plan = await jobWithText('split the config loader');
    expect(plan).toMatchObject({ queue: 'code', mode: 'plan' });
    const threadTs = await stack.receiptTs(plan.id);
    await answerIn(threadTs, plan.id);
    const buttons = await stack.sim.waitForMessage(
      stack.channel,
      (message) => message.thread_ts === threadTs && message.text.startsWith(`Plan for job #${plan.id}`),
      30_000,
    );
    const planned = anthropic
      .messageRequests()
      .find((entry) => userTexts(entry.body).some((text) => text.includes('split the config loader')));
    // Claude Code tells the model it is in plan mode, where it may not change anything.
    expect(planned?.rawBody).toMatch(/plan mode/i);
    await stack.sim.sendBlockAction({ actionId: ACTION_IDS.runPlan, messageTs: buttons.ts });
    const run = await waitFor(
      async () =>
        (await stack.queues.manager.list(undefined, 200)).find((job) => job.data.thread?.after === plan.id)?.data,
      20_000,
      'the run of the plan',
    );
    expect(run).toMatchObject({ queue: 'code', thread: { root: plan.id } });
    expect(run.mode).toBeUndefined();
    await answerIn(threadTs, run.id);
    const request = anthropic
      .messageRequests()
      .find((entry) => userTexts(entry.body).some((text) => text.includes('Carry out the plan you made above')));
    expect(request?.rawBody).toContain('Move parsing to parse.ts');
    await waitFor(
      () => stack.sim.message(stack.channel, buttons.ts)?.text.includes(`carried out as job #${run.id}`),
      15_000,
      'the plan message to say who ran it',
    );
    await stack.sim.sendBlockAction({
      actionId: ACTION_IDS.runPlan,
      messageTs: buttons.ts,
      value: jobButtonValue(plan.id),
    });
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes(`The plan of job #${plan.id} was run already`)),
      15_000,
      'the second click’s answer',
    );
  });
});
