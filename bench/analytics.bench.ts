/**
 * Analytics benchmark: Cohesion's analytics engine (core/analytics) against R (surveillance, spdep), side by side
 * in one run, on the very same seeded data.
 *
 *   npm run bench:analytics -- [--series 2500] [--weeks 260] [--farrington-weeks 312] [--areas 500,5000]
 *                              [--seed 42] [--runs 5] [--r-runs 3] [--r-reps 5] [--r-contiguity-reps 3]
 *                              [--workloads ears,farrington,spatial,monitor] [--rscript /usr/bin/Rscript]
 *                              [--out bench/out]
 *
 * Writes bench/out/analytics.json and bench/out/analytics.md. Needs R with surveillance, spdep, sf and jsonlite.
 * R reads its inputs from files in a temporary directory and times only its computation (proc.time inside R);
 * Cohesion runs in this process on the same numbers, warm, median of at least --runs runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import {
  PANEL_PARAMETERS,
  generateSeriesPanel,
  generateSpatialCase,
  panelCsv,
  seriesOf,
  spatialGeoJson,
  spatialValuesCsv,
  truncatePanel,
  type SeriesPanel,
  type SpatialCase,
} from './lib/analytics-data.ts';
import { readDoubles, readInts, rVersions, runRscript, type RVersions } from './lib/analytics-r.ts';
import { earsC, type EarsMethod, type EarsMode, type EarsResult } from '../core/analytics/ears.ts';
import { farringtonFlexible, type FarringtonRow } from '../core/analytics/farrington.ts';
import { queenContiguity, type Neighbours } from '../core/analytics/contiguity.ts';
import {
  DEFAULT_MONITOR,
  METHODS,
  evaluateSeries,
  monitor,
  type MonitorOptions,
  type Series,
} from '../core/analytics/monitor.ts';
import type { FarringtonJob, FarringtonJobResult } from './workers/analytics-farrington.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const ALL_WORKLOADS = ['ears', 'farrington', 'spatial', 'monitor'] as const;

const { values: flags } = parseArgs({
  options: {
    series: { type: 'string', default: '2500' },
    weeks: { type: 'string', default: '260' },
    'farrington-weeks': { type: 'string', default: '312' },
    areas: { type: 'string', default: '500,5000' },
    seed: { type: 'string', default: '42' },
    runs: { type: 'string', default: '5' },
    'r-runs': { type: 'string', default: '3' },
    'r-reps': { type: 'string', default: '5' },
    'r-contiguity-reps': { type: 'string', default: '3' },
    workloads: { type: 'string', default: ALL_WORKLOADS.join(',') },
    rscript: { type: 'string', default: process.env.BENCH_RSCRIPT ?? '/usr/bin/Rscript' },
    out: { type: 'string', default: path.join(ROOT, 'bench', 'out') },
  },
});

const positiveInt = (name: string, text: string | undefined, min = 1): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return n;
};
const seriesCount = positiveInt('series', flags.series);
const earsWeeks = positiveInt('weeks', flags.weeks, 20);
const farringtonWeeks = positiveInt('farrington-weeks', flags['farrington-weeks'], 264);
const seed = positiveInt('seed', flags.seed, 0);
const runs = positiveInt('runs', flags.runs, 1);
const rRuns = positiveInt('r-runs', flags['r-runs']);
const rReps = positiveInt('r-reps', flags['r-reps']);
const rContiguityReps = positiveInt('r-contiguity-reps', flags['r-contiguity-reps']);
const areaSizes = (flags.areas as string)
  .split(',')
  .filter(Boolean)
  .map((s) => positiveInt('areas', s, 2));
const workloads = new Set(
  (flags.workloads as string)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
for (const w of workloads)
  if (!(ALL_WORKLOADS as readonly string[]).includes(w))
    throw new Error(`unknown workload ${w} (${ALL_WORKLOADS.join(', ')})`);
const rscript = flags.rscript as string;
if (farringtonWeeks < earsWeeks) throw new Error('--farrington-weeks must be at least --weeks');

const log = (msg: string): void => console.error(`[analytics] ${msg}`);
const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** minMs is kept for reading runs on a busy machine; the report's figures are medians. */
type Timing = { medianMs: number; minMs: number; runsMs: number[] };

/**
 * Times `fn` warm: untimed warm-up calls first (the JIT compiles the hot loops), then at least `runs` timed calls,
 * more for fast functions (until about half a second or 200 calls), so the median is not one timer tick.
 */
function timeCohesion<T>(fn: () => T): Timing & { value: T } {
  let value = fn();
  const warmStart = performance.now();
  for (let i = 0; i < 2 || (performance.now() - warmStart < 100 && i < 50); i++) value = fn();
  const runsMs: number[] = [];
  const start = performance.now();
  while (runsMs.length < runs || (performance.now() - start < 500 && runsMs.length < 200)) {
    const t0 = performance.now();
    value = fn();
    runsMs.push(performance.now() - t0);
  }
  return {
    medianMs: median(runsMs),
    minMs: Math.min(...runsMs),
    runsMs: runsMs.map((x) => round(x, 3)),
    value,
  };
}

