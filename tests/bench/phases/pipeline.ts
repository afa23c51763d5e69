// 3. Pipeline overhead against bare BullMQ. The same jobs (AgentOps job data,
// AgentOps job options) on the same Redis in the same run, each worker in its
// own process running the same instant processor:
//   (a) a bare BullMQ Worker;
//   (b) AgentOps' worker runtime with Slack delivery on: the real controller
//       runs on the lane's prefix against the simulator (no simulator limits,
//       the delivery service's own buckets opened: OPEN_DELIVERY_LIMITS), and
//       every job carries its Slack origin and has its receipt, handed to the
//       outbox the way the intake does, so the controller's job-thread feed
//       edits each card and posts each answer while the worker runs. Workers
//       never talk to Slack; the controller shares the machine with them;
//   (b') diagnostic: the runtime alone, Slack delivery off (jobs without a
//       Slack origin, no controller on the prefix).
//
// Each run fills a paused queue (for (b), receipts first, all posted before
// the clock starts), then resumes it: jobs/s is counted from the resume to the
// worker's last completion. For (b) the run goes on until every answer is in
// the simulator and the outbox is empty: the time of the last answer (from the
// resume) is a diagnostic, and INFO commandstats before and after counts the
// Redis commands of worker and controller together.
import { Queue } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_JOB_OPTIONS, redisKeys, toBullJobId, type JobData } from '@agentops/core';
import { createOutbox, receiptKey, type Outbox } from '@agentops/controller';
import { startProcess, type BenchProcess } from '../lib/children.js';
import { agentopsEnv, SCRIPTS, type BenchContext, type PhaseResult } from '../lib/context.js';
import { OPEN_DELIVERY_LIMITS, startController } from '../lib/controller.js';
import { outboxDepth } from '../lib/jobs.js';
import { commandDelta, commandStats, topCommands } from '../lib/redis-stats.js';
import type { Figure } from '../lib/report.js';
import { answersDelivered } from '../lib/slack-calls.js';
import { summarize } from '../lib/stats.js';
import type { DoneMessage } from '../workers/completion.js';

const SECTION = '3 Pipeline';
/** Delivery has stalled when no answer arrived and the outbox did not change for this long. */
const STALL_MS = 10_000;

type Kind = 'bare' | 'agentops' | 'agentops-no-slack';

interface Lane {
  kind: Kind;
  concurrency: number;
  prefix: string;
  worker: BenchProcess;
  queue: Queue;
  /** (b) only: where the receipts go, as the intake hands them over. */
  outbox?: Outbox;
  finished: number;
}

interface DeliveryResult {
  /** From the resume to the simulator's answer to the last answer post (of those that came). */
  lastAnswerSec: number;
  answered: number;
  /** Slack calls after the resume (card edits and answers; the receipts came before). */
  slackCalls: number;
  byMethod: Record<string, number>;
  /** From the resume until every answer was in and the outbox empty. */
  drainedSec: number;
}

interface RunResult {
  jobsPerSec: number;
  commandsPerJob: number;
  failed: number;
  byCommand: Record<string, number>;
  delivery?: DeliveryResult;
}

function jobData(id: number, slack: { channel: string; user: string } | undefined, user: string): JobData {
  return {
    id: String(id),
    text: `bench job ${id}: summarize the notes from the weekly sync`,
    priority: 3,
    queue: 'local',
    source: 'message',
    requestedBy: user,
    createdAt: Date.now(),
    routing: { queue: 'local', method: 'keyword', confidence: 0.95, patterns: ['summarize'] },
    ...(slack ? { slack } : {}),
  };
}

