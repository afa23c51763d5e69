// 2. Ingest, after a crash: how long a restarted controller takes to turn the
// requests a killed one had accepted (written to the intake inbox and acked to
// Slack) but not yet made into jobs. Part of the slack phase.
//
// Each run starts a controller on its own prefix whose LM Studio is the slow
// stand-in, and sends N channel messages the keywords leave undecided, all at
// once: every one is acked (so it is in the inbox) and then waits 10 s for its
// routing answer. The controller is killed with SIGKILL while they wait; the
// inbox then holds N pending entries (read by the dead consumer, or not read
// yet), as the product counts them (`/ready` intake.pending, metric
// agentops_intake_pending). A new controller is started on the same prefix,
// this time with an LM Studio stand-in that answers routing questions at once,
// so the figure is the intake's recovery and not the model's 10 s: seconds
// from spawning it until all N jobs exist.
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@agentops/core';
import { createInbox, type Inbox } from '@agentops/controller';
import { startOpenAIStandin } from '../../support/llm/openai-standin.js';
import type { BenchProcess } from '../lib/children.js';
import type { BenchContext, PhaseResult } from '../lib/context.js';
import { launchController, startController } from '../lib/controller.js';
import { checkJobs, idRange, jobCheckProblem, jobKeys, lastJobId, waitForCounter, waitForKeys } from '../lib/jobs.js';
import type { Figure } from '../lib/report.js';
import { summarize } from '../lib/stats.js';

const PREFIX = 'bench-recovery';
const SECTION = '2 Ingest';

interface RecoveryRun {
  seconds: number;
  pendingAtCrash: number;
  jobsBeforeCrash: number;
  /** What the restarted controller logged as recovered (its own pending entries; the unread rest it reads as new). */
  recoveredLogged?: number;
  pendingAfter: number;
}

function productInbox(ctx: BenchContext): Inbox {
  const logger = createLogger({ name: 'bench', level: 'silent', format: 'json' });
  return createInbox(ctx.client, PREFIX, logger, () => {
    throw new Error('bench: the inbox is only counted here, never consumed');
  });
}

function recoveredCount(controller: BenchProcess): number | undefined {
  for (const line of controller.output().split('\n')) {
    if (!line.includes('"recovered"') || !line.includes('[intake]')) continue;
    try {
      const value = (JSON.parse(line) as { recovered?: unknown }).recovered;
      if (typeof value === 'number') return value;
    } catch {
      // Not a JSON log line.
    }
  }
  return undefined;
}

async function recoveryRun(
  ctx: BenchContext,
  inbox: Inbox,
  run: number,
  texts: readonly string[],
  count: number,
  llmUrl: string,
): Promise<RecoveryRun> {
  const { sim } = ctx;
  const doomed = await startController(ctx, `controller-crash-${run}`, PREFIX, ctx.llmDelayed.baseURL);
  let restarted: BenchProcess | undefined;
  try {
    const after = await lastJobId(ctx, PREFIX);
    const llmCalls = () => ctx.llmDelayed.calls('/v1/chat/completions');
    const llmBefore = llmCalls();
    const sends = Array.from({ length: count }, (_, index) =>
      sim.sendMessage({ text: texts[(run * count + index) % texts.length] ?? 'hmm, what about the thing' }).then(
        () => true,
        () => false,
      ),
    );
    const unacked = (await Promise.all(sends)).filter((acked) => !acked).length;
    if (unacked) ctx.errors.push(`recovery run ${run}: ${unacked} of ${count} messages not acked within 3 s`);
    // The consumer has taken up requests and is waiting for the model: crash now.
    const deadline = Date.now() + 5_000;
    while (llmCalls() === llmBefore && Date.now() < deadline) await sleep(20);
    await sleep(200);
    const jobsBeforeCrash = (await lastJobId(ctx, PREFIX)) - after;
    await doomed.stop('SIGKILL');
    const pendingAtCrash = await inbox.pending();
    if (pendingAtCrash !== count)
      ctx.errors.push(
        `recovery run ${run}: ${pendingAtCrash} inbox entries pending after the crash, ${count} expected`,
      );

    const spawned = Date.now();
    const launched = launchController(ctx, `controller-recovered-${run}`, PREFIX, llmUrl);
    restarted = launched.process;
    const ids = idRange(after, count);
    await waitForCounter(ctx, PREFIX, after + count, 60_000, 10);
    const finished = await waitForKeys(ctx, ids, jobKeys(PREFIX), {
      timeoutMs: 60_000,
      pollMs: 10,
      what: 'recovered jobs',
    });
    await launched.ready;
    const problem = jobCheckProblem(await checkJobs(ctx, PREFIX, ids));
    if (problem) ctx.errors.push(`recovery run ${run}: ${problem}`);
    // Handled entries are acked just after their jobs exist.
    let pendingAfter = await inbox.pending();
    for (let attempt = 0; attempt < 50 && pendingAfter > 0; attempt += 1) {
      await sleep(100);
      pendingAfter = await inbox.pending();
    }
    if (pendingAfter > 0) ctx.errors.push(`recovery run ${run}: ${pendingAfter} inbox entries still pending`);
    const recoveredLogged = recoveredCount(restarted);
    return {
      seconds: (finished - spawned) / 1_000,
      pendingAtCrash,
      jobsBeforeCrash,
      ...(recoveredLogged === undefined ? {} : { recoveredLogged }),
      pendingAfter,
    };
  } finally {
    await doomed.stop('SIGKILL');
    await restarted?.stop();
  }
}

/** Crash-to-recovered runs of the intake; `texts` must be requests the keywords leave to the LLM. */
export async function intakeRecovery(ctx: BenchContext, texts: readonly string[]): Promise<PhaseResult> {
  const runs = ctx.settings.quick ? 2 : 3;
  const count = 50;
  const inbox = productInbox(ctx);
  // The instant stand-in of the run answers every question with prose; the router wants a queue.
  const router = await startOpenAIStandin({
    respond: (request) =>
      request.path === '/v1/chat/completions' ? { content: '{"queue":"local","reason":"bench"}' } : undefined,
  });
  const results: RecoveryRun[] = [];
  try {
    for (let run = 1; run <= runs; run += 1)
      results.push(await recoveryRun(ctx, inbox, run, texts, count, router.baseURL));
  } finally {
    await router.close();
  }
  const figures: Figure[] = [
    {
      id: 'intake.recovery.seconds',
      section: SECTION,
      label: `crash recovery: restart -> ${count} accepted requests are jobs`,
      unit: 's',
      summary: summarize(results.map((run) => run.seconds)),
      note: 'from spawning the new controller (its start-up included), SIGKILL while the requests waited for routing',
    },
  ];
  return { figures, details: { count, runs: results } };
}
