// 1. Acknowledgement latency and 2. ingest throughput, through the real
// controller process over Socket Mode, with its durable intake: every request
// is written to the Redis Stream inbox before Slack is acked, and the inbox's
// consumer group turns it into jobs (receipts handed to the delivery outbox
// before each job exists; the delivery service posts them within Slack's
// limits, its default 1 a second per channel, off the measured path). The
// controller's LM Studio is the slow stand-in (every routing question answered
// after 10 s, ROUTER_LLM_TIMEOUT_MS 20 s): requests the keywords decide never
// ask it, requests they leave undecided all wait 10 s for it. After the LLM
// runs, the rate at which those requests became jobs is reported (the
// consumer handles a few entries at a time). Ingest runs on a controller and
// prefix of its own, so the LLM runs' backlog cannot hold it up. No worker
// runs, so every job stays in Redis to be checked: it exists, carries its
// Slack origin, and its receipt is in the outbox or posted (and then linked
// to the job). Last, the intake's crash recovery (intake-recovery.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import { ACTION_IDS } from '@agentops/core';
import type { SimMessage } from '../../support/slack-sim/index.js';
import { startController } from '../lib/controller.js';
import { intakeRecovery } from './intake-recovery.js';
import type { BenchContext, PhaseResult } from '../lib/context.js';
import {
  checkJobs,
  idRange,
  jobCheckProblem,
  jobKeys,
  counterWithin,
  lastJobId,
  waitForCounter,
  waitForKeys,
} from '../lib/jobs.js';
import type { Figure } from '../lib/report.js';
import { keywordDecidedTexts, llmRoutedTexts, loadRoutingSet } from '../lib/routing-set.js';
import { quantile, summarize } from '../lib/stats.js';

const PREFIX = 'bench-slack';
/** Ingest runs on a controller and prefix of their own: the LLM runs leave a backlog in the first one's inbox. */
const INGEST_PREFIX = 'bench-slack-ingest';
const ACK_SECTION = '1 Ack latency';
const INGEST_SECTION = '2 Ingest';
const TYPES = ['slash', 'message', 'click'] as const;
type EnvelopeType = (typeof TYPES)[number];
type Mode = 'keyword' | 'llm';

interface Targets {
  receipts: string[];
  board: string;
}

function hasAction(message: SimMessage, actionId: string): boolean {
  return JSON.stringify(message.blocks ?? []).includes(`"action_id":"${actionId}"`);
}

interface AckRun {
  samples: Record<EnvelopeType, number[]>;
  unacked: number;
  jobEnvelopes: number;
  /** The slowest acks: when in the run (ms from its start) and of what. */
  slowest: { type: EnvelopeType; atMs: number; ackMs: number }[];
}

interface TextSource {
  texts: readonly string[];
  cursor: number;
}

/** Sends slash commands, messages and clicks in turn, one every `intervalMs`, without waiting for acks. */
async function ackRun(
  ctx: BenchContext,
  source: TextSource,
  targets: Targets,
  perType: number,
  intervalMs: number,
): Promise<AckRun> {
  const { sim } = ctx;
  const sends: Promise<{ type: EnvelopeType; atMs: number; ackMs?: number }>[] = [];
  const started = performance.now();
  let clicks = 0;
  for (let index = 0; index < perType * TYPES.length; index += 1) {
    const type = TYPES[index % TYPES.length] ?? 'slash';
    const atMs = Math.round(performance.now() - started);
    const text = type === 'click' ? '' : (source.texts[source.cursor++ % source.texts.length] ?? 'summarize the notes');
    let delivery: Promise<{ ackMs: number }>;
    if (type === 'slash') delivery = sim.sendSlashCommand({ text: `add ${text}` });
    else if (type === 'message') delivery = sim.sendMessage({ text });
    else {
      clicks += 1;
      // Receipt buttons (Promote) and status board buttons (Refresh), alternately.
      delivery =
        clicks % 2 === 1
          ? sim.sendBlockAction({
              actionId: ACTION_IDS.promote,
              messageTs: targets.receipts[(clicks >> 1) % targets.receipts.length] ?? '',
            })
          : sim.sendBlockAction({ actionId: ACTION_IDS.refresh, messageTs: targets.board });
    }
    sends.push(
      delivery.then(
        (d) => ({ type, atMs, ackMs: d.ackMs }),
        () => ({ type, atMs }),
      ),
    );
    const wait = started + (index + 1) * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
  }
  const settled = await Promise.all(sends);
  const samples: Record<EnvelopeType, number[]> = { slash: [], message: [], click: [] };
  let unacked = 0;
  for (const result of settled) {
    if (result.ackMs === undefined) unacked += 1;
    else samples[result.type].push(result.ackMs);
  }
  const slowest = settled
    .filter((result): result is { type: EnvelopeType; atMs: number; ackMs: number } => result.ackMs !== undefined)
    .sort((a, b) => b.ackMs - a.ackMs)
    .slice(0, 5);
  return { samples, unacked, jobEnvelopes: perType * 2, slowest };
}

