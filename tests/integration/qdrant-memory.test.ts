// Job memory in Qdrant: finished jobs remembered, similar past jobs on receipts,
// `find` in Slack and the CLI, and every failure (Qdrant down, embedding model
// missing, a changed model) leaving jobs and receipts untouched. The real
// @qdrant/js-client-rest client talks to a loopback stand-in, and to a real
// Qdrant when QDRANT_TEST_URL answers.
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentopsKey, connectRedis, createLogger, QUEUE_NAMES, type JobPriority, type QueueName } from '@agentops/core';
import {
  createEmbedder,
  createJobMemory,
  openCollection,
  parseSubcommand,
  pickMatches,
  pointIdFor,
  startCompletionFeed,
  summarize,
  toPayload,
  uuidV5,
  type CompletionFeed,
  type FinishedJobRecord,
  type JobMemory,
} from '@agentops/controller';
import { startQdrantStandin, type QdrantStandin } from '../support/qdrant-standin.js';
import {
  DEFAULT_CHAT_MODEL,
  DEFAULT_EMBEDDING_MODEL,
  startOpenAIStandin,
  type OpenAIRespond,
  type OpenAIStandin,
} from '../support/llm/openai-standin.js';
import { startSlackStack, type SlackStack } from '../support/slack-stack.js';
import { REPO_ROOT, runNode, waitFor } from '../support/processes.js';
import { failNextJob } from '../support/fail-job.js';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { logRecordsMatching } from '../support/logs.js';

const CLI = path.join(REPO_ROOT, 'controller', 'dist', 'cli.js');
const COLLECTION = 'agentops-jobs';

/**
 * Bag-of-words embeddings: texts sharing words point the same way, so "similar"
 * means something in these tests (the stand-in's default vectors are unrelated
 * for any two different texts). `dimensions` and `down` can change mid-test.
 */
function wordEmbeddings(initialDimensions = 64) {
  const state = { dimensions: initialDimensions, down: false };
  const embed = (text: string): number[] => {
    const vector = new Array<number>(state.dimensions).fill(0);
    for (const word of text.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []) {
      const slot = createHash('sha256').update(word).digest().readUInt32LE(0) % state.dimensions;
      vector[slot] = (vector[slot] ?? 0) + 1;
    }
    // Never the zero vector: cosine is undefined for it.
    vector[0] = (vector[0] ?? 0) + 0.01;
    return vector;
  };
  const respond: OpenAIRespond = (request) => {
    if (request.path !== '/v1/embeddings') return undefined;
    if (state.down) {
      return {
        status: 404,
        body: {
          error: {
            message: 'No models loaded. Please load a model in the developer page.',
            type: 'invalid_request_error',
            param: 'model',
            code: 'model_not_found',
          },
        },
      };
    }
    const body = request.body as { input?: unknown; model?: string };
    const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input)];
    return {
      status: 200,
      body: {
        object: 'list',
        data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: embed(text) })),
        model: body.model ?? DEFAULT_EMBEDDING_MODEL,
        usage: { prompt_tokens: 1, total_tokens: 1 },
      },
    };
  };
  return { state, respond, embed };
}

/** Log records a memory writes. */
function captureLogs() {
  const lines: string[] = [];
  const destination = { write: (line: string) => void lines.push(line) };
  const records = (fields: Record<string, unknown>) => logRecordsMatching(lines.join(''), fields);
  return { lines, records, logger: createLogger({ name: 'test-memory', level: 'debug', format: 'json', destination }) };
}

