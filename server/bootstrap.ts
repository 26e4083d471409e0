import type { Config } from './config.ts';
import { openDatabase, type Db } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { seedIndexDefinitions } from './domains/analytics/index-definitions.ts';
import { recomputeAnalytics } from './domains/analytics/recompute.ts';
import { findLastRun } from './domains/analytics/analytics.repository.ts';
import { seedBuiltinRoles } from './domains/identity/roles.seed.ts';
import { seedDefaultTaxonomy } from './domains/taxonomy/taxonomy.service.ts';
import { loadDemoCityIfEmpty } from './demo/load-city-pack.ts';
import { systemClock } from './platform/clock.ts';

/**
 * Opens the database, brings the schema up to date and loads what a fresh instance needs.
 * Only the server loads the demo city: an analyst's first CLI command on a new instance is usually the import of
 * their own city, which must not arrive mixed with Toronto.
 */
export async function bootstrap(config: Config, options: { loadDemo: boolean }): Promise<Db> {
  const db = openDatabase({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
  await migrateToLatest(db);
  await seedDefaultTaxonomy(db, systemClock);
  await seedBuiltinRoles(db, systemClock);
  await seedIndexDefinitions(db, systemClock);
  await loadDemoCityIfEmpty(db, {
    enabled: options.loadDemo && config.demoCity,
    clock: systemClock,
    log: (msg) => process.stderr.write(`demo city: ${msg}\n`),
  });
  // A server starts with current analytics: after the demo load, or after imports made while it was down.
  if (options.loadDemo) {
    const first = (await findLastRun(db.kysely)) === undefined;
    await recomputeAnalytics(db, systemClock, null, { reason: 'startup', onlyIfChanged: !first });
  }
  return db;
}
