import { mappingColumns, type Mapping } from '../../../core/contracts/mapping.ts';
import type { RowMapper, MappedSignal } from './mapping/row-mapper.ts';
import { openRowReader } from './readers/open-rows.ts';
import { isFileProblem, type ImportProblem, type OpenedFile, type RowReader } from './readers/reader.ts';

/**
 * The reading half of an import: file → validated signals in chunks, plus every problem. It has no database
 * access, so it runs either in the importing thread or in a worker thread (large files), while the writing half
 * stores each chunk. Nothing here is kept per row: an id repeated within the file is caught by the writing half,
 * against what the import has already written (see repeated-ids.ts).
 */

/** Rows are validated and handed over in chunks of this size. */
export const CHUNK_ROWS = 2_000;
/** Beyond this many, problems are counted but not listed: the list is for fixing a file, not for archiving it. */
export const MAX_LISTED_PROBLEMS = 100_000;

export type ProducedChunk = {
  signals: MappedSignal[];
  /** Some earlier row already had a problem: a commit is lost, and its rows only need checking for repeated ids. */
  afterProblems: boolean;
  rowsRead: number;
  bytesRead: number;
  bytesTotal: number | null;
  estimatedRecords: number | null;
};

export type ProducerResult = {
  totalRows: number;
  /** Rows with at least one problem (a problem that stops reading the file counts as one). */
  failed: number;
  problems: ListedProblems;
  fileHash: string;
};

/** Problems in file order, the first MAX_LISTED_PROBLEMS of them listed and the rest counted. */
export type ListedProblems = { listed: ImportProblem[]; unlisted: number };

export class ProblemList implements ListedProblems {
  readonly listed: ImportProblem[] = [];
  unlisted = 0;
  add(p: ImportProblem): void {
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push(p);
    else this.unlisted++;
  }
  get count(): number {
    return this.listed.length + this.unlisted;
  }
}

/**
 * The problems the reading and the writing half found, as one list in line order (each half finds its own in line
 * order) with a last entry counting those beyond the listing limit.
 */
export function mergeProblems(a: ListedProblems, b: ListedProblems): ImportProblem[] {
  const out: ImportProblem[] = [];
  let i = 0;
  let j = 0;
  while (out.length < MAX_LISTED_PROBLEMS && (i < a.listed.length || j < b.listed.length)) {
    const next =
      j >= b.listed.length || (i < a.listed.length && a.listed[i]!.line <= b.listed[j]!.line)
        ? a.listed[i++]!
        : b.listed[j++]!;
    out.push(next);
  }
  const unlisted = a.listed.length - i + (b.listed.length - j) + a.unlisted + b.unlisted;
  if (unlisted > 0) {
    out.push({ line: 0, column: null, value: null, reason: `${unlisted} further problems are not listed` });
  }
  return out;
}

/**
 * Reads and maps the whole file. `onChunk` is awaited, which is how the writer holds the reader back. Every valid
 * row is handed over, also after a problem (flagged `afterProblems`), so that the writer can tell which ids repeat.
 */
