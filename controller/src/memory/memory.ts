// The job memory: remembers finished jobs in Qdrant and finds past jobs like a
// given text. Optional by design: while Qdrant or the embedding model is away
// it is "off", every call answers at once without it, and a bounded background
// check turns it on again. Nothing here throws at callers.
import { ErrorCode, type Logger } from '@agentops/core';
import { isMemoryError, type JobCollection, type MemoryError } from './collection.js';
import type { Embedder } from './embedder.js';
import { pickMatches, pointIdFor, summarize, toPayload, type FinishedJobRecord, type PastJob } from './records.js';

export type StoreResult = 'stored' | 'unavailable';
export type FindResult = { on: true; matches: PastJob[] } | { on: false; reason: string };

export interface SimilarOptions {
  limit?: number;
  threshold?: number;
  /** Give up (and answer []) after this long. */
  budgetMs?: number;
}

export interface JobMemory {
  readonly enabled: boolean;
  /** Why memory is off and how to turn it on; undefined while on. */
  readonly offReason: string | undefined;
  /** First connection attempt; later ones run in the background while off. */
  start(): Promise<boolean>;
  store(job: FinishedJobRecord): Promise<StoreResult>;
  /** Past jobs like `text` at or above the threshold, within the budget; [] when off, late or failing. */
  similar(text: string, options?: SimilarOptions): Promise<PastJob[]>;
  /** The closest past jobs, however close. */
  find(text: string, limit: number): Promise<FindResult>;
  /** Resolves when memory is on (at once if it is); rejects when `signal` aborts. */
  whenEnabled(signal: AbortSignal): Promise<void>;
  close(): void;
}

export interface JobMemoryOptions {
  embedder: Embedder;
  collection: JobCollection;
  logger: Logger;
  /** Redis prefix, part of each point id. */
  prefix: string;
  qdrantUrl: string;
  threshold: number;
  recreate: boolean;
  /** Background check interval while off; 0 turns background checks off (the CLI). */
  retryMs: number;
  /** The CLI reports memory problems in its own words; the controller logs them. */
  quiet?: boolean;
}

/** What is embedded to learn the model's vector size. */
const PROBE_TEXT = 'AgentOps job memory: embedding dimension probe';

export function howToTurnOn(qdrantUrl: string): string {
  return (
    `start Qdrant at ${qdrantUrl} (docker compose --profile memory up -d, or set QDRANT_URL) and load an embedding model ` +
    'in LM Studio (or set LM_STUDIO_EMBEDDING_MODEL); the controller turns memory on by itself within QDRANT_RETRY_MS'
  );
}

