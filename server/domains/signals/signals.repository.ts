import { CompiledQuery, sql, type Selectable } from 'kysely';
import type { Db, DialectName, Executor } from '../../db/database.ts';
import type { ImportBatchTable, SignalTable } from '../../db/schema.ts';

export type SignalRow = Selectable<SignalTable>;
export type BatchRow = Selectable<ImportBatchTable>;

/** Fewer bound parameters per statement than either engine allows (SQLite 32 766, PostgreSQL 65 535). */
const MAX_PARAMS = 30_000;
/** The most rows one INSERT carries; an import chunk's signals fit in one statement. */
const MAX_STATEMENT_ROWS = 2_000;

const placeholderCache = new Map<string, string>();

function valuesClause(dialect: DialectName, width: number, rows: number): string {
  const key = `${dialect}:${width}:${rows}`;
  let clause = placeholderCache.get(key);
  if (!clause) {
    const parts: string[] = [];
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const cells: string[] = [];
      for (let c = 0; c < width; c++) cells.push(dialect === 'postgres' ? `$${++n}` : '?');
      parts.push(`(${cells.join(',')})`);
    }
    clause = parts.join(',');
    if (placeholderCache.size > 64) placeholderCache.clear();
    placeholderCache.set(key, clause);
  }
  return clause;
}

/**
 * How many rows each INSERT of a `rows`-row write carries: full statements, then the rest as powers of two. SQLite
 * keeps one prepared statement per SQL text, and a statement prepared for thousands of rows holds about a megabyte
 * of native memory until the garbage collector finalises it, which it rarely does in a long import because it
 * cannot see that memory. One text per row count (a chunk's labels number anything from 0 to 10 000) made a
 * million-row import leave hundreds of such statements behind; a dozen sizes per table are prepared once and reused.
 */
export function statementSizes(rows: number, width: number): number[] {
  const full = Math.max(1, Math.min(MAX_STATEMENT_ROWS, Math.floor(MAX_PARAMS / width)));
  const sizes: number[] = [];
  let left = rows;
  while (left >= full) {
    sizes.push(full);
    left -= full;
  }
  for (let size = 1 << 30; left > 0; size >>>= 1) {
    if (left >= size) {
      sizes.push(size);
      left -= size;
    }
  }
  return sizes;
}

/**
 * Multi-row INSERT of flat parameter arrays, in statements of a few fixed sizes (see statementSizes). Bulk imports
 * write through this rather than the query builder: compiling a 2 000-row insert per chunk costs more than running
 * it. Returns how many rows the statements inserted or updated (fewer than given when `onConflict` skips some).
 */
export async function insertRows(
  ex: Executor,
  dialect: DialectName,
  table: string,
  columns: readonly string[],
  rows: unknown[][],
  onConflict = '',
): Promise<number> {
  const width = columns.length;
  const head = `insert into ${table} (${columns.join(', ')}) values `;
  const tail = onConflict ? ` ${onConflict}` : '';
  let start = 0;
  let affected = 0;
  for (const size of statementSizes(rows.length, width)) {
    const params: unknown[] = new Array(size * width);
    let k = 0;
    for (let r = start; r < start + size; r++) for (const v of rows[r]!) params[k++] = v;
    start += size;
    const result = await ex.executeQuery(
      CompiledQuery.raw(`${head}${valuesClause(dialect, width, size)}${tail}`, params),
    );
    affected += Number(result.numAffectedRows ?? 0);
  }
  return affected;
}

export const SIGNAL_COLUMNS = [
  'id',
  'source_id',
  'external_id',
  'batch_id',
  'occurred_at',
  'occurred_on',
  'area_id',
  'lon',
  'lat',
  'severity',
  'description',
  'extra',
  'content_hash',
  'created_at',
  'updated_at',
] as const;

/**
 * New signals skip an id the source already holds instead of failing the statement: the import tells a row of an
 * earlier chunk of the same file (a repeated id) from a concurrent import's by the rows inserted.
 */