async function startLane(ctx: BenchContext, kind: Kind, concurrency: number, prefix: string): Promise<Lane> {
  const env = agentopsEnv(ctx, prefix, { BENCH_CONCURRENCY: String(concurrency), BENCH_QUEUE: 'local' });
  const worker = startProcess({
    name: `pipeline-${kind}-c${concurrency}`,
    script: kind === 'bare' ? SCRIPTS.bareWorker : SCRIPTS.runtimeWorker,
    env,
    logDir: ctx.logDir,
    ipc: true,
    agentops: kind !== 'bare',
  });
  await worker.next('ready', 30_000);
  const queue = new Queue('local', { connection: { host: ctx.redis.host, port: ctx.redis.port }, prefix });
  await queue.waitUntilReady();
  return {
    kind,
    concurrency,
    prefix,
    worker,
    queue,
    ...(kind === 'agentops' ? { outbox: createOutbox(ctx.client, prefix) } : {}),
    finished: 0,
  };
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: ${what} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Follows the simulator until every answer is in and the outbox is empty, or delivery stalls. */
async function followDelivery(
  ctx: BenchContext,
  lane: Lane,
  jobs: number,
  started: number,
  callsBefore: number,
): Promise<DeliveryResult> {
  let lastProgress = Date.now();
  let seen = -1;
  let depthSeen = -1;
  for (;;) {
    const calls = ctx.sim.calls().slice(callsBefore);
    const answers = answersDelivered(calls);
    const depth = await outboxDepth(ctx, lane.prefix);
    const now = Date.now();
    if (answers.size !== seen || depth !== depthSeen) {
      seen = answers.size;
      depthSeen = depth;
      lastProgress = now;
    }
    const complete = answers.size >= jobs && depth === 0;
    if (complete || now - lastProgress > STALL_MS) {
      const byMethod: Record<string, number> = {};
      for (const call of calls) byMethod[call.method] = (byMethod[call.method] ?? 0) + 1;
      const chat = calls.filter((call) => call.method.startsWith('chat.')).length;
      return {
        lastAnswerSec: answers.size ? (Math.max(...answers.values()) - started) / 1_000 : Number.NaN,
        answered: answers.size,
        slackCalls: chat,
        byMethod,
        drainedSec: complete ? (now - started) / 1_000 : Number.NaN,
      };
    }
    await sleep(100);
  }
}

async function runLane(ctx: BenchContext, lane: Lane, jobs: number): Promise<RunResult> {
  const channel = ctx.sim.config.defaultChannelId;
  const user = ctx.sim.config.defaultUserId;
  const slack = lane.outbox ? { channel, user } : undefined;
  // Ids from AgentOps' shared counter, as the intake reserves them.
  const last = await ctx.client.incrby(redisKeys(lane.prefix).nextJobId, jobs);
  const ids = Array.from({ length: jobs }, (_, index) => last - jobs + index + 1);
  await lane.queue.pause();
  if (lane.outbox) {
    // The previous run is delivered in full; the simulator can forget it (its lists are searched linearly).
    ctx.sim.reset();
    for (let sent = 0; sent < jobs; sent += 500) {
      await lane.outbox.send(
        ids.slice(sent, sent + 500).map((id) => ({
          method: 'post' as const,
          key: receiptKey(String(id)),
          channel,
          message: { text: `Job #${id} queued on local`, blocks: [] },
          receiptOf: String(id),
        })),
      );
    }
  }
  for (let added = 0; added < jobs; added += 500) {
    await lane.queue.addBulk(
      ids.slice(added, added + 500).map((id) => ({
        name: 'job',
        data: jobData(id, slack, user),
        opts: { ...DEFAULT_JOB_OPTIONS, jobId: toBullJobId(id), priority: 3 },
      })),
    );
  }
  if (lane.outbox) {
    // Receipts are the intake's part; the clock measures the pipeline from the first job on.
    await waitUntil(async () => (await outboxDepth(ctx, lane.prefix)) === 0, 120_000, `${jobs} receipts not posted`);
  }
  const callsBefore = lane.outbox ? ctx.sim.calls().length : 0;
  const before = await commandStats(ctx.client);
  const started = Date.now();
  const done = lane.worker.next<DoneMessage>('done', 120_000);
  await lane.queue.resume();
  lane.finished += jobs;
  lane.worker.send({ type: 'expect', total: lane.finished });
  const result = await done;
  const delivery = lane.outbox ? await followDelivery(ctx, lane, jobs, started, callsBefore) : undefined;
  const delta = commandDelta(before, await commandStats(ctx.client));
  return {
    jobsPerSec: jobs / ((result.at - started) / 1_000),
    commandsPerJob: delta.total / jobs,
    failed: result.failed,
    byCommand: topCommands(delta, jobs, 40),
    ...(delivery ? { delivery } : {}),
  };
}

export async function pipelinePhase(ctx: BenchContext): Promise<PhaseResult> {
  const quick = ctx.settings.quick;
  const jobs = quick ? 400 : 1_000;
  const runs = quick ? 2 : 3;
  const kinds: Kind[] = ['bare', 'agentops', 'agentops-no-slack'];
  const figures: Figure[] = [];
  const details: Record<string, unknown> = { jobsPerRun: jobs, runs, controllerEnv: OPEN_DELIVERY_LIMITS };
  for (const concurrency of [1, 10]) {
    const prefixOf = (kind: Kind) => `bench-pipe-${kind}-c${concurrency}`;
    const controller = await startController(
      ctx,
      `controller-pipeline-c${concurrency}`,
      prefixOf('agentops'),
      ctx.llmInstant.baseURL,
      OPEN_DELIVERY_LIMITS,
    );
    const lanes: Lane[] = [];
    const results = new Map<Kind, RunResult[]>(kinds.map((kind) => [kind, []]));
    try {
      lanes.push(...(await Promise.all(kinds.map((kind) => startLane(ctx, kind, concurrency, prefixOf(kind))))));
      // Warm-up: connections, JIT, the controller's feed and delivery, the simulator's first requests.
      for (const lane of lanes) await runLane(ctx, lane, Math.min(200, jobs));
      for (let run = 0; run < runs; run += 1) {
        // Interleaved, so a noisy moment on the machine hits every kind alike.
        for (const lane of lanes) results.get(lane.kind)?.push(await runLane(ctx, lane, jobs));
      }
    } finally {
      await Promise.all(
        lanes.map(async (lane) => {
          await lane.queue.close();
          await lane.worker.stop();
        }),
      );
      await controller.stop();
    }
    const of = (kind: Kind) => results.get(kind) ?? [];
    const failed = kinds.reduce((sum, kind) => sum + of(kind).reduce((total, run) => total + run.failed, 0), 0);
    if (failed) ctx.errors.push(`pipeline c=${concurrency}: ${failed} job(s) failed`);
    const bare = of('bare');
    const agentops = of('agentops');
    agentops.forEach((run, index) => {
      const answered = run.delivery?.answered ?? 0;
      if (answered < jobs)
        ctx.errors.push(
          `pipeline c=${concurrency} run ${index + 1}: ${jobs - answered} of ${jobs} jobs got no answer in Slack (delivery stalled for ${STALL_MS / 1_000} s)`,
        );
    });
    const ratios = agentops.map((run, index) => run.jobsPerSec / (bare[index]?.jobsPerSec ?? Number.NaN));
    // Time AgentOps adds to each job in a worker slot: concurrency x (1/b - 1/a), in ms.
    const addedMs = (list: RunResult[]) =>
      list.map(
        (run, index) => concurrency * (1 / run.jobsPerSec - 1 / (bare[index]?.jobsPerSec ?? Number.NaN)) * 1_000,
      );
    const delivery = (pick: (result: DeliveryResult) => number) =>
      summarize(agentops.map((run) => (run.delivery ? pick(run.delivery) : Number.NaN)));
    // Until the last answer: only a run that delivered every answer has one.
    const complete = agentops.filter((run) => (run.delivery?.answered ?? 0) >= jobs);
    const c = `c=${concurrency}`;
    figures.push(
      {
        id: `pipeline.c${concurrency}.bare.jobs_per_sec`,
        section: SECTION,
        label: `(a) bare BullMQ, ${c}`,
        unit: 'jobs/s',
        summary: summarize(bare.map((run) => run.jobsPerSec)),
      },
      {
        id: `pipeline.c${concurrency}.agentops.jobs_per_sec`,
        section: SECTION,
        label: `(b) AgentOps runtime, Slack delivery on (controller feed + delivery), ${c}`,
        unit: 'jobs/s',
        summary: summarize(agentops.map((run) => run.jobsPerSec)),
      },
      {
        id: `pipeline.c${concurrency}.ratio`,
        section: SECTION,
        label: `ratio b/a, ${c}`,
        unit: 'x',
        summary: summarize(ratios),
        target: { op: '>=', value: 0.8 },
      },
      {
        id: `pipeline.c${concurrency}.agentops.last_answer_sec`,
        section: SECTION,
        label: `(b) last answer in Slack, from the resume (${jobs} jobs), ${c}`,
        unit: 's',
        summary: summarize(complete.map((run) => run.delivery?.lastAnswerSec ?? Number.NaN)),
        note: `diagnostic; ${complete.length} of ${agentops.length} runs delivered every answer (only those count)`,
      },
      {
        id: `pipeline.c${concurrency}.agentops.answered_pct`,
        section: SECTION,
        label: `(b) jobs whose answer reached Slack, ${c}`,
        unit: '%',
        summary: delivery((result) => (result.answered / jobs) * 100),
      },
      {
        id: `pipeline.c${concurrency}.bare.commands_per_job`,
        section: SECTION,
        label: `(a) Redis commands per job, ${c}`,
        unit: 'cmd',
        summary: summarize(bare.map((run) => run.commandsPerJob)),
      },
      {
        id: `pipeline.c${concurrency}.agentops.commands_per_job`,
        section: SECTION,
        label: `(b) Redis commands per job, worker + controller (feed, delivery), ${c}`,
        unit: 'cmd',
        summary: summarize(agentops.map((run) => run.commandsPerJob)),
        note: 'from the resume until the outbox is empty',
      },
      {
        id: `pipeline.c${concurrency}.agentops.slack_calls_per_job`,
        section: SECTION,
        label: `(b) Slack Web API calls per job beyond its receipt, ${c}`,
        unit: 'calls',
        summary: delivery((result) => result.slackCalls / jobs),
      },
      {
        id: `pipeline.c${concurrency}.agentops.added_ms_per_job`,
        section: SECTION,
        label: `(b) time added per job and slot, ${c}`,
        unit: 'ms',
        summary: summarize(addedMs(agentops)),
        note: 'concurrency x (1/b - 1/a)',
      },
      {
        id: `pipeline.c${concurrency}.no_slack.jobs_per_sec`,
        section: SECTION,
        label: `(b') diagnostic: runtime alone, Slack delivery off, ${c}`,
        unit: 'jobs/s',
        summary: summarize(of('agentops-no-slack').map((run) => run.jobsPerSec)),
      },
      {
        id: `pipeline.c${concurrency}.no_slack.added_ms_per_job`,
        section: SECTION,
        label: `(b') time added per job and slot, ${c}`,
        unit: 'ms',
        summary: summarize(addedMs(of('agentops-no-slack'))),
      },
      {
        id: `pipeline.c${concurrency}.no_slack.commands_per_job`,
        section: SECTION,
        label: `(b') Redis commands per job, ${c}`,
        unit: 'cmd',
        summary: summarize(of('agentops-no-slack').map((run) => run.commandsPerJob)),
      },
    );
    details[`c${concurrency}`] = Object.fromEntries(kinds.map((kind) => [kind, of(kind)]));
  }
  return { figures, details };
}