export function createJobMemory(options: JobMemoryOptions): JobMemory {
  const { embedder, collection, logger } = options;
  let on = false;
  let reason: string | undefined = `not connected yet: ${howToTurnOn(options.qdrantUrl)}`;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<boolean> | undefined;
  /** The kind of problem last logged, so an outage is reported once, not every retry. */
  let lastLogged: string | undefined;
  let mismatchReported = false;
  let waiters: (() => void)[] = [];

  const log = (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => {
    if (options.quiet) logger.debug(fields, message);
    else logger[level](fields, message);
  };

  const turnOn = () => {
    on = true;
    reason = undefined;
    lastLogged = undefined;
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };

  const scheduleCheck = () => {
    if (closed || on || timer || options.retryMs <= 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect(false);
    }, options.retryMs);
    // A background check must never keep the process alive.
    timer.unref();
  };

  /** Logs why memory is off, once per kind of problem (a dimension mismatch once per process). */
  const reportOff = (error: MemoryError, atStart: boolean) => {
    reason = `${error.message}`;
    if (error.code === ErrorCode.DimensionMismatch) {
      if (!mismatchReported)
        log('warn', { memory: 'dimension_mismatch', ...error.details }, `[qdrant] ${error.message}`);
      mismatchReported = true;
      lastLogged = error.code;
      return;
    }
    if (lastLogged === error.code) {
      logger.debug(`[qdrant] Still off: ${error.message}`);
      return;
    }
    lastLogged = error.code;
    if (error.code === ErrorCode.EmbeddingFailed)
      log(
        'warn',
        { memory: 'embedding_failed' },
        `[qdrant] Embedding failed: ${error.message}; running without vector memory`,
      );
    else if (atStart)
      log(
        'warn',
        { memory: 'unavailable' },
        `[qdrant] Not available, running without vector memory (${error.message})`,
      );
    else log('warn', { memory: 'still_unavailable' }, `[qdrant] Still not available (${error.message})`);
  };

  const connectOnce = async (atStart: boolean): Promise<boolean> => {
    try {
      // Qdrant first: while it is away, checks cost one refused connection and no LM Studio call.
      await collection.exists();
      const dimensions = (await embedder.embed(PROBE_TEXT)).length;
      const ensured = await collection.ensure(dimensions, options.recreate);
      if (ensured.recreated) {
        log(
          'warn',
          { memory: 'recreated', collection: collection.name, dimensions },
          `[qdrant] Recreated collection ${collection.name} for ${dimensions}-dimensional vectors (QDRANT_RECREATE=true); the jobs it remembered are gone`,
        );
      } else if (ensured.created) {
        log(
          'info',
          { memory: 'created', collection: collection.name, dimensions },
          `[qdrant] Created collection ${collection.name} (${dimensions} dimensions, cosine)`,
        );
      }
      if (closed) return false;
      turnOn();
      log(
        'info',
        { memory: 'enabled', collection: collection.name },
        `[controller] Qdrant vector memory enabled (${options.qdrantUrl}, collection ${collection.name})`,
      );
      return true;
    } catch (error) {
      if (!isMemoryError(error)) throw error;
      reportOff(error, atStart);
      scheduleCheck();
      return false;
    }
  };

  const connect = (atStart: boolean): Promise<boolean> => {
    if (on) return Promise.resolve(true);
    checking ??= connectOnce(atStart).finally(() => {
      checking = undefined;
    });
    return checking;
  };

  /** A failure while on: log it, turn memory off and look for it again in the background. */
  const failWhileOn = (error: unknown): void => {
    const message = isMemoryError(error) ? error.message : String(error);
    if (on) logger.warn({ memory: 'embedding_failed' }, `[qdrant] Embedding failed: ${message}`);
    else logger.debug(`[qdrant] Embedding failed while memory was off: ${message}`);
    on = false;
    reason = message;
    lastLogged = isMemoryError(error) ? error.code : undefined;
    scheduleCheck();
  };

  const lookup = async (
    text: string,
    limit: number,
    threshold: number | undefined,
    signal?: AbortSignal,
  ): Promise<PastJob[]> => {
    const vector = await embedder.embed(text, signal);
    if (signal?.aborted) return [];
    const points = await collection.query(vector, limit + 2, threshold);
    // A couple extra, since pickMatches drops foreign or damaged payloads.
    return pickMatches(points, limit, threshold);
  };

  return {
    get enabled() {
      return on;
    },
    get offReason() {
      return on ? undefined : reason;
    },
    start: () => connect(true),
    async store(job) {
      if (!on) return 'unavailable';
      const summary = summarize(job);
      try {
        const vector = await embedder.embed(summary);
        await collection.upsert(pointIdFor(options.prefix, job), vector, toPayload(job, summary));
        logger.info(
          { memory: 'stored', jobId: job.id, queue: job.queue, status: job.status },
          `[qdrant] Stored summary for job ${job.id}`,
        );
        return 'stored';
      } catch (error) {
        failWhileOn(error);
        return 'unavailable';
      }
    },
    async similar(text, similarOptions = {}) {
      const budget = similarOptions.budgetMs ?? 800;
      if (!on || budget <= 0) return [];
      const controller = new AbortController();
      let late = false;
      const work = lookup(
        text,
        similarOptions.limit ?? 3,
        similarOptions.threshold ?? options.threshold,
        controller.signal,
      ).catch((error: unknown) => {
        if (!late) failWhileOn(error);
        return [] as PastJob[];
      });
      let timeout: NodeJS.Timeout | undefined;
      const deadline = new Promise<PastJob[]>((resolve) => {
        timeout = setTimeout(() => {
          late = true;
          controller.abort();
          logger.debug(
            { memory: 'lookup_late', budgetMs: budget },
            `[qdrant] Similar-job lookup took longer than ${budget} ms; the receipt goes out without it`,
          );
          resolve([]);
        }, budget);
      });
      try {
        return await Promise.race([work, deadline]);
      } finally {
        clearTimeout(timeout);
      }
    },
    async find(text, limit) {
      if (!on) return { on: false, reason: reason ?? howToTurnOn(options.qdrantUrl) };
      try {
        return { on: true, matches: await lookup(text, limit, undefined) };
      } catch (error) {
        failWhileOn(error);
        return { on: false, reason: reason ?? String(error) };
      }
    },
    whenEnabled(signal) {
      if (on) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          waiters = waiters.filter((waiter) => waiter !== done);
          reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        };
        const done = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        if (signal.aborted) {
          onAbort();
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
        waiters.push(done);
      });
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
