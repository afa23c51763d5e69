// The one way AgentOps runs a BullMQ worker. Each worker process supplies only a
// processor; the runtime owns connections, concurrency, time limits,
// cancellation, retries and graceful shutdown. It never talks to Slack: a job
// ends in BullMQ as soon as its result (the return value) or its failure is
// stored, and the controller's job-thread feed tells the thread from BullMQ's
// event stream. Progress goes the same way (job.updateProgress).
//
// Lock and stall settings: a job's lock lasts WORKER_LOCK_MS (60 s) and is
// renewed every half of that while the event loop runs; the stalled check runs
// every WORKER_STALLED_INTERVAL_MS (30 s). Long Claude runs are fine (the work
// happens in a child process, the loop stays free). If a worker process dies,
// its jobs return to the queue within lock + interval: 60-90 s by default.
//
// A job that ran for more than LONG_JOB_MS keeps its result in Redis before it
// returns it, so a crash between the two never means running it again; a job
// started a second time first looks for that result. Quicker jobs cost nothing
// extra: their rerun is as cheap as the extra write.
import { DelayedError, RateLimitError, UnrecoverableError, type Job, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  AgentOpsError,
  ErrorCode,
  jobDataSchema,
  KEY_TTL_SEC,
  redisKeys,
  redisOptions,
  Releasers,
  scrubSecrets,
  scrubSecretsDeep,
  toCodedError,
  conversationRoot,
  createConversationStore,
  createLimitStore,
  createSpendStore,
  nextSpendDay,
  queueRunsClaude,
  type QueueLimit,
  keepsConversation,
  type ConversationTurn,
  type Config,
  type JobData,
  type JobResult,
  type Logger,
  type ProgressUpdate,
  type QueueName,
} from '@agentops/core';
import { createCancelWatcher, type CancelWatcher } from './cancel-watcher.js';
import { startJobClock, type JobClock } from './job-clock.js';
import { TolerantWorker, corruptDataProblem } from './tolerant-worker.js';
import { decideFailure } from './failure.js';

export interface Attempt {
  n: number;
  max: number;
}

export interface ProcessorContext {
  data: JobData;
  /** Aborted on cancel, time limit or shutdown; pass it to every request and child process. */
  signal: AbortSignal;
  logger: Logger;
  attempt: Attempt;
  progress(update: ProgressUpdate): void;
  /** A follow-up's thread so far: the turns of the jobs before it, oldest first (empty for a first job). */
  history: ConversationTurn[];
  /** The job's time limit; paused while the job waits for a person (a tool approval). */
  clock: Pick<JobClock, 'pause' | 'resume'>;
}

export type Processor = (context: ProcessorContext) => Promise<JobResult>;

export interface WorkerRuntimeOptions {
  /** e.g. "local-worker"; used in log lines. */
  name: string;
  queue: QueueName;
  config: Config;
  processor: Processor;
  logger: Logger;
  /** Overrides the configured concurrency. */
  concurrency?: number;
}

export interface WorkerHandle {
  worker: Worker<JobData, JobResult>;
  /** Stops claiming, gives active jobs `graceMs`, then aborts them back to the queue. */
  close(graceMs?: number): Promise<void>;
}

type AbortReason = { kind: 'cancel'; by: string } | { kind: 'timeout'; ms: number } | { kind: 'shutdown' };

const RESULT_TTL_SEC = KEY_TTL_SEC.result;
/** Jobs that ran longer keep their result in Redis before completing (see the top of this file). */
export const LONG_JOB_MS = 1_000;
/** When a first run reads its cancel flag, in case a request came between its claim and its subscription. */
const CANCEL_FLAG_CHECK_MS = 500;
/** The limiter of a queue that waits out Claude's limits: high enough never to hold a job back by itself. */
const UNLIMITED_JOBS = 1_000_000_000;

/** The limit a USAGE_LIMITED error reports, as the record the controller reads. */
function limitOf(error: AgentOpsError, queue: QueueName, job: string): QueueLimit {
  const details = error.details;
  const kind = details.limit === 'rate_limit' || details.limit === 'overloaded' ? details.limit : 'usage_limit';
  const resetAt = typeof details.resetAt === 'number' ? details.resetAt : Date.now() + 60_000;
  return {
    queue,
    kind,
    resetAt,
    known: details.known === true,
    said: error.message.slice(0, 300),
    job,
    at: Date.now(),
  };
}

/** How long an aborted processor may take to wind down before the runtime moves on. */
const ABORT_SETTLE_MS = 5_000;

