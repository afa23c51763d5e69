// 7. Slack delivery inside Slack's rate limits. The simulator enforces Slack's
// limits (chat.postMessage 1 a second per channel after a burst of 20,
// chat.update 50 a minute after a burst of 20; 429 with Retry-After), the
// controller runs with its default delivery settings (the same buckets), and
// one instant fixture worker (instant-worker.ts, started as every worker is)
// serves the local queue. One `queue:` message of 50 lines, each a request the
// keywords route to local, goes through the simulator; every job gets its
// receipt (card), its card edits and its answer in the thread.
//
// Measured from the send: the time until the last answer is in its thread,
// against the least time the buckets allow for the calls Slack accepted (posts
// per channel and edits, each through a full bucket; the larger of the two);
// the Slack calls each job cost beyond its receipt (posts in its thread, edits
// of its card; every call made, 429s included); and the share of calls Slack
// answered 429. Each run has a fresh controller and fresh simulator buckets,
// so both start full.
import { classifyByKeywords } from '@agentops/controller';
import { SLACK_RATE_LIMITS } from '../../support/slack-sim/limits.js';
import { startProcess, type BenchProcess } from '../lib/children.js';
import { agentopsEnv, SCRIPTS, type BenchContext, type PhaseResult } from '../lib/context.js';
import { startController } from '../lib/controller.js';
import { checkJobs, idRange, jobCheckProblem, lastJobId, outboxDepth } from '../lib/jobs.js';
import type { Figure } from '../lib/report.js';
import { keywordDecidedTexts, loadRoutingSet } from '../lib/routing-set.js';
import { answersDelivered, bucketMinimum, callsPerJob, deliveryKeyOf, type BucketMinimum } from '../lib/slack-calls.js';
import { summarize } from '../lib/stats.js';

const PREFIX = 'bench-delivery';
const SECTION = '7 Slack delivery';
const BATCH = 50;
/** Slack's buckets allow the 100 posts of a batch in 80 s; this leaves room for a very slow run. */
const ANSWERS_TIMEOUT_MS = 300_000;

interface BatchRun {
  lastAnswerSec: number;
  firstReceiptSec: number;
  minimum: BucketMinimum;
  ratio: number;
  answered: number;
  maxPostsPerJob: number;
  maxEditsPerJob: number;
  meanPostsPerJob: number;
  meanEditsPerJob: number;
  calls: number;
  rateLimited: number;
  rateLimitedPct: number;
  byMethod: Record<string, number>;
}

function localTexts(): string[] {
  const texts = keywordDecidedTexts(loadRoutingSet()).filter(
    (text) => classifyByKeywords(text).decided?.queue === 'local',
  );
  if (texts.length === 0) throw new Error('bench: no request of the routing set is routed to local by keywords');
  return Array.from({ length: BATCH }, (_, index) => texts[index % texts.length] ?? 'summarize the notes');
}

