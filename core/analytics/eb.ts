/**
 * Empirical Bayes smoothing of rates (spdep `EBest` and `EBlocal(geoda = TRUE)`, Poisson model, method of
 * moments). A raw rate in a small population swings wildly with one incident; EB pulls each rate towards a prior
 * mean (city-wide, or the area and its neighbours), more strongly the smaller the population.
 *
 * Rates are per unit of population (multiply by 1e5 for per-100k).
 *
 * Zero populations, where R would return NaN or Inf: such an area has no rate and carries no information, so it
 * is left out of every prior estimate (its cases, its population and its place in the area count), its `raw`
 * is 0 and its `eb` is the prior mean. When a prior has no information at all (mean 0 and variance 0, i.e. no
 * cases anywhere in the window), `eb` is 0 instead of 0/0. No output is ever NaN.
 */
import type { Neighbours } from './contiguity.ts';

export type EbGlobal = { raw: Float64Array; eb: Float64Array; priorMean: number; priorVar: number };
export type EbLocal = {
  raw: Float64Array;
  eb: Float64Array;
  priorMean: Float64Array;
  priorVar: Float64Array;
};

function checkCounts(cases: ArrayLike<number>, population: ArrayLike<number>): void {
  if (cases.length !== population.length)
    throw new RangeError(`got ${cases.length} case counts for ${population.length} populations`);
  for (let i = 0; i < cases.length; i++) {
    const r = cases[i]!;
    const n = population[i]!;
    if (!(r >= 0) || !Number.isFinite(r))
      throw new RangeError(`cases ${i} must be a finite number ≥ 0, got ${r}`);
    if (!(n >= 0) || !Number.isFinite(n))
      throw new RangeError(`population ${i} must be a finite number ≥ 0, got ${n}`);
  }
}

/** Shrinks the raw rate towards the prior by the share a/(a + m/n) of between-area variance; 0/0 means no shrinkage
 * information, and the prior mean is all there is. */
function shrink(raw: number, mean: number, variance: number, population: number): number {
  if (!(population > 0) || variance === 0) return mean;
  return mean + (raw - mean) * (variance / (variance + mean / population));
}

/**
 * Global EB (spdep `EBest`): prior mean b = Σr/Σn, prior variance a = Σn(p − b)²/Σn − b/(Σn/m), floored at 0;
 * EB_i = b + a(p_i − b)/(a + b/n_i).
 */
export function ebGlobal(cases: ArrayLike<number>, population: ArrayLike<number>): EbGlobal {
  checkCounts(cases, population);
  const count = cases.length;
  const raw = new Float64Array(count);
  let totalCases = 0;
  let totalPopulation = 0;
  let m = 0;
  for (let i = 0; i < count; i++) {
    const n = population[i]!;
    if (n > 0) {
      raw[i] = cases[i]! / n;
      totalCases += cases[i]!;
      totalPopulation += n;
      m++;
    }
  }
  let priorMean = 0;
  let priorVar = 0;
  if (totalPopulation > 0) {
    priorMean = totalCases / totalPopulation;
    let weighted = 0;
    for (let i = 0; i < count; i++) {
      const n = population[i]!;
      if (n > 0) {
        const d = raw[i]! - priorMean;
        weighted += n * d * d;
      }
    }
    priorVar = weighted / totalPopulation - priorMean / (totalPopulation / m);
    if (!(priorVar > 0)) priorVar = 0;
  }
  const eb = new Float64Array(count);
  for (let i = 0; i < count; i++) eb[i] = shrink(raw[i]!, priorMean, priorVar, population[i]!);
  return { raw, eb, priorMean, priorVar };
}

/**
 * Local EB in GeoDa's form (spdep `EBlocal(geoda = TRUE)`): J_i is i and its neighbours;
 * m_i = Σ_J r/Σ_J n, a_i = Σ_J n_j(p_j − m_i)²/Σ_J n − m_i/(Σ_J n/|J_i|), floored at 0;
 * EB_i = m_i + (p_i − m_i)·a_i/(a_i + m_i/n_i).
 */
export function ebLocal(cases: ArrayLike<number>, population: ArrayLike<number>, nb: Neighbours): EbLocal {
  checkCounts(cases, population);
  const count = cases.length;
  if (nb.n !== count) throw new RangeError(`got ${count} areas for ${nb.n} areas in the neighbour structure`);
  const { offsets, indices } = nb;
  const raw = new Float64Array(count);
  const pop = new Float64Array(count);
  const r = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const n = population[i]!;
    if (n > 0) {
      pop[i] = n;
      r[i] = cases[i]!;
      raw[i] = r[i]! / n;
    }
  }
  const priorMean = new Float64Array(count);
  const priorVar = new Float64Array(count);
  const eb = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    // Zero-population areas contribute 0 to both sums; they are only kept out of |J_i|.
    let sumCases = r[i]!;
    let sumPopulation = pop[i]!;
    let members = pop[i]! > 0 ? 1 : 0;
    for (let k = start; k < end; k++) {
      const j = indices[k]!;
      sumCases += r[j]!;
      sumPopulation += pop[j]!;
      if (pop[j]! > 0) members++;
    }
    if (!(sumPopulation > 0)) continue; // no information at all: raw, prior and eb stay 0
    const mean = sumCases / sumPopulation;
    let spread = pop[i]! * (raw[i]! - mean) * (raw[i]! - mean);
    for (let k = start; k < end; k++) {
      const j = indices[k]!;
      const d = raw[j]! - mean;
      spread += pop[j]! * d * d;
    }
    let variance = spread / sumPopulation - mean / (sumPopulation / members);
    if (!(variance > 0)) variance = 0;
    priorMean[i] = mean;
    priorVar[i] = variance;
    eb[i] = shrink(raw[i]!, mean, variance, pop[i]!);
  }
  return { raw, eb, priorMean, priorVar };
}
