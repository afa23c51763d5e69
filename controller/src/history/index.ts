// The job history's front door: `createHistory` opens the database (migrated,
// for the controller) and returns its readers and writer; `openHistoryReader`
// is the CLI's read-only view; `startControllerHistory` adds the feed that
// writes it from BullMQ's event streams and the hourly retention.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AgentOpsError,
  ErrorCode,
  fromBullJobId,
  toCodedError,
  type Config,
  type Logger,
  type QueueName,
  type Redis,
} from '@agentops/core';
import type { QueueManager } from '../queue/manager.js';
import type { JobSnapshot } from './changes.js';
import { openHistoryDatabase } from './database.js';
import { startHistoryFeed } from './feed.js';
import { migrateHistory } from './migrations.js';
import { createHistoryStore, type HistoryStore, type HistoryWriter } from './store.js';
import type { HistoryQueries } from './types.js';

export type * from './types.js';
export type { HistoryStore, HistoryWriter } from './store.js';
export type { JobSnapshot, RowChange, StreamEvent } from './changes.js';
export { changesFor } from './changes.js';
export { startHistoryFeed, type HistoryFeedOptions } from './feed.js';
export { historyFile } from './database.js';
export { MAX_PAGE } from './store.js';

export interface History {
  reader: HistoryQueries;
  writer: HistoryWriter;
  /** Where it is, for log lines. */
  where: string;
  close(): Promise<void>;
}

/** Opens the history for writing: the database (SQLite file made if need be), migrated to the latest schema. */
export async function createHistory(config: Config, logger: Logger): Promise<History> {
  const database = openHistoryDatabase(config);
  if (!database) throw new AgentOpsError(ErrorCode.Internal, 'the history database could not be opened');
  try {
    await migrateHistory(database.db, database.dialect);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  const store: HistoryStore = createHistoryStore(database, config.history.days);
  logger.info({ history: 'ready' }, `[history] Job history in ${database.where}`);
  return { reader: store, writer: store, where: database.where, close: () => database.close() };
}

/**
 * The CLI's view: read-only (SQLite opened read-only, beside the controller
 * writing in WAL mode), or undefined when there is no history file yet.
 */
export function openHistoryReader(config: Config): { reader: HistoryQueries; close(): Promise<void> } | undefined {
  const database = openHistoryDatabase(config, { readOnly: true });
  if (!database) return undefined;
  return { reader: createHistoryStore(database, config.history.days), close: () => database.close() };
}

/** The answer of every history command where the history is not there. */
export function historyUnavailable(reason: string): AgentOpsError {
  return new AgentOpsError(ErrorCode.HistoryUnavailable, `The job history is not available: ${reason}.`);
}

/** A job as the history feed needs it, read from BullMQ through the queue manager. */
export function bullJobReader(manager: QueueManager) {
  return async (queue: QueueName, bullId: string, ended: boolean): Promise<JobSnapshot | undefined> => {
    const id = fromBullJobId(bullId);
    const job = await manager.queues[queue].getJob(bullId);
    if (!job) {
      if (!ended) return undefined;
      // A job cancelled while it waited is removed; its cancel record still holds its data.
      const details = await manager.inspect(id).catch(() => undefined);
      return details?.status === 'cancelled'
        ? { data: details.data, createdAt: details.createdAt, attemptsMade: 0, cancelled: true }
        : undefined;
    }
    const snapshot: JobSnapshot = { data: job.data, attemptsMade: job.attemptsMade, createdAt: job.timestamp };
    if (job.priority) snapshot.priority = job.priority;
    if (job.processedOn) snapshot.startedAt = job.processedOn;
    if (job.finishedOn) snapshot.finishedAt = job.finishedOn;
    if (job.failedReason) snapshot.failedReason = job.failedReason;
    if (job.returnvalue !== undefined && job.returnvalue !== null) snapshot.result = job.returnvalue;
    if (ended && (await manager.cancelInfo(id))) snapshot.cancelled = true;
    return snapshot;
  };
}

export interface ControllerHistory {
  /** Answers once the database is open (PostgreSQL may come up after the controller); until then HISTORY_UNAVAILABLE, and no outcomes. */
  reader: HistoryQueries;
  close(): Promise<void>;
}

/** How often retention runs. */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Opens the history (trying again every few seconds while the database does
 * not answer), then starts its feed and hourly pruning. Returns at once.
 */
export function startControllerHistory(
  config: Config,
  manager: QueueManager,
  newConnection: () => Redis,
  logger: Logger,
): ControllerHistory {
  const closing = new AbortController();
  let history: History | undefined;
  const started = (async () => {
    for (let attempt = 1; !closing.signal.aborted; attempt += 1) {
      try {
        history = await createHistory(config, logger);
        break;
      } catch (error) {
        logger.warn(
          { err: toCodedError(error) },
          `[history] ${toCodedError(error).message}; trying again in 10 s (attempt ${attempt})`,
        );
        await sleep(10_000, undefined, { signal: closing.signal }).catch(() => undefined);
      }
    }
    if (!history || closing.signal.aborted) return undefined;
    const { writer } = history;
    const feed = startHistoryFeed({
      reader: newConnection(),
      streams: manager.eventStreamKeys(),
      store: writer,
      readJob: bullJobReader(manager),
      logger,
    });
    const prune = async () => {
      try {
        const removed = await writer.prune();
        if (removed > 0)
          logger.info(
            { history: 'pruned', removed },
            `[history] Removed ${removed} job(s) older than ${config.history.days} days`,
          );
      } catch (error) {
        logger.warn({ err: toCodedError(error) }, `[history] Pruning failed: ${toCodedError(error).message}`);
      }
    };
    void prune();
    const timer = setInterval(() => void prune(), PRUNE_EVERY_MS);
    timer.unref();
    return { feed, timer };
  })();
  const ready = (): HistoryQueries => {
    if (!history) throw historyUnavailable('the controller cannot reach its database yet (see its log)');
    return history.reader;
  };
  return {
    reader: {
      get: async (id) => ready().get(id),
      list: async (filter) => ready().list(filter),
      stats: async (days, now) => ready().stats(days, now),
      outcomes: async (ids) => (history ? history.reader.outcomes(ids) : []),
    },
    async close() {
      closing.abort();
      const running = await started;
      if (running) {
        clearInterval(running.timer);
        await running.feed.close();
      }
      await history?.close();
    },
  };
}
