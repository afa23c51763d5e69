// 8. The job history. (a) It keeps up with the pipeline: N jobs go through
// BullMQ as fast as an instant in-process worker takes them (the pipeline's
// best case), then the history feed reads their events (about four each) into
// the embedded database from the start of the streams; its jobs/s against the
// pipeline's jobs/s says whether a backlog could grow (a ratio of at least 1:
// the feed writes jobs faster than the pipeline finishes them). N stays under
// BullMQ's ~10,000-event stream trim (about four entries a job) and at
// KEEP_COMPLETED, the completed jobs BullMQ keeps (a row is made from the job's
// data); the feed is timed to the last job whose completion is in the stream. (b) `history` search over 1,000,000 rows
// in the embedded database: rows bulk-inserted in one transaction (the FTS5
// triggers index each), then 100 searches of one or two words, newest 20
// first, timed through the store as the commands call it.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Worker } from 'bullmq';
import { createLogger, KEEP_COMPLETED, loadConfig, QUEUE_NAMES } from '@agentops/core';
import { bullJobReader, createHistory, historyFile, QueueManager, startHistoryFeed } from '@agentops/controller';
import { agentopsEnv, type BenchContext, type PhaseResult } from '../lib/context.js';
import type { Figure } from '../lib/report.js';
import { quantile, summarize } from '../lib/stats.js';

const SECTION = '8 History';
const PREFIX = 'bench-history';
const logger = createLogger({ name: 'bench-history', level: 'silent', format: 'json' });

/** A vocabulary of made-up words, so every word matches about the same share of rows. */
function vocabulary(size: number): string[] {
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'do', 'fi', 'gu', 'he', 'ji'];
  const words = new Set<string>();
  let seed = 7;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed;
  };
  while (words.size < size)
    words.add(Array.from({ length: 2 + (next() % 3) }, () => syllables[next() % syllables.length]).join(''));
  return [...words];
}

async function keepsUp(ctx: BenchContext, jobs: number) {
  const env = agentopsEnv(ctx, PREFIX, { AGENTOPS_DATA_DIR: path.join(ctx.tmp, 'history-feed') });
  const config = loadConfig(env);
  const manager = new QueueManager({ connection: ctx.client.duplicate(), prefix: PREFIX });
  const worker = new Worker('local', async () => ({ text: 'ok' }), {
    connection: ctx.client.duplicate(),
    prefix: PREFIX,
    concurrency: 50,
  });
  let done = 0;
  const finished = new Promise<void>((resolve) =>
    worker.on('completed', () => {
      done += 1;
      if (done === jobs) resolve();
    }),
  );
  const routing = { queue: 'local' as const, method: 'explicit' as const, confidence: 1, patterns: [] };
  const pipelineStart = Date.now();
  for (let sent = 0; sent < jobs; sent += 500)
    await manager.enqueueMany(
      Array.from({ length: Math.min(500, jobs - sent) }, (_, index) => ({
        text: `history bench job ${sent + index}`,
        priority: 3 as const,
        source: 'cli' as const,
        requestedBy: 'cli:bench',
        routing,
      })),
    );
  await finished;
  const pipelineSec = (Date.now() - pipelineStart) / 1_000;
  await worker.close();

  // The jobs whose completion is still in the stream (BullMQ trims it to about 10,000 entries): what the feed can write.
  const entries = await ctx.client.xrange(manager.eventStreamKeys().local, '-', '+');
  const expected = entries.filter(([, fields]) => fields[0] === 'event' && fields[1] === 'completed').length;
  mkdirSync(config.paths.dataDir, { recursive: true });
  const history = await createHistory(config, logger);
  let batches = 0;
  let read = 0;
  let caughtUp: (() => void) | undefined;
  const allRead = new Promise<void>((resolve) => {
    caughtUp = resolve;
  });
  const feedStart = Date.now();
  const feed = startHistoryFeed({
    reader: ctx.client.duplicate(),
    streams: manager.eventStreamKeys(),
    store: history.writer,
    readJob: bullJobReader(manager),
    logger,
    blockMs: 100,
    // Timed by the feed's own commits: polling the database meanwhile would run queries on the feed's thread.
    onBatch: (_queue, count) => {
      batches += 1;
      read += count;
      if (read >= entries.length) caughtUp?.();
    },
  });
  await Promise.race([allRead, new Promise((resolve) => setTimeout(resolve, 120_000))]);
  const feedSec = (Date.now() - feedStart) / 1_000;
  const completed = (await history.reader.stats(1)).reduce((sum, day) => sum + day.completed, 0);
  await feed.close();
  await history.close();
  for (const queue of QUEUE_NAMES) await manager.queues[queue].obliterate({ force: true }).catch(() => undefined);
  await manager.close();
  return {
    pipelinePerSec: jobs / pipelineSec,
    feedPerSec: completed / feedSec,
    completed,
    expected,
    events: entries.length,
    batches,
  };
}

