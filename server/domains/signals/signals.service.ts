import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { decodeCursor, encodeCursor } from '../../platform/cursor.ts';
import { checkMappingTerms, type Mapping } from '../../../core/contracts/mapping.ts';
import type { Transaction } from 'kysely';
import type { Db, Executor } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';
import { appendAudit, auditRefusal, type AuditActor } from '../../platform/audit/audit.ts';
import { isoNow, type Clock } from '../../platform/clock.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { listAreaGeometries } from '../areas/areas.repository.ts';
import { loadAreaIndex } from '../areas/areas.service.ts';
import { getSourceByCode, recordDelivery } from '../sources/sources.service.ts';
import { listTermStates } from '../taxonomy/taxonomy.service.ts';
import { createIdFactory } from './bulk-ids.ts';
import {
  WORKER_KIND,
  type PortableMapperContext,
  type WorkerInput,
  type WorkerMessage,
} from './import-context.ts';
import {
  mergeProblems,
  produceSignals,
  unpackChunk,
  type ProducedChunk,
  type ProducerResult,
} from './import-pipeline.ts';
import { compileRowMapper, type AreaLookup, type MappedSignal } from './mapping/row-mapper.ts';
import { openImportFile, type ImportFile, type ImportProblem } from './readers/reader.ts';
import { RepeatedIds } from './repeated-ids.ts';
import { RollupDeltas, periodsOf } from './rollups.ts';
import {
  SIGNAL_COLUMNS,
  SIGNAL_INSERT_NEW,
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
  selectRollups,
  selectSignalDetail,
  selectSignalPage,
  selectSignalsByIds,
  selectSignalsOfBatch,
  selectSourceCodes,
  selectSqliteSecondaryIndexes,
  setSqliteThreads,
  sqliteThreads,
  updateBatchCounts,
  withOneSession,
  type BatchRow,
  type SignalListFilter,
  type SignalListRow,
  type SignalRow,
  type RollupRow,
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
  /** Called after each batch of rows; the bytes let a progress bar show a total before the rows are counted. */
  onProgress?: (rowsDone: number, bytes: { read: number; total: number | null }) => void;
  /** For `{ url }` files; the server passes config.urlFetchTimeoutMs. */
  fetchTimeoutMs?: number;
  /** Where rows are read and checked; the default reads large CSV files in a worker thread. */
  readIn?: ReadIn;
  /** Pending rollup keys that trigger a flush to the table (default ROLLUP_FLUSH_KEYS; tests lower it). */
  rollupFlushKeys?: number;
};

/** Meta key holding the city's IANA time zone (written by the city pack loader). */
export const CITY_TIMEZONE_KEY = 'city.timezone';

/** Bulk-load (drop and rebuild secondary indexes) only when the import is large next to what is stored. */
const BULK_MIN_ROWS = 50_000;
const BULK_DECIDE_AFTER_ROWS = 20_000;
/**
 * Rollup deltas are added to the table (upsert count + delta) whenever this many (day, area, label set) keys are
 * pending, inside the import's transaction, so memory stays bounded however large the file. The bound is high
 * because each flush writes every (period, area, label) its keys touch: flushing often multiplies the writes when a
 * file is not in date order.
 */
const ROLLUP_FLUSH_KEYS = 400_000;
/** CSV files at least this large are read in a worker thread, in parallel with the database writes. */
export const WORKER_MIN_BYTES = 8 * 1024 * 1024;

const LABEL_COLUMNS = ['signal_id', 'term_code'] as const;
const PAGE_ROWS = 5_000;
const REVISION_COLUMNS = ['batch_id', 'signal_id', 'previous', 'previous_batch_id'] as const;

/** What a revision keeps of a signal's state, to restore it on rollback. */
type SignalSnapshot = Omit<SignalRow, 'id' | 'sourceId' | 'externalId' | 'createdAt'> & { labels: string[] };

/** Where the reading half of an import runs; `auto` uses a worker thread for large CSV files. */
export type ReadIn = 'auto' | 'thread' | 'worker';

