import type { Kysely } from 'kysely';

// Frozen once released: never edit a migration after it has shipped; add a new one.
// The analytics engine's stored results (docs/analytics.md): recomputation runs, early-warning alarms and the
// latest state of every monitored series, trigger events, and the composite index definitions.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('analytics_run')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // import | rollback | schedule | manual | startup
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    // running | ok | failed
    .addColumn('status', 'text', (c) => c.notNull())
    // What the run saw: the latest batch time, rollback time and signal count; a scheduled run skips an unchanged one.
    .addColumn('data_version', 'text', (c) => c.notNull())
    // The last day with a signal: the week and month containing it are the "current" periods evaluated.
    .addColumn('data_until', 'text')
    // JSON: series monitored, alarms raised and withdrawn, fits that did not converge, milliseconds per step.
    .addColumn('summary', 'text')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('analytics_run_started_idx').on('analytics_run').column('started_at').execute();

  await db.schema
    .createTable('analytics_alarm')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // ears_c1 | ears_c2 | ears_c3 | farrington_noufaily | farrington_classic
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('grain', 'text', (c) => c.notNull())
    // An area code, or '*' for the whole city.
    .addColumn('area_key', 'text', (c) => c.notNull())
    // A term code, or '*' for every signal.
    .addColumn('term_code', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('observed', 'integer', (c) => c.notNull())
    .addColumn('expected', 'double precision', (c) => c.notNull())
    .addColumn('upperbound', 'double precision', (c) => c.notNull())
    .addColumn('first_raised_at', 'text', (c) => c.notNull())
    .addColumn('last_computed_at', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    // Set when a later recomputation (corrected or rolled-back data) no longer raises it: kept, never deleted.
    .addColumn('withdrawn_at', 'text')
    .addUniqueConstraint('analytics_alarm_key', ['method', 'grain', 'area_key', 'term_code', 'period'])
    .execute();
  await db.schema
    .createIndex('analytics_alarm_period_idx')
    .on('analytics_alarm')
    .columns(['grain', 'period'])
    .execute();

  await db.schema
    .createTable('analytics_series')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('grain', 'text', (c) => c.notNull())
    .addColumn('area_key', 'text', (c) => c.notNull())
    .addColumn('term_code', 'text', (c) => c.notNull())
    // The latest period evaluated and what the method said about it.
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('observed', 'integer', (c) => c.notNull())
    .addColumn('expected', 'double precision')
    .addColumn('upperbound', 'double precision')
    .addColumn('alarm', 'integer', (c) => c.notNull())
    // 0 when no model could be fitted for that period (reported, not hidden), with the reason.
    .addColumn('converged', 'integer', (c) => c.notNull())
    .addColumn('warning', 'text')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('analytics_series_pk', ['method', 'grain', 'area_key', 'term_code'])
    .execute();

  await db.schema
    .createTable('trigger_event')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // attack | election | international_crisis | local_tension | policy | other
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('occurred_on', 'text', (c) => c.notNull())
    // An area code, or null when the event concerns the whole city.
    .addColumn('area_code', 'text')
    .addColumn('description', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('archived_at', 'text')
    .execute();
  await db.schema
    .createIndex('trigger_event_occurred_idx')
    .on('trigger_event')
    .column('occurred_on')
    .execute();

  await db.schema
    .createTable('index_definition')
    // threat | needs | protective, or a city's own key
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // JSON: indicators, outlier treatment, normalisation, aggregation (core/analytics/indices.ts).
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'index_definition',
    'trigger_event',
    'analytics_series',
    'analytics_alarm',
    'analytics_run',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
