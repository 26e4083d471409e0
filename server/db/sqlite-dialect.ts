import { DatabaseSync } from 'node:sqlite';
import { SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';

type SqlValue = null | number | bigint | string | Uint8Array;

const STATEMENT_CACHE_SIZE = 32;

/** Adapts node:sqlite's synchronous DatabaseSync to the better-sqlite3-like shape Kysely's SqliteDialect expects. */
function adapt(db: DatabaseSync): SqliteDatabase {
  // Bulk imports run the same multi-row INSERT thousands of times; preparing it anew each time cost more than
  // running it. Kysely uses one connection at a time, so a cached statement is never in use twice at once.
  // Least-recently-used and small: a prepared 2,000-row INSERT holds megabytes, and one-off statements (label
  // inserts of varying sizes) must not crowd out the ones that repeat.
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const cached = cache.get(sql);
      if (cached) {
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const stmt = db.prepare(sql);
      const adapted: SqliteStatement = {
        reader: stmt.columns().length > 0,
        all: (parameters: ReadonlyArray<unknown>) => stmt.all(...(parameters as SqlValue[])),
        run: (parameters: ReadonlyArray<unknown>) => {
          const r = stmt.run(...(parameters as SqlValue[]));
          return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
        },
        iterate: (parameters: ReadonlyArray<unknown>) => stmt.iterate(...(parameters as SqlValue[])),
      };
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(sql, adapted);
      return adapted;
    },
  };
}

export function openSqlite(file: string): DatabaseSync {
  const db = new DatabaseSync(file);
  if (file !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  return db;
}

export function createSqliteDialect(file: string): { dialect: SqliteDialect; raw: DatabaseSync } {
  const raw = openSqlite(file);
  return { dialect: new SqliteDialect({ database: adapt(raw) }), raw };
}
