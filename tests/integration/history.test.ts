// The job history against real BullMQ jobs, in the embedded database (SQLite)
// and in PostgreSQL (the machine's local server, a schema of its own per run):
// every job's events reach it once each, it catches up after the feed was
// down, a batch that failed half way is applied once, retention prunes, and
// `history`, `stats` and `inspect` answer from it, refusing bad input clearly.
import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, ErrorCode, loadConfig, type Config, type JobData } from '@agentops/core';
import {
  bullJobReader,
  changesFor,
  createHistory,
  execute,
  historyFile,
  runCli,
  startHistoryFeed,
  type History,
  type StreamEvent,
} from '@agentops/controller';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { waitFor } from '../support/processes.js';

const PG_URL = `postgres://${process.env.PGUSER ?? 'postgres'}@127.0.0.1:5432/test`;
const logger = createLogger({ name: 'history-test', level: 'silent', format: 'json' });

/** Whether PostgreSQL answers on 127.0.0.1:5432; the reason when it does not. */
async function postgresProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
const pgProblem = await postgresProblem();

interface Database {
  name: string;
  /** Extra environment for this database, and how to drop it afterwards. */
  open(): Promise<{ env: Record<string, string>; drop(): Promise<void> }>;
  /** The number of stream events applied to a row (the `events` column), read beside the store. */
  eventsOf(config: Config, id: string): Promise<number | undefined>;
}

const sqlite: Database = {
  name: 'the embedded database (SQLite)',
  async open() {
    return { env: {}, drop: async () => undefined };
  },
  async eventsOf(config, id) {
    const db = new BetterSqlite3(historyFile(config), { readonly: true });
    try {
      return (db.prepare('select events from jobs where id = ?').get(Number(id)) as { events: number } | undefined)
        ?.events;
    } finally {
      db.close();
    }
  },
};

