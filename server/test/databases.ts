import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type Db, type DialectName } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { seedBuiltinRoles } from '../domains/identity/roles.seed.ts';
import { systemClock } from '../platform/clock.ts';

/**
 * Server tests run once per dialect: SQLite always, PostgreSQL when TEST_POSTGRES_URL is set
 * (scripts/test.ts sets it when the server answers, and fails the run under REQUIRE_POSTGRES=1 when it does not).
 */
export function testDialects(): DialectName[] {
  return process.env.TEST_POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export async function createTestDatabase(dialect: DialectName): Promise<Db & { drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-test-'));
    const db = openDatabase({ sqlitePath: path.join(dir, 'test.sqlite') });
    await migrateToLatest(db);
    await seedBuiltinRoles(db, systemClock);
    return {
      ...db,
      drop: async () => {
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const adminUrl = process.env.TEST_POSTGRES_URL!;
  const name = `cohesion_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = openDatabase({ databaseUrl: url.toString(), sqlitePath: '' });
  await migrateToLatest(db);
  await seedBuiltinRoles(db, systemClock);
  return {
    ...db,
    drop: async () => {
      await db.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * describe() once per dialect with a fresh, migrated database shared by the block's tests.
 * Usage: describeEachDialect('areas', (ctx) => { it('…', async () => { ctx.db … }) })
 */
export function describeEachDialect(
  name: string,
  body: (ctx: { db: Db; dialect: DialectName }) => void,
): void {
  for (const dialect of testDialects()) {
    describe(`${name} [${dialect}]`, () => {
      const ctx = { dialect } as { db: Db; dialect: DialectName };
      let handle: Awaited<ReturnType<typeof createTestDatabase>>;
      beforeAll(async () => {
        handle = await createTestDatabase(dialect);
        ctx.db = handle;
      }, 60_000);
      afterAll(async () => {
        await handle?.drop();
      });
      body(ctx);
    });
  }
}