export const SIGNAL_INSERT_NEW = 'on conflict (source_id, external_id) do nothing';

/** Updating by (source, external id) keeps the signal's id and creation time. */
export const SIGNAL_UPSERT = `on conflict (source_id, external_id) do update set ${SIGNAL_COLUMNS.filter(
  (c) => c !== 'id' && c !== 'source_id' && c !== 'external_id' && c !== 'created_at',
)
  .map((c) => `${c} = excluded.${c}`)
  .join(', ')}`;

export async function countSignalsOfSource(ex: Executor, sourceId: string): Promise<number> {
  const row = await ex
    .selectFrom('signal')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('sourceId', '=', sourceId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function countAllSignals(ex: Executor): Promise<number> {
  const row = await ex
    .selectFrom('signal')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export type StoredSignalKey = { id: string; externalId: string; batchId: string; contentHash: string };

/** The signals a source holds under these external ids, with the batch that wrote each last. */
export async function selectExistingByExternalIds(
  ex: Executor,
  sourceId: string,
  externalIds: string[],
): Promise<StoredSignalKey[]> {
  const out: StoredSignalKey[] = [];
  for (let i = 0; i < externalIds.length; i += 5_000) {
    const rows = await ex
      .selectFrom('signal')
      .select(['id', 'externalId', 'batchId', 'contentHash'])
      .where('sourceId', '=', sourceId)
      .where('externalId', 'in', externalIds.slice(i, i + 5_000))
      .execute();
    out.push(...rows);
  }
  return out;
}

/** Which of these external ids of a source the given batch wrote. */
export async function selectExternalIdsOfBatch(
  ex: Executor,
  sourceId: string,
  batchId: string,
  externalIds: string[],
): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < externalIds.length; i += 5_000) {
    const rows = await ex
      .selectFrom('signal')
      .select('externalId')
      .where('sourceId', '=', sourceId)
      .where('externalId', 'in', externalIds.slice(i, i + 5_000))
      .where('batchId', '=', batchId)
      .execute();
    for (const r of rows) out.push(r.externalId);
  }
  return out;
}

// The id ledger: a temporary table of the external ids an import has seen, with the line of each, for an import
// that is not writing its rows to the signal table (a dry run, or a commit already lost to a problem).

const LEDGER_NAME = /^import_ids_[0-9a-f]{16}$/;

function ledgerTable(name: string): string {
  // The name is interpolated into SQL text: only names made by newIdLedgerName pass.
  if (!LEDGER_NAME.test(name)) throw new Error(`Not an id ledger name: ${name}`);
  return name;
}

export function newIdLedgerName(): string {
  return `import_ids_${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString('hex')}`;
}

/**
 * Runs `fn` on an executor whose session state (a temporary table) lasts across queries. PostgreSQL pools
 * connections, so one is held for the duration; SQLite has a single connection, and holding it would stall every
 * other query of the process for as long as `fn` runs.
 */
export async function withOneSession<T>(db: Db, fn: (ex: Executor) => Promise<T>): Promise<T> {
  if (db.dialect === 'sqlite') return fn(db.kysely);
  return db.kysely.connection().execute((connection) => fn(connection));
}

/** On disk in both engines past a few megabytes (SQLite's temp_store is a file, PostgreSQL's temp_buffers spill). */
export async function createIdLedger(ex: Executor, name: string): Promise<void> {
  await sql
    .raw(`create temporary table ${ledgerTable(name)} (external_id text primary key, line integer not null)`)
    .execute(ex);
}

/** Records ids not yet in the ledger; returns how many were new. */
export async function addToIdLedger(
  ex: Executor,
  dialect: DialectName,
  name: string,
  rows: Array<[externalId: string, line: number]>,
): Promise<number> {
  return insertRows(
    ex,
    dialect,
    ledgerTable(name),
    ['external_id', 'line'],
    rows,
    'on conflict (external_id) do nothing',
  );
}

/** The line recorded for each of these ids that the ledger holds. */
export async function selectIdLedgerLines(
  ex: Executor,
  name: string,
  externalIds: string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < externalIds.length; i += 5_000) {
    const ids = externalIds.slice(i, i + 5_000);
    const result = await sql<{ externalId: string; line: number }>`select external_id, line from ${sql.raw(
      ledgerTable(name),
    )} where external_id in (${sql.join(ids)})`.execute(ex);
    for (const r of result.rows) out.set(r.externalId, Number(r.line));
  }
  return out;
}