/** The timing without the computed value. */
const strip = (t: Timing & { value: unknown }): Timing => ({
  medianMs: t.medianMs,
  minMs: t.minMs,
  runsMs: t.runsMs,
});

/** jsonlite prints a vector of one as a bare number. */
const list = (x: number | number[]): number[] => (Array.isArray(x) ? x : [x]);

const rTiming = (seconds: number | number[]): Timing => {
  const msList = list(seconds).map((s) => s * 1000);
  return { medianMs: median(msList), minMs: Math.min(...msList), runsMs: msList.map((x) => round(x, 3)) };
};

// ------------------------------------------------------------------------------------------------ EARS

type EarsMethodResult = {
  method: EarsMethod;
  firstT: number;
  rows: number;
  r: Timing;
  cohesionSurveillance: Timing;
  cohesionCdc: Timing;
  ratio: number;
  agreement: {
    maxAbsDiffUpperbound: number;
    maxRelDiffUpperbound: number;
    alarmMismatches: number;
    rAlarms: number;
    cohesionAlarms: number;
    cdcAlarms: number;
    cdcAlarmDifferencesFromR: number;
  };
};

type EarsReport = {
  series: number;
  weeks: number;
  rStsConstruction: Timing;
  methods: EarsMethodResult[];
  total: {
    rMs: number;
    rWithStsMs: number;
    cohesionMs: number;
    cohesionCdcMs: number;
    ratio: number;
    ratioWithSts: number;
  };
};

type REars = {
  series: number;
  stsSeconds: number | number[];
  seconds: Record<EarsMethod, number | number[]>;
  firstT: Record<EarsMethod, number>;
};

async function benchEars(panel: SeriesPanel, dir: string): Promise<EarsReport> {
  const n = panel.series;
  const runEars = (method: EarsMethod, mode: EarsMode): EarsResult[] => {
    const out = new Array<EarsResult>(n);
    for (let i = 0; i < n; i++)
      out[i] = earsC(seriesOf(panel, i), { method, mode, baseline: 7, alpha: 0.001, minSigma: 0.5 });
    return out;
  };
  log(`EARS: Cohesion earsC × ${n} series × ${panel.weeks} weeks, C1/C2/C3, surveillance and cdc modes`);
  const cohesion = new Map<string, Timing & { value: EarsResult[] }>();
  for (const method of ['C1', 'C2', 'C3'] as const)
    for (const mode of ['surveillance', 'cdc'] as const)
      cohesion.set(
        `${method}/${mode}`,
        timeCohesion(() => runEars(method, mode)),
      );

  log(`EARS: R surveillance::earsC (${rRuns} run${rRuns > 1 ? 's' : ''})`);
  fs.writeFileSync(path.join(dir, 'ears-counts.csv'), panelCsv(panel));
  const r = await runRscript<REars>(rscript, 'ears.R', [dir, String(panel.weeks), String(rRuns)]);

  const methods: EarsMethodResult[] = [];
  for (const method of ['C1', 'C2', 'C3'] as const) {
    const surveillance = cohesion.get(`${method}/surveillance`)!;
    const cdc = cohesion.get(`${method}/cdc`)!;
    const firstT = surveillance.value[0]!.firstT;
    if (r.firstT[method] !== firstT)
      throw new Error(`EARS ${method}: R starts at t = ${r.firstT[method]}, Cohesion at ${firstT}`);
    const rows = panel.weeks - firstT + 1;
    const ub = readDoubles(path.join(dir, `r-ears-${method}-ub.bin`));
    const alarm = readInts(path.join(dir, `r-ears-${method}-alarm.bin`));
    if (ub.length !== n * rows || alarm.length !== n * rows)
      throw new Error(`EARS ${method}: R wrote ${ub.length} rows, expected ${n * rows}`);
    let maxAbs = 0;
    let maxRel = 0;
    let mismatches = 0;
    let rAlarms = 0;
    let cAlarms = 0;
    let cdcAlarms = 0;
    let cdcDiff = 0;
    for (let i = 0; i < n; i++) {
      const c = surveillance.value[i]!;
      const d = cdc.value[i]!;
      for (let k = 0; k < rows; k++) {
        const ref = ub[i * rows + k]!;
        const diff = Number.isNaN(ref) ? Infinity : Math.abs(c.upperbound[k]! - ref);
        if (diff > maxAbs) maxAbs = diff;
        if (diff / Math.max(1, Math.abs(ref)) > maxRel) maxRel = diff / Math.max(1, Math.abs(ref));
        const ra = alarm[i * rows + k]!;
        rAlarms += ra === 1 ? 1 : 0;
        cAlarms += c.alarm[k]!;
        cdcAlarms += d.alarm[k]!;
        if ((ra === 1 ? 1 : 0) !== c.alarm[k]) mismatches++;
        if ((ra === 1 ? 1 : 0) !== d.alarm[k]) cdcDiff++;
      }
    }
    const rSeconds = list(r.seconds[method]);
    methods.push({
      method,
      firstT,
      rows: n * rows,
      r: rTiming(rSeconds),
      cohesionSurveillance: strip(surveillance),
      cohesionCdc: strip(cdc),
      ratio: round((median(rSeconds) * 1000) / surveillance.medianMs, 0),
      agreement: {
        maxAbsDiffUpperbound: maxAbs,
        maxRelDiffUpperbound: maxRel,
        alarmMismatches: mismatches,
        rAlarms,
        cohesionAlarms: cAlarms,
        cdcAlarms,
        cdcAlarmDifferencesFromR: cdcDiff,
      },
    });
    log(
      `EARS ${method}: R ${round(median(rSeconds) * 1000)} ms, Cohesion ${round(surveillance.medianMs, 2)} ms ` +
        `(cdc ${round(cdc.medianMs, 2)}), max |Δub| ${maxAbs.toExponential(2)}, alarm mismatches ${mismatches}`,
    );
  }
  const rMs = methods.reduce((s, m) => s + m.r.medianMs, 0);
  const sts = rTiming(r.stsSeconds);
  const cMs = methods.reduce((s, m) => s + m.cohesionSurveillance.medianMs, 0);
  const cdcMs = methods.reduce((s, m) => s + m.cohesionCdc.medianMs, 0);
  return {
    series: n,
    weeks: panel.weeks,
    rStsConstruction: sts,
    methods,
    total: {
      rMs: round(rMs),
      rWithStsMs: round(rMs + sts.medianMs),
      cohesionMs: round(cMs, 2),
      cohesionCdcMs: round(cdcMs, 2),
      ratio: round(rMs / cMs, 0),
      ratioWithSts: round((rMs + sts.medianMs) / cMs, 0),
    },
  };
}

