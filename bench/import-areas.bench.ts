/**
 * Import benchmark: Cohesion's area assignment and whole signal import against PostGIS, side by side in one run.
 *
 *   npm run bench:import -- [--points 1000000] [--datasets toronto-158,synthetic-500,synthetic-5000] [--seed 42]
 *                           [--pg postgres://postgres@127.0.0.1:5432/cohesion_bench] [--naive-seconds 5]
 *                           [--skip-import] [--out bench/out]
 *
 * Writes bench/out/import-areas.json and bench/out/import-areas.md. Needs a PostgreSQL superuser on the same machine
 * (COPY reads and writes files server-side) and the PostGIS extension.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runWorker } from './lib/child.ts';
import { loadDataset, type BenchDataset } from './lib/datasets.ts';
import { createNaiveLocator } from './lib/naive.ts';
import { writeBenchInputs } from './lib/points.ts';
import {
  assignWithPostgis,
  connectPostgis,
  invalidPostgisAreas,
  loadPostgisAreas,
  postgisVersions,
  type PostgisVersions,
} from './lib/postgis.ts';
import type { ImportComparison } from './lib/import-comparison.ts';
import type { Placement } from '../core/synthetic/signals.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const PLACEMENTS: Placement[] = ['interior', 'vertex', 'edge', 'outside', 'unlocated'];

const { values: flags } = parseArgs({
  options: {
    points: { type: 'string', default: '1000000' },
    datasets: { type: 'string', default: 'toronto-158,synthetic-500,synthetic-5000' },
    seed: { type: 'string', default: '42' },
    pg: {
      type: 'string',
      default: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/cohesion_bench',
    },
    'naive-seconds': { type: 'string', default: '5' },
    'skip-import': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(ROOT, 'bench', 'out') },
  },
});

const pointCount = Number(flags.points);
const seed = Number(flags.seed);
const naiveSeconds = Number(flags['naive-seconds']);
if (!Number.isInteger(pointCount) || pointCount < 1) throw new Error('--points must be a positive integer');
if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');

type Mismatch = {
  id: number;
  lon: number;
  lat: number;
  placement: Placement;
  cohesion: string | null;
  postgis: string | null;
  naive: string | null;
};

type AssignmentResult = {
  cohesion: { buildMs: number; locateMs: number; pointsPerSecond: number; peakRssMiB: number | null };
  postgis: {
    copyMs: number;
    buildPointsMs: number;
    joinMs: number;
    pointsPerSecond: number;
    areaLoadMs: number;
    plan: string[];
  };
  naive: {
    sampled: number;
    ms: number;
    pointsPerSecond: number;
    extrapolatedMs: number;
    disagreementsWithCohesion: number;
  };
  speedup: { locateOnly: number; withIndexBuild: number; naiveVsCohesion: number };
  assigned: number;
  unassigned: number;
  mismatches: { count: number; byPlacement: Record<Placement, number>; examples: Mismatch[] };
};

type DatasetResult = {
  name: string;
  description: string;
  areas: number;
  vertices: number;
  points: number;
  placements: Record<Placement, number>;
  invalidAreasInPostgis: Array<{ code: string; reason: string }>;
  assignment: AssignmentResult;
  import: ImportComparison | null;
};

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function benchDataset(
  dataset: BenchDataset,
  client: Awaited<ReturnType<typeof connectPostgis>>,
): Promise<DatasetResult> {
  const log = (msg: string): void => console.error(`[${dataset.name}] ${msg}`);
  // World-writable: the PostgreSQL server process reads and writes these files for COPY.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cohesion-bench-${dataset.name}-`));
  fs.chmodSync(dir, 0o777);
  try {
    log(
      `writing ${pointCount.toLocaleString('en')} points${flags['skip-import'] ? '' : ' and the signals CSV'}`,
    );
    const placementOf = new Uint8Array(pointCount + 1);
    // Loaded lazily so that --skip-import runs without the signal import code.
    const comparison = flags['skip-import'] ? null : await import('./lib/import-comparison.ts');
    const signals = comparison ? comparison.signalCsvWriter(`${dir}/signals.csv`) : null;
    let id = 0;
    const inputs = await writeBenchInputs(
      dataset,
      { count: pointCount, seed, dir, from: '2023-01-01', to: '2024-12-31' },
      async (row) => {
        placementOf[++id] = PLACEMENTS.indexOf(row.placement);
        if (signals) await signals.write(row);
      },
    );
    if (signals) await signals.close();
    for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);

    // Let PostgreSQL finish writing out the previous dataset's work so it does not slow the Cohesion run.
    await client.query('CHECKPOINT');
    log('Cohesion: index + locate (child process)');
    const resultPath = `${dir}/cohesion-assign.bin`;
    const cohesion = await runWorker<{
      buildMs: number;
      locateMs: number;
      ids: string[];
      peakRssMiB: number | null;
    }>(path.join(ROOT, 'bench', 'workers', 'assign.ts'), [
      dataset.name,
      String(seed),
      inputs.pointsBin,
      resultPath,
    ]);
    const raw = fs.readFileSync(resultPath);
    const positions = new Int32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const cohesionCode = (i: number): string | null => {
      const p = positions[i - 1] as number;
      return p < 0 ? null : (cohesion.ids[p] as string);
    };

    log('PostGIS: load areas, COPY points, ST_Covers join');
    const areaLoad = await loadPostgisAreas(client, dataset.areas);
    const invalid = await invalidPostgisAreas(client);
    const postgis = await assignWithPostgis(client, inputs.pointsCsv, dir, pointCount);

    const pointsBuffer = fs.readFileSync(inputs.pointsBin);
    const points = new Float64Array(
      pointsBuffer.buffer,
      pointsBuffer.byteOffset,
      pointsBuffer.byteLength / 8,
    );
    // The naive locator answers the first covering area in array order, so it gets the areas in code order.
    const byCode = [...dataset.areas].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    const naiveLocate = createNaiveLocator(byCode);
    const naiveAt = (i: number): string | null => {
      const k = naiveLocate(points[(i - 1) * 2] as number, points[(i - 1) * 2 + 1] as number);
      return k < 0 ? null : (byCode[k] as { code: string }).code;
    };

    log('comparing every assignment');
    const byPlacement = Object.fromEntries(PLACEMENTS.map((p) => [p, 0])) as Record<Placement, number>;
    const examples: Mismatch[] = [];
    let mismatchCount = 0;
    let assigned = 0;
    for (let i = 1; i <= pointCount; i++) {
      const c = cohesionCode(i);
      const g = postgis.codes[i] ?? null;
      if (c !== null) assigned++;
      if (c === g) continue;
      mismatchCount++;
      const placement = PLACEMENTS[placementOf[i] as number] as Placement;
      byPlacement[placement]++;
      if (examples.length < 25) {
        examples.push({
          id: i,
          lon: points[(i - 1) * 2] as number,
          lat: points[(i - 1) * 2 + 1] as number,
          placement,
          cohesion: c,
          postgis: g,
          naive: naiveAt(i),
        });
      }
    }

    log(`naive loop over all ${dataset.areas.length} polygons for up to ${naiveSeconds}s`);
    let sampled = 0;
    let naiveDisagreements = 0;
    const naiveStart = performance.now();
    let naiveMs = 0;
    while (sampled < pointCount) {
      const batchEnd = Math.min(pointCount, sampled + 100);
      for (let i = sampled + 1; i <= batchEnd; i++) if (naiveAt(i) !== cohesionCode(i)) naiveDisagreements++;
      sampled = batchEnd;
      naiveMs = performance.now() - naiveStart;
      if (naiveMs > naiveSeconds * 1000) break;
    }
    const naivePerSecond = (sampled / naiveMs) * 1000;

    const cohesionTotal = cohesion.buildMs + cohesion.locateMs;
    const assignment: AssignmentResult = {
      cohesion: {
        buildMs: round(cohesion.buildMs),
        locateMs: round(cohesion.locateMs),
        pointsPerSecond: Math.round((pointCount / cohesion.locateMs) * 1000),
        peakRssMiB: cohesion.peakRssMiB,
      },
      postgis: {
        copyMs: round(postgis.copyMs),
        buildPointsMs: round(postgis.buildPointsMs),
        joinMs: round(postgis.joinMs),
        pointsPerSecond: Math.round((pointCount / postgis.joinMs) * 1000),
        areaLoadMs: round(areaLoad.ms),
        plan: postgis.plan,
      },
      naive: {
        sampled,
        ms: round(naiveMs),
        pointsPerSecond: Math.round(naivePerSecond),
        extrapolatedMs: Math.round((pointCount / naivePerSecond) * 1000),
        disagreementsWithCohesion: naiveDisagreements,
      },
      speedup: {
        locateOnly: round(postgis.joinMs / cohesion.locateMs),
        withIndexBuild: round(postgis.joinMs / cohesionTotal),
        naiveVsCohesion: round(pointCount / naivePerSecond / (cohesion.locateMs / 1000)),
      },
      assigned,
      unassigned: pointCount - assigned,
      mismatches: { count: mismatchCount, byPlacement, examples },
    };
    log(
      `assignment: Cohesion ${round(cohesionTotal)} ms (build ${round(cohesion.buildMs)}), PostGIS join ${round(postgis.joinMs)} ms, ` +
        `×${assignment.speedup.withIndexBuild}; mismatches ${mismatchCount}`,
    );

    let importResult: ImportComparison | null = null;
    if (comparison) {
      log('whole import: Cohesion importSignals (child process) vs the PostGIS path');
      importResult = await comparison.runImportComparison({
        dataset,
        seed,
        dir,
        signalsCsv: `${dir}/signals.csv`,
        rows: pointCount,
        client,
        log,
      });
    }

    return {
      name: dataset.name,
      description: dataset.description,
      areas: dataset.areas.length,
      vertices: dataset.vertices,
      points: pointCount,
      placements: inputs.placements,
      invalidAreasInPostgis: invalid,
      assignment,
      import: importResult,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function markdown(report: BenchReport): string {
  const lines: string[] = [];
  const fmt = (n: number): string => n.toLocaleString('en');
  lines.push(`# Import benchmark (${report.startedAt})`, '');
  lines.push(`Command: \`${report.command}\``, '');
  lines.push(
    `Machine: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB RAM, ${report.machine.os}. ` +
      `Node ${report.versions.node}, PostgreSQL ${report.versions.postgres}, PostGIS ${report.versions.postgis} (GEOS ${report.versions.geos}).`,
    '',
  );
  lines.push('## Area assignment alone', '');
  lines.push(
    '| dataset | areas | vertices | points | Cohesion build ms | Cohesion locate ms | PostGIS join ms | speed-up (locate) | speed-up (build + locate) | naive loop (extrapolated) ms | mismatches vs PostGIS | Cohesion peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const d of report.datasets) {
    const a = d.assignment;
    lines.push(
      `| ${d.name} | ${fmt(d.areas)} | ${fmt(d.vertices)} | ${fmt(d.points)} | ${fmt(a.cohesion.buildMs)} | ${fmt(a.cohesion.locateMs)} | ${fmt(a.postgis.joinMs)} | ${a.speedup.locateOnly}× | ${a.speedup.withIndexBuild}× | ${fmt(a.naive.extrapolatedMs)} (sample ${fmt(a.naive.sampled)}) | ${a.mismatches.count} | ${a.cohesion.peakRssMiB ?? 'n/a'} |`,
    );
  }
  lines.push('');
  lines.push(
    'Points per dataset: ' +
      report.datasets
        .map(
          (d) =>
            `${d.name}: ${PLACEMENTS.filter((p) => d.placements[p] > 0)
              .map((p) => `${p} ${fmt(d.placements[p])}`)
              .join(', ')}`,
        )
        .join('; '),
    '',
  );
  if (report.datasets.some((d) => d.import)) {
    lines.push('## Whole import (CSV file → stored, assigned, rolled-up signals)', '');
    lines.push(
      '| dataset | rows | Cohesion ms | Cohesion rows/s | PostGIS path ms | PostGIS rows/s | speed-up | Cohesion peak RSS MiB (before import) | signals stored (Cohesion / PostGIS) | rollup rows (Cohesion / PostGIS) | area disagreements |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const d of report.datasets) {
      const i = d.import;
      if (!i) continue;
      lines.push(
        `| ${d.name} | ${fmt(i.rows)} | ${fmt(i.cohesion.ms)} | ${fmt(i.cohesion.rowsPerSecond)} | ${fmt(i.postgis.ms)} | ${fmt(i.postgis.rowsPerSecond)} | ${i.speedup}× | ${i.cohesion.peakRssMiB ?? 'n/a'} (${i.cohesion.rssBeforeImportMiB ?? 'n/a'}) | ${fmt(i.cohesion.signalsStored)} / ${fmt(i.postgis.inserted)} | ${fmt(i.cohesion.rollupRows)} / ${fmt(i.postgis.rollupRows)} | ${i.areaDisagreements} |`,
      );
    }
    lines.push('');
    lines.push(
      'PostGIS path steps (ms): ' +
        report.datasets
          .filter((d) => d.import)
          .map((d) => `${d.name} ${JSON.stringify(d.import?.postgis.stepsMs)}`)
          .join('; '),
      '',
    );
  }
  const mismatched = report.datasets.filter((d) => d.assignment.mismatches.count > 0);
  if (mismatched.length > 0) {
    lines.push('## Mismatches', '');
    for (const d of mismatched) {
      lines.push(
        `${d.name}: ${d.assignment.mismatches.count} (${JSON.stringify(d.assignment.mismatches.byPlacement)})`,
        '',
      );
      for (const m of d.assignment.mismatches.examples) lines.push(`- ${JSON.stringify(m)}`);
      lines.push('');
    }
  }
  return lines.join('\n');
}

type BenchReport = {
  startedAt: string;
  command: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; os: string };
  versions: { node: string } & PostgisVersions;
  seed: number;
  points: number;
  datasets: DatasetResult[];
};

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const client = await connectPostgis(flags.pg as string);
  try {
    const versions = await postgisVersions(client);
    const datasets: DatasetResult[] = [];
    for (const name of (flags.datasets as string)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      datasets.push(await benchDataset(loadDataset(name, seed), client));
    }
    await client.query('DROP TABLE IF EXISTS bench_area CASCADE');
    const report: BenchReport = {
      startedAt,
      command: [
        'npm run bench:import',
        ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
      ].join(' '),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        os: `${os.type()} ${os.release()}`,
      },
      versions: { node: process.versions.node, ...versions },
      seed,
      points: pointCount,
      datasets,
    };
    fs.mkdirSync(flags.out as string, { recursive: true });
    fs.writeFileSync(
      path.join(flags.out as string, 'import-areas.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );
    fs.writeFileSync(path.join(flags.out as string, 'import-areas.md'), `${markdown(report)}\n`);
    console.log(markdown(report));
  } finally {
    await client.end();
  }
}

await main();
