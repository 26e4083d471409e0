import {
  checkMappingTerms,
  mappingColumns,
  type Mapping,
} from '../../../core/contracts/mapping.ts';
import type { Db, Executor } from '../../db/database.ts';
import { isoNow, type Clock } from '../../platform/clock.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { loadAreaIndex } from '../areas/areas.service.ts';
import { getSourceByCode, recordDelivery } from '../sources/sources.service.ts';
import { listTermStates } from '../taxonomy/taxonomy.service.ts';
import { createIdFactory } from './bulk-ids.ts';
import { compileRowMapper, type AreaLookup, type MappedSignal } from './mapping/row-mapper.ts';
import { openRowReader } from './readers/open-rows.ts';
import {
  isFileProblem,
  openImportFile,
  type ImportFile,
  type ImportProblem,
  type OpenedFile,
  type RowReader,
} from './readers/reader.ts';
import { RollupDeltas, periodsOf } from './rollups.ts';
import {
  SIGNAL_COLUMNS,
  SIGNAL_UPSERT,
  applyRollupDeltas,
  countAllSignals,
  countSignals,
  countSignalsByDay,
  countSignalsOfSource,
  deleteLabelsOf,
  deleteSignalsOfBatch,
  dropIndex,
  findMeta,
  insertBatch,
  insertRows,
  markBatchRolledBack,
  replaceRollups,
  runDdl,
  selectAreaCodes,
  selectBatch,
  selectBatches,
  selectExistingByExternalIds,
  selectLabelsOf,
  selectLaterBatchesTouching,
  selectRevisionPage,
  selectSignalDetail,
  selectSignalPage,
  selectSignalsOfBatch,
  selectSignalsByIds,
  selectSqliteSecondaryIndexes,
  updateBatchCounts,
  type BatchRow,
  type SignalListFilter,
  type SignalListRow,
  type SignalRow,
} from './signals.repository.ts';

export type { ImportProblem } from './readers/reader.ts';

export type ImportReport = {
  batchId: string | null;
  dryRun: boolean;
  fileHash: string;
  totalRows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: ImportProblem[];
};

export type ImportSignalsInput = {
  sourceCode: string;
  mapping: Mapping;
  file: ImportFile;
  dryRun?: boolean;
  onProgress?: (rowsDone: number) => void;
  /** For `{ url }` files; the server passes config.urlFetchTimeoutMs. */
  fetchTimeoutMs?: number;
};

/** Meta key holding the city's IANA time zone (written by the city pack loader). */
export const CITY_TIMEZONE_KEY = 'city.timezone';

/** Rows are validated and written in chunks of this size. */
const CHUNK_ROWS = 2_000;
/** Beyond this many, problems are counted but not listed: the list is for fixing a file, not for archiving it. */
const MAX_LISTED_PROBLEMS = 100_000;
/** Bulk-load (drop and rebuild secondary indexes) only when the import is large next to what is stored. */
const BULK_MIN_ROWS = 50_000;
const BULK_DECIDE_AFTER_ROWS = 20_000;

const LABEL_COLUMNS = ['signal_id', 'term_code'] as const;
const PAGE_ROWS = 5_000;
const REVISION_COLUMNS = ['batch_id', 'signal_id', 'previous', 'previous_batch_id'] as const;

/** What a revision keeps of a signal's state, to restore it on rollback. */
type SignalSnapshot = Omit<SignalRow, 'id' | 'sourceId' | 'externalId' | 'createdAt'> & { labels: string[] };

class ProblemList {
  readonly listed: ImportProblem[] = [];
  unlisted = 0;
  add(p: ImportProblem): void {
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push(p);
    else this.unlisted++;
  }
  get count(): number {
    return this.listed.length + this.unlisted;
  }
  all(): ImportProblem[] {
    if (this.unlisted === 0) return this.listed;
    return [
      ...this.listed,
      { line: 0, column: null, value: null, reason: `${this.unlisted} further problems are not listed` },
    ];
  }
}