export async function dropIdLedger(ex: Executor, name: string): Promise<void> {
  await sql.raw(`drop table if exists ${ledgerTable(name)}`).execute(ex);
}

export async function selectSignalsByIds(ex: Executor, ids: string[]): Promise<SignalRow[]> {
  const out: SignalRow[] = [];
  for (let i = 0; i < ids.length; i += 5_000) {
    out.push(
      ...(await ex
        .selectFrom('signal')
        .selectAll()
        .where('id', 'in', ids.slice(i, i + 5_000))
        .execute()),
    );
  }
  return out;
}

export async function selectLabelsOf(ex: Executor, signalIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < signalIds.length; i += 5_000) {
    const rows = await ex
      .selectFrom('signalLabel')
      .select(['signalId', 'termCode'])
      .where('signalId', 'in', signalIds.slice(i, i + 5_000))
      .orderBy('signalId')
      .orderBy('termCode')
      .execute();
    for (const r of rows) {
      const list = out.get(r.signalId);
      if (list) list.push(r.termCode);
      else out.set(r.signalId, [r.termCode]);
    }
  }
  return out;
}

export async function deleteLabelsOf(ex: Executor, signalIds: string[]): Promise<void> {
  for (let i = 0; i < signalIds.length; i += 5_000) {
    await ex
      .deleteFrom('signalLabel')
      .where('signalId', 'in', signalIds.slice(i, i + 5_000))
      .execute();
  }
}

export async function selectSourceCodes(ex: Executor, codes: string[]): Promise<Array<{ code: string }>> {
  return ex.selectFrom('source').select('code').where('code', 'in', codes).execute();
}

/** Area codes by id, for rollup keys. */
export async function selectAreaCodes(ex: Executor): Promise<Array<{ id: string; code: string }>> {
  return ex.selectFrom('area').select(['id', 'code']).execute();
}