function finishedJob(id: string, text: string, extra: Partial<FinishedJobRecord> = {}): FinishedJobRecord {
  return {
    id,
    queue: 'local',
    priority: 3 as JobPriority,
    status: 'completed',
    text,
    requestedBy: 'U0TESTER',
    createdAt: 1_700_000_000_000 + Number(id),
    finishedAt: 1_700_000_100_000 + Number(id),
    answer: `Answer for ${text}`,
    slack: { channel: 'C0JOBS', receiptTs: `1700000000.00010${id}` },
    ...extra,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('job memory, pure parts', () => {
  it('derives point ids as RFC 4122 v5 UUIDs, the same for the same job', () => {
    // The RFC's own example: www.example.com in the DNS namespace.
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    const job = finishedJob('7', 'x');
    expect(pointIdFor('bull', job)).toMatch(UUID);
    expect(pointIdFor('bull', job)).toBe(pointIdFor('bull', { ...job }));
    expect(pointIdFor('bull', job)).not.toBe(pointIdFor('other', job));
    expect(pointIdFor('bull', job)).not.toBe(pointIdFor('bull', { ...job, createdAt: job.createdAt + 1 }));
  });

  it('summarizes the request, the outcome and the first part of the answer, and keeps cost where known', () => {
    const job = finishedJob('8', 'summarize the report', {
      answer: `${'word '.repeat(400)}END`,
      costUsd: 0.42,
      priority: 1,
    });
    const summary = summarize(job);
    expect(summary).toMatch(/^Request: summarize the report\nOutcome: completed on local \(P1\)\nAnswer: word word/);
    expect(summary).not.toContain('END');
    expect(
      summarize({ ...job, status: 'failed', failedReason: 'LM Studio is not reachable', answer: undefined }),
    ).toContain('Outcome: failed: LM Studio is not reachable');
    const payload = toPayload(job, summary);
    expect(payload).toMatchObject({
      jobId: '8',
      queue: 'local',
      priority: 1,
      user: 'U0TESTER',
      channel: 'C0JOBS',
      receiptTs: '1700000000.000108',
      status: 'completed',
      costUsd: 0.42,
    });
    expect(payload.completedAt).toBe(new Date(job.finishedAt).toISOString());
    expect(toPayload({ ...job, costUsd: undefined, slack: undefined }, summary)).not.toHaveProperty('costUsd');
  });

  it('keeps the best match per job at or above the threshold, and drops foreign payloads', () => {
    const point = (id: string, jobId: string, score: number) => ({
      id,
      score,
      payload: { jobId, queue: 'local' as const, status: 'completed' as const, text: `job ${jobId}` },
    });
    const picked = pickMatches(
      [
        point('a', '1', 0.8),
        point('b', '2', 0.95),
        point('c', '1', 0.9),
        point('d', '3', 0.4),
        { id: 'e', score: 0.99, payload: { foo: 1 } as never },
      ],
      3,
      0.5,
    );
    expect(picked.map((job) => [job.jobId, job.score])).toEqual([
      ['2', 0.95],
      ['1', 0.9],
    ]);
  });

  it('parses find <text> and refuses find without text', () => {
    expect(parseSubcommand('find  quarterly   report', 'slash')).toEqual({
      ok: true,
      command: { kind: 'find', text: 'quarterly   report' },
    });
    const empty = parseSubcommand('find', 'cli');
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.error.usage).toBe('agentops find <text>');
  });
});

describe('completion feed (real Redis streams, a memory that records)', () => {
  let queues: QueueHarness;
  const feeds: CompletionFeed[] = [];
  beforeAll(async () => {
    queues = await openQueues();
  });
  // Feeds of one test share the streams and cursors with the next test's.
  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((feed) => feed.close()));
  });
  afterAll(async () => {
    await queues?.close();
  });

  /** A memory that records what it is given; `refuse` lists job ids it fails to store, `on` switches it. */
  function recordingMemory() {
    const stored: string[] = [];
    const refuse = new Set<string>();
    let on = true;
    let wake: (() => void)[] = [];
    const memory: JobMemory = {
      get enabled() {
        return on;
      },
      offReason: undefined,
      start: async () => on,
      store: async (job) => {
        if (refuse.has(job.id)) return 'unavailable';
        stored.push(job.id);
        return 'stored';
      },
      similar: async () => [],
      find: async () => ({ on: true, matches: [] }),
      whenEnabled: (signal) =>
        on
          ? Promise.resolve()
          : new Promise((resolve, reject) => {
              wake.push(resolve);
              signal.addEventListener('abort', () => reject(new Error('closed')), { once: true });
            }),
      close: () => undefined,
    };
    const setOn = (value: boolean) => {
      on = value;
      if (value) {
        for (const resolve of wake) resolve();
        wake = [];
      }
    };
    return { memory, stored, refuse, setOn };
  }

  // waitFor takes null for an answer; a missing cursor must read as "not yet".
  const cursorOf = async (queue: QueueName) =>
    (await queues.redis.get(agentopsKey(queues.prefix, 'qdrant', 'last-event', queue))) ?? undefined;
  const streams = () =>
    Object.fromEntries(QUEUE_NAMES.map((queue) => [queue, queues.manager.queues[queue].keys.events])) as Record<
      QueueName,
      string
    >;
  const complete = (queue: QueueName, id: string) =>
    queues.redis.xadd(streams()[queue], '*', 'event', 'completed', 'jobId', `job-${id}`, 'returnvalue', '{}');

  async function startFeed(memory: JobMemory, gone: Set<string> = new Set()) {
    const logs = captureLogs();
    const feed = startCompletionFeed({
      redis: await connectRedis(queues.config, 'worker'),
      prefix: queues.prefix,
      streams: streams(),
      readFinished: async (queue, bullId) => {
        const id = bullId.replace(/^job-/, '');
        return gone.has(id) ? undefined : { ...finishedJob(id, `job ${id}`), queue };
      },
      memory,
      logger: logs.logger,
      blockMs: 200,
    });
    feeds.push(feed);
    return { feed, logs };
  }

  it('starts at the end of the stream, resumes where it stopped, and hands each completion over once', async () => {
    await complete('local', '900');
    const { memory, stored } = recordingMemory();
    const first = await startFeed(memory);
    // The cursor is placed before anything new is read.
    await waitFor(() => cursorOf('local'), 5_000, 'the cursor');
    await complete('local', '901');
    await complete('code', '902');
    await waitFor(() => stored.length === 2, 5_000, 'two completions');
    await first.feed.close();
    await complete('local', '903');
    await complete('research', '904');
    await startFeed(memory);
    await waitFor(() => stored.length === 4, 5_000, 'the completions made while stopped');
    await sleep(300);
    // 900 came before the first start; nothing was handed over twice.
    expect([...stored].sort()).toEqual(['901', '902', '903', '904']);
  });

  it('skips a job BullMQ no longer keeps, and gives up on one the memory refuses three times', async () => {
    const { memory, stored, refuse } = recordingMemory();
    refuse.add('911');
    const { logs } = await startFeed(memory, new Set(['910']));
    await waitFor(() => cursorOf('code'), 5_000, 'the cursor');
    await complete('code', '910');
    await complete('code', '911');
    await complete('code', '912');
    await waitFor(() => stored.includes('912'), 5_000, 'the job after the refused one');
    expect(logs.records({ memory: 'gone', jobId: '910', queue: 'code' })).toHaveLength(1);
    expect(logs.records({ memory: 'gave_up', jobId: '911', attempts: 3 })).toHaveLength(1);
    expect(stored).not.toContain('910');
  });

  it('waits while memory is off without moving its place, then catches up', async () => {
    const { memory, stored, setOn } = recordingMemory();
    setOn(false);
    await startFeed(memory);
    await waitFor(() => cursorOf('research'), 5_000, 'the cursor');
    await complete('research', '920');
    await sleep(500);
    expect(stored).toEqual([]);
    setOn(true);
    await waitFor(() => stored.includes('920'), 5_000, 'the completion made while memory was off');
  });
});

