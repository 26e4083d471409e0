import fs from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { CamelCasePlugin, Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { createSqliteDialect } from './sqlite-dialect.ts';

export type DialectName = 'sqlite' | 'postgres';

/** The database handle passed as first argument to repository functions. */
export type Db = {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /**
   * The embedded database itself, for the few bulk reads where building an object per row through Kysely costs
   * more than the query (the analytics read every rollup row); everything else goes through `kysely`.
   */
  sqlite?: DatabaseSync;
  close(): Promise<void>;
};

/** Either the root handle or an open transaction: repository functions accept both. */
export type Executor = Kysely<Database> | Transaction<Database>;

// PostgreSQL returns int8 (COUNT, SUM) as strings by default; our counts fit comfortably in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export function openDatabase(options: { databaseUrl?: string | undefined; sqlitePath: string }): Db {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle pooled connection closed by the server (restart, failover, admin) must not crash the process:
    // the pool drops it and the next query opens a new one.
    pool.on('error', (e) => console.warn(`PostgreSQL connection lost (${e.message}); it will be replaced`));
    const kysely = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      plugins: [new CamelCasePlugin()],
    });
    return { kysely, dialect: 'postgres', close: () => kysely.destroy() };
  }
  if (options.sqlitePath !== ':memory:') fs.mkdirSync(path.dirname(options.sqlitePath), { recursive: true });
  const { dialect, raw } = createSqliteDialect(options.sqlitePath);
  const kysely = new Kysely<Database>({ dialect, plugins: [new CamelCasePlugin()] });
  return { kysely, dialect: 'sqlite', sqlite: raw, close: () => kysely.destroy() };
}