async function portableContext(
  db: Db,
  mapping: Mapping,
  defaultTimezone: string,
  terms: Map<string, { retired: boolean }>,
  now: Date,
): Promise<PortableMapperContext> {
  const locates = mapping.location.type === 'lonLat' || mapping.location.type === 'geometry';
  return {
    defaultTimezone,
    terms: [...terms].map(([code, t]) => [code, t.retired]),
    now: now.getTime(),
    areaCodes: (await selectAreaCodes(db.kysely)).map((a) => [a.code, a.id]),
    // The same areas loadAreaIndex indexes: the finest level.
    areaGeometries: locates
      ? (await listAreaGeometries(db.kysely, { leavesOnly: true })).map((a) => ({
          id: a.id,
          code: a.code,
          geometry: a.geometry,
        }))
      : null,
  };
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

type Producer = (onChunk: (chunk: ProducedChunk) => Promise<void>) => Promise<ProducerResult>;

/**
 * Imports one provider file as signals. Every row is validated (line, column, value, reason). A dry run writes
 * nothing and returns the full list; a commit writes everything in one transaction or nothing at all
 * (IMPORT_INVALID with the list). Rows are upserted by (source, external id): unchanged rows are left alone,
 * changed ones are updated with their previous state kept for rollback. Rollups and the audit entry are written in
 * the same transaction. `actor` is the signed-in person asking, or null for a command run on the server, whose
 * audit entry then says `via` which one.
 */
export async function importSignals(
  db: Db,
  input: ImportSignalsInput,
  clock: Clock,
  actor: AuditActor | null,
  via: 'cli' | 'demo' = 'cli',
): Promise<ImportReport> {
  const audit = {
    action: 'signal.import',
    resourceType: 'import_batch',
    details: {
      via: actor ? 'api' : via,
      source: input.sourceCode,
      // Never the URL or file name: either may carry a token or a person's name.
      origin: 'url' in input.file ? 'url' : 'file',
    },
  };
  try {
    return await runImport(db, input, clock, (trx, batchId, r) =>
      appendAudit(
        trx,
        {
          ...audit,
          outcome: 'success',
          actor,
          resourceId: batchId,
          details: {
            ...audit.details,
            batchId,
            fileHash: r.fileHash,
            totalRows: r.totalRows,
            inserted: r.inserted,
            updated: r.updated,
            unchanged: r.unchanged,
            failed: r.failed,
          },
        },
        clock,
      ),
    );
  } catch (e) {
    if (!input.dryRun) await auditRefusal(db, clock, actor, audit, e);
    throw e;
  }
}

async function runImport(
  db: Db,
  input: ImportSignalsInput,
  clock: Clock,
  audit: (trx: Transaction<Database>, batchId: string, report: ImportReport) => Promise<unknown>,
): Promise<ImportReport> {
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
    throw new AppError(
      'MAPPING_INVALID',
      'The mapping names unknown or retired taxonomy terms',
      termProblems,
    );
  }
  const defaultTimezone = (await findMeta(db.kysely, CITY_TIMEZONE_KEY)) ?? 'UTC';
  const fetchTimeoutMs = input.fetchTimeoutMs ?? 30_000;
  const now = clock.now();

  let produce: Producer;
  if (await readsInWorker(input)) {
    const context = await portableContext(db, mapping, defaultTimezone, terms, now);
    produce = (onChunk) =>
      produceInWorker({ kind: WORKER_KIND, file: input.file, mapping, context, fetchTimeoutMs }, onChunk);
  } else {
    const areas = await areaLookupFor(db, mapping);
    const mapRow = compileRowMapper(mapping, { defaultTimezone, areas, terms, now });
    produce = async (onChunk) => {
      const file = await openImportFile(input.file, { fetchTimeoutMs });
      return produceSignals(file, { mapping, mapRow }, onChunk);
    };
  }

  const run = (ex: Executor, batchId: string | null) =>
    writeSignals(db, ex, {
      produce,
      idColumn: mapping.externalId.columns[0]!,
      source,
      batchId,
      clock,
      onProgress: input.onProgress,
      rollupFlushKeys: input.rollupFlushKeys ?? ROLLUP_FLUSH_KEYS,
    });

  if (dryRun) {
    // The ids seen go to a temporary table, which lives in one database session.
    const { checked, counts } = await withOneSession(db, (ex) => run(ex, null));
    return report(null, true, checked, counts);
  }

  return db.kysely.transaction().execute(async (trx) => {
    const batchId = newId();
    const fileName = 'url' in input.file ? input.file.url : input.file.name;
    await insertBatch(trx, {
      id: batchId,
      sourceId: source.id,
      fileName: fileName.slice(0, 500),
      fileHash: '',
      format: mapping.format.type,
      status: 'committed',
      totalRows: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      failed: 0,
      createdAt: isoNow(clock),
      rolledBackAt: null,
    });
    const { checked, counts, rollups } = await run(trx, batchId);
    if (checked.problemCount > 0) {
      const message =
        checked.failed > 0
          ? `${checked.failed} of ${checked.totalRows} rows have problems; nothing was imported`
          : 'The file does not match the mapping; nothing was imported';
      // Everything written so far, a temporary table of ids included, goes with the rollback.
      throw new AppError('IMPORT_INVALID', message, checked.problems);
    }
    await applyRollupDeltas(trx, db.dialect, rollups.rows());
    await updateBatchCounts(trx, batchId, {
      fileHash: checked.fileHash,
      totalRows: checked.totalRows,
      inserted: counts.inserted,
      updated: counts.updated,
      unchanged: counts.unchanged,
      failed: 0,
    });
    await recordDelivery(trx, source.id, clock);
    const committed = report(batchId, false, checked, counts);
    // Last: on PostgreSQL the append holds the audit chain's lock until this transaction commits.
    await audit(trx, batchId, committed);
    return committed;
  });
}

