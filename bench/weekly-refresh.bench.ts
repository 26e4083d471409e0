/**
 * The weekly refresh, end to end, on a city with five years of history:
 *
 *   npm run bench:refresh -- [--areas 500] [--signals 200000] [--labels 4] [--weeks 260] [--seed 7]
 *                            [--pg postgres://postgres@127.0.0.1:5432/postgres] [--out bench/out]
 *
 * A synthetic city pack (core/synthetic) is generated with `--signals` rows dated in one ISO week; its boundaries,
 * population and source are loaded into a fresh database, and `--weeks − 1` weeks of history are written straight
 * into the rollups for every area × (every signal and the `--labels` most frequent labels): 500 × 5 = 2,500 series.
 * Then, timed step by step, what a city's weekly delivery sets off: the import (parse, assign to areas, write the
 * signals, labels and rollups in one transaction), the early-warning recomputation (EARS C1–C3 and both Farrington
 * configurations on every watched series, on two cores), Gi* hotspots for every signal and each label, and the
 * composite indices with their Monte Carlo band. Writes bench/out/weekly-refresh.json.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { addDays, weekStart } from '../core/analytics/periods.ts';
import { createRandom } from '../core/synthetic/random.ts';
import { openDatabase, type Db } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { getHotspots, getIndices } from '../server/domains/analytics/analytics.service.ts';
import { seedIndexDefinitions } from '../server/domains/analytics/index-definitions.ts';
import { recomputeAnalytics } from '../server/domains/analytics/recompute.ts';
import { insertRows } from '../server/domains/signals/signals.repository.ts';
import { importSignals } from '../server/domains/signals/signals.service.ts';
import { getSourceByCode } from '../server/domains/sources/sources.service.ts';
import { loadCityPack } from '../server/demo/load-city-pack.ts';
import { systemClock } from '../server/platform/clock.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values: flags } = parseArgs({
  options: {
    areas: { type: 'string', default: '500' },
    signals: { type: 'string', default: '200000' },
    labels: { type: 'string', default: '4' },
    weeks: { type: 'string', default: '260' },
    seed: { type: 'string', default: '7' },
    pg: { type: 'string' },
    out: { type: 'string', default: 'bench/out' },
  },
});
const AREAS = Number(flags.areas);
const SIGNALS = Number(flags.signals);
const LABELS = Number(flags.labels);
const WEEKS = Number(flags.weeks);
const WEEK = '2024-12-23';

function generatePack(dir: string): void {
  const r = spawnSync(
    process.execPath,
    [
      'server/cli/main.ts',
      'synthetic',
      'generate',
      '--out',
      dir,
      '--areas',
      String(AREAS),
      '--signals',
      String(SIGNALS),
      '--seed',
      String(flags.seed),
      '--from',
      WEEK,
      '--to',
      addDays(WEEK, 6),
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (r.status !== 0) throw new Error('synthetic generate failed');
}

/**
 * Keeps only the `--labels` most frequent labels in the new week's file (so the city has areas × (labels + 1) series,
 * each with a history), and returns their mean count per area to draw that history from.
 */
function weeklyMeans(csv: string): { labels: string[]; means: Map<string, number> } {
  const lines = fs.readFileSync(csv, 'utf8').split('\n');
  const header = lines[0]!.split(',');
  const labelsAt = header.indexOf('labels');
  const perLabel = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    for (const l of (cells[labelsAt] ?? '').split('|')) if (l) perLabel.set(l, (perLabel.get(l) ?? 0) + 1);
  }
  const labels = [...perLabel]
    .sort((a, b) => b[1] - a[1])
    .slice(0, LABELS)
    .map(([l]) => l);
  const keep = new Set(labels);
  const kept = lines.map((line, i) => {
    if (i === 0 || line === '') return line;
    const cells = line.split(',');
    cells[labelsAt] = (cells[labelsAt] ?? '')
      .split('|')
      .filter((l) => keep.has(l))
      .join('|');
    return cells.join(',');
  });
  fs.writeFileSync(csv, kept.join('\n'));
  const means = new Map<string, number>();
  const rows = lines.filter((l, i) => i > 0 && l !== '').length;
  for (const l of ['*', ...labels]) means.set(l, (l === '*' ? rows : perLabel.get(l)!) / AREAS);
  return { labels, means };
}