const postgres: Database = {
  name: 'PostgreSQL',
  async open() {
    const schema = `history_test_${randomUUID().slice(0, 8)}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    return {
      env: { DATABASE_URL: `${PG_URL}?options=-c%20search_path%3D${schema}` },
      async drop() {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`drop schema ${schema} cascade`);
        await client.end();
      },
    };
  },
  async eventsOf(config, id) {
    const client = new pg.Client({ connectionString: config.history.databaseUrl });
    await client.connect();
    try {
      const result = await client.query('select events from jobs where id = $1', [Number(id)]);
      return result.rows[0]?.events as number | undefined;
    } finally {
      await client.end();
    }
  },
};

const FOLLOWED = new Set(['added', 'waiting', 'delayed', 'active', 'completed', 'failed', 'removed']);

function cases(database: Database) {
  let queues: QueueHarness;
  let config: Config;
  let history: History;
  let drop: () => Promise<void>;
  const feeds: { close(): Promise<void> }[] = [];

  const startFeed = (beforeCommit?: () => void) => {
    const feed = startHistoryFeed({
      reader: queues.redis.duplicate(),
      streams: queues.manager.eventStreamKeys(),
      store: history.writer,
      readJob: bullJobReader(queues.manager),
      logger,
      blockMs: 100,
      ...(beforeCommit ? { beforeCommit } : {}),
    });
    feeds.push(feed);
    return feed;
  };

  const enqueue = (text: string, requestedBy = 'U0HISTORY1') =>
    queues.manager.enqueue({
      text,
      priority: 3,
      source: 'slash',
      requestedBy,
      routing: { queue: 'local', method: 'explicit', confidence: 1, patterns: [] },
    });

  const completed = (id: string) =>
    waitFor(
      async () => (await history.reader.get(id))?.status === 'completed',
      20_000,
      `job ${id} completed in the history`,
    );

  /** The events the feed follows that BullMQ wrote for job `id`. */
  const streamEventsOf = async (id: string) => {
    const entries = await queues.redis.xrange(queues.manager.eventStreamKeys().local, '-', '+');
    return entries.filter(([, fields]) => {
      const map = Object.fromEntries(
        fields.flatMap((_, index) => (index % 2 ? [] : [[fields[index], fields[index + 1]]])),
      );
      return map.jobId === `job-${id}` && FOLLOWED.has(map.event ?? '');
    }).length;
  };

  /** Rows made the way the feed makes them, for search, filters, pages, stats and retention. */
  const seed = async (
    jobs: {
      id: number;
      text: string;
      status: 'completed' | 'failed';
      queue?: JobData['queue'];
      by?: string;
      createdAt: number;
      durationMs?: number;
      costUsd?: number;
    }[],
  ) => {
    const events: StreamEvent[] = [];
    const snapshots = new Map();
    for (const job of jobs) {
      const data: JobData = {
        id: String(job.id),
        text: job.text,
        priority: 3,
        queue: job.queue ?? 'local',
        source: 'slash',
        requestedBy: job.by ?? 'U0SEED0001',
        createdAt: job.createdAt,
        routing: { queue: job.queue ?? 'local', method: 'keyword', confidence: 0.9, patterns: [] },
      };
      const finishedAt = job.createdAt + (job.durationMs ?? 1_000) + 10;
      snapshots.set(data.id, {
        data,
        attemptsMade: 1,
        createdAt: job.createdAt,
        startedAt: job.createdAt + 10,
        finishedAt,
        ...(job.status === 'failed' ? { failedReason: `boom ${job.text}` } : {}),
        result:
          job.status === 'completed'
            ? { text: `answer for ${job.text}`, stats: job.costUsd === undefined ? {} : { costUsd: job.costUsd } }
            : undefined,
      });
      for (const event of ['added', 'active', job.status])
        events.push({ streamId: '1-0', at: job.createdAt, event, jobId: data.id, fields: {} });
    }
    const cursors = await history.writer.cursors();
    await history.writer.apply('research', cursors.research ?? '0-0', changesFor(events, snapshots, Date.now()));
  };

  beforeAll(async () => {
    const opened = await database.open();
    drop = opened.drop;
    queues = await openQueues(opened.env);
    config = loadConfig({ ...queues.env, ...opened.env });
    history = await createHistory(config, logger);
    await queues.startWorker();
  }, 60_000);

  afterAll(async () => {
    for (const feed of feeds) await feed.close();
    await history?.close();
    await queues?.close();
    await drop?.();
  }, 60_000);

  it('writes every real job with its outcome, each event once', async () => {
    const feed = startFeed();
    const jobs = await Promise.all([enqueue('summarize the standup'), enqueue('translate the notes')]);
    for (const job of jobs) await completed(job.id);
    const first = await history.reader.get(jobs[0]?.id ?? '');
    expect(first).toMatchObject({
      id: jobs[0]?.id,
      queue: 'local',
      status: 'completed',
      text: 'summarize the standup',
      source: 'slash',
      requestedBy: 'U0HISTORY1',
      routing: 'explicit',
      attempts: 1,
      answer: `done ${jobs[0]?.id}`,
    });
    expect(first?.startedAt).toBeGreaterThanOrEqual(first?.createdAt ?? 0);
    expect(first?.durationMs).toBeGreaterThan(0);
    await feed.close();
    for (const job of jobs) expect(await database.eventsOf(config, job.id)).toBe(await streamEventsOf(job.id));
  });

  it('catches up on jobs that ran while the feed was down', async () => {
    const missed = [await enqueue('ran while the controller was away'), await enqueue('also while away')];
    await waitFor(
      async () =>
        (await queues.recorded('finished')).filter((entry) => missed.some((job) => job.id === entry.id)).length === 2,
      20_000,
      'jobs finished',
    );
    expect(await history.reader.get(missed[0]?.id ?? '')).toBeUndefined();
    const feed = startFeed();
    for (const job of missed) await completed(job.id);
    await feed.close();
    for (const job of missed) expect(await database.eventsOf(config, job.id)).toBe(await streamEventsOf(job.id));
  });

  it('applies a batch that failed before its commit once, when it is read again', async () => {
    let failures = 0;
    const feed = startFeed(() => {
      failures += 1;
      if (failures === 1) throw new Error('crash before the commit');
    });
    const job = await enqueue('survives a crash of the feed');
    await completed(job.id);
    expect(failures).toBeGreaterThan(1);
    await feed.close();
    expect(await database.eventsOf(config, job.id)).toBe(await streamEventsOf(job.id));
    // A feed started again reads nothing twice: the cursor moved with the rows.
    const again = startFeed();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await again.close();
    expect(await database.eventsOf(config, job.id)).toBe(await streamEventsOf(job.id));
  });

  it('searches, filters and pages newest first', async () => {
    const now = Date.now();
    await seed(
      Array.from({ length: 25 }, (_, index) => ({
        id: 700_000 + index,
        text: index % 5 === 0 ? `deploy the gateway service ${index}` : `rotate the logs ${index}`,
        status: index % 4 === 0 ? ('failed' as const) : ('completed' as const),
        queue: index % 2 === 0 ? ('research' as const) : ('code' as const),
        by: index % 3 === 0 ? 'U0ANNA0001' : 'U0BOB00001',
        createdAt: now - index * 1_000,
      })),
    );
    const deploys = await history.reader.list({ text: 'deploy gateway', limit: 50 });
    expect(deploys.jobs.map((job) => job.id)).toEqual(['700020', '700015', '700010', '700005', '700000']);
    expect((await history.reader.list({ text: '"the gateway" deplo*', limit: 50 })).jobs).toHaveLength(
      config.history.databaseUrl ? 0 : 5,
    );
    expect((await history.reader.list({ text: 'answer gateway', limit: 50 })).jobs.length).toBeGreaterThan(0);
    expect(
      (await history.reader.list({ text: 'boom rotate', queue: 'research', limit: 50 })).jobs.map((job) => job.id),
    ).toEqual(['700024', '700016', '700012', '700008', '700004']);
    const anna = await history.reader.list({
      requestedBy: 'U0ANNA0001',
      status: 'completed',
      queue: 'code',
      limit: 50,
    });
    expect(anna.jobs.map((job) => job.id)).toEqual(['700021', '700015', '700009', '700003']);
    // User text is never SQL or FTS syntax.
    expect((await history.reader.list({ text: `x" OR text:* ; drop table jobs; --`, limit: 5 })).jobs).toEqual([]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await history.reader.list({ text: 'rotate', limit: 7, ...(cursor ? { cursor } : {}) });
      seen.push(...page.jobs.map((job) => job.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(20);
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it('gives per queue and day stats', async () => {
    const day = Date.now();
    await seed([
      {
        id: 800_001,
        text: 'stats one',
        status: 'completed',
        queue: 'research',
        createdAt: day,
        durationMs: 2_000,
        costUsd: 0.5,
      },
      {
        id: 800_002,
        text: 'stats two',
        status: 'completed',
        queue: 'research',
        createdAt: day,
        durationMs: 4_000,
        costUsd: 0.25,
      },
      { id: 800_003, text: 'stats three', status: 'failed', queue: 'research', createdAt: day },
    ]);
    const stats = await history.reader.stats(7);
    const research = stats.find(
      (row) => row.queue === 'research' && row.day === new Date(day).toISOString().slice(0, 10),
    );
    expect(research?.completed).toBeGreaterThanOrEqual(2);
    expect(research?.costUsd).toBeGreaterThanOrEqual(0.75);
    expect(research?.successRate).toBeLessThan(1);
    expect(research?.p95Ms).toBeGreaterThanOrEqual(research?.p50Ms ?? 0);
  });

  it('prunes jobs older than HISTORY_DAYS', async () => {
    const old = Date.now() - (config.history.days + 1) * 86_400_000;
    await seed([{ id: 900_001, text: 'an old job', status: 'completed', createdAt: old }]);
    expect(await history.reader.get('900001')).toBeDefined();
    expect(await history.writer.prune()).toBeGreaterThanOrEqual(1);
    expect(await history.reader.get('900001')).toBeUndefined();
    expect((await history.reader.list({ text: 'old job', limit: 5 })).jobs).toEqual([]);
    expect(await history.reader.get('700000')).toBeDefined();
  });

  it('answers inspect from the history for a job BullMQ no longer keeps, and history and stats', async () => {
    const deps = { ...queues, history: history.reader };
    const actor = { id: 'cli:tester', source: 'cli' as const };
    const past = await execute({ kind: 'inspect', id: '700005' }, deps, actor);
    expect(past).toMatchObject({ kind: 'past', job: { id: '700005', text: 'deploy the gateway service 5' } });
    await expect(execute({ kind: 'inspect', id: '123456789' }, deps, actor)).rejects.toMatchObject({
      code: ErrorCode.JobNotFound,
    });
    const page = await execute({ kind: 'history', query: { text: 'gateway', status: 'failed' } }, deps, actor);
    expect(page).toMatchObject({ kind: 'history', page: { jobs: [{ id: '700020' }, { id: '700000' }] } });
    expect(await execute({ kind: 'stats' }, deps, actor)).toMatchObject({ kind: 'stats', days: 7 });
  });

  it('refuses bad input and a missing history with clear messages', async () => {
    const actor = { id: 'cli:tester', source: 'cli' as const };
    await expect(
      execute({ kind: 'history', query: { text: '!!!' } }, { ...queues, history: history.reader }, actor),
    ).rejects.toMatchObject({ code: ErrorCode.Usage, message: expect.stringMatching(/no words to look for/) });
    await expect(history.reader.list({ limit: 0 })).rejects.toMatchObject({
      code: ErrorCode.Usage,
      message: expect.stringMatching(/1 to 200 jobs/),
    });
    await expect(history.reader.list({ limit: 5, cursor: 'not-a-cursor' })).rejects.toMatchObject({
      code: ErrorCode.Usage,
    });
    await expect(execute({ kind: 'stats' }, queues, actor)).rejects.toMatchObject({
      code: ErrorCode.HistoryUnavailable,
      message: expect.stringMatching(/Start the controller/),
    });
  });

  it('is read by the agentops CLI beside the writer', async () => {
    let out = '';
    let err = '';
    const io = {
      stdout: (text: string) => {
        out += text;
      },
      stderr: (text: string) => {
        err += text;
      },
      readStdin: async () => '',
    };
    const env = { ...queues.env, ...(config.history.databaseUrl ? { DATABASE_URL: config.history.databaseUrl } : {}) };
    expect(await runCli(['history', 'gateway', 'failed'], env, io)).toBe(0);
    expect(err).toBe('');
    expect(out).toContain('#700020');
    out = '';
    expect(await runCli(['inspect', '700005'], env, io)).toBe(0);
    expect(out).toContain('from the job history');
    expect(await runCli(['history', 'failed', 'completed'], env, io)).toBe(2);
    expect(err).toContain('one outcome at a time');
  });
}

describe(`job history in ${sqlite.name}`, () => cases(sqlite));

describe.skipIf(pgProblem !== undefined)(
  `job history in PostgreSQL${pgProblem ? ` (skipped: no server on 127.0.0.1:5432: ${pgProblem}; start it with pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)` : ''}`,
  () => cases(postgres),
);
