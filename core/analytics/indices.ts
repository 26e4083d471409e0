/**
 * Composite indices per area, built the way the OECD/JRC Handbook on Constructing Composite Indicators (2008)
 * describes: orient every indicator, treat outliers, normalise, weight and aggregate — and keep every step
 * visible, so a coordinator can see which indicator put an area where it is and how much the ranking depends on
 * choices nobody can call "right" (the handbook's uncertainty analysis).
 *
 * Conventions chosen here (each one is a place where the handbook leaves a choice):
 * - A value that is null, undefined, NaN or infinite is "no value". An indicator is normalised over the areas that
 *   have a value for it; an area missing some indicators is aggregated over the indicators it has, with their
 *   weights renormalised to sum to one (the handbook's available-case approach) and flagged in `missing`. An area
 *   with no value for any indicator cannot be placed at all, so the function refuses it rather than invent a score.
 * - Direction is applied first (the value is multiplied by −1), so every later step sees "higher = more of the
 *   index" and a −1 indicator is never mistaken for its mirror image by the outlier rule.
 * - Ties in the final score are ranked by area order (the first area gets the better rank), so ranks are always a
 *   permutation of 1..n and two runs over the same data agree.
 */
import { createRandom } from '../synthetic/random.ts';

export type IndicatorSpec = {
  key: string;
  label?: string;
  /** > 0; weights are relative, only their ratios matter */
  weight: number;
  /** +1: a higher value raises the index; −1: a higher value lowers it */
  direction: 1 | -1;
};
export type Normalisation = 'minmax' | 'zscore' | 'rank';
export type Aggregation = 'arithmetic' | 'geometric';
/**
 * 'winsorise' follows the JRC COIN rule: an indicator whose sample skewness (Excel SKEW, the adjusted G1) is above 2
 * in absolute value AND whose sample excess kurtosis (Excel KURT, G2) is above 3.5 is winsorised one point at a
 * time: the most extreme value on the side of the current skew is set to the next value inwards, and skewness and
 * kurtosis are recomputed, until one of the two falls within its threshold. At most floor(5% of the areas with a
 * value) points are clipped on each side, so no value moves past the nearest-rank 5th/95th percentile; with fewer
 * than 20 areas nothing is clipped (too few areas to call one an outlier on this rule).
 */
export type OutlierTreatment = 'none' | 'winsorise';
export type IndexSpec = {
  key: string;
  indicators: IndicatorSpec[];
  outliers: OutlierTreatment;
  normalisation: Normalisation;
  aggregation: Aggregation;
};
export type IndexResult = {
  key: string;
  /** number of areas (n) */
  areas: number;
  /**
   * Never NaN. Arithmetic: the weighted mean of the normalised values (0..100 for minmax/rank). Geometric: the
   * weighted geometric mean of the normalised values shifted to be ≥ 1 (see `compositeIndex`).
   */
  score: Float64Array;
  /** 1 = highest score; ties go to the earlier area */
  rank: Int32Array;
  /**
   * Per indicator key, after direction, outliers and normalisation: 0..100 for minmax and rank, z-scores for zscore
   * (before the geometric shift). NaN where the area has no value for that indicator.
   */
  normalised: Record<string, Float64Array>;
  /** Per indicator key, its share of the score; the shares of an area sum to its score. 0 where the value is missing. */
  contribution: Record<string, Float64Array>;
  /** 1 where the area had no value for at least one indicator (its score uses the indicators it has, re-weighted) */
  missing: Uint8Array;
};

export type UncertaintyOptions = {
  runs: number;
  seed: number;
  /** choices each run draws from uniformly; default: all three */
  normalisations?: Normalisation[];
  /** default: both */
  aggregations?: Aggregation[];
  /** default: both */
  outliers?: OutlierTreatment[];
  /** each weight is multiplied by U(1 − j, 1 + j), then the weights are renormalised; default 0.25, 0 ≤ j < 1 */
  weightJitter?: number;
};
export type IndexUncertainty = {
  /** quantiles of each area's rank over the runs (R's quantile type 7: linear interpolation) */
  medianRank: Float64Array;
  p05Rank: Float64Array;
  p95Rank: Float64Array;
  /** the rank under the spec as given */
  nominalRank: Int32Array;
  runs: number;
};