/** Writes the history straight into the rollups: Poisson counts with a yearly season around each mean. */
async function writeHistory(
  db: Db,
  codes: string[],
  labels: string[],
  means: Map<string, number>,
): Promise<number> {
  const random = createRandom(Number(flags.seed));
  const rows: unknown[][] = [];
  const months = new Map<string, number>();
  for (let w = 1; w < WEEKS; w++) {
    const monday = addDays(WEEK, -7 * w);
    for (const code of codes) {
      for (const label of ['*', ...labels]) {
        const mu = means.get(label)! * (1 + 0.3 * Math.sin((2 * Math.PI * w) / 52));
        // Normal approximation of Poisson(mu): enough for a benchmark's history, and fast for large means.
        const n = Math.max(0, Math.round(mu + Math.sqrt(mu) * random.normal()));
        if (n === 0) continue;
        rows.push(['week', monday, code, label, n]);
        const mk = `${monday.slice(0, 7)}-01\u0000${code}\u0000${label}`;
        months.set(mk, (months.get(mk) ?? 0) + n);
      }
    }
  }
  for (const [k, n] of months) rows.push(['month', ...k.split('\u0000'), n]);
  await db.kysely.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 20_000) {
      await insertRows(
        trx,
        db.dialect,
        'signal_rollup',
        ['grain', 'period', 'area_key', 'term_code', 'count'],
        rows.slice(i, i + 20_000),
      );
    }
  });
  return rows.length;
}

async function run(dialect: 'sqlite' | 'postgres', pack: string, noSignals: string) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-refresh-'));
  let db: Db;
  if (dialect === 'postgres') {
    const admin = new pg.Client({ connectionString: flags.pg });
    await admin.connect();
    await admin.query('drop database if exists cohesion_bench_refresh');
    await admin.query('create database cohesion_bench_refresh');
    await admin.end();
    const url = new URL(flags.pg!);
    url.pathname = '/cohesion_bench_refresh';
    db = openDatabase({ databaseUrl: url.toString(), sqlitePath: '' });
  } else db = openDatabase({ databaseUrl: undefined, sqlitePath: path.join(tmp, 'cohesion.db') });
  await migrateToLatest(db);
  await seedIndexDefinitions(db, systemClock);
  await loadCityPack(db, noSignals, systemClock, 'cli');
  const codes = (await db.kysely.selectFrom('area').select('code').orderBy('code').execute()).map(
    (r) => r.code,
  );
  const { labels, means } = weeklyMeans(path.join(pack, 'signals.csv'));
  const historyRows = await writeHistory(db, codes, labels, means);
  const manifest = JSON.parse(fs.readFileSync(path.join(pack, 'city.json'), 'utf8')) as {
    sources: Array<{ code: string }>;
  };
  const source = await getSourceByCode(db, manifest.sources[0]!.code);

  const steps: Record<string, number> = {};
  const time = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const r = await f();
    steps[name] = Math.round(performance.now() - t0);
    return r;
  };
  const report = await time('import', () =>
    importSignals(
      db,
      {
        sourceCode: source.code,
        mapping: source.mapping!,
        file: { name: 'signals.csv', path: path.join(pack, 'signals.csv') },
      },
      systemClock,
      null,
    ),
  );
  const summary = await time('early warning', () =>
    recomputeAnalytics(db, systemClock, null, { reason: 'import' }),
  );
  await time('hotspots', async () => {
    for (const label of ['*', ...labels])
      await getHotspots(db, { label, from: WEEK, to: addDays(WEEK, 6), denominator: 'population' });
  });
  await time('indices', () =>
    getIndices(db, { from: addDays(WEEK, -7 * 51), to: addDays(WEEK, 6), denominator: 'population' }),
  );
  await db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  const total = Object.values(steps).reduce((a, b) => a + b, 0);
  return {
    dialect,
    inserted: report.inserted,
    historyRollupRows: historyRows,
    series: summary.grains.week.watched,
    alarms: summary.grains.week.alarms + summary.grains.month.alarms,
    recompute: summary.ms,
    steps,
    totalMs: total,
    analyticsMs: total - steps.import!,
  };
}

const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-refresh-pack-'));
generatePack(packDir);
const noSignalsDir = `${packDir}-city`;
fs.cpSync(packDir, noSignalsDir, { recursive: true });
const manifest = JSON.parse(fs.readFileSync(path.join(packDir, 'city.json'), 'utf8')) as Record<
  string,
  unknown
>;
fs.writeFileSync(path.join(noSignalsDir, 'city.json'), JSON.stringify({ ...manifest, signals: [] }));
if (weekStart(WEEK) !== WEEK) throw new Error('WEEK must be a Monday');

const results = [await run('sqlite', packDir, noSignalsDir)];
if (flags.pg) results.push(await run('postgres', packDir, noSignalsDir));
fs.mkdirSync(path.resolve(ROOT, flags.out!), { recursive: true });
const outFile = path.resolve(ROOT, flags.out!, 'weekly-refresh.json');
fs.writeFileSync(
  outFile,
  JSON.stringify(
    { cpus: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, flags, results },
    null,
    2,
  ),
);
for (const r of results) console.log(JSON.stringify(r));
fs.rmSync(packDir, { recursive: true, force: true });
fs.rmSync(noSignalsDir, { recursive: true, force: true });