interface IngestRun {
  jobsPerSec: number;
  ms: number;
  unacked: number;
  check: Awaited<ReturnType<typeof checkJobs>>;
}

async function ingestRun(
  ctx: BenchContext,
  prefix: string,
  texts: readonly string[],
  jobs: number,
  batchSize: number,
): Promise<IngestRun> {
  const after = await lastJobId(ctx, prefix);
  const ids = idRange(after, jobs);
  let cursor = 0;
  const nextText = () => texts[cursor++ % texts.length] ?? 'summarize the notes';
  const started = Date.now();
  const sends: Promise<boolean>[] = [];
  for (let sent = 0; sent < jobs; sent += batchSize) {
    const text =
      batchSize === 1 ? nextText() : `queue:\n${Array.from({ length: batchSize }, () => `- ${nextText()}`).join('\n')}`;
    sends.push(
      ctx.sim.sendMessage({ text }).then(
        () => true,
        () => false,
      ),
    );
  }
  await waitForCounter(ctx, prefix, after + jobs, 60_000, 5);
  const finished = await waitForKeys(ctx, ids, jobKeys(prefix), {
    timeoutMs: 60_000,
    pollMs: 10,
    what: 'ingested jobs',
  });
  const unacked = (await Promise.all(sends)).filter((acked) => !acked).length;
  const check = await checkJobs(ctx, prefix, ids);
  const problem = jobCheckProblem(check);
  if (problem) ctx.errors.push(`ingest (batch ${batchSize}): ${problem}`);
  return { jobsPerSec: jobs / ((finished - started) / 1_000), ms: finished - started, unacked, check };
}

function ackFigures(mode: Mode, runs: AckRun[]): Figure[] {
  const label = mode === 'keyword' ? 'keyword router' : '10 s LLM fallback';
  return TYPES.flatMap((type) => {
    const name = type === 'click' ? 'button click' : type === 'slash' ? 'slash command' : 'message';
    const p50 = runs.map((run) => quantile(run.samples[type], 0.5));
    const p99 = runs.map((run) => quantile(run.samples[type], 0.99));
    return [
      {
        id: `ack.${mode}.${type}.p50`,
        section: ACK_SECTION,
        label: `${name} p50, ${label}`,
        unit: 'ms',
        summary: summarize(p50),
      },
      {
        id: `ack.${mode}.${type}.p99`,
        section: ACK_SECTION,
        label: `${name} p99, ${label}`,
        unit: 'ms',
        summary: summarize(p99),
        target: { op: '<', value: 50 },
      },
    ] satisfies Figure[];
  });
}

