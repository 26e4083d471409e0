import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { withContext } from './context.ts';
import { AppError } from '../platform/errors.ts';
import { CADENCES, type Cadence } from '../domains/sources/sources.freshness.ts';
import {
  SOURCE_KINDS,
  SOURCE_METHODS,
  type SourceKind,
  type SourceMethod,
} from '../domains/sources/sources.schemas.ts';
import { createSource, listSources, type SourceWithFreshness } from '../domains/sources/sources.service.ts';

export function registerSourcesCommands(program: Command): void {
  const sources = program.command('sources').description('Register data providers and check their freshness');

  sources
    .command('add')
    .description('Register a data provider (a municipal department or community organisation)')
    .requiredOption('--code <code>', 'short slug used in imports, e.g. tps-hate-crimes')
    .requiredOption('--name <name>', 'display name')
    .addOption(new Option('--kind <kind>', 'kind of provider').choices(SOURCE_KINDS).makeOptionMandatory())
    .addOption(
      new Option('--method <method>', 'how files arrive').choices(SOURCE_METHODS).makeOptionMandatory(),
    )
    .addOption(
      new Option('--cadence <cadence>', 'how often a delivery is expected')
        .choices(CADENCES)
        .makeOptionMandatory(),
    )
    .option('--url <url>', 'where the file is fetched from (method url)')
    .option('--licence <licence>', 'licence of the data, e.g. "Open Government Licence – Toronto"')
    .option('--contact-name <name>', 'contact person at the provider')
    .option('--contact-email <email>', 'contact email at the provider')
    .option('--mapping <file>', 'mapping JSON file the provider’s files use')
    .option('--notes <text>', 'notes')
    .action(
      async (opts: {
        code: string;
        name: string;
        kind: SourceKind;
        method: SourceMethod;
        cadence: Cadence;
        url?: string;
        licence?: string;
        contactName?: string;
        contactEmail?: string;
        mapping?: string;
        notes?: string;
      }) => {
        const mapping = opts.mapping === undefined ? undefined : readMappingFile(opts.mapping);
        await withContext(async ({ db, clock }) => {
          const source = await createSource(
            db,
            {
              code: opts.code,
              name: opts.name,
              kind: opts.kind,
              method: opts.method,
              cadence: opts.cadence,
              url: opts.url,
              licence: opts.licence,
              contactName: opts.contactName,
              contactEmail: opts.contactEmail,
              mapping,
              notes: opts.notes,
            },
            clock,
            null,
          );
          console.log(
            `Added source ${source.code} (${source.name})` +
              (source.nextDueAt ? `; first delivery due by ${source.nextDueAt.slice(0, 10)}` : ''),
          );
        });
      },
    );

  sources
    .command('list')
    .description('List data providers with their last delivery and next due date')
    .option('--overdue', 'only sources whose delivery is overdue')
    .option('--include-archived', 'also list archived sources')
    .action(async (opts: { overdue?: boolean; includeArchived?: boolean }) => {
      await withContext(async ({ db, clock }) => {
        const items = await listSources(
          db,
          { overdue: opts.overdue ? true : undefined, includeArchived: opts.includeArchived },
          clock,
        );
        if (items.length === 0) {
          console.log(opts.overdue ? 'No source is overdue.' : 'No sources registered yet.');
          return;
        }
        printTable(
          ['CODE', 'NAME', 'KIND', 'CADENCE', 'LAST DELIVERED', 'NEXT DUE', 'STATUS'],
          items.map((s) => [
            s.code,
            s.name,
            s.kind,
            s.cadence,
            s.lastDeliveredAt?.slice(0, 10) ?? 'never',
            s.nextDueAt?.slice(0, 10) ?? '-',
            status(s),
          ]),
        );
      });
    });
}

function status(s: SourceWithFreshness): string {
  if (s.archivedAt) return 'archived';
  if (s.cadence === 'ad_hoc') return 'ad hoc';
  return s.overdue ? 'OVERDUE' : 'on time';
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

function readMappingFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError('VALIDATION_FAILED', `Cannot read the mapping file ${file}`, [
      { file, reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(e) },
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new AppError('MAPPING_INVALID', `The mapping file ${file} is not valid JSON`, [
      { file, reason: (e as Error).message },
    ]);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new AppError('MAPPING_INVALID', `The mapping file ${file} must hold a JSON object`, [{ file }]);
  }
  return json as Record<string, unknown>;
}
