import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { parseMapping, type Mapping } from '../../core/contracts/mapping.ts';
import { AppError, isAppError } from '../platform/errors.ts';
import { errorsToCsv } from '../domains/signals/errors-csv.ts';
import type { ImportProblem } from '../domains/signals/readers/reader.ts';
import {
  importSignals,
  listBatches,
  checkRollups,
  rebuildRollups,
  type RollupCheck,
  rollbackBatch,
  type ImportReport,
} from '../domains/signals/signals.service.ts';
import { getSourceByCode } from '../domains/sources/sources.service.ts';
import { recomputeAfterChange } from './analyze.cli.ts';
import { formatDetail, withContext } from './context.ts';

const summary = (c: { inserted: number; updated: number; failed: number }): string =>
  `${c.inserted} imported, ${c.updated} updated, ${c.failed} failed`;

const MAX_PRINTED = 20;

export function readMappingFile(file: string): Mapping {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError('NOT_FOUND', `Mapping file ${file} not found`, [
      { file, reason: (e as Error).message },
    ]);
  }
  try {
    return parseMapping(JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
  } catch (e) {
    if (isAppError(e)) throw e;
    throw new AppError('MAPPING_INVALID', `${file} is not valid JSON`, [
      { file, reason: (e as Error).message },
    ]);
  }
}

