/**
 * Seeded inputs of the analytics benchmark: a panel of weekly count series with planted outbreaks (the shape of
 * ../shared/reference README §2, drawn with Cohesion's own PRNG) and seeded case counts for a synthetic city.
 * Both sides of the benchmark (Cohesion and R) get exactly these numbers: R reads them from files.
 */
import type { MultiPolygon, Polygon } from 'geojson';
import { createRandom, hashSeed, type Random } from '../../core/synthetic/random.ts';
import { generateCity } from '../../core/synthetic/city.ts';

// ------------------------------------------------------------------------------------------------ samplers

const LOG_FACTORIAL_TABLE = (() => {
  const table = new Float64Array(64);
  for (let k = 2; k < table.length; k++) table[k] = table[k - 1]! + Math.log(k);
  return table;
})();

/** log(k!) : a table for small k, Stirling's series beyond (error far below 1e-12 for k ≥ 64). */
function logFactorial(k: number): number {
  if (k < LOG_FACTORIAL_TABLE.length) return LOG_FACTORIAL_TABLE[k]!;
  const x = k + 1;
  const inv = 1 / x;
  const inv2 = inv * inv;
  return (
    (x - 0.5) * Math.log(x) -
    x +
    0.5 * Math.log(2 * Math.PI) +
    inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)))
  );
}

/**
 * Poisson(mu): sequential inversion for small means (cost O(mu)); Hörmann's transformed rejection (PTRS, 1993)
 * from mu = 10 on, whose cost does not grow with the mean (seasonal peaks here reach a few hundred).
 */
export function samplePoisson(random: Random, mu: number): number {
  if (!(mu > 0)) return 0;
  if (mu < 10) {
    let k = 0;
    let p = Math.exp(-mu);
    let cdf = p;
    const u = random.next();
    while (u > cdf && k < 1000) {
      k++;
      p *= mu / k;
      cdf += p;
    }
    return k;
  }
  const smu = Math.sqrt(mu);
  const b = 0.931 + 2.53 * smu;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  const logMu = Math.log(mu);
  for (;;) {
    const u = random.next() - 0.5;
    const v = random.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mu + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mu + k * logMu - logFactorial(k))
      return k;
  }
}

/** Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 through the usual U^(1/shape) boost. */
export function sampleGamma(random: Random, shape: number): number {
  if (shape < 1) {
    const g = sampleGamma(random, shape + 1);
    let u = random.next();
    while (u === 0) u = random.next();
    return g * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = random.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random.next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Negative binomial with mean mu and size k (var = mu + mu²/k), as a gamma–Poisson mixture; k = ∞ is Poisson. */
export function sampleNegBin(random: Random, mu: number, size: number): number {
  if (size === Infinity) return samplePoisson(random, mu);
  return samplePoisson(random, (sampleGamma(random, size) * mu) / size);
}

const logUniform = (random: Random, lo: number, hi: number): number =>
  Math.exp(random.range(Math.log(lo), Math.log(hi)));

function pickWeighted(random: Random, probabilities: readonly number[]): number {
  let u = random.next();
  for (let i = 0; i < probabilities.length - 1; i++) {
    u -= probabilities[i]!;
    if (u < 0) return i;
  }
  return probabilities.length - 1;
}

// ------------------------------------------------------------------------------------------------ series panel

export type SeriesKind = 'regular' | 'zero' | 'constant' | 'sparse' | 'late-start' | 'high';

export type SeriesPanel = {
  seed: number;
  series: number;
  weeks: number;
  /** Row-major: series i, week t (1-based) is counts[i·weeks + t − 1]. Integer counts. */
  counts: Float64Array;
  /** Planted outbreak cases on top of the baseline, same layout (ground truth, not used by the detectors). */
  extra: Float64Array;
  kinds: SeriesKind[];
};

/** Generator parameters (README §2's shape; values between its EARS and Farrington panels). */
export const PANEL_PARAMETERS = {
  mu0: [0.5, 40],
  pNoTrend: 0.5,
  slopePerYear: [-0.2, 0.2],
  amp1: [0, 0.8],
  amp2: [0, 0.25],
  pPoisson: 0.2,
  nbSize: [1, 30],
  /** Outbreaks per window: history t ∈ 15..T−52, then the last year t ∈ T−51..T. */
  historyOutbreaks: [0.3, 0.35, 0.2, 0.15],
  lastYearOutbreaks: [0.5, 0.35, 0.15],
  maxDuration: 6,
  magnitude: [2, 6],
  /** One series in this many has a special shape (all zero, constant, sparse, late start, high counts). */
  specialEvery: 100,
} as const;

const SPECIAL_KINDS: SeriesKind[] = ['zero', 'constant', 'sparse', 'late-start', 'high'];

/**
 * `series` weekly series of `weeks` weeks. Mean curve mu_t = mu0·exp(slope·t/52 + a1·sin(2πt/52 + φ1) +
 * a2·sin(4πt/52 + φ2)), Poisson or negative binomial counts, then outbreaks adding Poisson(m·sd_t) cases over
 * d ≤ 6 weeks. Each series has its own PRNG stream keyed by (seed, index), so the first N series of a larger panel
 * are the N series of a smaller one.
 */
export function generateSeriesPanel(options: { seed: number; series: number; weeks: number }): SeriesPanel {
  const { seed, series, weeks: T } = options;
  if (!Number.isInteger(T) || T < 60) throw new Error('weeks must be an integer of at least 60');
  const P = PANEL_PARAMETERS;
  const counts = new Float64Array(series * T);
  const extra = new Float64Array(series * T);
  const kinds: SeriesKind[] = [];
  const mu = new Float64Array(T);
  for (let i = 0; i < series; i++) {
    const random = createRandom(hashSeed('analytics-series', seed, i));
    const y = counts.subarray(i * T, (i + 1) * T);
    const add = extra.subarray(i * T, (i + 1) * T);
    const kind: SeriesKind =
      i % P.specialEvery === P.specialEvery - 1
        ? SPECIAL_KINDS[Math.floor(i / P.specialEvery) % SPECIAL_KINDS.length]!
        : 'regular';
    kinds.push(kind);
    if (kind === 'zero') continue;
    if (kind === 'constant') {
      y.fill(1 + random.int(10));
      continue;
    }
    if (kind === 'sparse') {
      const m = random.range(0.05, 0.3);
      for (let t = 0; t < T; t++) y[t] = samplePoisson(random, m);
      continue;
    }
    if (kind === 'late-start') {
      for (let t = T - 60; t < T; t++) y[t] = samplePoisson(random, 3);
      continue;
    }
    const mu0 = kind === 'high' ? 300 : logUniform(random, P.mu0[0], P.mu0[1]);
    const slope = random.chance(P.pNoTrend) ? 0 : random.range(P.slopePerYear[0], P.slopePerYear[1]);
    const a1 = random.range(P.amp1[0], P.amp1[1]);
    const p1 = random.range(0, 2 * Math.PI);
    const a2 = random.range(P.amp2[0], P.amp2[1]);
    const p2 = random.range(0, 2 * Math.PI);
    const size = random.chance(P.pPoisson) ? Infinity : logUniform(random, P.nbSize[0], P.nbSize[1]);
    for (let t = 1; t <= T; t++) {
      const w = (2 * Math.PI * t) / 52;
      mu[t - 1] = mu0 * Math.exp((slope * t) / 52 + a1 * Math.sin(w + p1) + a2 * Math.sin(2 * w + p2));
      y[t - 1] = sampleNegBin(random, mu[t - 1]!, size);
    }
    const windows: Array<[number, number, readonly number[]]> = [
      [15, T - 52, P.historyOutbreaks],
      [T - 51, T, P.lastYearOutbreaks],
    ];
    for (const [from, to, probabilities] of windows) {
      const n = pickWeighted(random, probabilities);
      for (let o = 0; o < n; o++) {
        const start = from + random.int(to - from + 1);
        const duration = 1 + random.int(P.maxDuration);
        const magnitude = random.range(P.magnitude[0], P.magnitude[1]);
        for (let t = start; t <= Math.min(T, start + duration - 1); t++) {
          const m = mu[t - 1]!;
          const sd = Math.sqrt(m + (size === Infinity ? 0 : (m * m) / size));
          const cases = samplePoisson(random, magnitude * sd);
          add[t - 1]! += cases;
          y[t - 1]! += cases;
        }
      }
    }
  }
  return { seed, series, weeks: T, counts, extra, kinds };
}

/** The first `weeks` weeks of every series of a panel, as a panel of its own (a copy). */
export function truncatePanel(panel: SeriesPanel, weeks: number): SeriesPanel {
  const counts = new Float64Array(panel.series * weeks);
  const extra = new Float64Array(panel.series * weeks);
  for (let i = 0; i < panel.series; i++) {
    counts.set(panel.counts.subarray(i * panel.weeks, i * panel.weeks + weeks), i * weeks);
    extra.set(panel.extra.subarray(i * panel.weeks, i * panel.weeks + weeks), i * weeks);
  }
  return { ...panel, weeks, counts, extra };
}

export const seriesOf = (panel: SeriesPanel, i: number): Float64Array =>
  panel.counts.subarray(i * panel.weeks, (i + 1) * panel.weeks);

/** One series per line, comma-separated counts in week order, no header: what the R scripts `scan`. */
export function panelCsv(panel: SeriesPanel): string {
  const lines: string[] = [];
  for (let i = 0; i < panel.series; i++) lines.push(Array.prototype.join.call(seriesOf(panel, i), ','));
  return `${lines.join('\n')}\n`;
}

// ------------------------------------------------------------------------------------------------ spatial

export type SpatialCase = {
  name: string;
  areas: number;
  vertices: number;
  codes: string[];
  geometries: Array<Polygon | MultiPolygon>;
  population: Float64Array;
  cases: Float64Array;
};

/**
 * A synthetic city (core/synthetic) with seeded case counts: Poisson(population · rate), the rate raised around a
 * few hot spots so Gi* and the local EB have structure to find. Centroids are the mean of the outer ring's vertices.
 */
export function generateSpatialCase(options: { seed: number; areas: number }): SpatialCase {
  const city = generateCity({ seed: options.seed, areas: options.areas, districts: false });
  const random = createRandom(hashSeed('analytics-spatial', options.seed, options.areas));
  const n = city.areas.length;
  const cx = new Float64Array(n);
  const cy = new Float64Array(n);
  const population = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const area = city.areas[i]!;
    const ring =
      area.geometry.type === 'Polygon' ? area.geometry.coordinates[0]! : area.geometry.coordinates[0]![0]!;
    let sx = 0;
    let sy = 0;
    for (let k = 0; k < ring.length - 1; k++) {
      sx += ring[k]![0]!;
      sy += ring[k]![1]!;
    }
    cx[i] = sx / (ring.length - 1);
    cy[i] = sy / (ring.length - 1);
    population[i] = area.population;
  }
  const [minLon, minLat, maxLon, maxLat] = city.bbox;
  const spots = Array.from({ length: 4 }, () => ({
    x: random.range(minLon, maxLon),
    y: random.range(minLat, maxLat),
    r: random.range(0.01, 0.04),
    lift: random.range(1, 2.5),
  }));
  const cases = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let log = Math.log(3e-3) + 0.3 * random.normal();
    for (const s of spots)
      log += s.lift * Math.exp(-((cx[i]! - s.x) ** 2 + (cy[i]! - s.y) ** 2) / (2 * s.r * s.r));
    cases[i] = samplePoisson(random, population[i]! * Math.exp(log));
  }
  return {
    name: `synthetic-${options.areas}`,
    areas: n,
    vertices: city.vertexCount,
    codes: city.areas.map((a) => a.code),
    geometries: city.areas.map((a) => a.geometry),
    population,
    cases,
  };
}

/** GeoJSON FeatureCollection (code property, in area order) for R's st_read. */
export function spatialGeoJson(c: SpatialCase): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    features: c.codes.map((code, i) => ({
      type: 'Feature',
      properties: { code },
      geometry: c.geometries[i],
    })),
  });
}

export function spatialValuesCsv(c: SpatialCase): string {
  const lines = ['code,cases,population'];
  for (let i = 0; i < c.areas; i++) lines.push(`${c.codes[i]},${c.cases[i]},${c.population[i]}`);
  return `${lines.join('\n')}\n`;
}
