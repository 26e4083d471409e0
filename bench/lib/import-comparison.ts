import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { signalCsvHeader, signalCsvLine, syntheticSignalMapping } from '../../core/synthetic/city-pack.ts';
import type { SyntheticSignal } from '../../core/synthetic/signals.ts';
import { runWorker } from './child.ts';
import type { BenchDataset } from './datasets.ts';
import { LineWriter } from './points.ts';

export type ImportComparison = {
  rows: number;
  cohesion: {
    ms: number;
    rowsPerSecond: number;
    peakRssMiB: number | null;
    inserted: number;
    failed: number;
    signalsStored: number;
    rollupRows: number;
    setupMs: number;
    indexMs: number;
    rssBeforeImportMiB: number | null;
  };
  postgis: {
    ms: number;
    rowsPerSecond: number;
    inserted: number;
    rollupRows: number;
    stepsMs: Record<string, number>;
  };
  /** PostGIS path time / Cohesion time. */
  speedup: number;
  /** Signals whose area differs between the two stores (by external id); expected 0. */
  areaDisagreements: number;
};

export type CohesionImportResult = {
  ms: number;
  /** Building the area index from the database before the timed import. */
  indexMs: number;
  peakRssMiB: number | null;
  rssBeforeImportMiB: number | null;
  report: { inserted: number; updated: number; unchanged: number; failed: number; totalRows: number };
  signalsStored: number;
  rollupRows: number;
  /** external id → area code, as a flat "id,code\n" file path for the comparison. */
  areasFile: string;
};

/** The signals CSV in the synthetic city-pack format, streamed. */
export function signalCsvWriter(file: string): {
  write(row: SyntheticSignal): Promise<void>;
  close(): Promise<void>;
} {
  const writer = new LineWriter(file);
  let started = false;
  return {
    async write(row) {
      if (!started) {
        started = true;
        await writer.write(`${signalCsvHeader()}\r\n`);
      }
      await writer.write(`${signalCsvLine(row)}\r\n`);
    },
    close: () => writer.close(),
  };
}

const PERIODS = `CROSS JOIN LATERAL (VALUES ('week', date_trunc('week', s.occurred_on)::date),
                                      ('month', date_trunc('month', s.occurred_on)::date)) AS g (grain, period)`;

/** Same grains and keys as Cohesion's signal_rollup: '*' counts every signal, plus one row per label. */
const ROLLUP_SQL = `
  INSERT INTO pg_signal_rollup (grain, period, area_key, term_code, count)
  SELECT g.grain, g.period, coalesce(s.area_code, ''), '*', count(*)
  FROM pg_signal s ${PERIODS}
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT g.grain, g.period, coalesce(s.area_code, ''), l.term_code, count(*)
  FROM pg_signal s JOIN pg_signal_label l ON l.external_id = s.external_id ${PERIODS}
  GROUP BY 1, 2, 3, 4`;

/**
 * What a team without Cohesion would run in PostGIS for the same file, in one transaction: COPY into a staging
 * table, build points, the ST_Covers join with the smallest code winning ties, insert signals and their labels,
 * then the per-week and per-month rollup with GROUP BY.
 */