function minutes(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1_000)} s`;
}

export async function startWorkerRuntime(options: WorkerRuntimeOptions): Promise<WorkerHandle> {
  const { config, queue, logger } = options;
  const settings = config.workers[queue];
  const concurrency = options.concurrency ?? settings.concurrency;
  const prefix = config.redis.prefix;
  const connectionOptions = redisOptions(config, 'worker');
  const store = new Redis({ ...connectionOptions, lazyConnect: false });
  store.on('error', () => undefined);
  const cancels: CancelWatcher = createCancelWatcher(connectionOptions, prefix);
  const active = new Map<string, AbortController>();
  const keys = redisKeys(prefix);
  const resultKey = keys.result;
  const conversations = createConversationStore(store, prefix, config.conversations.days);
  const waitsOutLimits = queueRunsClaude(config, queue);
  const limits = createLimitStore(store, prefix);
  const spend = createSpendStore(store, prefix);
  const budgeted =
    waitsOutLimits && (config.budgets.codeDailyUsd !== undefined || config.budgets.userDailyUsd !== undefined);
  /** Whether a daily budget holds `data` back (until the next UTC day), unless an admin let it through. */
  const budgetHold = async (data: JobData) => {
    if (await store.exists(keys.budgetAllowed(data.id))) return undefined;
    const check = await spend.check(queue, data.requestedBy, config.budgets);
    if (!check.over) return undefined;
    const hold = { ...check.over, until: nextSpendDay(Date.now()), at: Date.now() };
    await store.set(keys.budgetHold(data.id), JSON.stringify(hold), 'EX', 2 * 86_400);
    return hold;
  };
  /** Adds a Claude run's cost and tokens to the day's counters; `finished` counts it as a job. */
  const recordSpend = async (data: JobData, stats: unknown, finished: boolean) => {
    if (!waitsOutLimits) return;
    const facts = (stats ?? {}) as { costUsd?: unknown; tokens?: unknown };
    const costUsd = typeof facts.costUsd === 'number' ? facts.costUsd : 0;
    const tokens = typeof facts.tokens === 'number' ? facts.tokens : 0;
    if (costUsd === 0 && tokens === 0 && !finished) return;
    await spend
      .add({ queue, requester: data.requestedBy, costUsd, tokens, jobs: finished ? 1 : 0 })
      .catch((error: unknown) =>
        logger.warn({ err: toCodedError(error) }, `[${options.name}] Could not record job ${data.id}'s spend`),
      );
  };
  // Released in reverse: the cancel watcher, then the store.
  const releasers = new Releasers();
  releasers.add('result store', () => store.disconnect());
  releasers.add('cancel watcher', () => cancels.close());

  const processJob = async (job: Job<JobData, JobResult>, token?: string): Promise<JobResult> => {
    const attempt: Attempt = { n: job.attemptsMade + 1, max: job.opts.attempts ?? 1 };
    const parsed = jobDataSchema.safeParse(job.data);
    const jobLogger = logger.child({ jobId: job.id, queue, attempt: `${attempt.n}/${attempt.max}` });
    if (!parsed.success) {
      const problem =
        corruptDataProblem(job.data) ??
        parsed.error.issues.map((issue) => `${issue.path.join('.') || 'data'}: ${issue.message}`).join('; ');
      jobLogger.error({ problem }, `[${options.name}] Job ${job.id} has invalid data, failing it`);
      throw new UnrecoverableError(
        `Job data is invalid (${problem}); it cannot run. Re-create the job from Slack or the CLI.`,
      );
    }
    const data = parsed.data;
    const started = Date.now();
    if (budgeted && token) {
      const hold = await budgetHold(data);
      if (hold) {
        jobLogger.info(
          { budget: hold.which, spentUsd: hold.spentUsd, limitUsd: hold.limitUsd },
          `[${options.name}] Job ${data.id} waits: the ${hold.which === 'code' ? 'code queue' : "requester's"} daily budget is spent`,
        );
        await job.moveToDelayed(hold.until, token);
        throw new DelayedError();
      }
    }

    const controller = new AbortController();
    const abort = (reason: AbortReason) => {
      if (!controller.signal.aborted) controller.abort(reason);
    };
    // Listening before the read below: a cancel published after it is still heard.
    const cancel = await cancels.listen(data.id, (request) => abort({ kind: 'cancel', by: request.by }));
    // A job started before (a crash, a stall) may have finished its work then: one
    // round trip for that result and the cancel flag. A first run reads neither
    // now; its flag is read shortly after, if it is still running.
    const rerun = (job.attemptsStarted ?? 1) > 1 || job.attemptsMade > 0;
    let flagCheck: NodeJS.Timeout | undefined;
    if (rerun) {
      let stored: string | null | undefined;
      let flag: string | null | undefined;
      try {
        [stored, flag] = await store.mget(resultKey(data.id), cancel.flagKey);
      } catch (error) {
        cancel.stop();
        throw error;
      }
      if (stored) {
        cancel.stop();
        jobLogger.info(`[${options.name}] Job ${data.id} was already done; completing it with its stored result`);
        return JSON.parse(stored) as JobResult;
      }
      cancel.check(flag);
    } else {
      flagCheck = setTimeout(() => {
        void store
          .get(cancel.flagKey)
          .then((flag) => cancel.check(flag))
          .catch(() => undefined);
      }, CANCEL_FLAG_CHECK_MS);
      flagCheck.unref();
    }

    let history: ConversationTurn[] = [];
    if (data.thread) {
      try {
        history = await conversations.turns(conversationRoot(data), data.id);
      } catch (error) {
        cancel.stop();
        throw error;
      }
    }

    active.set(data.id, controller);
    const clock = startJobClock(settings.timeoutMs, () => abort({ kind: 'timeout', ms: settings.timeoutMs }));
    // Debug: one info line per job (its end) is enough at a thousand jobs a second; the card shows it started.
    jobLogger.debug(`[${options.name}] Job ${data.id} started (${data.text.length} chars)`);

    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => {
        // Give the processor time to end its request or child process, then stop waiting.
        setTimeout(() => reject(controller.signal.reason as AbortReason), ABORT_SETTLE_MS).unref();
      });
    });
    try {
      if (controller.signal.aborted) throw controller.signal.reason;
      const raw = await Promise.race([
        options.processor({
          data,
          signal: controller.signal,
          logger: jobLogger,
          attempt,
          history,
          clock,
          progress: (update) => {
            const shown = config.secrets.length > 0 ? scrubSecretsDeep(update, config.secrets) : update;
            void job.updateProgress({ ...shown, at: Date.now() }).catch(() => undefined);
          },
        }),
        aborted,
      ]);
      if (controller.signal.aborted) throw controller.signal.reason;
      // Model output is untrusted: an answer that repeats a secret (a printenv, an echoing upstream)
      // is stored, shown by `inspect` and posted to Slack, so every worker's result is scrubbed here.
      const result = config.secrets.length > 0 ? scrubSecretsDeep(raw, config.secrets) : raw;
      if (Date.now() - started > LONG_JOB_MS)
        await store.set(resultKey(data.id), JSON.stringify(result), 'EX', RESULT_TTL_SEC);
      await recordSpend(data, result.stats, true);
      // Written before the job completes: a follow-up that starts after it finds this turn.
      if (keepsConversation(data))
        await conversations.saveTurn(conversationRoot(data), {
          job: data.id,
          queue,
          text: data.text,
          answer: typeof result.text === 'string' ? result.text : '',
          ...(result.stats?.sessionId ? { sessionId: result.stats.sessionId } : {}),
          ...(result.stats?.workdir ? { workdir: result.stats.workdir } : {}),
          ...(result.stats?.branch ? { branch: result.stats.branch } : {}),
          at: Date.now(),
        });
      jobLogger.info(
        { durationMs: Date.now() - started },
        `[${options.name}] Job ${data.id} completed in ${Date.now() - started} ms`,
      );
      return result;
    } catch (thrown) {
      const reason = controller.signal.aborted ? (controller.signal.reason as AbortReason) : undefined;
      if (reason?.kind === 'shutdown' && token) {
        // Back to the queue untouched: not a failure, no attempt used.
        jobLogger.warn(`[${options.name}] Job ${data.id} interrupted by shutdown; returning it to the queue`);
        await job.moveToDelayed(Date.now() + 1_000, token);
        throw new DelayedError();
      }
      let error: AgentOpsError;
      if (reason?.kind === 'cancel') {
        error = new AgentOpsError(ErrorCode.Cancelled, `Cancelled by ${reason.by}`, { details: { by: reason.by } });
      } else if (reason?.kind === 'timeout') {
        const variable = `${queue.toUpperCase()}_TIMEOUT_MS`;
        error = new AgentOpsError(
          ErrorCode.Timeout,
          `Stopped after the ${minutes(reason.ms)} time limit of the ${queue} queue. Split the job, or raise ${variable}.`,
        );
      } else {
        error = toCodedError(thrown);
      }
      // Upstream errors can echo what they were sent (an API key, a token): the
      // reason is stored in Redis, shown by `agentops inspect` and posted to Slack.
      const scrubbed = scrubSecrets(error.message, config.secrets);
      if (scrubbed !== error.message)
        error = new AgentOpsError(error.code, scrubbed, { retryable: error.retryable, details: error.details });
      const decision = decideFailure(error);
      const limited = error.code === ErrorCode.UsageLimited && waitsOutLimits;
      const final = !limited && (!decision.retry || attempt.n >= attempt.max);
      // A failed run was paid for too; it counts as a job once it has ended for good.
      await recordSpend(data, error.details, final);
      if (limited) {
        // Not the job's failure: back to waiting without using an attempt, and the whole queue (every host) waits for the reset.
        const limit = limitOf(error, queue, data.id);
        const waitMs = Math.max(1_000, limit.resetAt - Date.now());
        await limits.record(limit);
        await worker.rateLimit(waitMs);
        jobLogger.warn(
          { code: error.code, limit: limit.kind, resetAt: new Date(limit.resetAt).toISOString(), waitMs },
          `[${options.name}] Job ${data.id} hit ${limit.kind}; the ${queue} queue waits ${minutes(waitMs)} and the job runs again then`,
        );
        throw new RateLimitError();
      }
      jobLogger.warn(
        { code: error.code, final, durationMs: Date.now() - started },
        `[${options.name}] Job ${data.id} failed (${error.code}): ${error.message}${final ? '' : '; will retry'}`,
      );
      const failure = decision.retry ? new Error(error.message) : new UnrecoverableError(error.message);
      // BullMQ keeps the stack, not the error: its first line carries the code (the failure digest groups by it).
      failure.stack = `${error.code}: ${error.message}\n${failure.stack?.split('\n').slice(1).join('\n') ?? ''}`;
      throw failure;
    } finally {
      clock.stop();
      clearTimeout(flagCheck);
      cancel.stop();
      active.delete(data.id);
    }
  };

  const worker = new TolerantWorker<JobData, JobResult>(queue, processJob, {
    connection: connectionOptions,
    prefix,
    concurrency,
    // BullMQ honours a manual rate limit (worker.rateLimit) only with a limiter set; this one never limits by itself.
    ...(waitsOutLimits ? { limiter: { max: UNLIMITED_JOBS, duration: 1_000 } } : {}),
    lockDuration: config.workers.lockMs,
    stalledInterval: config.workers.stalledIntervalMs,
    maxStalledCount: 1,
    autorun: true,
  });
  worker.on('error', (error) =>
    logger.error({ err: toCodedError(error) }, `[${options.name}] Worker error: ${error.message}`),
  );
  await worker.waitUntilReady();
  logger.info(
    { started: queue, concurrency },
    `[${options.name}] Started on queue "${queue}" with concurrency ${concurrency}`,
  );

  let closing: Promise<void> | undefined;
  const close = (graceMs = config.workers.shutdownGraceMs) => {
    closing ??= (async () => {
      logger.info(
        { activeJobs: active.size, graceMs },
        `[${options.name}] Shutting down: no new jobs; ${active.size} running`,
      );
      const closed = worker.close();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), graceMs);
      });
      if ((await Promise.race([closed.then(() => 'closed' as const), deadline])) === 'deadline') {
        logger.warn(
          { activeJobs: active.size },
          `[${options.name}] Grace period over; returning ${active.size} running job(s) to the queue`,
        );
        for (const controller of active.values()) controller.abort({ kind: 'shutdown' } satisfies AbortReason);
        const forced = new Promise<void>((resolve) => setTimeout(resolve, ABORT_SETTLE_MS + 1_000).unref());
        await Promise.race([closed, forced]);
        await worker.close(true).catch(() => undefined);
      }
      clearTimeout(timer);
      await releasers.releaseAll({
        onFailure: ({ name, error }) =>
          logger.warn({ err: toCodedError(error), resource: name }, `[${options.name}] Could not release ${name}`),
      });
      logger.info(`[${options.name}] Stopped`);
    })();
    return closing;
  };
  return { worker, close };
}

/** Runs `close` on SIGINT/SIGTERM (NSSM stops services with Ctrl+C), then exits. */
export function exitOnSignals(close: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info(`Received ${signal}, stopping`);
    close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: toCodedError(error) }, 'Shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