/** A progress bar on stderr, only for a person watching (stderr is a terminal); scripts get clean output. */
export function progressBar(label: string): {
  update(rows: number, bytes: { read: number; total: number | null }): void;
  stop(): void;
} {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {rows} rows`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(rows, bytes) {
      const total = bytes.total ?? Math.max(bytes.read, 1);
      if (!started) {
        bar.start(total, 0, { rows: 0 });
        started = true;
      }
      bar.setTotal(total);
      bar.update(Math.min(bytes.read, total), { rows: rows.toLocaleString('en') });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function writeErrors(file: string | undefined, errors: readonly ImportProblem[]): void {
  if (!file) return;
  fs.writeFileSync(file, errorsToCsv(errors));
  console.error(`Problems written to ${file}`);
}

function printProblems(errors: readonly ImportProblem[]): void {
  for (const e of errors.slice(0, MAX_PRINTED)) console.error(`  - ${formatDetail(e)}`);
  if (errors.length > MAX_PRINTED)
    console.error(`  … and ${errors.length - MAX_PRINTED} more (see --errors-out)`);
}

export function registerSignalsCommands(program: Command): void {
  const signals = program
    .command('signals')
    .description('Import signals from providers’ files, and undo imports');

  signals
    .command('import')
    .description('Import a file for a source: every row is checked; a commit writes all rows or none')
    .argument('[file]', 'CSV, XLSX/XLS/ODS, GeoJSON or JSON file (omit for a source fetched from its URL)')
    .requiredOption('--source <code>', 'source code, e.g. tps-hate-crimes')
    .option('--mapping <file>', 'mapping JSON (default: the mapping stored with the source)')
    .option('--dry-run', 'check every row and report, write nothing', false)
    .option('--errors-out <file>', 'write the problems found to this CSV file')
    .action(
      async (
        file: string | undefined,
        opts: { source: string; mapping?: string; dryRun: boolean; errorsOut?: string },
      ) => {
        const mappingOverride = opts.mapping ? readMappingFile(opts.mapping) : undefined;
        await withContext(async ({ db, clock, config }) => {
          const source = await getSourceByCode(db, opts.source);
          const mapping = mappingOverride ?? source.mapping;
          if (!mapping) {
            throw new AppError('MAPPING_INVALID', `Source ${source.code} has no stored mapping`, [
              { reason: 'pass --mapping FILE, or store a mapping with the source' },
            ]);
          }
          let input: { name: string; path: string } | { url: string };
          if (file) input = { name: path.basename(file), path: file };
          else if (source.method === 'url' && source.url) input = { url: source.url };
          else {
            throw new AppError('VALIDATION_FAILED', 'Name the file to import', [
              { reason: `source ${source.code} is not fetched from a URL, so a file is required` },
            ]);
          }
          const bar = progressBar(opts.dryRun ? 'Checking' : 'Importing');
          let report: ImportReport;
          try {
            report = await importSignals(
              db,
              {
                sourceCode: source.code,
                mapping,
                file: input,
                dryRun: opts.dryRun,
                onProgress: bar.update,
                fetchTimeoutMs: config.urlFetchTimeoutMs,
              },
              clock,
              null,
            );
          } catch (e) {
            bar.stop();
            if (!isAppError(e) || e.code !== 'IMPORT_INVALID') throw e;
            const problems = e.details as ImportProblem[];
            console.error(`Error (${e.code}): ${e.message}`);
            printProblems(problems);
            writeErrors(opts.errorsOut, problems);
            const failed = new Set(problems.filter((p) => p.line > 0).map((p) => p.line)).size;
            console.log(summary({ inserted: 0, updated: 0, failed: Math.max(failed, 1) }));
            process.exitCode = 1;
            return;
          }
          bar.stop();
          if (!report.dryRun) await recomputeAfterChange(db, clock, 'import');
          printProblems(report.errors);
          writeErrors(opts.errorsOut, report.errors);
          if (report.dryRun) console.log(`Dry run of ${report.totalRows} rows: nothing was written.`);
          else {
            console.log(
              `Batch ${report.batchId} (file sha256 ${report.fileHash.slice(0, 12)}…): ${report.unchanged} unchanged.`,
            );
          }
          console.log(summary(report));
          if (report.errors.length > 0) process.exitCode = 1;
        });
      },
    );

  signals
    .command('rollback')
    .description('Undo an import batch: delete what it inserted, restore what it updated')
    .argument('<batch>', 'batch id, as printed by `signals import` or listed by `signals batches`')
    .action(async (batch: string) => {
      await withContext(async ({ db, clock }) => {
        const r = await rollbackBatch(db, batch, clock, null);
        console.log(`Rolled back ${r.batchId}: ${r.deleted} signals deleted, ${r.restored} restored`);
        await recomputeAfterChange(db, clock, 'rollback');
      });
    });

  signals
    .command('batches')
    .description('List import batches, newest first')
    .option('--source <code>', 'only this source')
    .option('--limit <n>', 'how many', '20')
    .action(async (opts: { source?: string; limit: string }) => {
      await withContext(async ({ db }) => {
        const { items } = await listBatches(db, { sourceCode: opts.source, limit: Number(opts.limit) || 20 });
        if (items.length === 0) console.log('No imports yet.');
        for (const b of items) {
          console.log(
            [
              b.id,
              b.createdAt.slice(0, 19).replace('T', ' '),
              b.sourceCode,
              b.rolledBackAt ? 'rolled back' : 'committed',
              `${b.inserted} imported, ${b.updated} updated, ${b.unchanged} unchanged`,
              b.fileName,
            ].join('  '),
          );
        }
      });
    });

  signals
    .command('check-rollups')
    .description(
      'Prove the incrementally kept weekly and monthly rollups equal a full recount (exit code 1 if not)',
    )
    .action(async () => {
      await withContext(async ({ db }) => {
        reportRollupCheck(await checkRollups(db), 'check');
      });
    });

  signals
    .command('rebuild-rollups')
    .description('Recount the weekly and monthly rollups from the stored signals (a repair tool)')
    .action(async () => {
      await withContext(async ({ db, clock }) => {
        reportRollupCheck(await rebuildRollups(db, clock, null), 'rebuild');
      });
    });
}

function reportRollupCheck(check: RollupCheck, mode: 'check' | 'rebuild'): void {
  if (check.differences === 0) {
    console.log(`${check.rows} rollup rows: the incremental rollups equal a full recount`);
  } else {
    console.log(`${check.differences} rollup keys differed from a full recount of ${check.rows} rows:`);
    for (const d of check.examples) {
      console.log(
        `  ${d.grain} ${d.period} area '${d.areaKey}' ${d.termCode}: stored ${d.stored}, recounted ${d.recounted}`,
      );
    }
    if (mode === 'rebuild') console.log('The rollups were replaced by the recount.');
    else process.exitCode = 1;
  }
  if (mode === 'rebuild') console.log(`${check.rows} rollup rows rebuilt`);
}
