// 3. Pipeline overhead against bare BullMQ. The same jobs (AgentOps job data,
// AgentOps job options) on the same Redis in the same run, processed by a
// worker in its own process: (a) a bare BullMQ Worker with a no-op processor,
// (b) AgentOps' worker runtime with an instant processor and Slack thread
// replies to the simulator. A diagnostic (b') runs the runtime without Slack.
//
// Each run fills a paused queue, then resumes it: the time from resume to the
// worker's last completion is the processing time, and INFO commandstats
// before and after counts the Redis commands it took.
import { Queue } from 'bullmq';
import { DEFAULT_JOB_OPTIONS, toBullJobId, type JobData } from '@agentops/core';
import { startProcess, type BenchProcess } from '../lib/children.js';
import { agentopsEnv, slackEnv, SCRIPTS, type BenchContext, type PhaseResult } from '../lib/context.js';
import { commandDelta, commandStats, topCommands } from '../lib/redis-stats.js';
import type { Figure } from '../lib/report.js';
import { summarize } from '../lib/stats.js';
import type { DoneMessage } from '../workers/completion.js';

const SECTION = '3 Pipeline';
const RECEIPT_TS = '1700000000.000100';

type Kind = 'bare' | 'agentops' | 'agentops-no-slack';

interface Lane {
  kind: Kind;
  concurrency: number;
  prefix: string;
  worker: BenchProcess;
  queue: Queue;
  nextId: number;
  finished: number;
}

interface RunResult {
  jobsPerSec: number;
  commandsPerJob: number;
  slackCallsPerJob: number;
  failed: number;
  byCommand: Record<string, number>;
}

function jobData(id: number, channel: string, user: string): JobData {
  return {
    id: String(id),
    text: `bench job ${id}: summarize the notes from the weekly sync`,
    priority: 3,
    queue: 'local',
    source: 'message',
    requestedBy: user,
    createdAt: Date.now(),
    routing: { queue: 'local', method: 'keyword', confidence: 0.95, patterns: ['summarize'] },
    slack: { channel, user, receiptTs: RECEIPT_TS },
  };
}

async function startLane(ctx: BenchContext, kind: Kind, concurrency: number): Promise<Lane> {
  const prefix = `bench-pipe-${kind}-c${concurrency}`;
  const env = agentopsEnv(ctx, prefix, {
    ...slackEnv(ctx.sim),
    BENCH_CONCURRENCY: String(concurrency),
    BENCH_QUEUE: 'local',
  });
  if (kind === 'agentops-no-slack') env.BENCH_REPORTER = 'none';
  const script = kind === 'bare' ? SCRIPTS.bareWorker : SCRIPTS.runtimeWorker;
  const worker = startProcess({
    name: `pipeline-${kind}-c${concurrency}`,
    script,
    env,
    logDir: ctx.logDir,
    ipc: true,
    agentops: kind !== 'bare',
  });
  await worker.next('ready', 30_000);
  const queue = new Queue('local', { connection: { host: ctx.redis.host, port: ctx.redis.port }, prefix });
  await queue.waitUntilReady();
  return { kind, concurrency, prefix, worker, queue, nextId: 1, finished: 0 };
}

async function runLane(ctx: BenchContext, lane: Lane, jobs: number): Promise<RunResult> {
  const channel = ctx.sim.config.defaultChannelId;
  const user = ctx.sim.config.defaultUserId;
  await lane.queue.pause();
  for (let added = 0; added < jobs; added += 500) {
    const batch = Array.from({ length: Math.min(500, jobs - added) }, () => {
      const id = lane.nextId;
      lane.nextId += 1;
      return {
        name: 'job',
        data: jobData(id, channel, user),
        opts: { ...DEFAULT_JOB_OPTIONS, jobId: toBullJobId(id), priority: 3 },
      };
    });
    await lane.queue.addBulk(batch);
  }
  ctx.sim.reset();
  const before = await commandStats(ctx.client);
  const started = Date.now();
  const done = lane.worker.next<DoneMessage>('done', 120_000);
  await lane.queue.resume();
  lane.finished += jobs;
  lane.worker.send({ type: 'expect', total: lane.finished });
  const result = await done;
  const delta = commandDelta(before, await commandStats(ctx.client));
  const slackCalls = ctx.sim.calls().length;
  ctx.sim.reset();
  return {
    jobsPerSec: jobs / ((result.at - started) / 1_000),
    commandsPerJob: delta.total / jobs,
    slackCallsPerJob: slackCalls / jobs,
    failed: result.failed,
    byCommand: topCommands(delta, jobs, 40),
  };
}

export async function pipelinePhase(ctx: BenchContext): Promise<PhaseResult> {
  const quick = ctx.settings.quick;
  const jobs = quick ? 400 : 1_000;
  const runs = quick ? 2 : 3;
  const kinds: Kind[] = ['bare', 'agentops', 'agentops-no-slack'];
  const figures: Figure[] = [];
  const details: Record<string, unknown> = { jobsPerRun: jobs, runs };
  for (const concurrency of [1, 10]) {
    const lanes = await Promise.all(kinds.map((kind) => startLane(ctx, kind, concurrency)));
    const results = new Map<Kind, RunResult[]>(kinds.map((kind) => [kind, []]));
    try {
      // Warm-up: connections, JIT, the simulator's first requests.
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
    }
    const of = (kind: Kind) => results.get(kind) ?? [];
    const failed = kinds.reduce((sum, kind) => sum + of(kind).reduce((total, run) => total + run.failed, 0), 0);
    if (failed) ctx.errors.push(`pipeline c=${concurrency}: ${failed} job(s) failed`);
    const bare = of('bare');
    const agentops = of('agentops');
    const ratios = agentops.map((run, index) => run.jobsPerSec / (bare[index]?.jobsPerSec ?? Number.NaN));
    // Time AgentOps adds to each job in a worker slot: concurrency x (1/b - 1/a), in ms.
    const addedMs = (runs: RunResult[]) =>
      runs.map(
        (run, index) => concurrency * (1 / run.jobsPerSec - 1 / (bare[index]?.jobsPerSec ?? Number.NaN)) * 1_000,
      );
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
        label: `(b) AgentOps runtime + Slack replies, ${c}`,
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
        id: `pipeline.c${concurrency}.bare.commands_per_job`,
        section: SECTION,
        label: `(a) Redis commands per job, ${c}`,
        unit: 'cmd',
        summary: summarize(bare.map((run) => run.commandsPerJob)),
      },
      {
        id: `pipeline.c${concurrency}.agentops.commands_per_job`,
        section: SECTION,
        label: `(b) Redis commands per job, ${c}`,
        unit: 'cmd',
        summary: summarize(agentops.map((run) => run.commandsPerJob)),
      },
      {
        id: `pipeline.c${concurrency}.agentops.slack_calls_per_job`,
        section: SECTION,
        label: `(b) Slack Web API calls per job, ${c}`,
        unit: 'calls',
        summary: summarize(agentops.map((run) => run.slackCallsPerJob)),
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
        label: `(b') diagnostic: runtime without Slack, ${c}`,
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
