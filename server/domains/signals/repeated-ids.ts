import type { DialectName, Executor } from '../../db/database.ts';
import { ProblemList } from './import-pipeline.ts';
import type { MappedSignal } from './mapping/row-mapper.ts';
import type { ImportProblem } from './readers/reader.ts';
import {
  addToIdLedger,
  createIdLedger,
  dropIdLedger,
  newIdLedgerName,
  selectExternalIdsOfBatch,
  selectIdLedgerLines,
} from './signals.repository.ts';

/**
 * Catches an id repeated within one file while holding no more than a chunk of ids in memory, however long the
 * file. A commit writes every row as it goes, upserting by (source, external id), so a row whose stored version
 * this same batch wrote is a repeat: the table the import writes to is its memory of the ids seen. A dry run
 * writes nothing, and a commit lost to a problem stops writing; both record the ids they see, with their lines, in
 * a temporary table instead (the ledger), which also names the line of the first occurrence. A commit cannot name
 * it for an id first seen in an earlier chunk: the signal table does not keep lines.
 */
export class RepeatedIds {
  readonly problems = new ProblemList();
  readonly #idColumn: string;
  #ledger: string | null = null;
  /** This chunk's repeats, found in several passes, reported in line order by endChunk(). */
  #pending: ImportProblem[] = [];

  constructor(idColumn: string) {
    this.#idColumn = idColumn;
  }

  /** Rows reported so far, one problem each (the current chunk's count once endChunk() has run). */
  get count(): number {
    return this.problems.count;
  }

  #report(s: MappedSignal, firstLine: number | null): void {
    this.#pending.push({
      line: s.line,
      column: this.#idColumn,
      value: s.externalId,
      reason: `the same id as ${firstLine === null ? 'an earlier line' : `line ${firstLine}`}: each id may appear once per file`,
    });
  }

  /** Keeps the first row of each id within the chunk, reporting the others. */
  withinChunk(signals: MappedSignal[]): MappedSignal[] {
    const first = new Map<string, number>();
    const kept: MappedSignal[] = [];
    for (const s of signals) {
      const line = first.get(s.externalId);
      if (line === undefined) {
        first.set(s.externalId, s.line);
        kept.push(s);
      } else this.#report(s, line);
    }
    return kept;
  }

  /** A row whose id this import has already written. */
  repeatOfWritten(s: MappedSignal): void {
    this.#report(s, null);
  }

  /**
   * For a chunk that is not written: keeps the rows whose id no earlier chunk had, recording them in the ledger.
   * `written` names the batch when it wrote rows before it stopped writing, which count as seen too.
   */
  async notSeenBefore(
    ex: Executor,
    dialect: DialectName,
    signals: MappedSignal[],
    written: { sourceId: string; batchId: string } | null,
  ): Promise<MappedSignal[]> {
    let rest = signals;
    if (rest.length === 0) return rest;
    if (written) {
      const ids = rest.map((s) => s.externalId);
      const inBatch = new Set(await selectExternalIdsOfBatch(ex, written.sourceId, written.batchId, ids));
      if (inBatch.size > 0) {
        rest = rest.filter((s) => {
          if (!inBatch.has(s.externalId)) return true;
          this.repeatOfWritten(s);
          return false;
        });
      }
    }
    if (this.#ledger === null) {
      const name = newIdLedgerName();
      await createIdLedger(ex, name);
      this.#ledger = name;
    }
    const added = await addToIdLedger(
      ex,
      dialect,
      this.#ledger,
      rest.map((s) => [s.externalId, s.line]),
    );
    if (added === rest.length) return rest;
    const lines = await selectIdLedgerLines(
      ex,
      this.#ledger,
      rest.map((s) => s.externalId),
    );
    return rest.filter((s) => {
      const first = lines.get(s.externalId);
      if (first === undefined || first === s.line) return true;
      this.#report(s, first);
      return false;
    });
  }

  endChunk(): void {
    if (this.#pending.length === 0) return;
    this.#pending.sort((a, b) => a.line - b.line);
    for (const p of this.#pending) this.problems.add(p);
    this.#pending = [];
  }

  /** Drops the ledger; needed where no rollback does it (a dry run runs outside a transaction). */
  async dispose(ex: Executor): Promise<void> {
    if (this.#ledger === null) return;
    const name = this.#ledger;
    this.#ledger = null;
    await dropIdLedger(ex, name);
  }
}