const NORMALISATIONS: readonly Normalisation[] = ['minmax', 'zscore', 'rank'];
const AGGREGATIONS: readonly Aggregation[] = ['arithmetic', 'geometric'];
const OUTLIERS: readonly OutlierTreatment[] = ['none', 'winsorise'];

const SKEW_THRESHOLD = 2;
const KURTOSIS_THRESHOLD = 3.5;
const WINSOR_SHARE = 0.05;

/** Validated input: one oriented column per indicator, NaN for "no value". */
type Prepared = {
  n: number;
  keys: string[];
  weights: Float64Array;
  /** direction already applied */
  columns: Float64Array[];
  missing: Uint8Array;
};

function prepare(values: Record<string, ArrayLike<number | null>>, spec: IndexSpec): Prepared {
  const indicators = spec.indicators;
  if (indicators.length === 0) throw new RangeError(`index ${spec.key}: at least one indicator is needed`);
  const keys: string[] = [];
  const seen = new Set<string>();
  let n = -1;
  for (const indicator of indicators) {
    if (seen.has(indicator.key))
      throw new RangeError(`index ${spec.key}: indicator ${indicator.key} appears twice`);
    seen.add(indicator.key);
    if (!(indicator.weight > 0) || !Number.isFinite(indicator.weight))
      throw new RangeError(`index ${spec.key}: indicator ${indicator.key} needs a finite weight > 0`);
    if (indicator.direction !== 1 && indicator.direction !== -1)
      throw new RangeError(`index ${spec.key}: indicator ${indicator.key} needs direction 1 or -1`);
    const column = values[indicator.key];
    if (column === undefined)
      throw new RangeError(`index ${spec.key}: no values for indicator ${indicator.key}`);
    if (n === -1) n = column.length;
    else if (column.length !== n)
      throw new RangeError(
        `index ${spec.key}: indicator ${indicator.key} has ${column.length} values, expected ${n} (one per area)`,
      );
    keys.push(indicator.key);
  }
  const weights = new Float64Array(indicators.length);
  const columns: Float64Array[] = [];
  const present = new Int32Array(n);
  for (let k = 0; k < indicators.length; k++) {
    const indicator = indicators[k]!;
    weights[k] = indicator.weight;
    const source = values[indicator.key]!;
    const column = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = source[i];
      if (typeof v === 'number' && Number.isFinite(v)) {
        column[i] = indicator.direction * v;
        present[i]!++;
      } else column[i] = NaN;
    }
    columns.push(column);
  }
  const missing = new Uint8Array(n);
  const empty: number[] = [];
  for (let i = 0; i < n; i++) {
    if (present[i] === 0) empty.push(i);
    else if (present[i]! < indicators.length) missing[i] = 1;
  }
  if (empty.length > 0)
    throw new RangeError(
      `index ${spec.key}: ${empty.length} area(s) have no value for any indicator (first at position ` +
        `${empty.slice(0, 5).join(', ')}); leave them out of the index`,
    );
  return { n, keys, weights, columns, missing };
}

/** The finite values of a column, in area order. */
function presentValues(column: Float64Array): Float64Array {
  let m = 0;
  for (let i = 0; i < column.length; i++) if (column[i] === column[i]) m++;
  const out = new Float64Array(m);
  let j = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i]!;
    if (v === v) out[j++] = v;
  }
  return out;
}

/**
 * Sample skewness (the adjusted G1 of Excel's SKEW) and excess kurtosis (G2, Excel's KURT) of the finite values,
 * the statistics the JRC COIN tool tests against 2 and 3.5. NaN with fewer than four values; 0 and 0 when the
 * values are all equal.
 */
export function sampleSkewKurtosis(values: ArrayLike<number>): { skew: number; kurtosis: number } {
  let m = 0;
  let mean = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    m++;
    mean += v;
  }
  if (m < 4) return { skew: NaN, kurtosis: NaN };
  mean /= m;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const d = v - mean;
    const d2 = d * d;
    s2 += d2;
    s3 += d2 * d;
    s4 += d2 * d2;
  }
  if (s2 === 0) return { skew: 0, kurtosis: 0 };
  const skew = ((Math.sqrt(m) * s3) / Math.pow(s2, 1.5)) * (Math.sqrt(m * (m - 1)) / (m - 2));
  const r = (m * s4) / (s2 * s2);
  const kurtosis = (((m + 1) * (r - 3) + 6) * (m - 1)) / ((m - 2) * (m - 3));
  return { skew, kurtosis };
}