async function readsInWorker(input: ImportSignalsInput): Promise<boolean> {
  const where = input.readIn ?? 'auto';
  if (where !== 'auto') return where === 'worker';
  if (input.mapping.format.type !== 'csv') return false;
  if ('bytes' in input.file) return input.file.bytes.byteLength >= WORKER_MIN_BYTES;
  if ('path' in input.file) {
    const size = await fs.promises.stat(input.file.path).then(
      (s) => s.size,
      () => 0,
    );
    return size >= WORKER_MIN_BYTES;
  }
  return false;
}

/** Runs the reading half in a worker thread, handing each chunk to `onChunk` in order and acknowledging it. */
function produceInWorker(
  input: WorkerInput,
  onChunk: (chunk: ProducedChunk) => Promise<void>,
): Promise<ProducerResult> {
  const worker = new Worker(new URL('./import-worker.ts', import.meta.url), { workerData: input });
  return new Promise<ProducerResult>((resolve, reject) => {
    let settled = false;
    let chain = Promise.resolve();
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'chunk') {
        chain = chain
          .then(() => (settled ? undefined : onChunk(unpackChunk(m.chunk))))
          .then(() => {
            if (!settled) worker.postMessage({ type: 'ack' });
          })
          .catch(fail);
      } else if (m.type === 'done') {
        chain.then(() => {
          if (settled) return;
          settled = true;
          resolve(m.result);
        }, fail);
      } else {
        const { code, message, details, stack } = m.error;
        const error = code ? new AppError(code, message, details) : new Error(message);
        if (!code && stack) error.stack = stack;
        fail(error);
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) =>
      fail(new Error(`The import worker stopped unexpectedly (exit code ${code})`)),
    );
  }).finally(() => void worker.terminate());
}

type WriteCounts = { inserted: number; updated: number; unchanged: number };

/** What the reading half found, with the repeated ids the writing half found added. */
type CheckedFile = {
  totalRows: number;
  failed: number;
  problems: ImportProblem[];
  problemCount: number;
  fileHash: string;
};

function report(batchId: string | null, dryRun: boolean, f: CheckedFile, c: WriteCounts): ImportReport {
  return {
    batchId,
    dryRun,
    fileHash: f.fileHash,
    totalRows: f.totalRows,
    inserted: c.inserted,
    updated: c.updated,
    unchanged: c.unchanged,
    failed: f.failed,
    errors: f.problems,
  };
}

/**
 * The writing half: classifies each chunk against what the source already holds (new, changed, unchanged) and,
 * in a commit (batchId set), stores it. A dry run only classifies, so its counts say what a commit would do. Both
 * catch ids repeated within the file (see repeated-ids.ts); once a commit has any problem it is lost, and its later
 * chunks are only checked for repeats.
 */
