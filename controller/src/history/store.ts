// The history's SQL: the feed's writes (a batch of row changes and the stream
// cursor they came from, in one transaction), the readers' queries (one job,
// filtered pages, search, stats, outcomes by id) and retention. Kysely builds
// every statement; user text only ever travels as a bound parameter.
import { sql } from 'kysely';
import { AgentOpsError, ErrorCode, QUEUE_NAMES, isCodedError, type JobStatus, type QueueName } from '@agentops/core';
import type { RowChange } from './changes.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { HistoryDatabase } from './database.js';
import { toHistoryJob } from './rows.js';
import { ftsMatch, searchTerms, websearchText } from './search.js';
import { statsSince, summarizeStats } from './stats.js';
import type { HistoryFilter, HistoryOutcome, HistoryPage, HistoryQueries } from './types.js';

export interface HistoryWriter {
  /** The feed's place in each queue's event stream, as last committed. */
  cursors(): Promise<Partial<Record<QueueName, string>>>;
  /**
   * Applies one batch of a queue's events and moves its cursor to `streamId`,
   * in one transaction: after a crash either both are there or neither, so an
   * event is never applied twice. `beforeCommit` runs inside it (tests use it
   * to fail a batch half way).
   */
  apply(queue: QueueName, streamId: string, changes: readonly RowChange[], beforeCommit?: () => void): Promise<void>;
  /** Deletes jobs created more than HISTORY_DAYS before `now`; returns how many. */
  prune(now?: number): Promise<number>;
}

export interface HistoryStore extends HistoryQueries, HistoryWriter {
  readonly where: string;
}

/** Most rows one page may hold. */
export const MAX_PAGE = 200;
const DAY_MS = 86_400_000;
const ENDED: JobStatus[] = ['completed', 'failed', 'cancelled'];
/** Rows deleted per statement while pruning, so a reader never waits long behind it. */
const PRUNE_CHUNK = 2_000;

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw new AgentOpsError(
      ErrorCode.Usage,
      `A history page holds 1 to ${MAX_PAGE} jobs, not ${String(limit)}. Ask for fewer and follow nextCursor for more.`,
    );
  return limit;
}

export function createHistoryStore(database: HistoryDatabase, days: number): HistoryStore {
  const { db, dialect } = database;

  /** A read that failed for another reason than its input says the history did not answer. */
  const reading = async <T>(what: string, read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      if (isCodedError(error)) throw error;
      throw new AgentOpsError(
        ErrorCode.HistoryUnavailable,
        `The job history (${database.where}) could not ${what}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, retryable: true },
      );
    }
  };

  return {
    where: database.where,

    async cursors() {
      const rows = await db.selectFrom('feed_cursors').select(['queue', 'stream_id']).execute();
      return Object.fromEntries(rows.map((row) => [row.queue, row.stream_id]));
    },

    async apply(queue, streamId, changes, beforeCommit) {
      await db.transaction().execute(async (trx) => {
        for (const change of changes) {
          const set = { ...change.patch, events: sql<number>`jobs.events + ${change.events}` };
          if (change.insert) {
            await trx
              .insertInto('jobs')
              .values({ ...change.insert, events: change.events })
              .onConflict((conflict) => {
                const update = conflict.column('id').doUpdateSet(set);
                return change.onlyIfOpen ? update.where('jobs.status', 'not in', ENDED) : update;
              })
              .execute();
          } else {
            let update = trx.updateTable('jobs').set(set).where('id', '=', change.id);
            if (change.onlyIfOpen) update = update.where('status', 'not in', ENDED);
            await update.execute();
          }
        }
        beforeCommit?.();
        await trx
          .insertInto('feed_cursors')
          .values({ queue, stream_id: streamId })
          .onConflict((conflict) => conflict.column('queue').doUpdateSet({ stream_id: streamId }))
          .execute();
      });
    },

    async prune(now = Date.now()) {
      const cutoff = now - days * DAY_MS;
      let total = 0;
      for (;;) {
        const doomed = db.selectFrom('jobs').select('id').where('created_at', '<', cutoff).limit(PRUNE_CHUNK);
        const result = await db.deleteFrom('jobs').where('id', 'in', doomed).executeTakeFirst();
        const deleted = Number(result.numDeletedRows);
        total += deleted;
        if (deleted < PRUNE_CHUNK) return total;
      }
    },

    async get(id) {
      if (!/^\d{1,15}$/.test(id)) return undefined;
      return reading('read a job', async () => {
        const row = await db.selectFrom('jobs').selectAll().where('id', '=', Number(id)).executeTakeFirst();
        return row ? toHistoryJob(row) : undefined;
      });
    },

    async list(filter: HistoryFilter): Promise<HistoryPage> {
      const limit = checkLimit(filter.limit);
      const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
      const terms = filter.text === undefined ? undefined : searchTerms(filter.text);
      return reading('search', async () => {
        // SQLite: start from the FTS5 index, newest rowid first, so a common word stops after one page.
        const fts = terms && dialect === 'sqlite';
        let query = fts
          ? db
              .selectFrom('jobs_fts')
              .innerJoin('jobs', 'jobs.id', 'jobs_fts.rowid')
              .selectAll('jobs')
              .where(sql<boolean>`jobs_fts match ${ftsMatch(terms)}`)
          : db.selectFrom('jobs').selectAll('jobs');
        if (terms && !fts)
          query = query.where(sql<boolean>`search @@ websearch_to_tsquery('simple', ${websearchText(terms)})`);
        if (filter.status) query = query.where('jobs.status', '=', filter.status);
        if (filter.queue) query = query.where('jobs.queue', '=', filter.queue);
        if (filter.requestedBy) query = query.where('jobs.requested_by', '=', filter.requestedBy);
        const id = fts ? sql<number>`jobs_fts.rowid` : sql<number>`jobs.id`;
        if (after !== undefined) query = query.where(id, '<', after);
        const rows = await query
          .orderBy(id, 'desc')
          .limit(limit + 1)
          .execute();
        const jobs = rows.slice(0, limit).map(toHistoryJob);
        const last = rows.length > limit ? rows[limit - 1] : undefined;
        return { jobs, ...(last ? { nextCursor: encodeCursor(last.id) } : {}) };
      });
    },

    async stats(daysBack, now = Date.now()) {
      return reading('compute stats', async () => {
        const rows = await db
          .selectFrom('jobs')
          .select(['queue', 'created_at', 'status', 'duration_ms', 'cost_usd'])
          .where('created_at', '>=', statsSince(daysBack, now))
          .where('queue', 'in', [...QUEUE_NAMES])
          .execute();
        return summarizeStats(rows);
      });
    },

    async outcomes(ids) {
      const numeric = [...new Set(ids.filter((id) => /^\d{1,15}$/.test(id)).map(Number))];
      if (numeric.length === 0) return [];
      return reading('read outcomes', async () => {
        const rows = await db
          .selectFrom('jobs')
          .select(['id', 'status', 'duration_ms', 'cost_usd'])
          .where('id', 'in', numeric)
          .execute();
        return rows.map((row): HistoryOutcome => {
          const outcome: HistoryOutcome = { id: String(row.id), status: row.status as JobStatus };
          if (row.duration_ms !== null) outcome.durationMs = row.duration_ms;
          if (row.cost_usd !== null) outcome.costUsd = row.cost_usd;
          return outcome;
        });
      });
    },
  };
}