/** Applies the winsorisation rule documented at `OutlierTreatment`; returns the column itself when nothing moves. */
function winsorise(column: Float64Array): Float64Array {
  const sorted = presentValues(column).sort();
  const m = sorted.length;
  const cap = Math.floor(WINSOR_SHARE * m);
  if (cap === 0 || m < 4) return column;
  const original = sorted.slice();
  let low = 0; // points clipped at the bottom: sorted[0..low-1] hold sorted[low]
  let high = 0; // points clipped at the top
  for (;;) {
    const { skew, kurtosis } = sampleSkewKurtosis(sorted);
    if (!(Math.abs(skew) > SKEW_THRESHOLD && kurtosis > KURTOSIS_THRESHOLD)) break;
    if (skew > 0) {
      if (high === cap) break;
      high++;
      const edge = sorted[m - 1 - high]!;
      for (let i = m - high; i < m; i++) sorted[i] = edge;
    } else {
      if (low === cap) break;
      low++;
      const edge = sorted[low]!;
      for (let i = 0; i < low; i++) sorted[i] = edge;
    }
  }
  if (low === 0 && high === 0) return column;
  // Clip by value: every area at or beyond the last clipped original value takes the new edge, so tied extremes are
  // treated alike whatever their area order.
  const lowEdge = sorted[0]!;
  const highEdge = sorted[m - 1]!;
  const lowLimit = low > 0 ? original[low - 1]! : -Infinity;
  const highLimit = high > 0 ? original[m - high]! : Infinity;
  const out = new Float64Array(column.length);
  for (let i = 0; i < column.length; i++) {
    const v = column[i]!;
    out[i] = v <= lowLimit ? lowEdge : v >= highLimit ? highEdge : v;
  }
  return out;
}

/**
 * 1-based ranks in ascending order with ties given the average of the ranks they span (R's rank(ties = "average")).
 * NaN entries are skipped and get NaN.
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n).fill(NaN);
  let m = 0;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) if (values[i] === values[i]) order[m++] = i;
  const idx = order.subarray(0, m);
  idx.sort((a, b) => values[a]! - values[b]! || a - b);
  let start = 0;
  while (start < m) {
    const v = values[idx[start]!]!;
    let end = start + 1;
    while (end < m && values[idx[end]!] === v) end++;
    const mid = (start + 1 + end) / 2;
    for (let j = start; j < end; j++) out[idx[j]!] = mid;
    start = end;
  }
  return out;
}

/**
 * minmax: 100·(x − min)/(max − min); a constant indicator gets 50 everywhere, since it separates no area.
 * zscore: (x − mean)/sd with the sample sd (n − 1, as R's scale()); constant or single-valued → 0.
 * rank: 100·(rank − 1)/(m − 1) with average ranks for ties; a single value → 50.
 */
function normalise(column: Float64Array, method: Normalisation): Float64Array {
  const n = column.length;
  const out = new Float64Array(n);
  if (method === 'rank') {
    const ranks = averageRanks(column);
    let m = 0;
    for (let i = 0; i < n; i++) if (column[i] === column[i]) m++;
    for (let i = 0; i < n; i++)
      out[i] = m > 1 ? (100 * (ranks[i]! - 1)) / (m - 1) : ranks[i] === ranks[i] ? 50 : NaN;
    return out;
  }
  let m = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = column[i]!;
    if (v !== v) continue;
    m++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (method === 'minmax') {
    const span = max - min;
    for (let i = 0; i < n; i++) {
      const v = column[i]!;
      out[i] = v !== v ? NaN : span > 0 ? (100 * (v - min)) / span : 50;
    }
    return out;
  }
  const mean = m > 0 ? sum / m : 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const v = column[i]!;
    if (v === v) ss += (v - mean) * (v - mean);
  }
  const sd = m > 1 ? Math.sqrt(ss / (m - 1)) : 0;
  for (let i = 0; i < n; i++) {
    const v = column[i]!;
    out[i] = v !== v ? NaN : sd > 0 ? (v - mean) / sd : 0;
  }
  return out;
}