export async function findMeta(ex: Executor, key: string): Promise<string | undefined> {
  const row = await ex.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

// Batches

export async function insertBatch(ex: Executor, row: BatchRow): Promise<void> {
  await ex.insertInto('importBatch').values(row).execute();
}

export async function updateBatchCounts(
  ex: Executor,
  id: string,
  counts: Pick<BatchRow, 'fileHash' | 'totalRows' | 'inserted' | 'updated' | 'unchanged' | 'failed'>,
): Promise<void> {
  await ex.updateTable('importBatch').set(counts).where('id', '=', id).execute();
}

export async function selectBatch(
  ex: Executor,
  id: string,
): Promise<(BatchRow & { sourceCode: string; sourceName: string }) | undefined> {
  return ex
    .selectFrom('importBatch as b')
    .innerJoin('source as s', 's.id', 'b.sourceId')
    .selectAll('b')
    .select(['s.code as sourceCode', 's.name as sourceName'])
    .where('b.id', '=', id)
    .executeTakeFirst();
}

export async function selectBatches(
  ex: Executor,
  filter: {
    sourceId?: string | undefined;
    limit: number;
    before?: { createdAt: string; id: string } | undefined;
  },
): Promise<Array<BatchRow & { sourceCode: string; sourceName: string }>> {
  let q = ex
    .selectFrom('importBatch as b')
    .innerJoin('source as s', 's.id', 'b.sourceId')
    .selectAll('b')
    .select(['s.code as sourceCode', 's.name as sourceName']);
  if (filter.sourceId) q = q.where('b.sourceId', '=', filter.sourceId);
  if (filter.before) {
    const { createdAt, id } = filter.before;
    q = q.where((eb) =>
      eb.or([
        eb('b.createdAt', '<', createdAt),
        eb.and([eb('b.createdAt', '=', createdAt), eb('b.id', '<', id)]),
      ]),
    );
  }
  return q.orderBy('b.createdAt', 'desc').orderBy('b.id', 'desc').limit(filter.limit).execute();
}

export async function markBatchRolledBack(ex: Executor, id: string, at: string): Promise<void> {
  await ex
    .updateTable('importBatch')
    .set({ status: 'rolled_back', rolledBackAt: at })
    .where('id', '=', id)
    .execute();
}

/**
 * Batches still in force that changed a signal after this batch wrote it: rolling this one back would silently
 * undo their work. A revision records the batch whose state it replaced, so this is one indexed lookup.
 */
export async function selectLaterBatchesTouching(
  ex: Executor,
  batchId: string,
  limit: number,
): Promise<Array<{ batchId: string; externalId: string }>> {
  const rows = await ex
    .selectFrom('signalRevision as r')
    .innerJoin('importBatch as b', 'b.id', 'r.batchId')
    .leftJoin('signal as s', 's.id', 'r.signalId')
    .select(['r.batchId as batchId', 's.externalId as externalId'])
    .where('r.previousBatchId', '=', batchId)
    .where('b.rolledBackAt', 'is', null)
    .limit(limit)
    .execute();
  return rows.map((r) => ({ batchId: r.batchId, externalId: r.externalId ?? '' }));
}

/** The signals a batch wrote last (inserted, or updated with no later change), a page at a time. */
export async function selectSignalsOfBatch(
  ex: Executor,
  batchId: string,
  afterId: string,
  limit: number,
): Promise<SignalRow[]> {
  return ex
    .selectFrom('signal')
    .selectAll()
    .where('batchId', '=', batchId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The previous states a batch replaced, a page at a time. */
export async function selectRevisionPage(
  ex: Executor,
  batchId: string,
  afterSignalId: string,
  limit: number,
): Promise<Array<{ signalId: string; previous: string | null }>> {
  return ex
    .selectFrom('signalRevision')
    .select(['signalId', 'previous'])
    .where('batchId', '=', batchId)
    .where('signalId', '>', afterSignalId)
    .orderBy('signalId')
    .limit(limit)
    .execute();
}

/** Deletes the signals (and their labels) a batch still holds as its own: after restores, the ones it inserted. */
export async function deleteSignalsOfBatch(ex: Executor, batchId: string): Promise<number> {
  await ex
    .deleteFrom('signalLabel')
    .where('signalId', 'in', (eb) => eb.selectFrom('signal').select('id').where('batchId', '=', batchId))
    .execute();
  const result = await ex.deleteFrom('signal').where('batchId', '=', batchId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

// Rollups

export type RollupRow = { grain: string; period: string; areaKey: string; termCode: string; count: number };

/** Adds deltas to the stored counts, then drops counts that reached zero; rows are consumed in bounded chunks. */
export async function applyRollupDeltas(
  ex: Executor,
  dialect: DialectName,
  deltas: Iterable<RollupRow>,
): Promise<void> {
  let rows: RollupRow[] = [];
  for (const row of deltas) {
    rows.push(row);
    if (rows.length >= ROLLUP_WRITE_CHUNK) {
      await applyRollupChunk(ex, dialect, rows);
      rows = [];
    }
  }
  if (rows.length > 0) await applyRollupChunk(ex, dialect, rows);
}

const ROLLUP_WRITE_CHUNK = 5_000;

async function applyRollupChunk(ex: Executor, dialect: DialectName, rows: RollupRow[]): Promise<void> {
  await insertRows(
    ex,
    dialect,
    'signal_rollup',
    ['grain', 'period', 'area_key', 'term_code', 'count'],
    rows.map((r) => [r.grain, r.period, r.areaKey, r.termCode, r.count]),
    'on conflict (grain, period, area_key, term_code) do update set count = signal_rollup.count + excluded.count',
  );
  const decreased = rows.filter((r) => r.count < 0);
  for (let i = 0; i < decreased.length; i += 500) {
    const slice = decreased.slice(i, i + 500);
    await ex
      .deleteFrom('signalRollup')
      .where('count', '<=', 0)
      .where((eb) =>
        eb.or(
          slice.map((r) =>
            eb.and([
              eb('grain', '=', r.grain),
              eb('period', '=', r.period),
              eb('areaKey', '=', r.areaKey),
              eb('termCode', '=', r.termCode),
            ]),
          ),
        ),
      )
      .execute();
  }
}

export async function replaceRollups(ex: Executor, dialect: DialectName, rows: RollupRow[]): Promise<void> {
  await ex.deleteFrom('signalRollup').execute();
  await insertRows(
    ex,
    dialect,
    'signal_rollup',
    ['grain', 'period', 'area_key', 'term_code', 'count'],
    rows.map((r) => [r.grain, r.period, r.areaKey, r.termCode, r.count]),
  );
}

export async function selectRollups(ex: Executor): Promise<RollupRow[]> {
  return ex
    .selectFrom('signalRollup')
    .selectAll()
    .orderBy('grain')
    .orderBy('period')
    .orderBy('areaKey')
    .orderBy('termCode')
    .execute();
}

/** Signal counts per day × area code × label ('*' = any), the base a full rollup rebuild sums up. */
export async function countSignalsByDay(
  ex: Executor,
): Promise<Array<{ occurredOn: string; areaKey: string; termCode: string; count: number }>> {
  const all = await ex
    .selectFrom('signal as s')
    .leftJoin('area as a', 'a.id', 's.areaId')
    .select((eb) => [
      's.occurredOn',
      eb.fn.coalesce('a.code', sql<string>`''`).as('areaKey'),
      sql<string>`'*'`.as('termCode'),
      eb.fn.countAll<number>().as('count'),
    ])
    .groupBy(['s.occurredOn', 'a.code'])
    .execute();
  const labelled = await ex
    .selectFrom('signal as s')
    .innerJoin('signalLabel as l', 'l.signalId', 's.id')
    .leftJoin('area as a', 'a.id', 's.areaId')
    .select((eb) => [
      's.occurredOn',
      eb.fn.coalesce('a.code', sql<string>`''`).as('areaKey'),
      'l.termCode',
      eb.fn.countAll<number>().as('count'),
    ])
    .groupBy(['s.occurredOn', 'a.code', 'l.termCode'])
    .execute();
  return [...all, ...labelled].map((r) => ({ ...r, count: Number(r.count) }));
}

/**
 * SQLite only: the secondary indexes of the tables a bulk import fills, as their CREATE statements. Dropping them
 * for the import and creating them again before commit (one sort instead of a million random B-tree inserts) is the
 * classic bulk-load technique; it stays inside the import's transaction, so a failure restores them with the rest.
 */
export async function selectSqliteSecondaryIndexes(
  ex: Executor,
  tables: string[],
): Promise<Array<{ name: string; sql: string }>> {
  const result = await sql<{ name: string; sql: string }>`
    select name, sql from sqlite_master
    where type = 'index' and sql is not null and tbl_name in (${sql.join(tables)})`.execute(ex);
  return result.rows;
}

/** SQLite's helper threads for sorting (CREATE INDEX); 0 by default. */
export async function sqliteThreads(ex: Executor): Promise<number> {
  const result = await sql<{ threads: number }>`pragma threads`.execute(ex);
  return Number(result.rows[0]?.threads ?? 0);
}

export async function setSqliteThreads(ex: Executor, n: number): Promise<void> {
  await sql.raw(`pragma threads = ${Math.trunc(n)}`).execute(ex);
}

export async function dropIndex(ex: Executor, name: string): Promise<void> {
  await sql`drop index ${sql.id(name)}`.execute(ex);
}

export async function runDdl(ex: Executor, statement: string): Promise<void> {
  await sql.raw(statement).execute(ex);
}

// Reads for the API

export type SignalListFilter = {
  from?: string | undefined;
  to?: string | undefined;
  areaCodes: string[];
  labels: string[];
  sourceCodes: string[];
  cityWide?: boolean | undefined;
};

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function filtered(ex: Executor, f: SignalListFilter) {
  let q = ex
    .selectFrom('signal as s')
    .innerJoin('source as src', 'src.id', 's.sourceId')
    .leftJoin('area as a', 'a.id', 's.areaId');
  if (f.from) q = q.where('s.occurredOn', '>=', f.from);
  if (f.to) q = q.where('s.occurredOn', '<=', f.to);
  if (f.sourceCodes.length > 0) q = q.where('src.code', 'in', f.sourceCodes);
  if (f.areaCodes.length > 0 && f.cityWide) {
    q = q.where((eb) => eb.or([eb('a.code', 'in', f.areaCodes), eb('s.areaId', 'is', null)]));
  } else if (f.areaCodes.length > 0) q = q.where('a.code', 'in', f.areaCodes);
  else if (f.cityWide) q = q.where('s.areaId', 'is', null);
  if (f.labels.length > 0) {
    const labels = f.labels;
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('signalLabel as l')
          .select(sql<number>`1`.as('one'))
          .whereRef('l.signalId', '=', 's.id')
          .where((eb) =>
            eb.or(
              labels.flatMap((code) => [
                eb('l.termCode', '=', code),
                sql<boolean>`l.term_code like ${`${escapeLike(code)}.%`} escape '\\'`,
              ]),
            ),
          ),
      ),
    );
  }
  return q;
}

export type SignalListRow = {
  id: string;
  externalId: string;
  sourceCode: string;
  sourceName: string;
  occurredAt: string;
  occurredOn: string;
  areaCode: string | null;
  areaName: string | null;
  severity: number | null;
};

export async function selectSignalPage(
  ex: Executor,
  f: SignalListFilter,
  page: { limit: number; after?: { occurredOn: string; id: string } | undefined },
): Promise<SignalListRow[]> {
  let q = filtered(ex, f).select([
    's.id',
    's.externalId',
    'src.code as sourceCode',
    'src.name as sourceName',
    's.occurredAt',
    's.occurredOn',
    'a.code as areaCode',
    'a.name as areaName',
    's.severity',
  ]);
  if (page.after) {
    const { occurredOn, id } = page.after;
    q = q.where((eb) =>
      eb.or([
        eb('s.occurredOn', '<', occurredOn),
        eb.and([eb('s.occurredOn', '=', occurredOn), eb('s.id', '>', id)]),
      ]),
    );
  }
  return q.orderBy('s.occurredOn', 'desc').orderBy('s.id', 'asc').limit(page.limit).execute();
}

export async function countSignals(ex: Executor, f: SignalListFilter): Promise<number> {
  const row = await filtered(ex, f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function selectSignalDetail(
  ex: Executor,
  id: string,
): Promise<
  | (SignalListRow & {
      description: string | null;
      extra: string | null;
      lon: number | null;
      lat: number | null;
      batchId: string;
      createdAt: string;
      updatedAt: string;
    })
  | undefined
> {
  return ex
    .selectFrom('signal as s')
    .innerJoin('source as src', 'src.id', 's.sourceId')
    .leftJoin('area as a', 'a.id', 's.areaId')
    .select([
      's.id',
      's.externalId',
      'src.code as sourceCode',
      'src.name as sourceName',
      's.occurredAt',
      's.occurredOn',
      'a.code as areaCode',
      'a.name as areaName',
      's.severity',
      's.description',
      's.extra',
      's.lon',
      's.lat',
      's.batchId',
      's.createdAt',
      's.updatedAt',
    ])
    .where('s.id', '=', id)
    .executeTakeFirst();
}
