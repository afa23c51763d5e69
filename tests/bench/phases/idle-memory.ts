// 4. Idle cost and 5. memory, with the processes `npm start` runs: the
// controller (Slack mode, the instant LM Studio stand-in; its intake inbox
// consumer, job-thread feed and delivery service), the local worker and the
// research worker (the real ones; research with RESEARCH_ENGINE=local, both
// answering through the instant stand-in), and a code worker started the way
// the real one is (runWorkerProcess: runtime, no Slack) with an instant
// processor in place of the Claude Code CLI, whose run time is not what is
// measured here.
//
// Idle: nothing queued for 60 s (30 s quick). Beside it, on a second
// redis-server, three bare BullMQ workers on the same queue names idle for the
// same window, so both are measured at once under the same machine load.
// Memory: 10,000 jobs (2,000 quick) sent as `queue:` batches of 50 through
// Slack, in chunks of 1,000 that are each processed to the end: every job
// queued, run, and answered in its thread by the controller (receipt, card
// edit, answer), and the outbox empty. The controller's delivery buckets are
// opened (OPEN_DELIVERY_LIMITS): at Slack's 1 post a second per channel the
// 20,000 posts would take five and a half hours. Answers the controller never
// delivers are counted and reported, not waited for.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startRedisServer } from '@agentops/scripts';
import { QUEUE_NAMES } from '@agentops/core';
import { startProcess, type BenchProcess } from '../lib/children.js';
import { OPEN_DELIVERY_LIMITS, startController } from '../lib/controller.js';
import { agentopsEnv, slackEnv, SCRIPTS, type BenchContext, type PhaseResult } from '../lib/context.js';
import { idRange, lastJobId, outboxDepth, waitForAnswers, waitForCounter } from '../lib/jobs.js';
import { commandDelta, commandStats, topCommands, type CommandCounts } from '../lib/redis-stats.js';
import type { Figure } from '../lib/report.js';
import { keywordDecidedTexts, loadRoutingSet } from '../lib/routing-set.js';
import { summarize, type Summary } from '../lib/stats.js';
import { cpuSeconds, REPO_ROOT, rssMb } from '../lib/system.js';

const PREFIX = 'bench-ops';
const IDLE_SECTION = '4 Idle';
const MEMORY_SECTION = '5 Memory';
/**
 * Growth of the live heap (after a full GC) between the 5,000th and 10,000th
 * job that still counts as noise: 1 KB a job would be 5 MB; run-to-run
 * differences seen on a quiet process are 1-2 MB.
 */
const GROWTH_NOISE_MB = 5;

interface Sample {
  at: number;
  agentops: CommandCounts;
  bare: CommandCounts;
  cpu: Record<string, number>;
}

/** `count` RSS readings of each process, `gapMs` apart: median and spread. */
async function sampleRss(processes: readonly BenchProcess[], count = 5, gapMs = 200): Promise<Record<string, Summary>> {
  const readings: Record<string, number[]> = Object.fromEntries(processes.map((proc) => [proc.name, []]));
  for (let index = 0; index < count; index += 1) {
    for (const proc of processes) readings[proc.name]?.push(rssMb(proc.pid));
    if (index < count - 1) await sleep(gapMs);
  }
  return Object.fromEntries(Object.entries(readings).map(([name, values]) => [name, summarize(values)]));
}

const rssLimit = (name: string) => (name === 'controller' ? 150 : 120);

interface ProbeReading {
  rssMb: number;
  heapTotalMb: number;
  heapUsedMb: number;
  externalMb: number;
}