// ------------------------------------------------------------------------------------------------ Farrington

type FarringtonExample = {
  series: number;
  kind: string;
  r: {
    expected: number | null;
    upperbound: number | null;
    alarm: number | null;
    trend: number | null;
    phi: number | null;
  };
  cohesion: {
    expected: number | null;
    upperbound: number | null;
    alarm: boolean | null;
    trend: boolean | null;
    phi: number | null;
    converged: boolean;
    warning: string | null;
  };
};

type FarringtonReport = {
  series: number;
  weeks: number;
  t: number;
  r: Timing & { warnings: number };
  cohesion: Timing;
  cohesionTwoWorkers: Timing & {
    perWorkerMs: number[][];
    agreesWithSingleThread: boolean;
    /** 1-minute load average just before: other work on the machine takes cores from the two threads. */
    loadAverageBefore: number;
  };
  ratio: number;
  ratioTwoWorkers: number;
  agreement: {
    rowsWithBound: { r: number; cohesion: number };
    emptyPatternMismatches: number;
    alarmMismatches: number;
    upperboundMismatches: number;
    trendMismatches: number;
    /** Series kind of every mismatching series (any field). */
    mismatchesByKind: Record<string, number>;
    maxRelDiffExpected: number;
    maxRelDiffPhi: number;
    maxRelDiffPvalue: number;
    rAlarms: number;
    cohesionAlarms: number;
    cohesionNotConverged: number;
    examples: FarringtonExample[];
  };
};

