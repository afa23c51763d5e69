// The history's migrations, run by Kysely's Migrator when the controller opens
// the database (the CLI only reads). One list for both databases; the full-text
// part differs: SQLite gets an FTS5 table kept by triggers, PostgreSQL a
// generated tsvector column with a GIN index. Both use the `simple`
// configuration (no stemming), so a search finds the same rows in either.
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { AgentOpsError, ErrorCode } from '@agentops/core';
import type { HistorySchema } from './schema.js';

export type HistoryDialect = 'sqlite' | 'postgres';

function migrations(dialect: HistoryDialect): Record<string, Migration> {
  const bigint = dialect === 'sqlite' ? 'integer' : 'bigint';
  const real = dialect === 'sqlite' ? 'real' : 'double precision';
  return {
    '001_jobs': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('jobs')
          // SQLite: "integer primary key" makes it the rowid, which the FTS5 index points at.
          .addColumn('id', bigint, (column) => column.primaryKey())
          .addColumn('queue', 'text', (column) => column.notNull())
          .addColumn('priority', 'integer', (column) => column.notNull())
          .addColumn('status', 'text', (column) => column.notNull())
          .addColumn('text', 'text', (column) => column.notNull())
          .addColumn('source', 'text', (column) => column.notNull())
          .addColumn('requested_by', 'text', (column) => column.notNull())
          .addColumn('workspace', 'text')
          .addColumn('routing', 'text', (column) => column.notNull())
          .addColumn('routing_detail', 'text')
          .addColumn('trigger', 'text')
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('started_at', 'bigint')
          .addColumn('finished_at', 'bigint')
          .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
          .addColumn('duration_ms', 'bigint')
          .addColumn('cost_usd', real)
          .addColumn('turns', 'integer')
          .addColumn('answer', 'text')
          .addColumn('failed_reason', 'text')
          .addColumn('events', 'integer', (column) => column.notNull().defaultTo(0))
          .addColumn('updated_at', 'bigint', (column) => column.notNull())
          .execute();
        // Retention and stats scan by creation; the filters read newest first within their value.
        await db.schema.createIndex('jobs_created_at').on('jobs').column('created_at').execute();
        await db.schema.createIndex('jobs_queue_id').on('jobs').columns(['queue', 'id']).execute();
        await db.schema.createIndex('jobs_status_id').on('jobs').columns(['status', 'id']).execute();
        await db.schema.createIndex('jobs_requested_by_id').on('jobs').columns(['requested_by', 'id']).execute();
        await db.schema
          .createTable('feed_cursors')
          .addColumn('queue', 'text', (column) => column.primaryKey())
          .addColumn('stream_id', 'text', (column) => column.notNull())
          .execute();
      },
    },
    '002_search': {
      async up(db: Kysely<unknown>) {
        if (dialect === 'postgres') {
          await sql`alter table jobs add column search tsvector generated always as (to_tsvector('simple', text || ' ' || coalesce(answer, '') || ' ' || coalesce(failed_reason, ''))) stored`.execute(
            db,
          );
          await sql`create index jobs_search on jobs using gin (search)`.execute(db);
          return;
        }
        // External content: the index holds only tokens; the text stays in jobs. Triggers keep it in step.
        await sql`create virtual table jobs_fts using fts5(text, answer, failed_reason, content='jobs', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`.execute(
          db,
        );
        await sql`create trigger jobs_fts_insert after insert on jobs begin
          insert into jobs_fts(rowid, text, answer, failed_reason) values (new.id, new.text, new.answer, new.failed_reason);
        end`.execute(db);
        await sql`create trigger jobs_fts_delete after delete on jobs begin
          insert into jobs_fts(jobs_fts, rowid, text, answer, failed_reason) values ('delete', old.id, old.text, old.answer, old.failed_reason);
        end`.execute(db);
        await sql`create trigger jobs_fts_update after update of text, answer, failed_reason on jobs begin
          insert into jobs_fts(jobs_fts, rowid, text, answer, failed_reason) values ('delete', old.id, old.text, old.answer, old.failed_reason);
          insert into jobs_fts(rowid, text, answer, failed_reason) values (new.id, new.text, new.answer, new.failed_reason);
        end`.execute(db);
      },
    },
  };
}

/** Brings the schema up to date; throws HISTORY_UNAVAILABLE saying which migration failed. */
export async function migrateHistory(db: Kysely<HistorySchema>, dialect: HistoryDialect): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  // PostgreSQL: the Migrator's own tables in the schema the history uses (the first of search_path). Without
  // it, it looks for them in any schema of the database, and another schema's tables fool it.
  const schema =
    dialect === 'postgres'
      ? String(
          (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema ?? 'public',
        )
      : undefined;
  const { error, results } = await new Migrator({
    db,
    provider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  }).migrateToLatest();
  if (!error) return;
  const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'the migration lock';
  throw new AgentOpsError(
    ErrorCode.HistoryUnavailable,
    `The job history's schema could not be brought up to date (${failed}: ${error instanceof Error ? error.message : String(error)}); check that the database is reachable and writable`,
    { cause: error },
  );
}