async function areaLookupFor(db: Db, mapping: Mapping): Promise<AreaLookup> {
  if (mapping.location.type === 'lonLat' || mapping.location.type === 'geometry') {
    const { index, idByCode } = await loadAreaIndex(db);
    return {
      index,
      byCode: new Map([...idByCode].map(([code, id]) => [code, { id, code }])),
      codeById: new Map([...idByCode].map(([code, id]) => [id, code])),
    };
  }
  const areas = await selectAreaCodes(db.kysely);
  return {
    index: null,
    byCode: new Map(areas.map((a) => [a.code, a])),
    codeById: new Map(areas.map((a) => [a.id, a.code])),
  };
}

/**
 * Imports one provider file as signals. Every row is validated (line, column, value, reason). A dry run writes
 * nothing and returns the full list; a commit writes everything in one transaction or nothing at all
 * (IMPORT_INVALID with the list). Rows are upserted by (source, external id): unchanged rows are left alone,
 * changed ones are updated with their previous state kept for rollback. Rollups are kept current in the same
 * transaction.
 */
export async function importSignals(db: Db, input: ImportSignalsInput, clock: Clock): Promise<ImportReport> {
  const dryRun = input.dryRun ?? false;
  const { mapping } = input;
  const source = await getSourceByCode(db, input.sourceCode);
  if (source.archivedAt) {
    throw new AppError('VALIDATION_FAILED', `Source ${source.code} is archived`, [
      { value: source.code, reason: 'archived sources take no imports; restore the source first' },
    ]);
  }
  const terms = await listTermStates(db);
  const termProblems = checkMappingTerms(mapping, terms);
  if (termProblems.length > 0) {
    throw new AppError('MAPPING_INVALID', 'The mapping names unknown or retired taxonomy terms', termProblems);
  }
  const defaultTimezone = (await findMeta(db.kysely, CITY_TIMEZONE_KEY)) ?? 'UTC';
  const areas = await areaLookupFor(db, mapping);
  const mapRow = compileRowMapper(mapping, { defaultTimezone, areas, terms, now: clock.now() });

  const file = await openImportFile(input.file, { fetchTimeoutMs: input.fetchTimeoutMs ?? 30_000 });
  const run = async (ex: Executor, batchId: string | null) => {
    const state = await streamRows(db, ex, { file, mapping, mapRow, source, batchId, clock, onProgress: input.onProgress });
    return state;
  };

  if (dryRun) {
    const s = await run(db.kysely, null);
    return report(null, true, file, s);
  }

  return db.kysely.transaction().execute(async (trx) => {
    const batchId = newId();
    const now = isoNow(clock);
    await insertBatch(trx, {
      id: batchId,
      sourceId: source.id,
      fileName: file.name.slice(0, 500),
      fileHash: '',
      format: mapping.format.type,
      status: 'committed',
      totalRows: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      failed: 0,
      createdAt: now,
      rolledBackAt: null,
    });
    const s = await run(trx, batchId);
    if (s.problems.count > 0) {
      const message =
        s.failed > 0
          ? `${s.failed} of ${s.totalRows} rows have problems; nothing was imported`
          : 'The file does not match the mapping; nothing was imported';
      throw new AppError('IMPORT_INVALID', message, s.problems.all());
    }
    await applyRollupDeltas(trx, db.dialect, s.rollups.rows());
    await trx
      .updateTable('importBatch')
      .set({ fileHash: file.digest() })
      .where('id', '=', batchId)
      .execute();
    await updateBatchCounts(trx, batchId, {
      totalRows: s.totalRows,
      inserted: s.inserted,
      updated: s.updated,
      unchanged: s.unchanged,
      failed: 0,
    });
    await recordDelivery(trx, source.id, clock);
    return report(batchId, false, file, s);
  });
}

type StreamState = {
  totalRows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  failed: number;
  problems: ProblemList;
  rollups: RollupDeltas;
};

function report(batchId: string | null, dryRun: boolean, file: OpenedFile, s: StreamState): ImportReport {
  return {
    batchId,
    dryRun,
    fileHash: file.digest(),
    totalRows: s.totalRows,
    inserted: s.inserted,
    updated: s.updated,
    unchanged: s.unchanged,
    failed: s.failed,
    errors: s.problems.all(),
  };
}