async function timeTwoWorkers(panel: SeriesPanel): Promise<FarringtonReport['cohesionTwoWorkers']> {
  const shared = new Float64Array(new SharedArrayBuffer(panel.counts.byteLength));
  shared.set(panel.counts);
  const half = Math.ceil(panel.series / 2);
  const parts: Array<[number, number]> = [
    [0, half],
    [half, panel.series],
  ];
  const workers = parts.map(() => new Worker(new URL('./workers/analytics-farrington.ts', import.meta.url)));
  let nextId = 0;
  const run = (w: Worker, from: number, to: number): Promise<FarringtonJobResult> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const onMessage = (m: FarringtonJobResult): void => {
        if (m.id !== id) return;
        w.off('message', onMessage);
        w.off('error', reject);
        resolve(m);
      };
      w.on('message', onMessage);
      w.once('error', reject);
      const job: FarringtonJob = { id, counts: shared, weeks: panel.weeks, from, to };
      w.postMessage(job);
    });
  try {
    const once = async (): Promise<{ ms: number; results: FarringtonJobResult[] }> => {
      const t0 = performance.now();
      const results = await Promise.all(workers.map((w, k) => run(w, parts[k]![0], parts[k]![1])));
      return { ms: performance.now() - t0, results };
    };
    // Warm-up: each worker compiles its own copy of the code.
    for (let i = 0; i < 3; i++) await once();
    const loadAverageBefore = round(os.loadavg()[0]!, 2);
    const runsMs: number[] = [];
    const perWorkerMs: number[][] = [];
    let last: FarringtonJobResult[] = [];
    for (let i = 0; i < runs; i++) {
      const { ms, results } = await once();
      runsMs.push(ms);
      perWorkerMs.push(results.map((r) => round(r.ms, 1)));
      last = results;
    }
    // The threads must compute what the single-threaded loop computes.
    let agrees = true;
    for (let k = 0; k < 2; k++) {
      const [from] = parts[k]!;
      const res = last[k]!;
      for (let j = 0; j < res.upperbound.length; j++) {
        const row = farringtonFlexible(seriesOf(panel, from + j), [panel.weeks])[0]!;
        const ub = row.upperbound ?? Number.NaN;
        if (!Object.is(ub, res.upperbound[j]) || (row.alarm === true ? 1 : 0) !== res.alarm[j])
          agrees = false;
      }
    }
    return {
      medianMs: median(runsMs),
      minMs: Math.min(...runsMs),
      runsMs: runsMs.map((x) => round(x, 1)),
      perWorkerMs,
      agreesWithSingleThread: agrees,
      loadAverageBefore,
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

type RFarrington = { series: number; t: number; seconds: number | number[]; warnings: number };

async function benchFarrington(panel: SeriesPanel, dir: string): Promise<FarringtonReport> {
  const n = panel.series;
  const T = panel.weeks;
  log(`Farrington: Cohesion farringtonFlexible (Noufaily) × ${n} series, latest week t = ${T}`);
  const range = [T];
  const single = timeCohesion(() => {
    const out = new Array<FarringtonRow>(n);
    for (let i = 0; i < n; i++) out[i] = farringtonFlexible(seriesOf(panel, i), range)[0]!;
    return out;
  });
  log(`Farrington: Cohesion on two worker threads`);
  const two = await timeTwoWorkers(panel);
  log(`Farrington: R surveillance::farringtonFlexible (${rRuns} run${rRuns > 1 ? 's' : ''})`);
  fs.writeFileSync(path.join(dir, 'farrington-counts.csv'), panelCsv(panel));
  const r = await runRscript<RFarrington>(rscript, 'farrington.R', [dir, String(T), String(rRuns)]);
  const res = readDoubles(path.join(dir, 'r-farrington.bin'));
  if (res.length !== n * 7) throw new Error(`Farrington: R wrote ${res.length / 7} rows, expected ${n}`);

  const nullable = (x: number): number | null => (Number.isNaN(x) ? null : x);
  const relDiff = (a: number | null, b: number | null): number =>
    a === null || b === null ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
  let empty = 0;
  let alarms = 0;
  let bounds = 0;
  let trends = 0;
  let maxExpected = 0;
  let maxPhi = 0;
  let maxP = 0;
  let rWithBound = 0;
  let cWithBound = 0;
  let rAlarms = 0;
  let cAlarms = 0;
  let notConverged = 0;
  const examples: FarringtonExample[] = [];
  const byKind: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const c = single.value[i]!;
    const rExpected = nullable(res[i * 7]!);
    const rUb = nullable(res[i * 7 + 1]!);
    const rAlarm = nullable(res[i * 7 + 2]!);
    const rTrend = nullable(res[i * 7 + 3]!);
    const rPhi = nullable(res[i * 7 + 5]!);
    const rP = nullable(res[i * 7 + 6]!);
    if (rUb !== null) rWithBound++;
    if (c.upperbound !== null) cWithBound++;
    if (rAlarm === 1) rAlarms++;
    if (c.alarm === true) cAlarms++;
    if (!c.converged) notConverged++;
    let bad = false;
    if ((rUb === null) !== (c.upperbound === null)) {
      empty++;
      bad = true;
    }
    if ((rAlarm === 1) !== (c.alarm === true)) {
      alarms++;
      bad = true;
    }
    if (rUb !== null && c.upperbound !== null && rUb !== c.upperbound) {
      bounds++;
      bad = true;
    }
    if (rTrend !== null && c.trendUsed !== null && (rTrend === 1) !== c.trendUsed) {
      trends++;
      bad = true;
    }
    // R leaves `expected` at 0 where it fitted nothing; compare fitted values only where both sides have one.
    if (rUb !== null && c.upperbound !== null) {
      maxExpected = Math.max(maxExpected, relDiff(c.expected, rExpected));
      maxP = Math.max(maxP, relDiff(c.pvalue, rP));
    }
    if (c.converged) maxPhi = Math.max(maxPhi, relDiff(c.phi, rPhi));
    if (bad) byKind[panel.kinds[i]!] = (byKind[panel.kinds[i]!] ?? 0) + 1;
    if (bad && examples.length < 10) {
      examples.push({
        series: i + 1,
        kind: panel.kinds[i]!,
        r: { expected: rExpected, upperbound: rUb, alarm: rAlarm, trend: rTrend, phi: rPhi },
        cohesion: {
          expected: c.expected,
          upperbound: c.upperbound,
          alarm: c.alarm,
          trend: c.trendUsed,
          phi: c.phi,
          converged: c.converged,
          warning: c.warning,
        },
      });
    }
  }
  const rT = rTiming(r.seconds);
  log(
    `Farrington: R ${round(rT.medianMs)} ms, Cohesion ${round(single.medianMs, 1)} ms, two threads ${round(two.medianMs, 1)} ms; ` +
      `alarm mismatches ${alarms}, bound mismatches ${bounds}, empty-pattern mismatches ${empty}`,
  );
  return {
    series: n,
    weeks: T,
    t: T,
    r: { ...rT, warnings: r.warnings },
    cohesion: strip(single),
    cohesionTwoWorkers: two,
    ratio: round(rT.medianMs / single.medianMs, 0),
    ratioTwoWorkers: round(rT.medianMs / two.medianMs, 0),
    agreement: {
      rowsWithBound: { r: rWithBound, cohesion: cWithBound },
      emptyPatternMismatches: empty,
      alarmMismatches: alarms,
      upperboundMismatches: bounds,
      trendMismatches: trends,
      mismatchesByKind: byKind,
      maxRelDiffExpected: maxExpected,
      maxRelDiffPhi: maxPhi,
      maxRelDiffPvalue: maxP,
      rAlarms,
      cohesionAlarms: cAlarms,
      cohesionNotConverged: notConverged,
      examples,
    },
  };
}

// ------------------------------------------------------------------------------------------------ spatial

type SpatialReport = {
  name: string;
  areas: number;
  vertices: number;
  totalCases: number;
  contiguity: {
    r: Timing;
    cohesion: Timing;
    ratio: number;
    pairs: { r: number; cohesion: number; onlyInR: number; onlyInCohesion: number };
  };
  giStar: {
    r: Timing;
    rListw: Timing;
    cohesion: Timing | null;
    ratio: number | null;
    ratioWithListw: number | null;
    maxAbsDiffZ: number | null;
  };
  ebLocal: {
    r: Timing;
    cohesion: Timing | null;
    ratio: number | null;
    maxAbsDiff: number | null;
    maxRelDiff: number | null;
  };
  missing: string[];
};

type RSpatial = {
  areas: number;
  pairs: number;
  poly2nbSeconds: number | number[];
  listwSeconds: number | number[];
  localGSeconds: number | number[];
  eblocalSeconds: number | number[];
};

const pairKeys = (nb: { n: number; next: (i: number) => Iterable<number> }): Set<number> => {
  const keys = new Set<number>();
  for (let i = 0; i < nb.n; i++) for (const j of nb.next(i)) if (i < j) keys.add(i * nb.n + j);
  return keys;
};

async function benchSpatial(c: SpatialCase, dir: string): Promise<SpatialReport> {
  const missing: string[] = [];
  // Gi* and EB may not be written yet while the engine is being built; the benchmark then reports what it can.
  const gistar = await import('../core/analytics/gistar.ts').catch(() => {
    missing.push('core/analytics/gistar.ts');
    return null;
  });
  const eb = await import('../core/analytics/eb.ts').catch(() => {
    missing.push('core/analytics/eb.ts');
    return null;
  });

  log(`${c.name}: Cohesion queenContiguity, Gi*, local EB (${c.areas} areas, ${c.vertices} vertices)`);
  const contiguity = timeCohesion(() => queenContiguity(c.geometries));
  const nb: Neighbours = contiguity.value;
  const gi = gistar ? timeCohesion(() => gistar.getisOrdGiStar(c.cases, nb)) : null;
  const local = eb ? timeCohesion(() => eb.ebLocal(c.cases, c.population, nb)) : null;

  log(`${c.name}: R poly2nb, localG, EBlocal`);
  fs.writeFileSync(path.join(dir, `${c.name}.geojson`), spatialGeoJson(c));
  fs.writeFileSync(path.join(dir, `${c.name}-values.csv`), spatialValuesCsv(c));
  const r = await runRscript<RSpatial>(rscript, 'spatial.R', [
    dir,
    c.name,
    String(rReps),
    String(rContiguityReps),
  ]);

  const card = readInts(path.join(dir, `r-${c.name}-card.bin`));
  const flat = readInts(path.join(dir, `r-${c.name}-nb.bin`));
  const starts = new Int32Array(card.length + 1);
  for (let i = 0; i < card.length; i++) starts[i + 1] = starts[i]! + card[i]!;
  const rPairs = pairKeys({
    n: card.length,
    next: (i) => Array.from(flat.subarray(starts[i]!, starts[i + 1]!), (j) => j - 1),
  });
  const cPairs = pairKeys({ n: nb.n, next: (i) => nb.indices.subarray(nb.offsets[i]!, nb.offsets[i + 1]!) });
  let onlyR = 0;
  let onlyC = 0;
  for (const k of rPairs) if (!cPairs.has(k)) onlyR++;
  for (const k of cPairs) if (!rPairs.has(k)) onlyC++;

  const z = readDoubles(path.join(dir, `r-${c.name}-z.bin`));
  const rEb = readDoubles(path.join(dir, `r-${c.name}-eb.bin`));
  let maxZ: number | null = null;
  if (gi) {
    maxZ = 0;
    for (let i = 0; i < c.areas; i++) maxZ = Math.max(maxZ, Math.abs(gi.value[i]! - z[i]!));
  }
  let maxEbAbs: number | null = null;
  let maxEbRel: number | null = null;
  if (local) {
    maxEbAbs = 0;
    maxEbRel = 0;
    for (let i = 0; i < c.areas; i++) {
      const d = Math.abs(local.value.eb[i]! - rEb[i]!);
      maxEbAbs = Math.max(maxEbAbs, d);
      maxEbRel = Math.max(maxEbRel, d / Math.max(Math.abs(rEb[i]!), 1e-300));
    }
  }
  const rNb = rTiming(r.poly2nbSeconds);
  const rG = rTiming(r.localGSeconds);
  const rListw = rTiming(r.listwSeconds);
  const rEbT = rTiming(r.eblocalSeconds);
  log(
    `${c.name}: poly2nb ${round(rNb.medianMs)} ms vs ${round(contiguity.medianMs, 1)} ms (pairs only in R ${onlyR}, only in Cohesion ${onlyC}); ` +
      `localG ${round(rG.medianMs, 2)} ms vs ${gi ? round(gi.medianMs, 3) : 'n/a'}; EBlocal ${round(rEbT.medianMs, 1)} ms vs ${local ? round(local.medianMs, 3) : 'n/a'}`,
  );
  return {
    name: c.name,
    areas: c.areas,
    vertices: c.vertices,
    totalCases: c.cases.reduce((s, x) => s + x, 0),
    contiguity: {
      r: rNb,
      cohesion: strip(contiguity),
      ratio: round(rNb.medianMs / contiguity.medianMs, 1),
      pairs: { r: rPairs.size, cohesion: cPairs.size, onlyInR: onlyR, onlyInCohesion: onlyC },
    },
    giStar: {
      r: rG,
      rListw,
      cohesion: gi ? strip(gi) : null,
      ratio: gi ? round(rG.medianMs / gi.medianMs, 1) : null,
      ratioWithListw: gi ? round((rG.medianMs + rListw.medianMs) / gi.medianMs, 1) : null,
      maxAbsDiffZ: maxZ,
    },
    ebLocal: {
      r: rEbT,
      cohesion: local ? strip(local) : null,
      ratio: local ? round(rEbT.medianMs / local.medianMs, 0) : null,
      maxAbsDiff: maxEbAbs,
      maxRelDiff: maxEbRel,
    },
    missing,
  };
}

// ------------------------------------------------------------------------------------------------ monitor

type MonitorRun = {
  /** EARS and Farrington windows (latest periods evaluated). */
  windowPeriods: number;
  farringtonWindowPeriods: number;
  cohesion: Timing;
  evaluations: number;
  farringtonFits: number;
  alarms: number;
  notConverged: number;
};

type MonitorReport = {
  series: number;
  weeks: number;
  methods: readonly string[];
  /** The brief's step: every method on the latest week only. */
  latestWeek: MonitorRun;
  /** The weekly defaults (DEFAULT_MONITOR.week), which re-evaluate recent weeks for late-arriving data. */
  defaults: MonitorRun;
};

function benchMonitor(panel: SeriesPanel): MonitorReport {
  const series: Series[] = [];
  for (let i = 0; i < panel.series; i++)
    series.push({
      areaKey: `A${String(i + 1).padStart(4, '0')}`,
      termCode: 'all',
      counts: seriesOf(panel, i),
    });
  const measure = (options: MonitorOptions): MonitorRun => {
    log(
      `monitor: ${panel.series} series × ${panel.weeks} weeks, ${options.methods.length} methods, ` +
        `EARS window ${options.windowPeriods}, Farrington window ${options.farringtonWindowPeriods}`,
    );
    const t = timeCohesion(() => monitor(series, options));
    // Count what was evaluated, so a change of monitor's options that silently skips a method shows up here.
    let evaluations = 0;
    let farringtonFits = 0;
    for (const s of series)
      for (const e of evaluateSeries(s, options)) {
        evaluations++;
        if (e.method.startsWith('farrington') && e.upperbound !== null) farringtonFits++;
      }
    const expected = panel.series * (options.windowPeriods * 3 + options.farringtonWindowPeriods * 2);
    if (evaluations !== expected)
      throw new Error(`monitor evaluated ${evaluations} series-periods, expected ${expected}`);
    log(`monitor: ${round(t.medianMs, 1)} ms, ${t.value.alarms.length} alarms`);
    return {
      windowPeriods: options.windowPeriods,
      farringtonWindowPeriods: options.farringtonWindowPeriods,
      cohesion: strip(t),
      evaluations,
      farringtonFits,
      alarms: t.value.alarms.length,
      notConverged: t.value.notConverged,
    };
  };
  const defaults: MonitorOptions = { ...DEFAULT_MONITOR.week, methods: METHODS, minTotal: 0 };
  return {
    series: panel.series,
    weeks: panel.weeks,
    methods: METHODS,
    latestWeek: measure({ ...defaults, windowPeriods: 1, farringtonWindowPeriods: 1 }),
    defaults: measure(defaults),
  };
}

// ------------------------------------------------------------------------------------------------ report

type BenchReport = {
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; os: string; loadAverageAtStart: number[] };
  versions: { node: string } & RVersions;
  seed: number;
  runs: number;
  rRuns: number;
  panel: {
    series: number;
    weeks: number;
    parameters: typeof PANEL_PARAMETERS;
    kinds: Record<string, number>;
    outbreakWeeks: number;
  };
  ears: EarsReport | null;
  farrington: FarringtonReport | null;
  spatial: SpatialReport[];
  monitor: MonitorReport | null;
};