// The same suite against the stand-in and, when one answers, a real Qdrant.
const realUrl = process.env.QDRANT_TEST_URL;
const realAnswers = realUrl
  ? await fetch(realUrl, { signal: AbortSignal.timeout(1_500) }).then(
      (response) => response.ok,
      () => false,
    )
  : false;
const realReason = realUrl
  ? `(skipped: QDRANT_TEST_URL=${realUrl} does not answer)`
  : '(skipped: set QDRANT_TEST_URL to a Qdrant to run it)';
if (!realAnswers) process.stdout.write(`[qdrant-memory] Real Qdrant suite ${realReason}\n`);

const backends: {
  name: string;
  skip: boolean;
  start: () => Promise<{ url: string; standin?: QdrantStandin; close: () => Promise<void> }>;
}[] = [
  {
    name: 'the Qdrant stand-in',
    skip: false,
    start: async () => {
      const standin = await startQdrantStandin();
      return { url: standin.url, standin, close: () => standin.close() };
    },
  },
  {
    name: `a real Qdrant ${realAnswers ? `at ${realUrl}` : realReason}`,
    skip: !realAnswers,
    start: async () => ({ url: realUrl ?? '', close: async () => undefined }),
  },
];

for (const backend of backends) {
  describe.skipIf(backend.skip)(`job memory service against ${backend.name}`, () => {
    let qdrant: Awaited<ReturnType<(typeof backend)['start']>>;
    let llm: OpenAIStandin;
    const words = wordEmbeddings(32);
    const collections: string[] = [];
    const memories: JobMemory[] = [];

    const open = (name: string, extra: { recreate?: boolean } = {}) => {
      const logs = captureLogs();
      const memory = createJobMemory({
        embedder: createEmbedder({ url: llm.baseURL }),
        collection: openCollection({ url: qdrant.url, name }),
        logger: logs.logger,
        prefix: `test-${randomUUID().slice(0, 8)}`,
        qdrantUrl: qdrant.url,
        threshold: 0.5,
        recreate: extra.recreate ?? false,
        retryMs: 0,
      });
      memories.push(memory);
      return { memory, logs };
    };
    const freshCollection = () => {
      const name = `agentops-test-${randomUUID().slice(0, 8)}`;
      collections.push(name);
      return name;
    };

    beforeAll(async () => {
      qdrant = await backend.start();
      llm = await startOpenAIStandin({ respond: words.respond });
    });
    afterAll(async () => {
      for (const memory of memories) memory.close();
      // A real Qdrant keeps what tests leave behind.
      for (const name of collections)
        await fetch(`${qdrant.url}/collections/${name}`, { method: 'DELETE' }).catch(() => undefined);
      await llm?.close();
      await qdrant?.close();
    });

    it('creates the collection with the model’s dimension, stores a job once however often, and finds it', async () => {
      const name = freshCollection();
      const { memory, logs } = open(name);
      expect(await memory.start()).toBe(true);
      expect(logs.records({ memory: 'created', collection: name, dimensions: 32 })).toHaveLength(1);
      const job = finishedJob('1', 'summarize the quarterly sales report for ACME', { costUsd: 0.12 });
      expect(await memory.store(job)).toBe('stored');
      expect(await memory.store(job)).toBe('stored');
      expect(logs.records({ memory: 'stored', jobId: '1' }).length).toBeGreaterThan(0);
      const found = await memory.find('quarterly sales report', 5);
      expect(found.on).toBe(true);
      if (!found.on) return;
      expect(found.matches).toHaveLength(1);
      expect(found.matches[0]).toMatchObject({
        jobId: '1',
        status: 'completed',
        queue: 'local',
        channel: 'C0JOBS',
        costUsd: 0.12,
      });
      if (qdrant.standin) {
        const [point] = qdrant.standin.points(name);
        expect(point?.id).toMatch(UUID);
        expect(point?.payload).toMatchObject({
          jobId: '1',
          queue: 'local',
          priority: 3,
          user: 'U0TESTER',
          receiptTs: '1700000000.000101',
          status: 'completed',
          costUsd: 0.12,
        });
        expect(qdrant.standin.upserts(name).get(String(point?.id))).toBe(2);
      }
    });

    it('lists at most 3 similar jobs at or above the threshold, and nothing unrelated', async () => {
      const { memory } = open(freshCollection());
      await memory.start();
      for (const [id, text] of [
        ['11', 'summarize the quarterly sales report for ACME'],
        ['12', 'summarize the quarterly sales report for Globex'],
        ['13', 'summarize the quarterly sales report for Initech'],
        ['14', 'summarize the quarterly sales report for Umbrella'],
        ['15', 'fix the flaky login test in repo api'],
      ] as const) {
        await memory.store(finishedJob(id, text));
      }
      const similar = await memory.similar('summarize the quarterly sales report for ACME', { budgetMs: 5_000 });
      expect(similar).toHaveLength(3);
      expect(similar[0]?.jobId).toBe('11');
      expect(similar.every((job) => job.score >= 0.5)).toBe(true);
      expect(await memory.similar('draft a birthday poem for grandma', { budgetMs: 5_000 })).toEqual([]);
    });

    it('reports a dimension mismatch once with the fix, and QDRANT_RECREATE=true recreates the collection', async () => {
      const name = freshCollection();
      await open(name).memory.start();
      words.state.dimensions = 48;
      try {
        const { memory, logs } = open(name);
        expect(await memory.start()).toBe(false);
        expect(await memory.start()).toBe(false);
        const reports = logs.records({ memory: 'dimension_mismatch', storedDimensions: 32 });
        expect(reports).toHaveLength(1);
        expect(reports[0]?.msg).toContain('QDRANT_RECREATE=true');
        expect(memory.offReason).toContain('QDRANT_RECREATE=true');
        expect(await memory.store(finishedJob('21', 'anything'))).toBe('unavailable');

        const recreated = open(name, { recreate: true });
        expect(await recreated.memory.start()).toBe(true);
        expect(recreated.logs.records({ memory: 'recreated', collection: name, dimensions: 48 })).toHaveLength(1);
        expect(await recreated.memory.store(finishedJob('22', 'summarize the notes'))).toBe('stored');
        if (qdrant.standin) expect(qdrant.standin.collection(name)?.size).toBe(48);
      } finally {
        words.state.dimensions = 32;
      }
    });
  });
}

