import type { Config } from './config.ts';
import { openDatabase, type Db } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { seedDefaultTaxonomy } from './domains/taxonomy/taxonomy.service.ts';
import { loadDemoCityIfEmpty } from './demo/load-city-pack.ts';
import { systemClock } from './platform/clock.ts';

/** Opens the database, brings the schema up to date and loads what a fresh instance needs. */
export async function bootstrap(config: Config): Promise<Db> {
  const db = openDatabase({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
  await migrateToLatest(db);
  await seedDefaultTaxonomy(db, systemClock);
  await loadDemoCityIfEmpty(db, {
    enabled: config.demoCity,
    clock: systemClock,
    log: (msg) => process.stderr.write(`demo city: ${msg}\n`),
  });
  return db;
}