export async function importWithPostgis(
  client: pg.Client,
  signalsCsv: string,
): Promise<{ ms: number; stepsMs: Record<string, number>; inserted: number; rollupRows: number }> {
  await client.query(
    'DROP TABLE IF EXISTS pg_signal_staging, pg_signal_label, pg_signal_rollup, pg_signal CASCADE',
  );
  await client.query(
    `CREATE TABLE pg_signal_staging (${signalCsvHeader()
      .split(',')
      .map((c) => `${c} text`)
      .join(', ')})`,
  );
  await client.query(`CREATE TABLE pg_signal (
      external_id text PRIMARY KEY, occurred_at timestamp NOT NULL, occurred_on date NOT NULL, area_code text,
      lon double precision, lat double precision, severity integer)`);
  await client.query('CREATE INDEX pg_signal_occurred_idx ON pg_signal (occurred_on)');
  await client.query('CREATE INDEX pg_signal_area_idx ON pg_signal (area_code, occurred_on)');
  await client.query(`CREATE TABLE pg_signal_label (
      external_id text NOT NULL REFERENCES pg_signal (external_id), term_code text NOT NULL,
      PRIMARY KEY (external_id, term_code))`);
  await client.query('CREATE INDEX pg_signal_label_term_idx ON pg_signal_label (term_code, external_id)');
  await client.query(`CREATE TABLE pg_signal_rollup (
      grain text NOT NULL, period date NOT NULL, area_key text NOT NULL, term_code text NOT NULL, count integer NOT NULL,
      PRIMARY KEY (grain, period, area_key, term_code))`);

  const stepsMs: Record<string, number> = {};
  const step = async (name: string, sql: string): Promise<number> => {
    const t0 = performance.now();
    const result = await client.query(sql);
    stepsMs[name] = Math.round(performance.now() - t0);
    return result.rowCount ?? 0;
  };
  const t0 = performance.now();
  await client.query('BEGIN');
  let inserted: number;
  let rollupRows: number;
  try {
    await step('copy', `COPY pg_signal_staging FROM '${signalsCsv}' WITH (FORMAT csv, HEADER true)`);
    await step(
      'buildPoints',
      `CREATE TEMP TABLE pg_pts ON COMMIT DROP AS
         SELECT id AS external_id, ST_SetSRID(ST_MakePoint(longitude::float8, latitude::float8), 4326) AS geom
         FROM pg_signal_staging WHERE longitude <> '' AND latitude <> ''`,
    );
    await step('analyzePoints', 'ANALYZE pg_pts');
    await step(
      'coversJoin',
      `CREATE TEMP TABLE pg_assign ON COMMIT DROP AS
         SELECT DISTINCT ON (p.external_id) p.external_id, a.code
         FROM pg_pts p JOIN bench_area a ON ST_Covers(a.geom, p.geom)
         ORDER BY p.external_id, a.code`,
    );
    inserted = await step(
      'insertSignals',
      `INSERT INTO pg_signal (external_id, occurred_at, occurred_on, area_code, lon, lat, severity)
         SELECT s.id, s.occurred_at::timestamp, s.occurred_at::date, a.code,
                nullif(s.longitude, '')::float8, nullif(s.latitude, '')::float8, nullif(s.severity, '')::integer
         FROM pg_signal_staging s LEFT JOIN pg_assign a ON a.external_id = s.id`,
    );
    await step(
      'insertLabels',
      `INSERT INTO pg_signal_label (external_id, term_code)
         SELECT DISTINCT s.id, trim(t) FROM pg_signal_staging s, unnest(string_to_array(s.labels, '|')) AS t
         WHERE trim(t) <> ''`,
    );
    rollupRows = await step('rollup', ROLLUP_SQL);
    await step('commit', 'COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
  return { ms: performance.now() - t0, stepsMs, inserted, rollupRows };
}

export async function runImportComparison(input: {
  dataset: BenchDataset;
  seed: number;
  dir: string;
  signalsCsv: string;
  rows: number;
  client: pg.Client;
  log: (msg: string) => void;
}): Promise<ImportComparison> {
  const { dataset, seed, dir, signalsCsv, rows, client, log } = input;
  const worker = path.resolve(import.meta.dirname, '..', 'workers', 'import.ts');
  const mappingFile = path.join(dir, 'signals.mapping.json');
  fs.writeFileSync(mappingFile, JSON.stringify(syntheticSignalMapping(), null, 2));
  const setup = await runWorker<{ setupMs: number }>(worker, [
    'setup',
    dataset.name,
    String(seed),
    dir,
    mappingFile,
  ]);
  const cohesion = await runWorker<CohesionImportResult>(worker, ['run', signalsCsv, dir]);
  log(`Cohesion import ${Math.round(cohesion.ms)} ms, peak RSS ${cohesion.peakRssMiB} MiB`);
  const postgis = await importWithPostgis(client, signalsCsv);
  log(`PostGIS path ${Math.round(postgis.ms)} ms (${JSON.stringify(postgis.stepsMs)})`);

  // Same file, same rule: every signal must land in the same area in both stores.
  const { rows: pgAreas } = await client.query<{ external_id: string; area_code: string | null }>(
    'SELECT external_id, area_code FROM pg_signal',
  );
  const cohesionAreas = new Map<string, string>();
  for (const line of fs.readFileSync(cohesion.areasFile, 'utf8').split('\n')) {
    if (!line) continue;
    const comma = line.indexOf(',');
    cohesionAreas.set(line.slice(0, comma), line.slice(comma + 1));
  }
  let areaDisagreements = 0;
  for (const r of pgAreas)
    if ((cohesionAreas.get(r.external_id) ?? '') !== (r.area_code ?? '')) areaDisagreements++;
  await client.query(
    'DROP TABLE IF EXISTS pg_signal_staging, pg_signal_label, pg_signal_rollup, pg_signal CASCADE',
  );

  return {
    rows,
    cohesion: {
      ms: Math.round(cohesion.ms),
      rowsPerSecond: Math.round((rows / cohesion.ms) * 1000),
      peakRssMiB: cohesion.peakRssMiB,
      inserted: cohesion.report.inserted,
      failed: cohesion.report.failed,
      signalsStored: cohesion.signalsStored,
      rollupRows: cohesion.rollupRows,
      setupMs: Math.round(setup.setupMs),
      indexMs: Math.round(cohesion.indexMs),
      rssBeforeImportMiB: cohesion.rssBeforeImportMiB,
    },
    postgis: {
      ms: Math.round(postgis.ms),
      rowsPerSecond: Math.round((rows / postgis.ms) * 1000),
      inserted: postgis.inserted,
      rollupRows: postgis.rollupRows,
      stepsMs: postgis.stepsMs,
    },
    speedup: Math.round((postgis.ms / cohesion.ms) * 10) / 10,
    areaDisagreements,
  };
}