describe('job memory end to end (controller, worker, Slack simulator, Qdrant stand-in)', () => {
  let stack: SlackStack;
  let qdrant: QdrantStandin;
  const words = wordEmbeddings(64);
  const slash = (text: string) => stack.sim.sendSlashCommand({ text });

  /** The receipt of the job whose text contains `fragment`, and its id once it is queued. */
  async function receiptFor(fragment: string) {
    const receipt = await stack.sim.waitForMessage(
      stack.channel,
      (message) => message.text.includes('queued on') && message.text.includes(fragment),
      10_000,
    );
    const id = /Job #(\d+)/.exec(receipt.text)?.[1] ?? '';
    await waitFor(() => stack.queues.manager.inspect(id).catch(() => undefined), 5_000, `job ${id} to be queued`);
    return { receipt, id, blocks: JSON.stringify(receipt.blocks) };
  }
  const pointOf = (id: string) => qdrant.points(COLLECTION).find((point) => point.payload.jobId === id);
  const waitForPoint = (id: string, timeoutMs = 10_000) =>
    waitFor(() => pointOf(id), timeoutMs, `job ${id} to be remembered\n${stack.controller.output().slice(-3_000)}`);
  const enabledLines = () => stack.logRecords({ memory: 'enabled' }).length;
  const cli = (args: string[]) =>
    runNode(
      CLI,
      args,
      Object.fromEntries(Object.entries(stack.env).filter(([key]) => !key.startsWith('SLACK_'))) as Record<
        string,
        string
      >,
    );

  beforeAll(async () => {
    qdrant = await startQdrantStandin();
    stack = await startSlackStack({
      llm: { respond: words.respond },
      env: { QDRANT_URL: qdrant.url, QDRANT_RETRY_MS: '300', QDRANT_SIMILARITY_THRESHOLD: '0.5' },
    });
    await stack.queues.startWorker({ FIXTURE_DELAY_MS: '150' });
    await waitFor(() => enabledLines() > 0, 15_000, `memory to be enabled\n${stack.controller.output()}`);
  }, 90_000);
  afterAll(async () => {
    await stack?.close();
    await qdrant?.close();
  });

  let firstId = '';
  let firstReceiptTs = '';

  it('remembers a job a worker completed, with its payload', async () => {
    await slash('add summarize the quarterly sales report for ACME');
    const { id, receipt } = await receiptFor('quarterly sales report for ACME');
    firstId = id;
    firstReceiptTs = receipt.ts;
    const point = await waitForPoint(id);
    expect(String(point.id)).toMatch(UUID);
    expect(point.vector).toHaveLength(64);
    expect(point.payload).toMatchObject({
      jobId: id,
      queue: 'local',
      priority: 3,
      user: stack.user,
      channel: stack.channel,
      receiptTs: receipt.ts,
      text: 'summarize the quarterly sales report for ACME',
      status: 'completed',
    });
    expect(point.payload.summary).toBe(
      `Request: summarize the quarterly sales report for ACME\nOutcome: completed on local (P3)\nAnswer: done ${id}`,
    );
    expect(Date.parse(String(point.payload.completedAt))).toBeGreaterThan(Date.now() - 60_000);
    // The line is logged once the upsert has answered: on a busy machine a moment after the point is there.
    await waitFor(() => stack.logRecords({ memory: 'stored', jobId: id }).length > 0, 5_000, 'the stored log line');
    expect(stack.logRecords({ memory: 'stored', jobId: id })).toHaveLength(1);
  });

  it('shows similar past jobs, linked to their thread, on the next similar job’s receipt', async () => {
    const sent = Date.now();
    await slash('add summarize the quarterly sales report for ACME again');
    const { blocks } = await receiptFor('report for ACME again');
    const elapsed = Date.now() - sent;
    process.stdout.write(`[qdrant-memory] slash command to receipt with a similar-jobs lookup: ${elapsed} ms\n`);
    expect(blocks).toContain('Similar past jobs');
    const link = `https://agentops-sim.slack.com/archives/${stack.channel}/p${firstReceiptTs.replace('.', '')}`;
    expect(blocks).toContain(`<${link}|#${firstId}> completed on local`);

    await slash('add draft a birthday poem for grandma');
    const unrelated = await receiptFor('birthday poem');
    expect(unrelated.blocks).not.toContain('Similar past jobs');
  });

  it('never holds a receipt longer than the budget when Qdrant is slow', async () => {
    qdrant.setDelay(/points\/query/, 4_000);
    try {
      const sent = Date.now();
      await slash('add summarize the quarterly sales report for ACME once more');
      const { blocks } = await receiptFor('report for ACME once more');
      const elapsed = Date.now() - sent;
      process.stdout.write(
        `[qdrant-memory] slash command to receipt with Qdrant 4 s slow (budget 800 ms): ${elapsed} ms\n`,
      );
      expect(elapsed).toBeLessThan(800 + 1_500);
      expect(blocks).not.toContain('Similar past jobs');
      expect(stack.logRecords({ memory: 'lookup_late', budgetMs: 800 }).length).toBeGreaterThan(0);
    } finally {
      qdrant.setDelay(undefined);
    }
  });

  it('keeps the similar jobs on the receipt when a button draws it again', async () => {
    await stack.queues.manager.pauseAll();
    try {
      await slash('add summarize the quarterly sales report for ACME in French');
      const { id, receipt } = await receiptFor('in French');
      expect(JSON.stringify(receipt.blocks)).toContain('Similar past jobs');
      await slash(`promote ${id} p1`);
      await waitFor(
        () => {
          const updated = stack.receiptOf(id);
          const blocks = JSON.stringify(updated?.blocks);
          return blocks.includes('P1 set by') && blocks.includes('Similar past jobs');
        },
        10_000,
        'the promoted receipt to keep its similar jobs',
      );
    } finally {
      await stack.queues.manager.resumeAll();
    }
  });

  it('answers /queue find and agentops find with the closest past jobs', async () => {
    await slash('find quarterly sales report');
    const answer = await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes('Closest past jobs')),
      10_000,
      'the find answer',
    );
    expect(answer.user).toBe(stack.user);
    expect(answer.text).toContain(`|#${firstId}>`);

    const run = await cli(['find', 'quarterly', 'sales', 'report']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Closest past jobs to "quarterly sales report"');
    expect(run.stdout).toMatch(new RegExp(`#${firstId}\\s+completed\\s+local`));
    const json = JSON.parse((await cli(['--json', 'find', 'quarterly sales report'])).stdout) as {
      result: { on: boolean; matches: { jobId: string }[] };
    };
    expect(json.result.on).toBe(true);
    expect(json.result.matches.map((match) => match.jobId)).toContain(firstId);
  });

  it('remembers every completion exactly once when the controller restarts while jobs complete', async () => {
    const old = stack.controller;
    const enqueue = (text: string) =>
      stack.queues.manager.enqueue({
        text,
        priority: 3,
        source: 'cli',
        requestedBy: 'cli:tester',
        routing: { queue: 'local', method: 'explicit', confidence: 1, patterns: [] },
      });
    const running = await enqueue('draft restart note one');
    await stack.queues.manager.pauseAll();
    const waiting = [await enqueue('draft restart note two'), await enqueue('draft restart note three')];
    const restarted = stack.restartController();
    await old.exited;
    // These complete while no controller runs.
    await stack.queues.manager.resumeAll();
    await waitFor(
      async () =>
        (await Promise.all(waiting.map((job) => stack.queues.manager.inspect(job.id)))).every(
          (job) => job.status === 'completed',
        ),
      10_000,
      'jobs to complete',
    );
    await restarted;
    const ids = [running.id, ...waiting.map((job) => job.id)];
    for (const id of ids) await waitForPoint(id, 15_000);
    await sleep(1_000);
    const counts = qdrant.upserts(COLLECTION);
    for (const id of ids) expect(counts.get(String(pointOf(id)?.id)), `upserts of job ${id}`).toBe(1);
    const all = `${old.output()}\n${stack.controller.output()}`;
    for (const id of ids) expect(logRecordsMatching(all, { memory: 'stored', jobId: id })).toHaveLength(1);
    // No earlier job was stored again on resume either.
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(await stack.queues.redis.get(agentopsKey(stack.queues.prefix, 'qdrant', 'last-event', 'local'))).toMatch(
      /^\d+-\d+$/,
    );
  });

  it('remembers a failed job with its failure as the outcome', async () => {
    const job = await stack.queues.manager.enqueue({
      text: 'research vector databases for job memory',
      priority: 2,
      source: 'cli',
      requestedBy: 'cli:tester',
      routing: { queue: 'research', method: 'explicit', confidence: 1, patterns: [] },
    });
    expect(await failNextJob(stack.queues, 'research', 'Claude Code exited with code 1')).toBe(job.id);
    const point = await waitForPoint(job.id);
    expect(point.payload).toMatchObject({
      jobId: job.id,
      queue: 'research',
      priority: 2,
      user: 'cli:tester',
      status: 'failed',
    });
    expect(point.payload.summary).toContain('Outcome: failed: Claude Code exited with code 1 on research (P2)');
    expect(point.payload).not.toHaveProperty('receiptTs');
  });

  it('leaves jobs and receipts untouched when the embedding model goes missing, and catches up when it is back', async () => {
    const slackMessagesBefore = stack.botMessages().length;
    const ephemeralsBefore = stack.sim.ephemerals().length;
    const enabledBefore = enabledLines();
    words.state.down = true;
    stack.llm.setModels([DEFAULT_CHAT_MODEL]);
    try {
      await slash('add summarize the monday meeting notes');
      const { id, blocks } = await receiptFor('monday meeting notes');
      expect(blocks).toContain('Cancel');
      await waitFor(
        async () => (await stack.queues.manager.inspect(id)).status === 'completed',
        10_000,
        'the job to complete',
      );
      await waitFor(
        () => stack.logRecords({ memory: 'embedding_failed' }).length > 0,
        10_000,
        'the embedding failure to be logged',
      );
      expect(pointOf(id)).toBeUndefined();
      // The receipt is the only message, and nobody was told about the memory.
      expect(stack.botMessages().length).toBe(slackMessagesBefore + 1);
      expect(
        stack.sim
          .ephemerals()
          .slice(ephemeralsBefore)
          .some((entry) => /embedding|qdrant/i.test(entry.text)),
      ).toBe(false);

      words.state.down = false;
      stack.llm.setModels([DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL]);
      await waitFor(() => enabledLines() > enabledBefore, 10_000, 'memory to come back');
      await waitForPoint(id);
    } finally {
      words.state.down = false;
      stack.llm.setModels([DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL]);
    }
  });

  it('runs without memory when Qdrant is down at start, says so on find, and turns it on when Qdrant appears', async () => {
    await qdrant.stop();
    try {
      await stack.restartController();
      await waitFor(() => stack.logRecords({ memory: 'unavailable' }).length > 0, 10_000, 'the not-available line');
      expect(enabledLines()).toBe(0);

      await slash('find quarterly sales report');
      const off = await waitFor(
        () => stack.sim.ephemerals().find((entry) => entry.text.includes('Job memory is off')),
        10_000,
        'the memory-off answer',
      );
      expect(off.text).toContain('docker compose --profile memory up -d');
      const cliOff = await cli(['find', 'quarterly sales report']);
      expect(cliOff.code).toBe(1);
      expect(cliOff.stderr).toContain('Job memory is off');

      const sent = Date.now();
      await slash('add summarize the tuesday standup notes');
      const { id, blocks } = await receiptFor('tuesday standup notes');
      process.stdout.write(`[qdrant-memory] slash command to receipt with memory off: ${Date.now() - sent} ms\n`);
      expect(blocks).not.toContain('Similar past jobs');
      await waitFor(
        async () => (await stack.queues.manager.inspect(id)).status === 'completed',
        10_000,
        'the job to complete',
      );
      expect(stack.logRecords({ memory: 'unavailable' })).toHaveLength(1);

      await qdrant.start();
      await waitFor(() => enabledLines() > 0, 10_000, 'memory to turn on');
      // Completed while Qdrant was away, remembered once it came.
      await waitForPoint(id);
    } finally {
      await qdrant.start();
    }
  });

  it('reports a changed embedding model once with the fix, and QDRANT_RECREATE=true recreates the collection', async () => {
    words.state.dimensions = 48;
    await stack.restartController();
    await waitFor(
      () => stack.logRecords({ memory: 'dimension_mismatch', storedDimensions: 64 }).length > 0,
      10_000,
      'the mismatch report',
    );
    // Several background checks later, still reported once.
    await sleep(1_500);
    const reports = stack.logRecords({ memory: 'dimension_mismatch', storedDimensions: 64 });
    expect(reports).toHaveLength(1);
    expect(reports[0]?.msg).toContain('set QDRANT_RECREATE=true');
    expect(enabledLines()).toBe(0);

    await slash('add summarize the wednesday retro notes');
    const { blocks } = await receiptFor('wednesday retro notes');
    expect(blocks).toContain('Cancel');

    await stack.restartController({ QDRANT_RECREATE: 'true' });
    await waitFor(() => enabledLines() > 0, 10_000, 'memory to be enabled after recreating');
    expect(stack.logRecords({ memory: 'recreated', collection: COLLECTION, dimensions: 48 })).toHaveLength(1);
    expect(qdrant.collection(COLLECTION)?.size).toBe(48);
    await slash('add summarize the thursday planning notes');
    const { id } = await receiptFor('thursday planning notes');
    const point = await waitForPoint(id);
    expect(point.vector).toHaveLength(48);
  });
});