async function streamRows(
  db: Db,
  ex: Executor,
  ctx: {
    file: OpenedFile;
    mapping: Mapping;
    mapRow: ReturnType<typeof compileRowMapper>;
    source: { id: string };
    batchId: string | null;
    clock: Clock;
    onProgress: ((rowsDone: number) => void) | undefined;
  },
): Promise<StreamState> {
  const { file, mapping, mapRow, source, batchId } = ctx;
  const write = batchId !== null;
  const state: StreamState = {
    totalRows: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    problems: new ProblemList(),
    rollups: new RollupDeltas(),
  };
  const seen = new Map<string, number>();
  const sourceHadSignals = (await countSignalsOfSource(ex, source.id)) > 0;
  const now = isoNow(ctx.clock);
  const nextId = createIdFactory();
  const firstIdColumn = mapping.externalId.columns[0]!;

  let bulk: { indexes: Array<{ name: string; sql: string }> } | null = null;
  let bulkDecided = !write || db.dialect !== 'sqlite';

  let pending: MappedSignal[] = [];
  const flush = async () => {
    const chunk = pending;
    pending = [];
    if (chunk.length === 0) return;
    // Once a row has failed the commit is lost: keep validating, stop writing.
    if (write && state.problems.count > 0) return;
    if (!bulkDecided && state.totalRows >= BULK_DECIDE_AFTER_ROWS) {
      bulkDecided = true;
      bulk = await maybeStartBulkLoad(ex, file, file.bytesRead(), state.totalRows);
    }
    await writeChunk(db, ex, chunk, { sourceId: source.id, batchId, now, nextId, sourceHadSignals, state });
  };

  let reader: RowReader | null = null;
  try {
    reader = await openRowReader(file, mapping.format);
    if (reader.columns) {
      const present = new Set(reader.columns);
      const missing = mappingColumns(mapping).filter((c) => !present.has(c.column));
      for (const m of missing) {
        state.problems.add({
          line: mapping.format.type === 'csv' || mapping.format.type === 'xlsx' ? mapping.format.headerRow : 0,
          column: m.column,
          value: null,
          reason: `no such column in the header (named by the mapping at ${m.path}); the header has: ${reader.columns.join(', ')}`,
        });
      }
      if (missing.length > 0) return state;
    }
    for await (const batch of reader.batches) {
      for (const row of batch) {
        state.totalRows++;
        const mapped = mapRow(row);
        if (Array.isArray(mapped)) {
          state.failed++;
          for (const p of mapped) state.problems.add(p);
          continue;
        }
        const firstLine = seen.get(mapped.externalId);
        if (firstLine !== undefined) {
          state.failed++;
          state.problems.add({
            line: mapped.line,
            column: firstIdColumn,
            value: mapped.externalId,
            reason: `the same id as line ${firstLine}: each id may appear once per file`,
          });
          continue;
        }
        seen.set(mapped.externalId, mapped.line);
        pending.push(mapped);
        if (pending.length >= CHUNK_ROWS) await flush();
      }
      ctx.onProgress?.(state.totalRows);
    }
    await flush();
  } catch (e) {
    if (!isFileProblem(e)) throw e;
    for (const d of e.details) state.problems.add(d as ImportProblem);
    state.failed++;
  }
  if (bulk && state.problems.count === 0) await finishBulkLoad(ex, bulk);
  if (state.totalRows === 0 && state.problems.count === 0 && reader?.columns === null) {
    state.problems.add({ line: 0, column: null, value: null, reason: 'the file holds no records' });
    state.failed++;
  }
  return state;
}