async function writeSignals(
  db: Db,
  ex: Executor,
  ctx: {
    produce: Producer;
    idColumn: string;
    source: { id: string };
    batchId: string | null;
    clock: Clock;
    onProgress: ImportSignalsInput['onProgress'];
    rollupFlushKeys: number;
  },
): Promise<{ checked: CheckedFile; counts: WriteCounts; rollups: RollupDeltas }> {
  const { source, batchId } = ctx;
  const counts: WriteCounts = { inserted: 0, updated: 0, unchanged: 0 };
  const rollups = new RollupDeltas();
  const repeats = new RepeatedIds(ctx.idColumn);
  const sourceHadSignals = (await countSignalsOfSource(ex, source.id)) > 0;
  const now = isoNow(ctx.clock);
  const nextId = createIdFactory();
  let bulk: { indexes: Array<{ name: string; sql: string }> } | null = null;
  let bulkDecided = batchId === null || db.dialect !== 'sqlite';
  let wroteRows = false;
  const chunkContext = { sourceId: source.id, now, nextId, sourceHadSignals, counts, rollups, repeats };

  let produced: ProducerResult;
  try {
    produced = await ctx.produce(async (chunk) => {
      const signals = repeats.withinChunk(chunk.signals);
      if (batchId === null) {
        const unseen = await repeats.notSeenBefore(ex, db.dialect, signals, null);
        await writeChunk(db, ex, unseen, { ...chunkContext, batchId: null });
      } else if (chunk.afterProblems || repeats.count > 0) {
        await repeats.notSeenBefore(
          ex,
          db.dialect,
          signals,
          wroteRows ? { sourceId: source.id, batchId } : null,
        );
      } else {
        if (!bulkDecided && chunk.rowsRead >= BULK_DECIDE_AFTER_ROWS) {
          bulkDecided = true;
          bulk = await maybeStartBulkLoad(ex, chunk.estimatedRecords);
        }
        wroteRows ||= signals.length > 0;
        await writeChunk(db, ex, signals, { ...chunkContext, batchId });
        if (rollups.pendingKeys() >= ctx.rollupFlushKeys) {
          await applyRollupDeltas(ex, db.dialect, rollups.rows());
          rollups.clear();
        }
      }
      repeats.endChunk();
      ctx.onProgress?.(chunk.rowsRead, { read: chunk.bytesRead, total: chunk.bytesTotal });
    });
  } catch (e) {
    // The import's own error is the one to report, not a failure to clean up after it.
    if (batchId === null) await repeats.dispose(ex).catch(() => undefined);
    throw e;
  }
  if (batchId === null) await repeats.dispose(ex);

  const problemCount = produced.problems.listed.length + produced.problems.unlisted + repeats.count;
  if (bulk && problemCount === 0) await finishBulkLoad(ex, bulk);
  return {
    checked: {
      totalRows: produced.totalRows,
      failed: produced.failed + repeats.count,
      problems: mergeProblems(produced.problems, repeats.problems),
      problemCount,
      fileHash: produced.fileHash,
    },
    counts,
    rollups,
  };
}

async function maybeStartBulkLoad(
  ex: Executor,
  estimatedRows: number | null,
): Promise<{ indexes: Array<{ name: string; sql: string }> } | null> {
  if (estimatedRows === null || estimatedRows < BULK_MIN_ROWS) return null;
  const stored = await countAllSignals(ex);
  // Rebuilding an index sorts every row it holds; measured, that beats per-row inserts until the table is about
  // three times the size of the import.
  if (stored > estimatedRows * 2) return null;
  const indexes = await selectSqliteSecondaryIndexes(ex, ['signal', 'signal_label', 'signal_revision']);
  for (const ix of indexes) await dropIndex(ex, ix.name);
  return { indexes };
}

async function finishBulkLoad(
  ex: Executor,
  bulk: { indexes: Array<{ name: string; sql: string }> },
): Promise<void> {
  // Building an index is a sort SQLite can spread over helper threads; by now the reading worker is done, so the
  // second core is free.
  const previous = await sqliteThreads(ex);
  await setSqliteThreads(ex, Math.max(previous, 2));
  try {
    for (const ix of bulk.indexes) await runDdl(ex, ix.sql);
  } finally {
    await setSqliteThreads(ex, previous);
  }
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
    counts: WriteCounts;
    rollups: RollupDeltas;
    repeats: RepeatedIds;
  },
): Promise<void> {
  const { counts, rollups, batchId, now, repeats } = ctx;
  const existing = ctx.sourceHadSignals
    ? new Map(
        (
          await selectExistingByExternalIds(
            ex,
            ctx.sourceId,
            chunk.map((s) => s.externalId),
          )
        ).map((r) => [r.externalId, r]),
      )
    : null;

  const fresh: MappedSignal[] = [];
  const changed: Array<{ id: string; signal: MappedSignal }> = [];
  for (const s of chunk) {
    const found = existing?.get(s.externalId);
    if (!found) fresh.push(s);
    else if (found.batchId === batchId) repeats.repeatOfWritten(s);
    else if (found.contentHash !== s.contentHash) changed.push({ id: found.id, signal: s });
    else counts.unchanged++;
  }
  if (batchId === null) {
    counts.inserted += fresh.length;
    counts.updated += changed.length;
    return;
  }

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

  const freshIds = fresh.map(() => ctx.nextId());
  const inserted = await insertRows(
    ex,
    db.dialect,
    'signal',
    SIGNAL_COLUMNS,
    fresh.map((s, i) => row(freshIds[i]!, s)),
    SIGNAL_INSERT_NEW,
  );
  // Where no lookup came first (the source held nothing), a skipped row is one an earlier chunk wrote.
  const skipped =
    inserted < fresh.length ? await skippedRows(ex, ctx.sourceId, batchId, fresh, freshIds) : null;
  const labelRows: unknown[][] = [];
  fresh.forEach((s, i) => {
    if (skipped?.has(i)) {
      repeats.repeatOfWritten(s);
      return;
    }
    for (const code of s.labels) labelRows.push([freshIds[i], code]);
    rollups.add(s.occurredOn, s.areaKey, s.labels, 1);
  });
  counts.inserted += fresh.length - (skipped?.size ?? 0);
  counts.updated += changed.length;

  const revisionRows: unknown[][] = [];
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
      rollups.add(prev.occurredOn, prev.areaId ? (codeById.get(prev.areaId) ?? '') : '', labels, -1);
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
      rollups.add(signal.occurredOn, signal.areaKey, signal.labels, 1);
    }
  }
  await insertRows(ex, db.dialect, 'signal_label', LABEL_COLUMNS, labelRows);
  await insertRows(ex, db.dialect, 'signal_revision', REVISION_COLUMNS, revisionRows);
}

