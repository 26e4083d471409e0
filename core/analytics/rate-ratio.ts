/**
 * Incident rate before and after a trigger event (an attack, a court ruling, a demonstration): the ratio of the two
 * rates with an exact confidence interval and p-value, usable for the small counts typical of one neighbourhood.
 *
 * Exact conditional method (as R `poisson.test(c(after, before), c(afterDays, beforeDays))`): given the total
 * n = a + b, the after-count a is Binomial(n, π) with π = afterDays·RR / (afterDays·RR + beforeDays). A Clopper–Pearson
 * interval for π maps to an interval for RR through RR = π/(1 − π) · beforeDays/afterDays, and the p-value of RR = 1
 * is the two-sided exact binomial test at π0 = afterDays / (afterDays + beforeDays).
 */
import { dbinom, pbinom, pbinomUpper, qbeta } from './distributions.ts';

export type RateRatio = {
  beforeCount: number;
  beforeDays: number;
  afterCount: number;
  afterDays: number;
  /** (after/afterDays)/(before/beforeDays); null when there is no count before (infinite or undefined). */
  ratio: number | null;
  lower: number;
  /** null when the interval is unbounded above (no count before). */
  upper: number | null;
  /** Two-sided exact p-value for "the rate did not change". */
  pValue: number;
  confidence: number;
  method: 'exact-conditional';
};

/** R binom.test's tolerance when it collects the outcomes that are no more likely than the one observed. */
const RELATIVE_ERROR = 1 + 1e-7;

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`);
}

function checkDays(name: string, value: number): void {
  if (!(value > 0) || value === Infinity)
    throw new RangeError(`${name} must be a positive number of days, got ${value}`);
}

/**
 * Two-sided exact binomial p-value with R's `binom.test` rule: the probability of all outcomes whose probability is
 * at most that of x (within a relative 1e-7). The outcomes on the far side of the mean form a tail because the
 * binomial is unimodal with its mode in [floor(np), ceil(np)], so a binary search finds where that tail starts
 * instead of R's scan over every outcome.
 */
function binomialTwoSidedP(x: number, n: number, p: number): number {
  const mean = n * p;
  if (x === mean) return 1;
  const threshold = dbinom(x, n, p) * RELATIVE_ERROR;
  let pValue: number;
  if (x < mean) {
    // pmf is non-increasing on [ceil(mean), n]: find the first i there with pmf(i) ≤ threshold.
    let lo = Math.ceil(mean);
    let hi = n + 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (dbinom(mid, n, p) <= threshold) hi = mid;
      else lo = mid + 1;
    }
    // Outcomes lo..n are in the far tail: P(X ≥ lo) = P(X > lo − 1).
    pValue = pbinom(x, n, p) + pbinomUpper(lo - 1, n, p);
  } else {
    // pmf is non-decreasing on [0, floor(mean)]: find the last i there with pmf(i) ≤ threshold.
    let lo = -1;
    let hi = Math.floor(mean);
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (dbinom(mid, n, p) <= threshold) lo = mid;
      else hi = mid - 1;
    }
    // Outcomes 0..lo are in the far tail; x..n is the observed one.
    pValue = (lo >= 0 ? pbinom(lo, n, p) : 0) + pbinomUpper(x - 1, n, p);
  }
  return Math.min(1, pValue);
}

/**
 * Rate ratio after/before an event with an exact conditional confidence interval (default 95 %) and p-value.
 * With no count after, the ratio and lower bound are 0; with no count before, the ratio and upper bound are null
 * (infinite) while the lower bound stays finite. With no counts at all nothing is known: ratio null, interval
 * [0, ∞), p-value 1 (R's binom.test refuses n = 0).
 */
export function rateRatio(
  input: { beforeCount: number; beforeDays: number; afterCount: number; afterDays: number },
  confidence = 0.95,
): RateRatio {
  const { beforeCount, beforeDays, afterCount, afterDays } = input;
  checkCount('beforeCount', beforeCount);
  checkCount('afterCount', afterCount);
  checkDays('beforeDays', beforeDays);
  checkDays('afterDays', afterDays);
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must lie strictly between 0 and 1, got ${confidence}`);

  const a = afterCount;
  const n = afterCount + beforeCount;
  const alpha = 1 - confidence;
  // π/(1 − π) · beforeDays/afterDays maps the binomial proportion of after-counts back to a rate ratio.
  const toRatio = (pi: number): number => (pi / (1 - pi)) * (beforeDays / afterDays);
  const lower = a === 0 ? 0 : toRatio(qbeta(alpha / 2, a, n - a + 1));
  const upper = a === n ? null : toRatio(qbeta(1 - alpha / 2, a + 1, n - a));
  const ratio = beforeCount === 0 ? null : afterCount / afterDays / (beforeCount / beforeDays);
  const pValue = n === 0 ? 1 : binomialTwoSidedP(a, n, afterDays / (afterDays + beforeDays));
  return {
    beforeCount,
    beforeDays,
    afterCount,
    afterDays,
    ratio,
    lower,
    upper,
    pValue,
    confidence,
    method: 'exact-conditional',
  };
}
