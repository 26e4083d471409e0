/**
 * Getis–Ord Gi* hot-spot statistics (spdep `localG` on `include.self(nb)` with binary weights): for each area, how
 * far the total over the area and its neighbours lies from what the city-wide mean would give, in standard
 * deviations under random placement of the values. Significance is then controlled for the false discovery rate.
 */
import type { Neighbours } from './contiguity.ts';
import { twoSidedP } from './distributions.ts';
import { benjaminiHochberg, fdrSummary, type FdrSummary } from './fdr.ts';
import { createRandom } from '../synthetic/random.ts';

function checkInput(values: ArrayLike<number>, nb: Neighbours): void {
  if (values.length !== nb.n)
    throw new RangeError(`got ${values.length} values for ${nb.n} areas in the neighbour structure`);
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i]!))
      throw new RangeError(`value ${i} must be a finite number, got ${values[i]}`);
}

/** Mean and population variance (denominator n, as localG uses). */
function moments(values: ArrayLike<number>): { mean: number; variance: number } {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    squares += d * d;
  }
  return { mean, variance: squares / n };
}

/**
 * Gi* z-scores, binary weights with each area counted as its own neighbour:
 * z_i = (Σ_J x − W_i·x̄) / sqrt(s²·(n·W_i − W_i²)/(n − 1)), J = i and its neighbours, W_i = |J|, s² with denominator n.
 * Where that is 0/0 — all values equal, an area bordering every other one, or a single area — z is 0: nothing
 * stands out, and a hot-spot map must not receive NaN.
 */
export function getisOrdGiStar(values: ArrayLike<number>, nb: Neighbours): Float64Array {
  checkInput(values, nb);
  const n = nb.n;
  const z = new Float64Array(n);
  if (n < 2) return z;
  const { mean, variance } = moments(values);
  const { offsets, indices } = nb;
  const scale = variance / (n - 1);
  for (let i = 0; i < n; i++) {
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    let sum = values[i]!;
    for (let k = start; k < end; k++) sum += values[indices[k]!]!;
    const w = end - start + 1;
    const sd = Math.sqrt(scale * (n * w - w * w));
    z[i] = sd > 0 ? (sum - w * mean) / sd : 0;
  }
  return z;
}

/**
 * Pseudo p-values for Gi* by conditional randomisation: area i keeps its own value, and its |J_i| − 1 neighbour
 * values are drawn without replacement from the other n − 1 values, `permutations` times. The mean and variance
 * are the same in every draw, so comparing |Σ_J x − W_i·x̄| orders draws exactly as |z| would. Two-sided:
 * p = (draws at least as extreme as observed + 1) / (permutations + 1). An area without neighbours, or values
 * without variation, get p = 1. Deterministic for a given seed.
 */
export function giStarPermutationP(
  values: ArrayLike<number>,
  nb: Neighbours,
  options: { permutations: number; seed: number },
): Float64Array {
  checkInput(values, nb);
  const { permutations, seed } = options;
  if (!Number.isInteger(permutations) || permutations < 1)
    throw new RangeError(`permutations must be a positive integer, got ${permutations}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const n = nb.n;
  const p = new Float64Array(n).fill(1);
  if (n < 2) return p;
  const { mean, variance } = moments(values);
  if (!(variance > 0)) return p;

  const random = createRandom(seed);
  const x = Float64Array.from(values);
  const { offsets, indices } = nb;
  // pool is a permutation of the area indexes; pos[a] says where a sits, so area i can be parked at the end and
  // the first n − 1 slots hold exactly the others. Partial Fisher–Yates shuffles leave it a permutation, so it
  // never needs resetting between draws or areas.
  const pool = new Int32Array(n);
  const pos = new Int32Array(n);
  for (let a = 0; a < n; a++) {
    pool[a] = a;
    pos[a] = a;
  }
  const others = n - 1;
  for (let i = 0; i < n; i++) {
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    const k = end - start;
    if (k === 0) continue;
    if (k > others) throw new RangeError(`area ${i} lists more neighbours than there are other areas`);
    const parked = pool[others]!;
    const at = pos[i]!;
    pool[at] = parked;
    pos[parked] = at;
    pool[others] = i;
    pos[i] = others;

    let observed = 0;
    for (let e = start; e < end; e++) observed += x[indices[e]!]!;
    const target = (k + 1) * mean - x[i]!;
    const observedDeviation = Math.abs(observed - target);
    // Sums in a different order can differ in the last bits; a draw equal to the observed one must count.
    const tolerance = 1e-10 * (Math.abs(observed) + Math.abs(target));
    let extreme = 0;
    for (let r = 0; r < permutations; r++) {
      let sum = 0;
      for (let d = 0; d < k; d++) {
        const pick = d + random.int(others - d);
        const a = pool[pick]!;
        const b = pool[d]!;
        pool[d] = a;
        pos[a] = d;
        pool[pick] = b;
        pos[b] = pick;
        sum += x[a]!;
      }
      if (Math.abs(sum - target) >= observedDeviation - tolerance) extreme++;
    }
    p[i] = (extreme + 1) / (permutations + 1);
  }
  return p;
}

export type Hotspots = {
  z: Float64Array;
  /** Two-sided normal p-value of z. */
  p: Float64Array;
  /** Benjamini–Hochberg adjusted p. */
  pBh: Float64Array;
  /** 1 where pBh ≤ alpha. */
  significant: Uint8Array;
  /** 1 hot, -1 cold, 0 not significant. */
  direction: Int8Array;
  summary: FdrSummary;
  /** Conditional-permutation pseudo p-values when permutations were asked for, else null. */
  permutationP: Float64Array | null;
};

/**
 * A hot-spot map in one call: Gi* z, its two-sided p, Benjamini–Hochberg at `alpha` (default 0.05) and, when
 * `permutations` > 0, pseudo p-values as a check that does not lean on normality (seed defaults to 0).
 */
export function hotspots(
  values: ArrayLike<number>,
  nb: Neighbours,
  options: { alpha?: number; permutations?: number; seed?: number } = {},
): Hotspots {
  const alpha = options.alpha ?? 0.05;
  const z = getisOrdGiStar(values, nb);
  const n = z.length;
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) p[i] = twoSidedP(z[i]!);
  const summary = fdrSummary(p, alpha);
  const pBh = benjaminiHochberg(p);
  const significant = new Uint8Array(n);
  const direction = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    if (pBh[i]! <= alpha) {
      significant[i] = 1;
      direction[i] = z[i]! > 0 ? 1 : z[i]! < 0 ? -1 : 0;
    }
  }
  const permutations = options.permutations ?? 0;
  const permutationP =
    permutations !== 0 ? giStarPermutationP(values, nb, { permutations, seed: options.seed ?? 0 }) : null;
  return { z, p, pBh, significant, direction, summary, permutationP };
}