export async function produceSignals(
  file: OpenedFile,
  options: { mapping: Mapping; mapRow: RowMapper },
  onChunk: (chunk: ProducedChunk) => Promise<void>,
): Promise<ProducerResult> {
  const { mapping, mapRow } = options;
  const problems = new ProblemList();
  let totalRows = 0;
  let failed = 0;
  let reader: RowReader | null = null;

  let pending: MappedSignal[] = [];
  const flush = async () => {
    const signals = pending;
    pending = [];
    if (signals.length === 0) return;
    await onChunk({
      signals,
      afterProblems: problems.count > 0,
      rowsRead: totalRows,
      bytesRead: file.bytesRead(),
      bytesTotal: file.size,
      estimatedRecords: reader?.estimatedRecords(file.size) ?? null,
    });
  };

  const done = (): ProducerResult => ({
    totalRows,
    failed,
    problems: { listed: problems.listed, unlisted: problems.unlisted },
    fileHash: file.digest(),
  });

  try {
    reader = await openRowReader(file, mapping.format);
    if (reader.columns) {
      const present = new Set(reader.columns);
      const missing = mappingColumns(mapping).filter((c) => !present.has(c.column));
      for (const m of missing) {
        problems.add({
          line:
            mapping.format.type === 'csv' || mapping.format.type === 'xlsx' ? mapping.format.headerRow : 0,
          column: m.column,
          value: null,
          reason: `no such column in the header (named by the mapping at ${m.path}); the header has: ${reader.columns.join(', ')}`,
        });
      }
      if (missing.length > 0) return done();
    }
    for await (const batch of reader.batches) {
      for (const row of batch) {
        totalRows++;
        const mapped = mapRow(row);
        if (Array.isArray(mapped)) {
          failed++;
          for (const p of mapped) problems.add(p);
          continue;
        }
        pending.push(mapped);
        if (pending.length >= CHUNK_ROWS) await flush();
      }
    }
    await flush();
  } catch (e) {
    if (!isFileProblem(e)) throw e;
    for (const d of e.details) problems.add(d as ImportProblem);
    failed++;
  }
  if (totalRows === 0 && problems.count === 0 && reader?.columns === null) {
    problems.add({ line: 0, column: null, value: null, reason: 'the file holds no records' });
    failed++;
  }
  return done();
}

// Chunks cross from a worker thread as flat arrays: cloning 2 000 objects costs the receiving thread (the one
// writing to the database, the bottleneck) several times more than cloning two flat arrays.

const TEXT_FIELDS = 9;
const NUMBER_FIELDS = 4;

export type PackedChunk = Omit<ProducedChunk, 'signals'> & {
  count: number;
  texts: Array<string | null>;
  numbers: Float64Array;
};

export function packChunk(chunk: ProducedChunk): PackedChunk {
  const n = chunk.signals.length;
  const texts: Array<string | null> = new Array(n * TEXT_FIELDS);
  const numbers = new Float64Array(n * NUMBER_FIELDS);
  for (let i = 0; i < n; i++) {
    const s = chunk.signals[i]!;
    let t = i * TEXT_FIELDS;
    texts[t++] = s.externalId;
    texts[t++] = s.occurredAt;
    texts[t++] = s.occurredOn;
    texts[t++] = s.areaId;
    texts[t++] = s.areaKey;
    texts[t++] = s.description;
    texts[t++] = s.extra;
    texts[t++] = s.contentHash;
    texts[t] = s.labels.join('\u0000');
    let k = i * NUMBER_FIELDS;
    numbers[k++] = s.line;
    numbers[k++] = s.lon ?? NaN;
    numbers[k++] = s.lat ?? NaN;
    numbers[k] = s.severity ?? NaN;
  }
  const { signals: _signals, ...rest } = chunk;
  return { ...rest, count: n, texts, numbers };
}

export function unpackChunk(packed: PackedChunk): ProducedChunk {
  const { count, texts, numbers, ...rest } = packed;
  const signals: MappedSignal[] = new Array(count);
  const num = (v: number) => (Number.isNaN(v) ? null : v);
  for (let i = 0; i < count; i++) {
    const t = i * TEXT_FIELDS;
    const k = i * NUMBER_FIELDS;
    const labels = texts[t + 8]!;
    signals[i] = {
      line: numbers[k]!,
      externalId: texts[t]!,
      occurredAt: texts[t + 1]!,
      occurredOn: texts[t + 2]!,
      areaId: texts[t + 3] ?? null,
      areaKey: texts[t + 4]!,
      lon: num(numbers[k + 1]!),
      lat: num(numbers[k + 2]!),
      severity: num(numbers[k + 3]!),
      description: texts[t + 5] ?? null,
      extra: texts[t + 6] ?? null,
      labels: labels === '' ? [] : labels.split('\u0000'),
      contentHash: texts[t + 7]!,
    };
  }
  return { ...rest, signals };
}