async function batchRun(ctx: BenchContext, run: number, texts: readonly string[]): Promise<BatchRun> {
  const { sim } = ctx;
  const controller = await startController(ctx, `controller-delivery-${run}`, PREFIX, ctx.llmInstant.baseURL);
  try {
    const after = await lastJobId(ctx, PREFIX);
    // Fresh buckets in the simulator (the controller's are fresh with the process), a clean call record.
    sim.setRateLimits(SLACK_RATE_LIMITS);
    sim.reset();
    const sentAt = Date.now();
    await sim.sendMessage({ text: `queue:\n${texts.map((text) => `- ${text}`).join('\n')}` });
    await sim.waitFor(
      () => (answersDelivered(sim.calls('chat.postMessage')).size >= BATCH ? true : undefined),
      ANSWERS_TIMEOUT_MS,
      `${BATCH} answers in their threads`,
    );
    // The last card edits may come after the last answer: the run ends when the outbox is empty.
    const deadline = Date.now() + 120_000;
    while ((await outboxDepth(ctx, PREFIX)) > 0) {
      if (Date.now() > deadline) {
        ctx.errors.push(`delivery run ${run}: the outbox was not empty 120 s after the last answer`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const calls = sim.calls();
    const rateLimited = sim.rateLimited();
    const answers = answersDelivered(calls);
    const minimum = bucketMinimum(calls, SLACK_RATE_LIMITS);
    const lastAnswerSec = (Math.max(...answers.values()) - sentAt) / 1_000;
    const firstReceipt = calls.find(
      (call) => call.ok && call.method === 'chat.postMessage' && deliveryKeyOf(call)?.startsWith('receipt:'),
    );
    const perJob = [...callsPerJob(calls).values()];
    const ids = idRange(after, BATCH);
    const check = await checkJobs(ctx, PREFIX, ids);
    const problem = jobCheckProblem(check);
    if (problem) ctx.errors.push(`delivery run ${run}: ${problem}`);
    if (check.receiptPosted !== BATCH || perJob.length !== BATCH)
      ctx.errors.push(`delivery run ${run}: ${check.receiptPosted} of ${BATCH} receipts posted`);
    const byMethod: Record<string, number> = {};
    for (const call of calls) byMethod[call.method] = (byMethod[call.method] ?? 0) + 1;
    const sum = (pick: (entry: { posts: number; edits: number }) => number) =>
      perJob.reduce((total, entry) => total + pick(entry), 0);
    return {
      lastAnswerSec,
      firstReceiptSec: firstReceipt ? (firstReceipt.at - sentAt) / 1_000 : Number.NaN,
      minimum,
      ratio: lastAnswerSec / minimum.seconds,
      answered: answers.size,
      maxPostsPerJob: Math.max(...perJob.map((entry) => entry.posts)),
      maxEditsPerJob: Math.max(...perJob.map((entry) => entry.edits)),
      meanPostsPerJob: sum((entry) => entry.posts) / perJob.length,
      meanEditsPerJob: sum((entry) => entry.edits) / perJob.length,
      calls: calls.length,
      rateLimited,
      rateLimitedPct: calls.length ? (rateLimited / calls.length) * 100 : 0,
      byMethod,
    };
  } finally {
    sim.setRateLimits({});
    await controller.stop();
  }
}

export async function deliveryPhase(ctx: BenchContext): Promise<PhaseResult> {
  const runs = ctx.settings.quick ? 1 : 2;
  const texts = localTexts();
  let worker: BenchProcess | undefined;
  const results: BatchRun[] = [];
  try {
    worker = startProcess({
      name: 'delivery-local-worker',
      script: SCRIPTS.instantWorker,
      env: agentopsEnv(ctx, PREFIX, { BENCH_QUEUE: 'local' }),
      logDir: ctx.logDir,
    });
    await worker.waitForLog('Started on queue', 30_000);
    for (let run = 1; run <= runs; run += 1) results.push(await batchRun(ctx, run, texts));
  } finally {
    await worker?.stop();
    ctx.sim.reset();
  }
  const of = (pick: (run: BatchRun) => number) => summarize(results.map(pick));
  const first = results[0];
  const made = first
    ? `${Math.max(...Object.values(first.minimum.postsByChannel))} posts in the channel, ${first.minimum.updates} edits`
    : '';
  const figures: Figure[] = [
    {
      id: 'delivery.batch50.last_answer_sec',
      section: SECTION,
      label: `${BATCH}-line batch, Slack's limits: last answer in its thread, from the send`,
      unit: 's',
      summary: of((run) => run.lastAnswerSec),
    },
    {
      id: 'delivery.batch50.bucket_minimum_sec',
      section: SECTION,
      label: "least time Slack's buckets allow for the calls made",
      unit: 's',
      summary: of((run) => run.minimum.seconds),
      note: `${made}; posts 1/s after 20, edits 50/min after 20; the larger bound`,
    },
    {
      id: 'delivery.batch50.ratio',
      section: SECTION,
      label: 'last answer / least time the buckets allow',
      unit: 'x',
      summary: of((run) => run.ratio),
      target: { op: '<=', value: 1.15 },
    },
    {
      id: 'delivery.batch50.first_receipt_sec',
      section: SECTION,
      label: 'first receipt in the channel, from the send',
      unit: 's',
      summary: of((run) => run.firstReceiptSec),
    },
    {
      id: 'delivery.batch50.posts_per_job',
      section: SECTION,
      label: 'posts per instant job beyond its receipt, most of any job',
      unit: 'calls',
      summary: of((run) => run.maxPostsPerJob),
      target: { op: '<=', value: 1 },
    },
    {
      id: 'delivery.batch50.edits_per_job',
      section: SECTION,
      label: 'card edits per instant job, most of any job',
      unit: 'calls',
      summary: of((run) => run.maxEditsPerJob),
      target: { op: '<=', value: 3 },
    },
    {
      id: 'delivery.batch50.rate_limited_pct',
      section: SECTION,
      label: 'calls Slack answered 429',
      unit: '%',
      summary: of((run) => run.rateLimitedPct),
      target: { op: '<', value: 1 },
    },
  ];
  return { figures, details: { batch: BATCH, runs: results } };
}