/** Asks each process (started with the memory probe) for a full GC and its memory after it. */
async function probeAfterGc(processes: readonly BenchProcess[]): Promise<Record<string, ProbeReading>> {
  const lines = (proc: BenchProcess) =>
    proc
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{"benchMemoryProbe"'));
  const counts = new Map(processes.map((proc) => [proc.name, lines(proc).length]));
  for (const proc of processes) proc.child.kill('SIGUSR2');
  const readings: Record<string, ProbeReading> = {};
  for (const proc of processes) {
    const deadline = Date.now() + 5_000;
    let found: string[] = [];
    // biome-ignore lint/suspicious/noAssignInExpressions: read the lines again on every check of the condition.
    while (Date.now() < deadline && (found = lines(proc)).length <= (counts.get(proc.name) ?? 0)) await sleep(50);
    const last = found.at(-1);
    if (!last) continue;
    const { after } = (JSON.parse(last) as { benchMemoryProbe: { after: NodeJS.MemoryUsage } }).benchMemoryProbe;
    const mb = (bytes: number) => bytes / 1024 / 1024;
    readings[proc.name] = {
      rssMb: mb(after.rss),
      heapTotalMb: mb(after.heapTotal),
      heapUsedMb: mb(after.heapUsed),
      externalMb: mb(after.external),
    };
  }
  return readings;
}

export async function idleAndMemoryPhase(ctx: BenchContext): Promise<PhaseResult> {
  const quick = ctx.settings.quick;
  const { sim } = ctx;
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const bareRedis = await startRedisServer({
    dir: path.join(ctx.tmp, 'redis-bare'),
    appendOnly: process.env.BENCH_REDIS_AOF === '1',
  });
  const bareClient = new Redis({ host: bareRedis.host, port: bareRedis.port, maxRetriesPerRequest: null });
  const bare: BenchProcess[] = [];
  const workers: BenchProcess[] = [];
  let controller: BenchProcess | undefined;
  try {
    sim.reset();
    // To try memory settings on the AgentOps processes: BENCH_NODE_OPTIONS (V8 flags,
    // e.g. --max-semi-space-size=2) and BENCH_EXTRA_ENV ("MALLOC_ARENA_MAX=2 ...").
    const nodeOptions = [
      process.env.BENCH_NODE_OPTIONS,
      '--expose-gc',
      `--import ${pathToFileURL(path.join(REPO_ROOT, SCRIPTS.memoryProbe)).href}`,
    ]
      .filter(Boolean)
      .join(' ');
    const extraEnv = Object.fromEntries(
      (process.env.BENCH_EXTRA_ENV ?? '')
        .split(/\s+/)
        .filter((pair) => pair.includes('='))
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    );
    const probe = { ...extraEnv, NODE_OPTIONS: nodeOptions };
    controller = await startController(ctx, 'controller', PREFIX, ctx.llmInstant.baseURL, {
      ...OPEN_DELIVERY_LIMITS,
      ...probe,
    });
    const workerEnv = agentopsEnv(ctx, PREFIX, { ...slackEnv(sim), LM_STUDIO_URL: ctx.llmInstant.baseURL, ...probe });
    workers.push(
      startProcess({ name: 'local-worker', script: SCRIPTS.localWorker, env: workerEnv, logDir: ctx.logDir }),
      startProcess({
        name: 'code-worker',
        script: SCRIPTS.instantWorker,
        env: { ...workerEnv, BENCH_QUEUE: 'code' },
        logDir: ctx.logDir,
      }),
      startProcess({
        name: 'research-worker',
        script: SCRIPTS.researchWorker,
        env: { ...workerEnv, RESEARCH_ENGINE: 'local' },
        logDir: ctx.logDir,
      }),
    );
    for (const queue of QUEUE_NAMES) {
      const env = {
        REDIS_HOST: bareRedis.host,
        REDIS_PORT: String(bareRedis.port),
        QUEUE_PREFIX: PREFIX,
        BENCH_QUEUE: queue,
      };
      bare.push(
        startProcess({
          name: `bare-${queue}`,
          script: SCRIPTS.bareWorker,
          env,
          logDir: ctx.logDir,
          ipc: true,
          agentops: false,
        }),
      );
    }
    await Promise.all([
      ...workers.map((worker) => worker.waitForLog('Started on queue', 30_000)),
      ...bare.map((worker) => worker.next('ready', 30_000)),
    ]);
    const agentops = [controller, ...workers];
    const everyone = [...agentops, ...bare];

    // ---- 4. Idle ----
    await sleep(quick ? 3_000 : 5_000); // start-up work (first stalled checks, connections) out of the window
    const windowSec = quick ? 30 : 60;
    const sliceSec = 10;
    const llmBefore = ctx.llmInstant.calls() + ctx.llmDelayed.calls();
    const take = async (): Promise<Sample> => ({
      at: Date.now(),
      agentops: await commandStats(ctx.client),
      bare: await commandStats(bareClient),
      cpu: Object.fromEntries(everyone.map((proc) => [proc.name, cpuSeconds(proc.pid)])),
    });
    const samples: Sample[] = [await take()];
    for (let slice = 0; slice < windowSec / sliceSec; slice += 1) {
      await sleep(samples[0]!.at + (slice + 1) * sliceSec * 1_000 - Date.now());
      samples.push(await take());
    }
    const llmCalls = ctx.llmInstant.calls() + ctx.llmDelayed.calls() - llmBefore;
    const first = samples[0]!;
    const last = samples.at(-1)!;
    const seconds = (last.at - first.at) / 1_000;
    const rate = (side: 'agentops' | 'bare', from: Sample, to: Sample) =>
      commandDelta(from[side], to[side]).total / ((to.at - from.at) / 1_000);
    const sliceRates = (side: 'agentops' | 'bare') =>
      samples.slice(1).map((sample, index) => rate(side, samples[index]!, sample));
    const windowFigure = (side: 'agentops' | 'bare'): Summary => {
      const slices = sliceRates(side);
      return { median: rate(side, first, last), min: Math.min(...slices), max: Math.max(...slices), runs: slices };
    };
    const agentopsRate = windowFigure('agentops');
    const bareRate = windowFigure('bare');
    const cpu = (name: string) => (last.cpu[name] ?? Number.NaN) - (first.cpu[name] ?? Number.NaN);
    const idleNote = `whole ${windowSec} s window; spread over ${sliceSec} s slices`;
    figures.push(
      {
        id: 'idle.agentops.commands_per_sec',
        section: IDLE_SECTION,
        label: 'Redis commands/s, AgentOps (controller + 3 workers)',
        unit: 'cmd/s',
        summary: agentopsRate,
        note: idleNote,
      },
      {
        id: 'idle.bare.commands_per_sec',
        section: IDLE_SECTION,
        label: 'Redis commands/s, bare BullMQ (3 workers)',
        unit: 'cmd/s',
        summary: bareRate,
        note: idleNote,
      },
      {
        id: 'idle.ratio',
        section: IDLE_SECTION,
        label: 'Redis commands ratio AgentOps/bare',
        unit: 'x',
        summary: {
          median: agentopsRate.median / bareRate.median,
          min: Number.NaN,
          max: Number.NaN,
          runs: [agentopsRate.median / bareRate.median],
        },
        target: { op: '<=', value: 2 },
        targetText: '<= 2x',
      },
      {
        id: 'idle.llm_calls',
        section: IDLE_SECTION,
        label: `LLM calls in ${windowSec} s`,
        unit: '',
        summary: summarize([llmCalls]),
        target: { op: '=', value: 0 },
      },
      ...agentops.map(
        (proc): Figure => ({
          id: `idle.cpu.${proc.name}`,
          section: IDLE_SECTION,
          label: `CPU seconds in ${windowSec} s, ${proc.name}`,
          unit: 's',
          summary: summarize([cpu(proc.name)]),
        }),
      ),
      {
        id: 'idle.cpu.bare',
        section: IDLE_SECTION,
        label: `CPU seconds in ${windowSec} s, bare workers (sum of 3)`,
        unit: 's',
        summary: summarize([bare.reduce((sum, proc) => sum + cpu(proc.name), 0)]),
      },
    );
    details.idle = {
      windowSec: seconds,
      agentopsCommandsPerSec: topCommands(commandDelta(first.agentops, last.agentops), seconds, 12),
      bareCommandsPerSec: topCommands(commandDelta(first.bare, last.bare), seconds, 12),
      cpuSeconds: Object.fromEntries(everyone.map((proc) => [proc.name, cpu(proc.name)])),
      llmCalls,
    };
    const idleRss = await sampleRss(everyone);
    for (const proc of agentops) {
      figures.push({
        id: `memory.idle.${proc.name}`,
        section: MEMORY_SECTION,
        label: `RSS idle, ${proc.name}`,
        unit: 'MB',
        summary: idleRss[proc.name]!,
        target: { op: '<', value: rssLimit(proc.name) },
      });
    }
    details.idleRss = Object.fromEntries(Object.entries(idleRss).map(([name, summary]) => [name, summary.median]));
    // After the RSS readings, which must show memory as the process left it.
    const idleProbe = await probeAfterGc(agentops);
    await Promise.all(bare.map((proc) => proc.stop()));

    // ---- 5. Memory over 10,000 jobs ----
    const total = quick ? 2_000 : 10_000;
    const chunk = quick ? 500 : 1_000;
    const half = total / 2;
    const texts = keywordDecidedTexts(loadRoutingSet());
    let cursor = 0;
    const curve: { jobs: number; seconds: number; rss: Record<string, number> }[] = [];
    const atHalf: Record<string, Summary> = {};
    const halfProbe: Record<string, ProbeReading> = {};
    let atEnd: Record<string, Summary> = {};
    let unanswered = 0;
    let stalledMs = 0;
    const started = Date.now();
    for (let done = 0; done < total; done += chunk) {
      const after = await lastJobId(ctx, PREFIX);
      const sends: Promise<unknown>[] = [];
      for (let batch = 0; batch < chunk / 50; batch += 1) {
        const lines = Array.from({ length: 50 }, () => `- ${texts[cursor++ % texts.length] ?? 'summarize the notes'}`);
        sends.push(
          sim
            .sendMessage({ text: `queue:\n${lines.join('\n')}` })
            .catch(() => ctx.errors.push('memory: a batch message was not acked within 3 s')),
        );
      }
      await Promise.all(sends);
      await waitForCounter(ctx, PREFIX, after + chunk, 60_000, 50);
      const answers = await waitForAnswers(ctx, PREFIX, idRange(after, chunk), { pollMs: 200, stallMs: 15_000 });
      unanswered += answers.missing.length;
      // Waiting for answers that never come is not the pipeline's time.
      if (answers.missing.length) stalledMs += Date.now() - answers.at;
      // Every delivery made and every echo handled: the simulator can forget them (its lists are searched linearly).
      const drained = Date.now() + 60_000;
      while ((await outboxDepth(ctx, PREFIX)) > 0 && Date.now() < drained) await sleep(100);
      await sim.waitForAcks(10_000);
      sim.reset();
      const jobs = done + chunk;
      const point = jobs === half || jobs === total ? await sampleRss(agentops) : undefined;
      if (jobs === half && point) {
        Object.assign(atHalf, point);
        // After the RSS readings; the full GC it forces is the same in every run.
        Object.assign(halfProbe, await probeAfterGc(agentops));
      }
      if (jobs === total && point) atEnd = point;
      curve.push({
        jobs,
        seconds: (Date.now() - started) / 1_000,
        rss: Object.fromEntries(agentops.map((proc) => [proc.name, point?.[proc.name]?.median ?? rssMb(proc.pid)])),
      });
    }
    const elapsed = (Date.now() - started - stalledMs) / 1_000;
    if (unanswered)
      ctx.errors.push(`memory: ${unanswered} of ${total} jobs got no answer in Slack (delivery stalled for 15 s)`);
    const endProbe = await probeAfterGc(agentops);
    for (const proc of agentops) {
      const idle = idleProbe[proc.name];
      const middle = halfProbe[proc.name];
      const end = endProbe[proc.name];
      if (!idle || !middle || !end) continue;
      figures.push({
        id: `memory.live_heap_growth.${proc.name}`,
        section: MEMORY_SECTION,
        label: `live JS heap growth (after full GC) job ${half.toLocaleString('en-US')} -> ${total.toLocaleString('en-US')}, ${proc.name}`,
        unit: 'MB',
        summary: summarize([end.heapUsedMb - middle.heapUsedMb]),
        target: { op: '<', value: GROWTH_NOISE_MB },
        targetText: `< ${GROWTH_NOISE_MB} MB (no leak)`,
        note: `live heap idle ${idle.heapUsedMb.toFixed(1)}, ${half} jobs ${middle.heapUsedMb.toFixed(1)}, ${total} jobs ${end.heapUsedMb.toFixed(1)} MB; V8 heap committed ${end.heapTotalMb.toFixed(0)} MB of RSS ${end.rssMb.toFixed(0)} MB after GC`,
      });
    }
    for (const proc of agentops) {
      const end = atEnd[proc.name]!;
      const middle = atHalf[proc.name]!;
      figures.push({
        id: `memory.after.${proc.name}`,
        section: MEMORY_SECTION,
        label: `RSS after ${total.toLocaleString('en-US')} jobs, ${proc.name}`,
        unit: 'MB',
        summary: end,
        target: { op: '<', value: rssLimit(proc.name) },
      });
      figures.push({
        id: `memory.growth.${proc.name}`,
        section: MEMORY_SECTION,
        label: `RSS growth job ${half.toLocaleString('en-US')} -> ${total.toLocaleString('en-US')}, ${proc.name}`,
        unit: 'MB',
        summary: {
          median: end.median - middle.median,
          min: end.min - middle.max,
          max: end.max - middle.min,
          runs: [end.median - middle.median],
        },
        note: 'RSS follows V8 heap sizing and swings by tens of MB between runs; whether memory is kept is judged on the live heap',
      });
    }
    figures.push({
      id: 'memory.end_to_end.jobs_per_sec',
      section: MEMORY_SECTION,
      label: `end to end: Slack batch -> answer in thread, ${total.toLocaleString('en-US')} jobs`,
      unit: 'jobs/s',
      summary: summarize([total / elapsed]),
      ...(unanswered
        ? {
            note: `${unanswered} jobs never answered; the waits for them (${(stalledMs / 1_000).toFixed(0)} s) are left out`,
          }
        : {}),
    });
    figures.push({
      id: 'memory.answered_pct',
      section: MEMORY_SECTION,
      label: `jobs whose answer reached Slack, of ${total.toLocaleString('en-US')}`,
      unit: '%',
      summary: summarize([((total - unanswered) / total) * 100]),
    });
    details.memory = {
      total,
      chunk,
      unanswered,
      seconds: elapsed,
      curve,
      completedPerWorker: completedPerWorker(workers),
      afterFullGc: { idle: idleProbe, half: halfProbe, end: endProbe },
      nodeOptions: process.env.BENCH_NODE_OPTIONS ?? '',
      extraEnv,
    };
  } finally {
    // Workers first, then the controller, as `npm start` stops them.
    await Promise.all([...workers, ...bare].map((proc) => proc.stop()));
    await controller?.stop();
    bareClient.disconnect();
    await bareRedis.stop();
  }
  return { figures, details };
}

/** Jobs each worker completed, counted from its log ("Job N completed in M ms"). */
function completedPerWorker(workers: readonly BenchProcess[]): Record<string, number> {
  return Object.fromEntries(
    workers.map((worker) => [
      worker.name,
      worker
        .output()
        .split('\n')
        .filter((line) => line.includes(' completed in ')).length,
    ]),
  );
}