async function maybeStartBulkLoad(
  ex: Executor,
  file: OpenedFile,
  bytesRead: number,
  rowsRead: number,
): Promise<{ indexes: Array<{ name: string; sql: string }> } | null> {
  if (file.size === null || bytesRead === 0) return null;
  // bytesRead runs ahead of the rows parsed (stream buffers), so this underestimates: it errs towards not bulking.
  const estimatedRows = Math.round((file.size / bytesRead) * rowsRead);
  if (estimatedRows < BULK_MIN_ROWS) return null;
  const stored = await countAllSignals(ex);
  // Rebuilding an index sorts every row it holds; measured, that beats per-row inserts until the table is about
  // three times the size of the import.
  if (stored > estimatedRows * 2) return null;
  if (process.env.SIGDEBUG) console.error("bulk on", estimatedRows, stored);
  const indexes = await selectSqliteSecondaryIndexes(ex, ['signal', 'signal_label', 'signal_revision']);
  for (const ix of indexes) await dropIndex(ex, ix.name);
  return { indexes };
}

async function finishBulkLoad(ex: Executor, bulk: { indexes: Array<{ name: string; sql: string }> }): Promise<void> {
  for (const ix of bulk.indexes) await runDdl(ex, ix.sql);
}

function snapshotOf(row: SignalRow, labels: string[]): SignalSnapshot {
  return {
    batchId: row.batchId,
    occurredAt: row.occurredAt,
    occurredOn: row.occurredOn,
    areaId: row.areaId,
    lon: row.lon,
    lat: row.lat,
    severity: row.severity,
    description: row.description,
    extra: row.extra,
    contentHash: row.contentHash,
    updatedAt: row.updatedAt,
    labels,
  };
}

async function writeChunk(
  db: Db,
  ex: Executor,
  chunk: MappedSignal[],
  ctx: {
    sourceId: string;
    batchId: string | null;
    now: string;
    nextId: () => string;
    sourceHadSignals: boolean;
    state: StreamState;
  },
): Promise<void> {
  const { state, batchId, now } = ctx;
  const existing = ctx.sourceHadSignals
    ? new Map(
        (await selectExistingByExternalIds(ex, ctx.sourceId, chunk.map((s) => s.externalId))).map((r) => [r.externalId, r]),
      )
    : null;

  const fresh: MappedSignal[] = [];
  const changed: Array<{ id: string; signal: MappedSignal }> = [];
  for (const s of chunk) {
    const found = existing?.get(s.externalId);
    if (!found) fresh.push(s);
    else if (found.contentHash !== s.contentHash) changed.push({ id: found.id, signal: s });
    else state.unchanged++;
  }
  state.inserted += fresh.length;
  state.updated += changed.length;
  if (batchId === null) return;

  const signalRows: unknown[][] = [];
  const labelRows: unknown[][] = [];
  const revisionRows: unknown[][] = [];
  const row = (id: string, s: MappedSignal): unknown[] => [
      id,
      ctx.sourceId,
      s.externalId,
      batchId,
      s.occurredAt,
      s.occurredOn,
      s.areaId,
      s.lon,
      s.lat,
      s.severity,
      s.description,
      s.extra,
      s.contentHash,
      now,
      now,
    ];

  for (const s of fresh) {
    const id = ctx.nextId();
    signalRows.push(row(id, s));
    for (const code of s.labels) labelRows.push([id, code]);
    state.rollups.add(s.occurredOn, s.areaKey, s.labels, 1);
  }
  await insertRows(ex, db.dialect, 'signal', SIGNAL_COLUMNS, signalRows);

  if (changed.length > 0) {
    const ids = changed.map((c) => c.id);
    const [previousRows, previousLabels, areaCodes] = await Promise.all([
      selectSignalsByIds(ex, ids),
      selectLabelsOf(ex, ids),
      selectAreaCodes(ex),
    ]);
    const codeById = new Map(areaCodes.map((a) => [a.id, a.code]));
    for (const prev of previousRows) {
      const labels = previousLabels.get(prev.id) ?? [];
      revisionRows.push([batchId, prev.id, JSON.stringify(snapshotOf(prev, labels)), prev.batchId]);
      state.rollups.add(prev.occurredOn, prev.areaId ? (codeById.get(prev.areaId) ?? '') : '', labels, -1);
    }
    await deleteLabelsOf(ex, ids);
    await insertRows(
      ex,
      db.dialect,
      'signal',
      SIGNAL_COLUMNS,
      changed.map((c) => row(c.id, c.signal)),
      SIGNAL_UPSERT,
    );
    for (const { id, signal } of changed) {
      for (const code of signal.labels) labelRows.push([id, code]);
      state.rollups.add(signal.occurredOn, signal.areaKey, signal.labels, 1);
    }
  }
  await insertRows(ex, db.dialect, 'signal_label', LABEL_COLUMNS, labelRows);
  await insertRows(ex, db.dialect, 'signal_revision', REVISION_COLUMNS, revisionRows);
}