/**
 * Which of the fresh rows the insert skipped: those whose id this batch already wrote (a repeat within the file).
 * A row another import committed meanwhile is a conflict to retry, not a problem of the file.
 */
async function skippedRows(
  ex: Executor,
  sourceId: string,
  batchId: string,
  fresh: MappedSignal[],
  freshIds: string[],
): Promise<Set<number>> {
  const stored = new Map(
    (
      await selectExistingByExternalIds(
        ex,
        sourceId,
        fresh.map((s) => s.externalId),
      )
    ).map((r) => [r.externalId, r]),
  );
  const skipped = new Set<number>();
  fresh.forEach((s, i) => {
    const row = stored.get(s.externalId);
    if (row?.id === freshIds[i]) return;
    if (row?.batchId === batchId) skipped.add(i);
    else {
      throw new AppError(
        'CONFLICT',
        'Another import of this source stored the same ids meanwhile; try again',
        [{ line: s.line, value: s.externalId, reason: 'stored by another import while this one ran' }],
      );
    }
  });
  return skipped;
}

// Rollback

export type RollbackReport = { batchId: string; deleted: number; restored: number };

/**
 * Undoes a committed batch in one transaction: restores the signals it updated to their previous state and deletes
 * the ones it inserted. Refused with ROLLBACK_CONFLICT when a later batch still in force changed any of the same
 * signals (roll that one back first).
 */
export async function rollbackBatch(
  db: Db,
  batchId: string,
  clock: Clock,
  actor: AuditActor | null,
  via: 'cli' | 'demo' = 'cli',
): Promise<RollbackReport> {
  const audit = {
    action: 'signal.rollback',
    resourceType: 'import_batch',
    resourceId: batchId,
    details: { via: actor ? 'api' : via, batchId },
  };
  try {
    return await rollback(db, batchId, clock, (trx, source, r) =>
      appendAudit(
        trx,
        {
          ...audit,
          outcome: 'success',
          actor,
          details: { ...audit.details, source, deleted: r.deleted, restored: r.restored },
        },
        clock,
      ),
    );
  } catch (e) {
    await auditRefusal(db, clock, actor, audit, e);
    throw e;
  }
}

async function rollback(
  db: Db,
  batchId: string,
  clock: Clock,
  audit: (trx: Transaction<Database>, sourceCode: string, report: RollbackReport) => Promise<unknown>,
): Promise<RollbackReport> {
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
        later.map((l) => ({
          batchId: l.batchId,
          externalId: l.externalId,
          reason: 'changed later by this import',
        })),
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
      const current = new Map(
        (
          await selectSignalsByIds(
            trx,
            page.map((p) => p.signalId),
          )
        ).map((s) => [s.id, s]),
      );
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
    const done = { batchId, deleted, restored };
    await audit(trx, batch.sourceCode, done);
    return done;
  });
}

/** Recounts every rollup from the signals, replacing what is stored (a repair tool, and the tests' reference). */
export type RollupDifference = {
  grain: string;
  period: string;
  areaKey: string;
  termCode: string;
  stored: number;
  recounted: number;
};