/**
 * The strictly positive values the geometric mean multiplies: minmax/rank map 0..100 onto 1..100 (1 + 0.99·x), so
 * the lowest area on one indicator does not zero its whole score; z-scores are shifted by the indicator's minimum
 * to start at 1 (x − min + 1).
 */
function geometricInput(normalised: Float64Array, method: Normalisation): Float64Array {
  const n = normalised.length;
  const out = new Float64Array(n);
  if (method === 'zscore') {
    let min = Infinity;
    for (let i = 0; i < n; i++) if (normalised[i]! < min) min = normalised[i]!;
    for (let i = 0; i < n; i++) out[i] = normalised[i]! - min + 1;
  } else for (let i = 0; i < n; i++) out[i] = 1 + 0.99 * normalised[i]!;
  return out;
}

/**
 * Weighted aggregation over the indicators each area has. Arithmetic: Σ wₖxₖ / Σ wₖ, contribution wₖxₖ / Σ wₖ.
 * Geometric: exp(Σ wₖ ln yₖ / Σ wₖ); the score is split in proportion to wₖ ln yₖ (every yₖ ≥ 1, so these shares
 * are non-negative and sum to the score; when all yₖ = 1 the split follows the weights).
 */
function aggregate(
  inputs: readonly Float64Array[],
  weights: Float64Array,
  aggregation: Aggregation,
  score: Float64Array,
  contributions: Float64Array[] | null,
): void {
  const n = score.length;
  const K = inputs.length;
  const geometric = aggregation === 'geometric';
  for (let i = 0; i < n; i++) {
    let wSum = 0;
    let acc = 0;
    for (let k = 0; k < K; k++) {
      const v = inputs[k]![i]!;
      if (v !== v) continue;
      const w = weights[k]!;
      wSum += w;
      acc += geometric ? w * Math.log(v) : w * v;
    }
    const s = geometric ? Math.exp(acc / wSum) : acc / wSum;
    score[i] = s;
    if (contributions === null) continue;
    for (let k = 0; k < K; k++) {
      const v = inputs[k]![i]!;
      const w = weights[k]!;
      let c = 0;
      if (v === v) {
        if (!geometric) c = (w * v) / wSum;
        else if (acc > 0) c = (s * w * Math.log(v)) / acc;
        else c = (s * w) / wSum;
      }
      contributions[k]![i] = c;
    }
  }
}

/** Descending ranks, ties to the earlier area; `order` is scratch of length n. */
function rankDescending(score: Float64Array, rank: Int32Array, order: Int32Array): void {
  const n = score.length;
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => score[b]! - score[a]! || a - b);
  for (let r = 0; r < n; r++) rank[order[r]!] = r + 1;
}

/** Every indicator column after outlier treatment and normalisation. */
function normaliseAll(
  columns: readonly Float64Array[],
  outliers: OutlierTreatment,
  method: Normalisation,
): Float64Array[] {
  return columns.map((column) => normalise(outliers === 'winsorise' ? winsorise(column) : column, method));
}

/**
 * Builds one composite index over n areas. `values[key]` holds one value per area (same order for every
 * indicator); see the module comment for missing values, ties and direction.
 */
export function compositeIndex(
  values: Record<string, ArrayLike<number | null>>,
  spec: IndexSpec,
): IndexResult {
  const prepared = prepare(values, spec);
  const { n, keys, weights, missing } = prepared;
  const normalisedColumns = normaliseAll(prepared.columns, spec.outliers, spec.normalisation);
  const inputs =
    spec.aggregation === 'geometric'
      ? normalisedColumns.map((c) => geometricInput(c, spec.normalisation))
      : normalisedColumns;
  const score = new Float64Array(n);
  const contributionColumns = keys.map(() => new Float64Array(n));
  aggregate(inputs, weights, spec.aggregation, score, contributionColumns);
  const rank = new Int32Array(n);
  rankDescending(score, rank, new Int32Array(n));
  const normalised: Record<string, Float64Array> = {};
  const contribution: Record<string, Float64Array> = {};
  for (let k = 0; k < keys.length; k++) {
    normalised[keys[k]!] = normalisedColumns[k]!;
    contribution[keys[k]!] = contributionColumns[k]!;
  }
  return { key: spec.key, areas: n, score, rank, normalised, contribution, missing };
}