const fmt = (n: number, digits = 1): string =>
  n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const ms = (n: number): string =>
  n >= 100 ? fmt(n, 0) : n >= 10 ? fmt(n, 1) : n >= 1 ? fmt(n, 2) : fmt(n, 3);
const exp = (n: number | null): string => (n === null ? 'n/a' : n === 0 ? '0' : n.toExponential(1));

function markdown(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(`# Analytics benchmark (${report.startedAt})`, '');
  lines.push(`Command: \`${report.command}\``, '');
  const v = report.versions;
  lines.push(
    `Machine: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB RAM, ${report.machine.os}, ` +
      `load average at start ${report.machine.loadAverageAtStart.join(' / ')}. Node ${v.node}; ${v.r}, surveillance ${v.surveillance}, ` +
      `spdep ${v.spdep}, sf ${v.sf} (GEOS ${v.geos}), BLAS ${v.blas}.`,
    '',
  );
  lines.push(
    `Cohesion: median of ≥ ${report.runs} warm runs in one process. R: ${report.rRuns} run(s) of the series workloads, ` +
      `timed inside R with proc.time (input reading excluded). Ratio = R ÷ Cohesion.`,
    '',
  );
  lines.push('| workload | R | Cohesion | ratio | target | agreement |', '|---|---:|---:|---:|---|---|');
  const e = report.ears;
  if (e) {
    for (const m of e.methods) {
      lines.push(
        `| EARS ${m.method}, ${fmt(e.series)} series × ${e.weeks} weeks | ${ms(m.r.medianMs)} ms | ${ms(m.cohesionSurveillance.medianMs)} ms (cdc ${ms(m.cohesionCdc.medianMs)}) | ${fmt(m.ratio, 0)}× | ≥ 300× | max abs diff in upperbound ${exp(m.agreement.maxAbsDiffUpperbound)}, ${m.agreement.alarmMismatches} alarm mismatches in ${fmt(m.rows)} rows |`,
      );
    }
    lines.push(
      `| EARS C1 + C2 + C3 | ${ms(e.total.rMs)} ms (+ ${ms(e.rStsConstruction.medianMs)} ms building the sts objects) | ${ms(e.total.cohesionMs)} ms | ${fmt(e.total.ratio, 0)}× (${fmt(e.total.ratioWithSts, 0)}× with sts) | ≥ 300× | see rows above |`,
    );
  }
  const f = report.farrington;
  if (f) {
    const a = f.agreement;
    lines.push(
      `| Farrington (Noufaily), ${fmt(f.series)} series, latest week t = ${f.t} | ${ms(f.r.medianMs)} ms | ${ms(f.cohesion.medianMs)} ms; 2 threads ${ms(f.cohesionTwoWorkers.medianMs)} ms | ${fmt(f.ratio, 0)}×; 2 threads ${fmt(f.ratioTwoWorkers, 0)}× | ≥ 35× | ${a.alarmMismatches} alarm, ${a.upperboundMismatches} bound, ${a.emptyPatternMismatches} empty-field, ${a.trendMismatches} trend mismatches${a.trendMismatches ? ` (series kinds: ${JSON.stringify(a.mismatchesByKind)})` : ''}; expected max rel diff ${exp(a.maxRelDiffExpected)}, phi ${exp(a.maxRelDiffPhi)} |`,
    );
  }
  for (const s of report.spatial) {
    lines.push(
      `| queen contiguity, ${s.name} (${fmt(s.vertices)} vertices) | ${ms(s.contiguity.r.medianMs)} ms | ${ms(s.contiguity.cohesion.medianMs)} ms | ${fmt(s.contiguity.ratio)}× | report | ${s.contiguity.pairs.onlyInR + s.contiguity.pairs.onlyInCohesion === 0 ? 'identical' : 'different'} pairs (${fmt(s.contiguity.pairs.r)} in R, ${fmt(s.contiguity.pairs.cohesion)} in Cohesion, ${s.contiguity.pairs.onlyInR} only in R, ${s.contiguity.pairs.onlyInCohesion} only in Cohesion) |`,
    );
    const g = s.giStar;
    lines.push(
      `| Gi*, ${s.name} | ${ms(g.r.medianMs)} ms localG (+ ${ms(g.rListw.medianMs)} ms nb2listw) | ${g.cohesion ? `${ms(g.cohesion.medianMs)} ms` : 'n/a'} | ${g.ratio === null ? 'n/a' : `${fmt(g.ratio)}× (${fmt(g.ratioWithListw ?? 0)}× with nb2listw)`} | Cohesion ≤ 2 ms at 5,000 | max abs diff in z ${exp(g.maxAbsDiffZ)} |`,
    );
    const b = s.ebLocal;
    lines.push(
      `| local EB, ${s.name} | ${ms(b.r.medianMs)} ms | ${b.cohesion ? `${ms(b.cohesion.medianMs)} ms` : 'n/a'} | ${b.ratio === null ? 'n/a' : `${fmt(b.ratio, 0)}×`} | ≥ 100× | max abs diff ${exp(b.maxAbsDiff)} (relative ${exp(b.maxRelDiff)}) |`,
    );
  }
  const mon = report.monitor;
  if (mon) {
    for (const [label, run] of [
      ['latest week', mon.latestWeek],
      ['weekly defaults', mon.defaults],
    ] as const) {
      lines.push(
        `| monitor(), ${fmt(mon.series)} series × ${mon.weeks} weeks, ${mon.methods.length} methods, ${label} (EARS ${run.windowPeriods}, Farrington ${run.farringtonWindowPeriods} weeks) | not run | ${ms(run.cohesion.medianMs)} ms | | | ${fmt(run.evaluations)} evaluations (${fmt(run.farringtonFits)} Farrington bounds), ${fmt(run.alarms)} alarms, ${run.notConverged} fits not converged |`,
      );
    }
  }
  lines.push('');
  const missing = report.spatial.flatMap((s) => s.missing);
  if (missing.length) lines.push(`Not available in this run: ${[...new Set(missing)].join(', ')}.`, '');
  if (f && f.agreement.examples.length) {
    lines.push('Farrington mismatch examples:', '');
    for (const x of f.agreement.examples) lines.push(`- ${JSON.stringify(x)}`);
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = os.loadavg().map((x) => round(x, 2));
  const versions = await rVersions(rscript);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-bench-analytics-'));
  try {
    log(`generating ${seriesCount} series × ${farringtonWeeks} weeks (seed ${seed})`);
    const full = generateSeriesPanel({ seed, series: seriesCount, weeks: farringtonWeeks });
    const earsPanel = truncatePanel(full, earsWeeks);
    const kinds: Record<string, number> = {};
    for (const k of full.kinds) kinds[k] = (kinds[k] ?? 0) + 1;
    let outbreakWeeks = 0;
    for (let i = 0; i < full.extra.length; i++) if (full.extra[i]! > 0) outbreakWeeks++;

    const ears = workloads.has('ears') ? await benchEars(earsPanel, dir) : null;
    const farrington = workloads.has('farrington') ? await benchFarrington(full, dir) : null;
    const spatial: SpatialReport[] = [];
    if (workloads.has('spatial'))
      for (const areas of areaSizes)
        spatial.push(await benchSpatial(generateSpatialCase({ seed, areas }), dir));
    const monitorReport = workloads.has('monitor') ? benchMonitor(full) : null;

    const report: BenchReport = {
      startedAt,
      finishedAt: new Date().toISOString(),
      command: [
        'npm run bench:analytics',
        ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
      ].join(' '),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        os: `${os.type()} ${os.release()}`,
        loadAverageAtStart,
      },
      versions: { node: process.versions.node, ...versions },
      seed,
      runs,
      rRuns,
      panel: {
        series: seriesCount,
        weeks: farringtonWeeks,
        parameters: PANEL_PARAMETERS,
        kinds,
        outbreakWeeks,
      },
      ears,
      farrington,
      spatial,
      monitor: monitorReport,
    };
    fs.mkdirSync(flags.out as string, { recursive: true });
    fs.writeFileSync(
      path.join(flags.out as string, 'analytics.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );
    fs.writeFileSync(path.join(flags.out as string, 'analytics.md'), `${markdown(report)}\n`);
    console.log(markdown(report));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
