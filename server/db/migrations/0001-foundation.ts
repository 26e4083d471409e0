import type { Kysely } from 'kysely';

// Frozen once released: never edit a migration after it has shipped; add a new one.
// Portable types only (text, integer, double precision) so one migration serves SQLite and PostgreSQL.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('area')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text', (c) => c.references('area.id'))
    .addColumn('geometry', 'text', (c) => c.notNull())
    .addColumn('min_lon', 'double precision', (c) => c.notNull())
    .addColumn('min_lat', 'double precision', (c) => c.notNull())
    .addColumn('max_lon', 'double precision', (c) => c.notNull())
    .addColumn('max_lat', 'double precision', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('area_parent_idx').on('area').column('parent_id').execute();

  await db.schema
    .createTable('area_attribute')
    .addColumn('area_id', 'text', (c) => c.notNull().references('area.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('area_attribute_pk', ['area_id', 'key'])
    .execute();

  await db.schema
    .createTable('source')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('contact_name', 'text')
    .addColumn('contact_email', 'text')
    .addColumn('licence', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('cadence', 'text', (c) => c.notNull())
    .addColumn('mapping', 'text')
    .addColumn('notes', 'text')
    .addColumn('last_delivered_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('archived_at', 'text')
    .execute();

  await db.schema
    .createTable('taxonomy_term')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('parent_code', 'text', (c) => c.references('taxonomy_term.code'))
    .addColumn('facet', 'text', (c) => c.notNull())
    .addColumn('sort_order', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('custom', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retired_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('taxonomy_label')
    .addColumn('term_code', 'text', (c) => c.notNull().references('taxonomy_term.code').onDelete('cascade'))
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('edited_at', 'text')
    .addPrimaryKeyConstraint('taxonomy_label_pk', ['term_code', 'locale'])
    .execute();

  await db.schema
    .createTable('import_batch')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source_id', 'text', (c) => c.notNull().references('source.id'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('file_hash', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total_rows', 'integer', (c) => c.notNull())
    .addColumn('inserted', 'integer', (c) => c.notNull())
    .addColumn('updated', 'integer', (c) => c.notNull())
    .addColumn('unchanged', 'integer', (c) => c.notNull())
    .addColumn('failed', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('rolled_back_at', 'text')
    .execute();
  await db.schema
    .createIndex('import_batch_source_idx')
    .on('import_batch')
    .columns(['source_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('signal')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source_id', 'text', (c) => c.notNull().references('source.id'))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'text', (c) => c.notNull().references('import_batch.id'))
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('occurred_on', 'text', (c) => c.notNull())
    .addColumn('area_id', 'text', (c) => c.references('area.id'))
    .addColumn('lon', 'double precision')
    .addColumn('lat', 'double precision')
    .addColumn('severity', 'integer')
    .addColumn('description', 'text')
    .addColumn('extra', 'text')
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('signal_source_external_uq', ['source_id', 'external_id'])
    .execute();
  await db.schema.createIndex('signal_occurred_idx').on('signal').columns(['occurred_on']).execute();
  await db.schema.createIndex('signal_area_idx').on('signal').columns(['area_id', 'occurred_on']).execute();
  await db.schema.createIndex('signal_batch_idx').on('signal').column('batch_id').execute();

  await db.schema
    .createTable('signal_label')
    .addColumn('signal_id', 'text', (c) => c.notNull().references('signal.id').onDelete('cascade'))
    .addColumn('term_code', 'text', (c) => c.notNull().references('taxonomy_term.code'))
    .addPrimaryKeyConstraint('signal_label_pk', ['signal_id', 'term_code'])
    .execute();
  await db.schema
    .createIndex('signal_label_term_idx')
    .on('signal_label')
    .columns(['term_code', 'signal_id'])
    .execute();

  await db.schema
    .createTable('signal_revision')
    .addColumn('batch_id', 'text', (c) => c.notNull().references('import_batch.id'))
    .addColumn('signal_id', 'text', (c) => c.notNull())
    .addColumn('previous', 'text')
    .addColumn('previous_batch_id', 'text')
    .addPrimaryKeyConstraint('signal_revision_pk', ['batch_id', 'signal_id'])
    .execute();
  await db.schema
    .createIndex('signal_revision_previous_batch_idx')
    .on('signal_revision')
    .column('previous_batch_id')
    .execute();

  await db.schema
    .createTable('signal_rollup')
    .addColumn('grain', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('area_key', 'text', (c) => c.notNull())
    .addColumn('term_code', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('signal_rollup_pk', ['grain', 'period', 'area_key', 'term_code'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'signal_rollup',
    'signal_revision',
    'signal_label',
    'signal',
    'import_batch',
    'taxonomy_label',
    'taxonomy_term',
    'source',
    'area_attribute',
    'area',
    'meta',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