export type RollupCheck = {
  /** Rows a full recount from the stored signals produces. */
  rows: number;
  /** Keys where the incrementally maintained table differs from the recount (0 means they are equal). */
  differences: number;
  /** The first differences, for the report. */
  examples: RollupDifference[];
};

/** Counts the rollups afresh from the stored signals, as rows keyed like the table. */
async function recountRollups(ex: Executor): Promise<RollupRow[]> {
  const rollups = new RollupDeltas();
  for (const r of await countSignalsByDay(ex)) {
    const { week, month } = periodsOf(r.occurredOn);
    rollups.addCount('week', week, r.areaKey, r.termCode, r.count);
    rollups.addCount('month', month, r.areaKey, r.termCode, r.count);
  }
  return Array.from(rollups.rows());
}

function compareRollups(stored: RollupRow[], recounted: RollupRow[]): RollupCheck {
  const key = (r: RollupRow) => `${r.grain}\u0000${r.period}\u0000${r.areaKey}\u0000${r.termCode}`;
  const fresh = new Map(recounted.map((r) => [key(r), r]));
  const examples: RollupDifference[] = [];
  let differences = 0;
  const differ = (r: RollupRow, storedCount: number, recountedCount: number) => {
    differences++;
    if (examples.length < 20) {
      const { grain, period, areaKey, termCode } = r;
      examples.push({ grain, period, areaKey, termCode, stored: storedCount, recounted: recountedCount });
    }
  };
  for (const r of stored) {
    const k = key(r);
    const f = fresh.get(k);
    if (f?.count !== r.count) differ(r, r.count, f?.count ?? 0);
    fresh.delete(k);
  }
  for (const r of fresh.values()) differ(r, 0, r.count);
  return { rows: recounted.length, differences, examples };
}

/**
 * Proves the incrementally maintained rollups equal a full recount of the stored signals, without changing them.
 */
export async function checkRollups(db: Db): Promise<RollupCheck> {
  return db.kysely
    .transaction()
    .execute(async (trx) => compareRollups(await selectRollups(trx), await recountRollups(trx)));
}

/**
 * Replaces the rollups with a full recount (a repair tool), reporting how the table differed before; the report is
 * the proof that incremental maintenance kept them equal.
 */
export async function rebuildRollups(
  db: Db,
  clock: Clock,
  actor: AuditActor | null,
  via: 'cli' | 'demo' = 'cli',
): Promise<RollupCheck> {
  return db.kysely.transaction().execute(async (trx) => {
    const rows = await recountRollups(trx);
    const check = compareRollups(await selectRollups(trx), rows);
    await replaceRollups(trx, db.dialect, rows);
    await appendAudit(
      trx,
      {
        action: 'signal.rollups_rebuild',
        outcome: 'success',
        actor,
        resourceType: 'signal_rollup',
        details: { via: actor ? 'api' : via, rows: rows.length, differences: check.differences },
      },
      clock,
    );
    return check;
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

/** A filter naming a source, area or term that does not exist answers NOT_FOUND rather than an empty page. */
export async function checkSignalFilter(db: Db, filter: SignalListFilter): Promise<void> {
  const problems: Array<{ field: string; value: string; reason: string }> = [];
  if (filter.sourceCodes.length > 0) {
    const known = new Set((await selectSourceCodes(db.kysely, filter.sourceCodes)).map((s) => s.code));
    for (const code of filter.sourceCodes) {
      if (!known.has(code))
        problems.push({ field: 'source', value: code, reason: 'no source has this code' });
    }
  }
  if (filter.areaCodes.length > 0) {
    const known = new Set((await selectAreaCodes(db.kysely)).map((a) => a.code));
    for (const code of filter.areaCodes) {
      if (!known.has(code)) problems.push({ field: 'area', value: code, reason: 'no area has this code' });
    }
  }
  if (filter.labels.length > 0) {
    const codes = [...(await listTermStates(db)).keys()];
    // A facet (e.g. "bias") names every term under it, as a term names its descendants.
    for (const label of filter.labels) {
      if (!codes.some((c) => c === label || c.startsWith(`${label}.`))) {
        problems.push({ field: 'label', value: label, reason: 'no taxonomy term has this code' });
      }
    }
  }
  if (problems.length > 0)
    throw new AppError('NOT_FOUND', 'The filter names codes that do not exist', problems);
}

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
    nextCursor:
      rows.length > limit && last ? encodeCursor({ occurredOn: last.occurredOn, id: last.id }) : null,
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
