/**
 * Child process for the whole-import measurement, in two steps so the import's peak RSS is not the setup's:
 *   node bench/workers/import.ts setup <dataset> <seed> <dir> <mapping.json>   fresh SQLite: taxonomy, areas, source
 *   node bench/workers/import.ts run <signals.csv> <dir>                       importSignals, timed
 * Both print JSON. The run step also writes <dir>/cohesion-areas.csv (external id, area code) for the comparison.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { loadAreaIndex, importAreas } from '../../server/domains/areas/areas.service.ts';
import { importSignals } from '../../server/domains/signals/signals.service.ts';
import { createSource } from '../../server/domains/sources/sources.service.ts';
import { seedDefaultTaxonomy } from '../../server/domains/taxonomy/taxonomy.service.ts';
import { openDatabase } from '../../server/db/database.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { systemClock } from '../../server/platform/clock.ts';
import { parseMapping } from '../../core/contracts/mapping.ts';
import { loadDataset } from '../lib/datasets.ts';
import { peakRssMiB } from '../lib/memory.ts';

const SOURCE_CODE = 'bench-synthetic';

const [step, ...args] = process.argv.slice(2);

async function setup(datasetName: string, seed: number, dir: string, mappingFile: string): Promise<void> {
  const t0 = performance.now();
  const db = openDatabase({ sqlitePath: path.join(dir, 'cohesion.sqlite') });
  try {
    await migrateToLatest(db);
    await seedDefaultTaxonomy(db, systemClock);
    const dataset = loadDataset(datasetName, seed);
    const geojson = JSON.stringify({
      type: 'FeatureCollection',
      features: dataset.areas.map((a) => ({
        type: 'Feature',
        properties: { code: a.code, name: a.name },
        geometry: a.geometry,
      })),
    });
    const areas = await importAreas(
      db,
      { geojson, codeProperty: 'code', nameProperty: 'name', level: 'neighbourhood' },
      systemClock,
      null,
    );
    await createSource(
      db,
      {
        code: SOURCE_CODE,
        name: 'Benchmark signals',
        kind: 'other',
        method: 'upload',
        cadence: 'ad_hoc',
        mapping: JSON.parse(fs.readFileSync(mappingFile, 'utf8')) as Record<string, unknown>,
      },
      systemClock,
      null,
    );
    process.stdout.write(JSON.stringify({ setupMs: performance.now() - t0, areas: areas.imported }));
  } finally {
    await db.close();
  }
}

async function run(signalsCsv: string, dir: string): Promise<void> {
  const db = openDatabase({ sqlitePath: path.join(dir, 'cohesion.sqlite') });
  try {
    // A running server keeps the area index cached (PostGIS likewise keeps its GiST index); build it before the clock starts.
    const i0 = performance.now();
    await loadAreaIndex(db);
    const indexMs = performance.now() - i0;
    const rssBeforeImport = peakRssMiB();
    const source = await db.kysely
      .selectFrom('source')
      .select('mapping')
      .where('code', '=', SOURCE_CODE)
      .executeTakeFirstOrThrow();
    const mapping = parseMapping(JSON.parse(source.mapping as string));

    const t0 = performance.now();
    const report = await importSignals(
      db,
      { sourceCode: SOURCE_CODE, mapping, file: { name: path.basename(signalsCsv), path: signalsCsv } },
      systemClock,
      null,
    );
    const ms = performance.now() - t0;
    const peak = peakRssMiB();

    const signalsStored = Number(
      (await sql<{ n: number }>`SELECT count(*) AS n FROM signal`.execute(db.kysely)).rows[0]?.n ?? 0,
    );
    const rollupRows = Number(
      (await sql<{ n: number }>`SELECT count(*) AS n FROM signal_rollup`.execute(db.kysely)).rows[0]?.n ?? 0,
    );
    const areasFile = path.join(dir, 'cohesion-areas.csv');
    const rows = await sql<{ eid: string; code: string | null }>`
      SELECT s.external_id AS eid, a.code AS code FROM signal s LEFT JOIN area a ON a.id = s.area_id`.execute(
      db.kysely,
    );
    fs.writeFileSync(areasFile, rows.rows.map((r) => `${r.eid},${r.code ?? ''}\n`).join(''));

    process.stdout.write(
      JSON.stringify({
        ms,
        indexMs,
        peakRssMiB: peak,
        rssBeforeImportMiB: rssBeforeImport,
        report: {
          inserted: report.inserted,
          updated: report.updated,
          unchanged: report.unchanged,
          failed: report.failed,
          totalRows: report.totalRows,
        },
        signalsStored,
        rollupRows,
        areasFile,
      }),
    );
  } finally {
    await db.close();
  }
}

if (step === 'setup' && args.length === 4) {
  await setup(args[0] as string, Number(args[1]), args[2] as string, args[3] as string);
} else if (step === 'run' && args.length === 2) {
  await run(args[0] as string, args[1] as string);
} else {
  console.error('usage: import.ts setup <dataset> <seed> <dir> <mapping.json> | run <signals.csv> <dir>');
  process.exit(2);
}