/** R's quantile type 7 of an ascending-sorted sample. */
function sortedQuantile(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function checkChoices<T extends string>(
  name: string,
  given: T[] | undefined,
  all: readonly T[],
): readonly T[] {
  if (given === undefined) return all;
  if (given.length === 0) throw new RangeError(`${name} must list at least one choice`);
  for (const g of given) if (!all.includes(g)) throw new RangeError(`${name}: unknown choice ${g}`);
  return given;
}

/**
 * Monte Carlo uncertainty analysis of the ranks: each run draws one normalisation, one aggregation and one outlier
 * treatment uniformly from the options, multiplies each weight by U(1 − j, 1 + j) and renormalises, then ranks the
 * areas. Every run consumes the same draws (three choices, then one factor per indicator) from one seeded stream,
 * so the result depends only on the seed and the inputs, and narrowing one list of choices does not shift the others.
 */
export function indexUncertainty(
  values: Record<string, ArrayLike<number | null>>,
  spec: IndexSpec,
  options: UncertaintyOptions,
): IndexUncertainty {
  const runs = options.runs;
  if (!Number.isInteger(runs) || runs < 1)
    throw new RangeError(`runs must be a positive integer, got ${runs}`);
  const jitter = options.weightJitter ?? 0.25;
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError(`weightJitter must be in [0, 1), got ${jitter}`);
  const normalisations = checkChoices('normalisations', options.normalisations, NORMALISATIONS);
  const aggregations = checkChoices('aggregations', options.aggregations, AGGREGATIONS);
  const outliers = checkChoices('outliers', options.outliers, OUTLIERS);

  const nominal = compositeIndex(values, spec);
  const prepared = prepare(values, spec);
  const { n, weights } = prepared;
  const K = weights.length;

  // Only six (treatment × normalisation) variants exist, each also in its geometric shift: compute each once.
  const cache = new Map<string, Float64Array[]>();
  const variant = (o: OutlierTreatment, method: Normalisation, a: Aggregation): Float64Array[] => {
    const key = `${o}|${method}|${a}`;
    let hit = cache.get(key);
    if (hit === undefined) {
      if (a === 'geometric') hit = variant(o, method, 'arithmetic').map((c) => geometricInput(c, method));
      else hit = normaliseAll(prepared.columns, o, method);
      cache.set(key, hit);
    }
    return hit;
  };

  const random = createRandom(options.seed);
  const runWeights = new Float64Array(K);
  const score = new Float64Array(n);
  const rank = new Int32Array(n);
  const order = new Int32Array(n);
  // Area-major so each area's ranks are one contiguous run to sort.
  const ranks = new Int32Array(n * runs);
  for (let r = 0; r < runs; r++) {
    const method = normalisations[random.int(normalisations.length)]!;
    const aggregation = aggregations[random.int(aggregations.length)]!;
    const treatment = outliers[random.int(outliers.length)]!;
    let total = 0;
    for (let k = 0; k < K; k++) {
      const w = weights[k]! * random.range(1 - jitter, 1 + jitter);
      runWeights[k] = w;
      total += w;
    }
    for (let k = 0; k < K; k++) runWeights[k] = runWeights[k]! / total;
    aggregate(variant(treatment, method, aggregation), runWeights, aggregation, score, null);
    rankDescending(score, rank, order);
    for (let i = 0; i < n; i++) ranks[i * runs + r] = rank[i]!;
  }

  const medianRank = new Float64Array(n);
  const p05Rank = new Float64Array(n);
  const p95Rank = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const own = ranks.subarray(i * runs, (i + 1) * runs).sort();
    p05Rank[i] = sortedQuantile(own, 0.05);
    medianRank[i] = sortedQuantile(own, 0.5);
    p95Rank[i] = sortedQuantile(own, 0.95);
  }
  return { medianRank, p05Rank, p95Rank, nominalRank: nominal.rank, runs };
}
