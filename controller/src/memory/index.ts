// The job memory's front door: builds it from the configuration, for the
// controller (with the completion feed and background checks) and for the CLI
// (one connection attempt, for `find`).
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ErrorCode,
  connectRedis,
  fromBullJobId,
  isCodedError,
  redisKeys,
  toCodedError,
  type Config,
  type Logger,
  type QueueName,
  type Redis,
} from '@agentops/core';
import type { QueueManager } from '../queue/manager.js';
import { openCollection } from './collection.js';
import { createEmbedder } from './embedder.js';
import { startCompletionFeed, type CompletionFeed } from './feed.js';
import { toFinishedRecord, type FinishedOutcome } from './records.js';
import { createJobMemory, type JobMemory } from './memory.js';
import { createReceiptMatches, type ReceiptMatches } from './receipt-matches.js';

export type { JobMemory, FindResult } from './memory.js';
export type { PastJob } from './records.js';
export type { ReceiptMatches } from './receipt-matches.js';

/** What the Slack side needs beyond the memory itself. */
export interface SlackMemoryView {
  /** https://<team>.slack.com/ from auth.test, for links to past jobs' threads. */
  workspaceUrl?: string;
  /** Longest a receipt waits for its similar-jobs lookup. */
  receiptBudgetMs: number;
  receipts: ReceiptMatches;
}

/** Optional fields of the Slack handlers' dependencies; absent means "no memory". */
export interface MemoryDeps {
  memory?: JobMemory;
  memoryView?: SlackMemoryView;
}

export function buildJobMemory(
  config: Config,
  logger: Logger,
  options: { retryMs?: number; quiet?: boolean } = {},
): JobMemory {
  return createJobMemory({
    embedder: createEmbedder({
      url: config.lmStudio.url,
      ...(config.lmStudio.embeddingModel ? { model: config.lmStudio.embeddingModel } : {}),
      ...(config.lmStudio.apiKey ? { apiKey: config.lmStudio.apiKey } : {}),
    }),
    collection: openCollection({ url: config.qdrant.url, name: config.qdrant.collection }),
    logger,
    prefix: config.redis.prefix,
    qdrantUrl: config.qdrant.url,
    threshold: config.qdrant.similarityThreshold,
    recreate: config.qdrant.recreate,
    retryMs: options.retryMs ?? config.qdrant.retryMs,
    ...(options.quiet ? { quiet: true } : {}),
  });
}

export interface ControllerMemory {
  memory: JobMemory;
  receipts: ReceiptMatches;
  close(): Promise<void>;
}

/**
 * Starts the memory and its completion feed. Returns at once: connecting to
 * Qdrant and LM Studio happens in the background, so neither can hold up the
 * controller's start.
 */
export function startControllerMemory(
  config: Config,
  manager: QueueManager,
  redis: Redis,
  logger: Logger,
): ControllerMemory {
  const memory = buildJobMemory(config, logger);
  const keys = redisKeys(config.redis.prefix);
  void memory.start();
  const readFinished = async (queue: QueueName, bullId: string, outcome: FinishedOutcome) => {
    try {
      const id = fromBullJobId(bullId);
      const [details, receiptTs] = await Promise.all([manager.inspect(id), redis.get(keys.jobReceipt(id))]);
      return details.queue === queue ? toFinishedRecord(details, outcome, receiptTs ?? undefined) : undefined;
    } catch (error) {
      // Only "no such job" means gone; anything else (Redis away) is tried again from the cursor.
      if (isCodedError(error, ErrorCode.JobNotFound)) return undefined;
      throw error;
    }
  };
  const streams = manager.eventStreamKeys();
  const closing = new AbortController();
  // The feed blocks on XREAD, so it gets a connection of its own; Redis may blink
  // between the controller's connect and this one, so keep trying until closed.
  const feed: Promise<CompletionFeed | undefined> = (async () => {
    for (let attempt = 1; !closing.signal.aborted; attempt += 1) {
      try {
        const feedRedis = await connectRedis(config, 'worker', { timeoutMs: 3_000 });
        if (!closing.signal.aborted)
          return startCompletionFeed({
            redis: feedRedis,
            prefix: config.redis.prefix,
            streams,
            readFinished,
            memory,
            logger,
          });
        feedRedis.disconnect();
      } catch (error) {
        logger.debug(
          { err: toCodedError(error) },
          `[qdrant] Completion feed cannot reach Redis yet (attempt ${attempt})`,
        );
        await sleep(Math.min(1_000 * attempt, 5_000), undefined, { signal: closing.signal }).catch(() => undefined);
      }
    }
    return undefined;
  })();
  return {
    memory,
    receipts: createReceiptMatches(redis, config.redis.prefix),
    async close() {
      closing.abort();
      memory.close();
      await (await feed)?.close();
    },
  };
}
