/**
 * The probability distributions the analytics need, with R's argument conventions, from stdlib (ports of the
 * algorithms R and Boost use, accurate in the far tails). One module so every method draws on the same routines.
 */
import erfc from '@stdlib/math-base-special-erfc';
import nbinomCdf from '@stdlib/stats-base-dists-negative-binomial-cdf';
import nbinomQuantile from '@stdlib/stats-base-dists-negative-binomial-quantile';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import poissonCdf from '@stdlib/stats-base-dists-poisson-cdf';
import poissonQuantile from '@stdlib/stats-base-dists-poisson-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import betainc from '@stdlib/math-base-special-betainc';
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import binomialPmf from '@stdlib/stats-base-dists-binomial-pmf';
import gammainc from '@stdlib/math-base-special-gammainc';

/** R `pnorm(x)`. */
export function pnorm(x: number): number {
  return normalCdf(x, 0, 1);
}

/** R `pnorm(x, lower.tail = FALSE)`, computed from erfc so that tiny tails keep their relative accuracy. */
export function pnormUpper(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}

/** Two-sided normal p-value, R `2 * pnorm(-abs(z))`. */
export function twoSidedP(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

/** R `qnorm(p)`. */
export function qnorm(p: number): number {
  return normalQuantile(p, 0, 1);
}

/** R `pt(x, df)`. */
export function pt(x: number, df: number): number {
  return tCdf(x, df);
}

/** R `qpois(p, lambda)`. */
export function qpois(p: number, lambda: number): number {
  return poissonQuantile(p, lambda);
}

/** R `ppois(x, lambda)`. */
export function ppois(x: number, lambda: number): number {
  return poissonCdf(x, lambda);
}

/** R `qnbinom(p, size, prob)` (size may be any positive real). */
export function qnbinom(p: number, size: number, prob: number): number {
  return nbinomQuantile(p, size, prob);
}

/** R `pnbinom(x, size, prob)`. */
export function pnbinom(x: number, size: number, prob: number): number {
  return nbinomCdf(x, size, prob);
}

/** R `qbeta(p, a, b)`. */
export function qbeta(p: number, a: number, b: number): number {
  return betaQuantile(p, a, b);
}

/** R `dbinom(x, n, p)`. */
export function dbinom(x: number, n: number, p: number): number {
  return binomialPmf(x, n, p);
}

/** R `pbinom(x, n, p)`. */
export function pbinom(x: number, n: number, p: number): number {
  return binomialCdf(x, n, p);
}

/**
 * R `pbinom(x, n, p, lower.tail = FALSE)` = P(X > x), taken from the lower regularised incomplete beta I_p(x + 1, n − x)
 * rather than as 1 − pbinom, so small upper tails keep their relative accuracy. x is an integer.
 */
export function pbinomUpper(x: number, n: number, p: number): number {
  if (x < 0) return 1;
  if (x >= n) return 0;
  return betainc(p, x + 1, n - x, true, false);
}

/**
 * R `ppois(x, lambda, lower.tail = FALSE)` = P(X > x), from the regularized lower incomplete gamma function
 * P(floor(x) + 1, lambda), so that tiny upper tails keep their relative accuracy (1 − ppois loses it).
 */
export function ppoisUpper(x: number, lambda: number): number {
  if (Number.isNaN(x) || Number.isNaN(lambda) || lambda < 0) return Number.NaN;
  if (x < 0) return 1;
  if (!Number.isFinite(x)) return 0;
  if (lambda === 0) return 0;
  return gammainc(lambda, Math.floor(x + 1e-7) + 1, true, false);
}

/**
 * R `pnbinom(x, size, prob, lower.tail = FALSE)` = P(X > x), as the upper regularized incomplete beta
 * 1 − I_prob(size, floor(x) + 1), accurate in the far tail.
 */
export function pnbinomUpper(x: number, size: number, prob: number): number {
  const valid = size >= 0 && prob > 0 && prob <= 1;
  if (Number.isNaN(x) || !valid) return Number.NaN;
  if (x < 0) return 1;
  if (!Number.isFinite(x) || prob === 1 || size === 0) return 0;
  return betainc(prob, size, Math.floor(x + 1e-7) + 1, true, true);
}
