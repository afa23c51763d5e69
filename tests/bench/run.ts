// `npm run bench`: starts its own redis-server, the Slack simulator, an instant
// and a slow (10 s) LM Studio stand-in, the controller and workers; measures
// what issue 8 lists, and Slack delivery inside Slack's rate limits; prints
// every figure next to its target; writes tests/bench/results/<timestamp>.json.
// The controller is the only process that talks to Slack (its job-thread feed
// and delivery service); workers only store their results in BullMQ.
//
// Also tests/bench/results/latest.md, the same table, linked from docs/performance.md.
//
// BENCH_QUICK=1: a short smoke run (fewer jobs and runs, 30 s idle window).
// BENCH_ONLY=routing,pipeline,slack,delivery,idle,history: a subset of the phases (for
// work on the benchmark itself; slack includes the intake's crash recovery,
// idle includes the memory phase, which reuses its processes).
// BENCH_KEEP_LOGS=1 keeps the temporary folder with every process's log.
// BENCH_REDIS_AOF=1 runs Redis with AOF (appendfsync everysec), as production should.
// BENCH_NODE_OPTIONS / BENCH_EXTRA_ENV: V8 flags / environment for the AgentOps
// processes of the idle and memory phase, to try memory settings.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startRedisServer } from '@agentops/scripts';
import { startSlackSimulator } from '../support/slack-sim/index.js';
import { startOpenAIStandin } from '../support/llm/openai-standin.js';
import { stopAll } from './lib/children.js';
import type { BenchContext, PhaseResult } from './lib/context.js';
import { formatTable, status, writeResult, type Figure } from './lib/report.js';
import { REPO_ROOT, machineInfo } from './lib/system.js';
import { routingPhase } from './phases/routing.js';
import { pipelinePhase } from './phases/pipeline.js';
import { slackPhase } from './phases/slack.js';
import { deliveryPhase } from './phases/delivery.js';
import { idleAndMemoryPhase } from './phases/idle-memory.js';
import { historyPhase } from './phases/history.js';

const PHASES = ['routing', 'pipeline', 'slack', 'delivery', 'idle', 'history'] as const;
type PhaseName = (typeof PHASES)[number];

function selectedPhases(): PhaseName[] {
  const only = process.env.BENCH_ONLY?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (!only?.length) return [...PHASES];
  const unknown = only.filter((name) => !(PHASES as readonly string[]).includes(name));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown phase(s) ${unknown.join(', ')}; use ${PHASES.join(', ')}`);
  return PHASES.filter((name) => only.includes(name));
}

function log(message: string): void {
  process.stdout.write(`[bench] ${message}\n`);
}

async function main(): Promise<number> {
  const quick = process.env.BENCH_QUICK === '1';
  const phases = selectedPhases();
  const machine = machineInfo();
  const started = Date.now();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'agentops-bench-'));
  const logDir = path.join(tmp, 'logs');
  mkdirSync(logDir, { recursive: true });
  log(
    `${quick ? 'Quick' : 'Full'} run on ${machine.cpuCount} x ${machine.cpuModel}, Node ${machine.nodeVersion}, load ${machine.loadAverage.start.toFixed(2)}; logs in ${logDir}`,
  );

  const redis = await startRedisServer({
    dir: path.join(tmp, 'redis'),
    appendOnly: process.env.BENCH_REDIS_AOF === '1',
  });
  const client = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });
  const sim = await startSlackSimulator();
  const llmDelayMs = 10_000;
  const llmInstant = await startOpenAIStandin();
  const llmDelayed = await startOpenAIStandin({
    // Only the routing question is slow; the model list answers at once, as LM Studio's does.
    respond: (request) =>
      request.path === '/v1/chat/completions'
        ? { delayMs: llmDelayMs, content: '{"queue":"local","reason":"bench"}' }
        : undefined,
  });
  const ctx: BenchContext = {
    settings: { quick, llmDelayMs, routerTimeoutMs: 20_000 },
    tmp,
    logDir,
    redis,
    client,
    sim,
    llmInstant,
    llmDelayed,
    errors: [],
  };

  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const run = async (name: PhaseName, phase: (context: BenchContext) => Promise<PhaseResult>) => {
    if (!phases.includes(name)) return;
    const phaseStarted = Date.now();
    log(`Phase ${name}...`);
    try {
      const result = await phase(ctx);
      figures.push(...result.figures);
      details[name] = result.details;
      log(`Phase ${name} done in ${((Date.now() - phaseStarted) / 1_000).toFixed(1)} s`);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      ctx.errors.push(`phase ${name} failed: ${message}`);
      log(`Phase ${name} FAILED: ${message}`);
      await stopAll();
    }
  };
  try {
    await run('routing', routingPhase);
    await run('pipeline', pipelinePhase);
    await run('slack', slackPhase);
    await run('delivery', deliveryPhase);
    await run('idle', idleAndMemoryPhase);
    await run('history', historyPhase);
  } finally {
    await stopAll();
    client.disconnect();
    await sim.close();
    await llmInstant.close();
    await llmDelayed.close();
    await redis.stop();
  }

  machine.loadAverage.end = os.loadavg()[0] ?? 0;
  const durationSec = (Date.now() - started) / 1_000;
  const sorted = [...figures].sort((a, b) => a.section.localeCompare(b.section));
  process.stdout.write(`\n${formatTable(sorted)}\n\n`);
  const misses = sorted.filter((figure) => status(figure) === 'MISS');
  const file = writeResult(path.join(REPO_ROOT, 'tests', 'bench', 'results'), {
    machine,
    quick,
    durationSec,
    settings: { ...ctx.settings, phases, redisAppendOnly: process.env.BENCH_REDIS_AOF === '1' },
    figures: sorted.map((figure) => ({ ...figure, status: status(figure) })),
    details,
    errors: ctx.errors,
  });
  for (const error of ctx.errors) log(`ERROR: ${error}`);
  log(
    `${sorted.length} figures, ${misses.length} target(s) missed${misses.length ? `: ${misses.map((figure) => figure.id).join(', ')}` : ''}`,
  );
  log(
    `Finished in ${durationSec.toFixed(0)} s (load ${machine.loadAverage.start.toFixed(2)} -> ${machine.loadAverage.end.toFixed(2)}); results in ${path.relative(REPO_ROOT, file)}`,
  );
  if (process.env.BENCH_KEEP_LOGS !== '1') rmSync(tmp, { recursive: true, force: true });
  else log(`Kept ${tmp}`);
  // Missed targets are findings, not failures; a phase that could not measure is.
  return ctx.errors.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(`[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await stopAll();
    process.exit(1);
  },
);
