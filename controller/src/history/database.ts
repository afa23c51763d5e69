// Opens the history's database: PostgreSQL when DATABASE_URL is set, else the
// embedded SQLite file <data folder>/history.db. The only importer of
// better-sqlite3 and pg. SQLite runs in WAL mode, so the `agentops` CLI (another
// process, opening the file read-only) reads while the controller writes; that
// is why the embedded database is SQLite and not PGlite, which one process
// holds alone.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { AgentOpsError, ErrorCode, type Config } from '@agentops/core';
import type { HistoryDialect } from './migrations.js';
import type { HistorySchema } from './schema.js';

export interface HistoryDatabase {
  db: Kysely<HistorySchema>;
  dialect: HistoryDialect;
  /** Where it is, for log lines: the file, or PostgreSQL's host and database (never the password). */
  where: string;
  close(): Promise<void>;
}

/** The embedded database's file. */
export function historyFile(config: Config): string {
  return path.join(config.paths.dataDir, 'history.db');
}

/** PostgreSQL's bigint (8) and numeric (1700) as numbers: ids, times and counts all fit in 2^53. */
const PG_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
};

function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `PostgreSQL at ${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}

function openPostgres(url: string): HistoryDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000, types: PG_TYPES });
  // An idle client's error (the server restarted) would otherwise crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const db = new Kysely<HistorySchema>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', where: describeUrl(url), close: () => db.destroy() };
}

function openSqlite(file: string, readOnly: boolean): HistoryDatabase {
  if (!readOnly) mkdirSync(path.dirname(file), { recursive: true });
  let database: BetterSqlite3.Database;
  try {
    database = new BetterSqlite3(file, readOnly ? { readonly: true, fileMustExist: true } : {});
  } catch (error) {
    throw new AgentOpsError(
      ErrorCode.HistoryUnavailable,
      `The job history at ${file} cannot be opened (${error instanceof Error ? error.message : String(error)}); check the data folder (AGENTOPS_DATA_DIR) and its permissions`,
      { cause: error },
    );
  }
  // A reader waits for the writer's commit instead of failing at once.
  database.pragma('busy_timeout = 5000');
  if (!readOnly) {
    database.pragma('journal_mode = WAL');
    // WAL with NORMAL survives a process crash; only a power cut may lose the last commits, which the feed reads again.
    database.pragma('synchronous = NORMAL');
  }
  const db = new Kysely<HistorySchema>({ dialect: new SqliteDialect({ database }) });
  return { db, dialect: 'sqlite', where: file, close: () => db.destroy() };
}

/**
 * The history's database. `readOnly` (the CLI) opens the SQLite file without
 * writing and answers undefined when there is none yet (no controller has run).
 */
export function openHistoryDatabase(config: Config, options: { readOnly?: boolean } = {}): HistoryDatabase | undefined {
  if (config.history.databaseUrl) return openPostgres(config.history.databaseUrl);
  const file = historyFile(config);
  if (options.readOnly && !existsSync(file)) return undefined;
  return openSqlite(file, options.readOnly ?? false);
}