export async function slackPhase(ctx: BenchContext): Promise<PhaseResult> {
  const quick = ctx.settings.quick;
  const items = loadRoutingSet();
  const keywordTexts = keywordDecidedTexts(items);
  const llmTexts = llmRoutedTexts(items);
  const runs = quick ? 2 : 3;
  const perType = quick ? 40 : 100;
  const intervalMs = 20;
  const { sim } = ctx;
  const channel = sim.config.defaultChannelId;
  let controller = await startController(ctx, 'controller-slack', PREFIX, ctx.llmDelayed.baseURL);
  const details: Record<string, unknown> = {
    runs,
    perType,
    envelopesPerSecond: 1_000 / intervalMs,
    llmTexts: llmTexts.length,
    keywordTexts: keywordTexts.length,
  };
  const figures: Figure[] = [];
  try {
    // Warm-up, and the messages the clicks need: receipts with a Promote button and a status board.
    const warmAfter = await lastJobId(ctx, PREFIX);
    await Promise.all(
      keywordTexts
        .slice(0, 20)
        .map((text, index) => (index % 2 ? sim.sendMessage({ text }) : sim.sendSlashCommand({ text: `add ${text}` }))),
    );
    await sim.sendMessage({ text: 'status' });
    await waitForCounter(ctx, PREFIX, warmAfter + 20, 30_000);
    await waitForKeys(ctx, idRange(warmAfter, 20), jobKeys(PREFIX), {
      timeoutMs: 30_000,
      pollMs: 20,
      what: 'warm-up jobs',
    });
    const board = await sim.waitForMessage(channel, (message) => hasAction(message, ACTION_IDS.refresh), 10_000);
    const receipts = sim
      .messages(channel)
      .filter((message) => !message.thread_ts && hasAction(message, ACTION_IDS.promote))
      .map((message) => message.ts);
    const targets: Targets = { receipts, board: board.ts };

    const ack: Record<Mode, AckRun[]> = { keyword: [], llm: [] };
    const llmCalls = () => ctx.llmDelayed.calls('/v1/chat/completions');
    for (const mode of ['keyword', 'llm'] as const) {
      const modeStarted = Date.now();
      const callsBefore = llmCalls();
      const idsBefore = await lastJobId(ctx, PREFIX);
      const source: TextSource = { texts: mode === 'keyword' ? keywordTexts : llmTexts, cursor: 0 };
      let jobEnvelopes = 0;
      if (mode === 'llm') {
        // Unmeasured lead-in as long as the LLM's delay: from then on, routing answers come back
        // as fast as new requests go out (the steady state of a channel with a slow model).
        const leadIn = await ackRun(
          ctx,
          source,
          targets,
          Math.ceil(ctx.settings.llmDelayMs / intervalMs / TYPES.length),
          intervalMs,
        );
        jobEnvelopes += leadIn.jobEnvelopes;
      }
      for (let run = 0; run < runs; run += 1) {
        const result = await ackRun(ctx, source, targets, perType, intervalMs);
        jobEnvelopes += result.jobEnvelopes;
        if (result.unacked)
          ctx.errors.push(`ack ${mode} run ${run + 1}: ${result.unacked} envelope(s) not acked within 3 s`);
        ack[mode].push(result);
      }
      // Let every routing answer arrive and every job be queued before measuring anything else,
      // for as long as the slowest routing answer may take. The intake handles a few inbox
      // entries at a time, so with a 10 s model a backlog may still be waiting after that.
      const waitMs = mode === 'llm' ? ctx.settings.routerTimeoutMs + 30_000 : 30_000;
      const sentAt = Date.now();
      const madeAtSent = (await lastJobId(ctx, PREFIX)) - idsBefore;
      const made = (await counterWithin(ctx, PREFIX, idsBefore + jobEnvelopes, waitMs, 50)) - idsBefore;
      const waitedSec = (Date.now() - sentAt) / 1_000;
      if (made < jobEnvelopes)
        ctx.errors.push(
          `ack ${mode}: ${made} of ${jobEnvelopes} accepted requests were jobs ${waitMs / 1_000} s after the last one (${((made - madeAtSent) / waitedSec).toFixed(1)} jobs/s in that time); the rest still wait in the intake inbox`,
        );
      if (mode === 'llm') {
        figures.push({
          id: 'ingest.llm_routed.jobs_per_sec',
          section: INGEST_SECTION,
          label: `requests the 10 s LLM fallback routes, made into jobs (${jobEnvelopes} accepted in ${((sentAt - modeStarted) / 1_000).toFixed(0)} s)`,
          unit: 'jobs/s',
          summary: summarize([(made - madeAtSent) / waitedSec]),
          note: `after the last request was acked, for up to ${waitMs / 1_000} s`,
        });
      }
      const ids = idRange(idsBefore, made);
      await waitForKeys(ctx, ids, jobKeys(PREFIX), { timeoutMs: 30_000, pollMs: 50, what: `${mode} jobs` });
      const check = await checkJobs(ctx, PREFIX, ids);
      const problem = jobCheckProblem(check);
      if (problem) ctx.errors.push(`ack ${mode}: ${problem}`);
      details[`ack_${mode}`] = {
        llmRoutingCalls: llmCalls() - callsBefore,
        jobs: check,
        samples: ack[mode].map((run) =>
          Object.fromEntries(
            TYPES.map((type) => [type, { n: run.samples[type].length, max: Math.max(...run.samples[type]) }]),
          ),
        ),
        slowest: ack[mode].map((run) => run.slowest),
      };
      if (mode === 'llm' && check.byMethod.llm !== made)
        ctx.errors.push(`ack llm: only ${check.byMethod.llm ?? 0} of ${made} jobs were routed by the LLM`);
      if (mode === 'keyword' && llmCalls() !== callsBefore)
        ctx.errors.push(`ack keyword: ${llmCalls() - callsBefore} LLM calls where none were expected`);
      figures.push(...ackFigures(mode, ack[mode]));
    }

    await controller.stop();
    sim.reset();
    controller = await startController(ctx, 'controller-ingest', INGEST_PREFIX, ctx.llmDelayed.baseURL);
    const singles = quick ? 200 : 500;
    const batches = quick ? 200 : 500;
    const ingest: { single: IngestRun[]; batch: IngestRun[] } = { single: [], batch: [] };
    await ingestRun(ctx, INGEST_PREFIX, keywordTexts, 50, 1); // warm-up
    for (let run = 0; run < runs; run += 1) {
      ingest.single.push(await ingestRun(ctx, INGEST_PREFIX, keywordTexts, singles, 1));
      sim.reset();
      ingest.batch.push(await ingestRun(ctx, INGEST_PREFIX, keywordTexts, batches, 50));
      sim.reset();
    }
    figures.push(
      {
        id: 'ingest.single.jobs_per_sec',
        section: INGEST_SECTION,
        label: `single messages (${singles} sent at once)`,
        unit: 'jobs/s',
        summary: summarize(ingest.single.map((run) => run.jobsPerSec)),
        target: { op: '>=', value: 500 },
      },
      {
        id: 'ingest.batch.jobs_per_sec',
        section: INGEST_SECTION,
        label: `queue: batches of 50 (${batches / 50} sent at once)`,
        unit: 'jobs/s',
        summary: summarize(ingest.batch.map((run) => run.jobsPerSec)),
        target: { op: '>=', value: 500 },
      },
    );
    const unacked = [...ingest.single, ...ingest.batch].reduce((sum, run) => sum + run.unacked, 0);
    if (unacked) ctx.errors.push(`ingest: ${unacked} message(s) not acked within 3 s`);
    details.ingest = {
      single: ingest.single.map(({ jobsPerSec, ms, unacked: missed, check }) => ({
        jobsPerSec,
        ms,
        unacked: missed,
        check,
      })),
      batch: ingest.batch.map(({ jobsPerSec, ms, unacked: missed, check }) => ({
        jobsPerSec,
        ms,
        unacked: missed,
        check,
      })),
    };
  } finally {
    await controller.stop();
  }
  // One controller at a time on the simulator's socket: recovery starts its own.
  const recovery = await intakeRecovery(ctx, llmTexts);
  figures.push(...recovery.figures);
  details.recovery = recovery.details;
  return { figures, details };
}