// Rollback

export type RollbackReport = { batchId: string; deleted: number; restored: number };

/**
 * Undoes a committed batch in one transaction: restores the signals it updated to their previous state and deletes
 * the ones it inserted. Refused with ROLLBACK_CONFLICT when a later batch still in force changed any of the same
 * signals (roll that one back first).
 */
export async function rollbackBatch(db: Db, batchId: string, clock: Clock): Promise<RollbackReport> {
  return db.kysely.transaction().execute(async (trx) => {
    const batch = await selectBatch(trx, batchId);
    if (!batch) throw notFound(`Import ${batchId}`);
    if (batch.rolledBackAt) {
      throw new AppError('ROLLBACK_CONFLICT', 'This import was already rolled back', [
        { batchId, reason: `rolled back at ${batch.rolledBackAt}` },
      ]);
    }
    const later = await selectLaterBatchesTouching(trx, batchId, 20);
    if (later.length > 0) {
      throw new AppError(
        'ROLLBACK_CONFLICT',
        'A later import changed signals this import wrote; roll that import back first',
        later.map((l) => ({ batchId: l.batchId, externalId: l.externalId, reason: 'changed later by this import' })),
      );
    }
    const codeById = new Map((await selectAreaCodes(trx)).map((a) => [a.id, a.code]));
    const areaKey = (areaId: string | null) => (areaId ? (codeById.get(areaId) ?? '') : '');
    const rollups = new RollupDeltas();

    // With no later change, every signal the batch wrote still carries its batch id.
    let after = '';
    for (;;) {
      const page = await selectSignalsOfBatch(trx, batchId, after, PAGE_ROWS);
      if (page.length === 0) break;
      after = page[page.length - 1]!.id;
      const labels = await selectLabelsOf(
        trx,
        page.map((s) => s.id),
      );
      for (const s of page) rollups.add(s.occurredOn, areaKey(s.areaId), labels.get(s.id) ?? [], -1);
    }

    let restored = 0;
    after = '';
    for (;;) {
      const page = await selectRevisionPage(trx, batchId, after, PAGE_ROWS);
      if (page.length === 0) break;
      after = page[page.length - 1]!.signalId;
      const current = new Map((await selectSignalsByIds(trx, page.map((p) => p.signalId))).map((s) => [s.id, s]));
      const rows: unknown[][] = [];
      const labelRows: unknown[][] = [];
      for (const p of page) {
        const now = current.get(p.signalId);
        if (!now || p.previous === null) continue;
        const prev = JSON.parse(p.previous) as SignalSnapshot;
        rows.push([
          now.id,
          now.sourceId,
          now.externalId,
          prev.batchId,
          prev.occurredAt,
          prev.occurredOn,
          prev.areaId,
          prev.lon,
          prev.lat,
          prev.severity,
          prev.description,
          prev.extra,
          prev.contentHash,
          now.createdAt,
          prev.updatedAt,
        ]);
        for (const code of prev.labels) labelRows.push([now.id, code]);
        rollups.add(prev.occurredOn, areaKey(prev.areaId), prev.labels, 1);
      }
      await deleteLabelsOf(
        trx,
        rows.map((r) => r[0] as string),
      );
      await insertRows(trx, db.dialect, 'signal', SIGNAL_COLUMNS, rows, SIGNAL_UPSERT);
      await insertRows(trx, db.dialect, 'signal_label', LABEL_COLUMNS, labelRows);
      restored += rows.length;
    }

    // What still carries the batch id now is what it inserted.
    const deleted = await deleteSignalsOfBatch(trx, batchId);
    await applyRollupDeltas(trx, db.dialect, rollups.rows());
    await markBatchRolledBack(trx, batchId, isoNow(clock));
    return { batchId, deleted, restored };
  });
}