async function search(ctx: BenchContext, rows: number) {
  const env = agentopsEnv(ctx, PREFIX, { AGENTOPS_DATA_DIR: path.join(ctx.tmp, 'history-search') });
  const config = loadConfig(env);
  mkdirSync(config.paths.dataDir, { recursive: true });
  // The schema as the controller makes it; then the rows straight in, in one transaction.
  await (await createHistory(config, logger)).close();
  const words = vocabulary(2_000);
  const db = new BetterSqlite3(historyFile(config));
  const insert = db.prepare(
    `insert into jobs (id, queue, priority, status, text, source, requested_by, routing, created_at, started_at, finished_at, attempts, duration_ms, cost_usd, answer, updated_at)
     values (?, ?, 3, ?, ?, 'slash', ?, 'keyword', ?, ?, ?, 1, ?, ?, ?, ?)`,
  );
  const now = Date.now();
  let seed = 11;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed;
  };
  const pick = (count: number) => Array.from({ length: count }, () => words[next() % words.length]).join(' ');
  const insertStart = Date.now();
  db.transaction(() => {
    for (let id = 1; id <= rows; id += 1) {
      const created = now - Math.floor(((rows - id) / rows) * 80 * 86_400_000);
      const failed = next() % 10 === 0;
      insert.run(
        id,
        QUEUE_NAMES[id % 3],
        failed ? 'failed' : 'completed',
        pick(8 + (next() % 8)),
        `U0USER${String(id % 50).padStart(4, '0')}`,
        created,
        created + 100,
        created + 30_000,
        30_000,
        id % 3 === 1 ? 0.05 : null,
        failed ? null : pick(12),
        created,
      );
    }
  })();
  const insertSec = (Date.now() - insertStart) / 1_000;
  db.close();

  const history = await createHistory(config, logger);
  const times: number[] = [];
  let found = 0;
  for (let run = 0; run < 100; run += 1) {
    const text = pick(1 + (run % 2));
    const started = performance.now();
    const page = await history.reader.list({ text, limit: 20 });
    times.push(performance.now() - started);
    found += page.jobs.length;
  }
  await history.close();
  return { insertSec, times, found };
}

export async function historyPhase(ctx: BenchContext): Promise<PhaseResult> {
  const jobs = ctx.settings.quick ? 300 : KEEP_COMPLETED;
  const rows = ctx.settings.quick ? 100_000 : 1_000_000;
  const feed = await keepsUp(ctx, jobs);
  const searched = await search(ctx, rows);
  const figures: Figure[] = [
    {
      id: 'history.pipeline.jobs_per_sec',
      section: SECTION,
      label: `(a) pipeline: ${jobs} instant jobs through BullMQ, c=50`,
      unit: 'jobs/s',
      summary: summarize([feed.pipelinePerSec]),
    },
    {
      id: 'history.feed.jobs_per_sec',
      section: SECTION,
      label: `(a) history feed: the same jobs' events into the embedded database`,
      unit: 'jobs/s',
      summary: summarize([feed.feedPerSec]),
    },
    {
      id: 'history.feed.ratio',
      section: SECTION,
      label: '(a) history feed / pipeline (at least 1: no growing backlog)',
      unit: 'x',
      summary: summarize([feed.feedPerSec / feed.pipelinePerSec]),
      target: { op: '>=', value: 1 },
    },
    {
      id: 'history.search.p95',
      section: SECTION,
      label: `(b) history search p95, ${rows.toLocaleString('en-US')} rows (embedded), 100 searches`,
      unit: 'ms',
      summary: summarize([quantile(searched.times, 0.95)]),
      target: { op: '<', value: 50 },
    },
    {
      id: 'history.search.p50',
      section: SECTION,
      label: `(b) history search p50, ${rows.toLocaleString('en-US')} rows`,
      unit: 'ms',
      summary: summarize([quantile(searched.times, 0.5)]),
    },
    {
      id: 'history.insert.rows_per_sec',
      section: SECTION,
      label: `(b) bulk insert with FTS5 indexing, one transaction`,
      unit: 'rows/s',
      summary: summarize([rows / searched.insertSec]),
    },
  ];
  if (feed.completed < feed.expected)
    ctx.errors.push(`history: the feed wrote ${feed.completed} of ${feed.expected} jobs in 120 s`);
  return {
    figures,
    details: {
      jobs,
      rows,
      feed,
      search: { insertSec: searched.insertSec, found: searched.found, times: searched.times },
    },
  };
}
