/**
 * False discovery rate control for the many simultaneous tests of a hot-spot map: with 158 areas tested at 5 %,
 * about 8 would look "significant" by chance alone, so the map flags areas by Benjamini–Hochberg instead.
 */

/** Sorted copy of the p-values that are present (NaN = missing, as R's NA), after checking they are p-values. */
function sortedPresent(p: ArrayLike<number>): Float64Array {
  let m = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (Number.isNaN(v)) continue;
    if (!(v >= 0 && v <= 1)) throw new RangeError(`p-value ${i} must lie in [0, 1], got ${v}`);
    m++;
  }
  const sorted = new Float64Array(m);
  let k = 0;
  for (let i = 0; i < p.length; i++) if (!Number.isNaN(p[i]!)) sorted[k++] = p[i]!;
  return sorted.sort();
}

/**
 * Benjamini–Hochberg adjusted p-values, as R's `p.adjust(p, "BH")`: the running minimum of p·m/rank taken from the
 * largest p down, capped at 1. Missing values (NaN) stay missing and do not count in m, as NA in R.
 * Tied p-values get the same adjusted value whatever their order, so each value's adjusted p is looked up by
 * binary search in the sorted list instead of carrying a permutation around.
 */
export function benjaminiHochberg(p: ArrayLike<number>): Float64Array {
  const sorted = sortedPresent(p);
  const m = sorted.length;
  const adjustedSorted = new Float64Array(m);
  let running = 1;
  for (let k = m; k >= 1; k--) {
    const candidate = (m / k) * sorted[k - 1]!;
    if (candidate < running) running = candidate;
    adjustedSorted[k - 1] = running;
  }
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (Number.isNaN(v)) {
      out[i] = Number.NaN;
      continue;
    }
    let lo = 0;
    let hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    out[i] = adjustedSorted[lo]!;
  }
  return out;
}

export type FdrSummary = {
  alpha: number;
  /** Number of p-values tested (missing ones excluded). */
  m: number;
  /** Largest k with p_(k) ≤ k·α/m (0 when none): the number of BH discoveries. */
  bhK: number;
  /** bhK·α/m: an area is a BH discovery exactly when its p is at most this. */
  bhThreshold: number;
  /** p_(bhK), the largest p-value among the discoveries; null when there are none. */
  bhMaxSignificantP: number | null;
  /** Largest k with p_(k) < k·α/m (strict), PySAL `esda.fdr`'s rule; 0 when none. */
  esdaK: number;
  /** PySAL `esda.fdr`'s cut-off: esdaK·α/m, or α/m when esdaK is 0; areas with p < esdaCutoff are significant. */
  esdaCutoff: number;
};

/**
 * The cut-offs behind an FDR-controlled map, so a report can state the rule that was applied. Both the step-up
 * Benjamini–Hochberg rule and PySAL's `esda.fdr` variant (strict inequality, and α/m as a floor) are given
 * because analysts coming from either tool expect their own.
 */
export function fdrSummary(p: ArrayLike<number>, alpha = 0.05): FdrSummary {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must lie in (0, 1), got ${alpha}`);
  const sorted = sortedPresent(p);
  const m = sorted.length;
  let bhK = 0;
  let esdaK = 0;
  for (let k = 1; k <= m; k++) {
    const line = (k * alpha) / m;
    const pk = sorted[k - 1]!;
    if (pk <= line) bhK = k;
    if (pk < line) esdaK = k;
  }
  return {
    alpha,
    m,
    bhK,
    bhThreshold: (bhK * alpha) / m || 0,
    bhMaxSignificantP: bhK > 0 ? sorted[bhK - 1]! : null,
    esdaK,
    esdaCutoff: esdaK > 0 ? (esdaK * alpha) / m : alpha / Math.max(m, 1),
  };
}