/** Recounts every rollup from the signals, replacing what is stored (a repair tool, and the tests' reference). */
export async function rebuildRollups(db: Db): Promise<{ rows: number }> {
  return db.kysely.transaction().execute(async (trx) => {
    const rollups = new RollupDeltas();
    for (const r of await countSignalsByDay(trx)) {
      const { week, month } = periodsOf(r.occurredOn);
      rollups.addCount('week', week, r.areaKey, r.termCode, r.count);
      rollups.addCount('month', month, r.areaKey, r.termCode, r.count);
    }
    const rows = rollups.rows();
    await replaceRollups(trx, db.dialect, rows);
    return { rows: rows.length };
  });
}

// Reads

export type BatchSummary = BatchRow & { sourceCode: string; sourceName: string };

export async function listBatches(
  db: Db,
  options: { sourceCode?: string | undefined; limit?: number | undefined; cursor?: string | undefined } = {},
): Promise<{ items: BatchSummary[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
  const sourceId = options.sourceCode ? (await getSourceByCode(db, options.sourceCode)).id : undefined;
  const before = options.cursor ? decodeCursor(options.cursor, ['createdAt', 'id']) : undefined;
  const rows = await selectBatches(db.kysely, {
    sourceId,
    limit: limit + 1,
    before: before ? { createdAt: before.createdAt!, id: before.id! } : undefined,
  });
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}

export async function getBatch(db: Db, batchId: string): Promise<BatchSummary> {
  const batch = await selectBatch(db.kysely, batchId);
  if (!batch) throw notFound(`Import ${batchId}`);
  return batch;
}

export type SignalListItem = SignalListRow & { labels: string[] };

export async function listSignals(
  db: Db,
  filter: SignalListFilter,
  page: { limit?: number | undefined; cursor?: string | undefined } = {},
): Promise<{ items: SignalListItem[]; nextCursor: string | null; total: number }> {
  const limit = Math.min(Math.max(page.limit ?? 50, 1), 500);
  const after = page.cursor ? decodeCursor(page.cursor, ['occurredOn', 'id']) : undefined;
  const [rows, total] = await Promise.all([
    selectSignalPage(db.kysely, filter, {
      limit: limit + 1,
      after: after ? { occurredOn: after.occurredOn!, id: after.id! } : undefined,
    }),
    countSignals(db.kysely, filter),
  ]);
  const items = rows.slice(0, limit);
  const labels = await selectLabelsOf(
    db.kysely,
    items.map((r) => r.id),
  );
  const last = items[items.length - 1];
  return {
    items: items.map((r) => ({ ...r, labels: labels.get(r.id) ?? [] })),
    nextCursor: rows.length > limit && last ? encodeCursor({ occurredOn: last.occurredOn, id: last.id }) : null,
    total,
  };
}

export type SignalDetail = NonNullable<Awaited<ReturnType<typeof selectSignalDetail>>> & { labels: string[] };

export async function getSignal(db: Db, id: string): Promise<SignalDetail> {
  const row = await selectSignalDetail(db.kysely, id);
  if (!row) throw notFound(`Signal ${id}`);
  const labels = await selectLabelsOf(db.kysely, [id]);
  return { ...row, labels: labels.get(id) ?? [] };
}

/** Opaque keyset cursors: base64url JSON of the last row's sort key. */
function encodeCursor(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string, fields: string[]): Record<string, string> {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      typeof value === 'object' &&
      value !== null &&
      fields.every((f) => typeof (value as Record<string, unknown>)[f] === 'string')
    ) {
      return value as Record<string, string>;
    }
  } catch {
    // Falls through to the error below.
  }
  throw new AppError('VALIDATION_FAILED', 'The cursor is not valid', [
    { field: 'cursor', value: cursor, reason: 'pass back nextCursor from a previous page unchanged' },
  ]);
}
