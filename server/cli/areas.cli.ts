import fs from 'node:fs';
import type { Command } from 'commander';
import { formatDetail, withContext } from './context.ts';
import { isAppError } from '../platform/errors.ts';
import { importAreaAttributes, importAreas, listAreas } from '../domains/areas/areas.service.ts';

type Counts = { imported: number; updated: number; failed: number };

function readInput(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    console.error(`Cannot read ${file}: ${(e as Error).message}`);
    process.exit(1);
  }
}

const summary = (c: Counts): string => `${c.imported} imported, ${c.updated} updated, ${c.failed} failed`;

/**
 * Runs an import and prints every located problem, then the summary line scripts look for; exits 1 when anything
 * failed. A rejected commit wrote nothing, so its summary counts no imports.
 */
async function runImport(
  run: () => Promise<Counts & { errors: Array<Record<string, unknown>> }>,
  locate: (d: Record<string, unknown>) => number,
): Promise<void> {
  try {
    const report = await run();
    for (const e of report.errors) console.error(`  - ${formatDetail(e)}`);
    console.log(summary(report));
    if (report.failed > 0 || report.errors.length > 0) process.exitCode = 1;
  } catch (e) {
    if (!isAppError(e) || (e.code !== 'GEOJSON_INVALID' && e.code !== 'IMPORT_INVALID')) throw e;
    console.error(`Error (${e.code}): ${e.message}`);
    for (const d of e.details) console.error(`  - ${formatDetail(d)}`);
    console.log(
      summary({ imported: 0, updated: 0, failed: Math.max(1, new Set(e.details.map(locate)).size) }),
    );
    process.exitCode = 1;
  }
}

export function registerAreasCommands(program: Command): void {
  const areas = program
    .command('areas')
    .description('Import area boundaries and per-area figures such as population');

  areas
    .command('import')
    .description(
      'Import boundaries from a GeoJSON FeatureCollection (WGS84), updating areas with the same code',
    )
    .argument('<file>', 'GeoJSON file')
    .requiredOption('--code-property <name>', 'feature property holding the area code, e.g. AREA_SHORT_CODE')
    .requiredOption('--name-property <name>', 'feature property holding the area name, e.g. AREA_NAME')
    .option('--level <level>', 'level given to new areas, e.g. neighbourhood')
    .option('--parent-property <name>', 'feature property holding the parent area’s code')
    .option('--dry-run', 'check the file and report, write nothing', false)
    .action(
      async (
        file: string,
        opts: {
          codeProperty: string;
          nameProperty: string;
          level?: string;
          parentProperty?: string;
          dryRun: boolean;
        },
      ) => {
        const geojson = readInput(file);
        await withContext(({ db, clock }) =>
          runImport(
            () =>
              importAreas(
                db,
                {
                  geojson,
                  codeProperty: opts.codeProperty,
                  nameProperty: opts.nameProperty,
                  level: opts.level,
                  parentCodeProperty: opts.parentProperty,
                  dryRun: opts.dryRun,
                },
                clock,
                null,
              ),
            (d) => Number(d.feature),
          ),
        );
      },
    );

  const attributes = areas
    .command('attributes')
    .description('Numeric figures per area (population, households …)');
  attributes
    .command('import')
    .description('Import numeric columns of a CSV (any encoding and delimiter) as area attributes')
    .argument('<file>', 'CSV file')
    .requiredOption('--code-column <name>', 'column holding the area code, e.g. HOOD_158')
    .requiredOption('--columns <list>', 'comma-separated numeric columns to store, e.g. population_2021')
    .option('--source <text>', 'where the figures come from, e.g. "Census 2021"')
    .option('--dry-run', 'check the file and report, write nothing', false)
    .action(
      async (
        file: string,
        opts: { codeColumn: string; columns: string; source?: string; dryRun: boolean },
      ) => {
        const csv = readInput(file);
        await withContext(({ db, clock }) =>
          runImport(
            () =>
              importAreaAttributes(
                db,
                {
                  csv,
                  codeColumn: opts.codeColumn,
                  columns: opts.columns.split(','),
                  source: opts.source,
                  dryRun: opts.dryRun,
                },
                clock,
                null,
              ),
            (d) => Number(d.line),
          ),
        );
      },
    );

  areas
    .command('list')
    .description('List areas with their level, parent and attributes')
    .option('--level <level>', 'only this level')
    .action(async (opts: { level?: string }) => {
      await withContext(async ({ db }) => {
        const items = await listAreas(db, opts.level === undefined ? {} : { level: opts.level });
        for (const a of items) {
          const attrs = Object.entries(a.attributes)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ');
          console.log(
            [a.code, a.level, a.parentCode ?? '-', a.name, attrs].filter((s) => s !== '').join('\t'),
          );
        }
        console.log(`${items.length} areas`);
      });
    });
}
