/**
 * EARS C1, C2 and C3 aberration detection (Hutwagner et al., CDC Early Aberration Reporting System): a week is
 * compared with the mean and standard deviation of a short moving baseline of the weeks just before it.
 *
 * Two variants of C3 exist in the wild, so both are offered:
 * - 'cdc' follows the CDC definition: C3 adds up the excess of the C2 statistic over 1 for the current week and the
 *   two weeks before it, so a single large jump is enough to raise the alarm.
 * - 'surveillance' reproduces R `surveillance::earsC` (1.20.3) to the last digits, whose C3 leaves the current
 *   week's term out: a jump only alarms once it is one or two weeks old. Kept for comparison with R users' results.
 * C1 and C2 are the same in both modes.
 *
 * Cost is O(T) per series with no allocation inside the loops (see movingMoments for how the moving mean and
 * standard deviation stay exact).
 */
import { qnorm } from './distributions.ts';

export type EarsMethod = 'C1' | 'C2' | 'C3';
/** 'surveillance' reproduces R surveillance::earsC exactly (its C3 ignores the current week's C2 term); 'cdc' is the CDC definition. */
export type EarsMode = 'surveillance' | 'cdc';
export type EarsOptions = {
  method: EarsMethod;
  /** Number of weeks in the moving baseline (7). */
  baseline?: number;
  /** One-sided level of the normal threshold z = qnorm(1 − alpha) (0.001, for all three methods). */
  alpha?: number;
  /** Floor on the baseline standard deviation, so flat baselines do not alarm on any increase (0.5). */
  minSigma?: number;
  mode?: EarsMode;
};

export const DEFAULT_EARS_MODE: EarsMode = 'cdc';

export type EarsResult = {
  method: EarsMethod;
  mode: EarsMode;
  /** first t (1-based) with a result; rows cover t = firstT..T */
  firstT: number;
  /** Baseline mean per row (for C3 the mean of the week's own C2 baseline). */
  expected: Float64Array;
  upperbound: Float64Array;
  /** 1 when the week alarms, else 0. */
  alarm: Uint8Array;
};

/** Weeks between the end of the C2/C3 baseline and the week tested. */
const GUARD = 2;

/** While n·max(y) ≤ 2^26, n·Σy² and (Σy)² over n integer counts stay below 2^52, so they are exact in a double. */
const EXACT_LIMIT = 2 ** 26;

/**
 * Mean and floored standard deviation (denominator n − 1) of the n weeks ending `lag` weeks before each week
 * u = first .. first + len − 1 (0-based), written to mean[k] and sigma[k] for u = first + k.
 *
 * Integer counts (the usual case) slide an exact running Σy and Σy², so the variance n·Σy² − (Σy)² is an exact
 * integer and each week costs O(1) with a single rounding. Other data get the two-pass formula per week, O(n),
 * because running sums of non-integers would drift.
 */
function movingMoments(
  y: Float64Array,
  first: number,
  len: number,
  lag: number,
  n: number,
  minSigma: number,
  exactIntegers: boolean,
  mean: Float64Array,
  sigma: Float64Array,
): void {
  const denominator = n * (n - 1);
  if (exactIntegers) {
    let sum = 0;
    let squares = 0;
    for (let k = first - lag - n + 1; k <= first - lag; k++) {
      sum += y[k]!;
      squares += y[k]! * y[k]!;
    }
    for (let k = 0; k < len; k++) {
      const sd = Math.sqrt((n * squares - sum * sum) / denominator);
      mean[k] = sum / n;
      sigma[k] = sd > minSigma ? sd : minSigma;
      if (k + 1 === len) break;
      const enter = first + k + 1 - lag;
      const leave = y[enter - n]!;
      sum += y[enter]! - leave;
      squares += y[enter]! * y[enter]! - leave * leave;
    }
    return;
  }
  for (let k = 0; k < len; k++) {
    const from = first + k - lag - n + 1;
    let sum = 0;
    for (let j = from; j < from + n; j++) sum += y[j]!;
    const m = sum / n;
    let ss = 0;
    for (let j = from; j < from + n; j++) {
      const d = y[j]! - m;
      ss += d * d;
    }
    const sd = Math.sqrt(ss / (n - 1));
    mean[k] = m;
    sigma[k] = sd > minSigma ? sd : minSigma;
  }
}

type Counts = { y: Float64Array; integers: boolean; max: number };

function validCounts(counts: ArrayLike<number>): Counts {
  const y = counts instanceof Float64Array ? counts : Float64Array.from(counts);
  let integers = true;
  let max = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!(v >= 0) || v === Infinity)
      throw new RangeError(
        `EARS counts must be finite and non-negative: week t = ${i + 1} has ${String(counts[i])}`,
      );
    if (v > max) max = v;
    if (integers && !Number.isInteger(v)) integers = false;
  }
  return { y, integers, max };
}

/** The week (1-based) from which `method` has a complete baseline. */
function firstTestableT(method: EarsMethod, baseline: number): number {
  if (method === 'C1') return baseline + 1;
  if (method === 'C2') return baseline + GUARD + 1;
  // C3 also needs the C2 statistic of the two weeks before.
  return baseline + GUARD + 3;
}

/**
 * EARS C1/C2/C3 for one series. `counts[t − 1]` is week t. Rows cover t = firstT..T (none when the series is
 * shorter); `alarm` is set when the week's count exceeds `upperbound`, except in the 'cdc' C3 case documented below.
 */
export function earsC(counts: ArrayLike<number>, options: EarsOptions): EarsResult {
  const method = options.method;
  if (method !== 'C1' && method !== 'C2' && method !== 'C3')
    throw new RangeError(`EARS method must be C1, C2 or C3, got ${String(method)}`);
  const mode = options.mode ?? DEFAULT_EARS_MODE;
  if (mode !== 'cdc' && mode !== 'surveillance')
    throw new RangeError(`EARS mode must be 'cdc' or 'surveillance', got ${String(mode)}`);
  const baseline = options.baseline ?? 7;
  // As surveillance::earsC: fewer than 3 weeks make the standard deviation meaningless.
  if (!Number.isInteger(baseline) || baseline < 3)
    throw new RangeError(`EARS baseline must be an integer of at least 3 weeks, got ${baseline}`);
  const alpha = options.alpha ?? 0.001;
  if (!(alpha > 0 && alpha < 1))
    throw new RangeError(`EARS alpha must lie strictly between 0 and 1, got ${alpha}`);
  const minSigma = options.minSigma ?? 0.5;
  // A zero floor would divide by zero on flat baselines (all-zero series) and leave C3 undefined.
  if (!(minSigma > 0) || minSigma === Infinity)
    throw new RangeError(`EARS minSigma must be a finite positive number, got ${minSigma}`);

  const { y, integers, max } = validCounts(counts);
  const exactIntegers = integers && max * baseline <= EXACT_LIMIT;
  const T = y.length;
  const z = qnorm(1 - alpha);
  const firstT = firstTestableT(method, baseline);
  const rows = Math.max(0, T - firstT + 1);
  const expected = new Float64Array(rows);
  const upperbound = new Float64Array(rows);
  const alarm = new Uint8Array(rows);
  const result: EarsResult = { method, mode, firstT, expected, upperbound, alarm };
  if (rows === 0) return result;

  const i0 = firstT - 1; // 0-based index of week firstT
  if (method !== 'C3') {
    // C1's baseline ends the week before; C2's ends GUARD weeks earlier.
    const lag = method === 'C1' ? 1 : GUARD + 1;
    const sigma = new Float64Array(rows);
    movingMoments(y, i0, rows, lag, baseline, minSigma, exactIntegers, expected, sigma);
    for (let r = 0; r < rows; r++) {
      const ub = expected[r]! + z * sigma[r]!;
      upperbound[r] = ub;
      alarm[r] = y[i0 + r]! > ub ? 1 : 0;
    }
    return result;
  }

  // C3 needs the C2 statistic of the two weeks before firstT as well: moments start two weeks early.
  const mean = new Float64Array(rows + 2);
  const sigma = new Float64Array(rows + 2);
  movingMoments(y, i0 - 2, rows + 2, GUARD + 1, baseline, minSigma, exactIntegers, mean, sigma);
  const cdc = mode === 'cdc';
  // Excess of the C2 statistic over 1 in the weeks two and one before the current one.
  let termLag2 = excess(y[i0 - 2]!, mean[0]!, sigma[0]!);
  let termLag1 = excess(y[i0 - 1]!, mean[1]!, sigma[1]!);
  for (let r = 0; r < rows; r++) {
    const i = i0 + r;
    const m = mean[r + 2]!;
    const s = sigma[r + 2]!;
    const yt = y[i]!;
    expected[r] = m;
    if (cdc) {
      const prevSum = termLag2 + termLag1;
      if (prevSum > z) {
        // The two previous weeks alone already exceed z, so every count y_t ≥ 0 alarms: the smallest alarming
        // count would be −∞. Counts cannot be negative, so the bound is clamped to 0 and the alarm forced on;
        // this is the one case where alarm = 1 does not require y_t > upperbound.
        upperbound[r] = 0;
        alarm[r] = 1;
      } else {
        // Smallest y_t whose own term lifts the three-week sum above z; here y_t > ub ⟺ sum > z.
        const ub = m + s * (1 + z - prevSum);
        upperbound[r] = ub;
        alarm[r] = yt > ub ? 1 : 0;
      }
    } else {
      // surveillance's form and evaluation order, clamped at 0 so a zero week never alarms.
      const raw = yt + s * (z - (termLag2 + termLag1));
      const ub = raw > 0 ? raw : 0;
      upperbound[r] = ub;
      alarm[r] = yt > ub ? 1 : 0;
    }
    termLag2 = termLag1;
    termLag1 = excess(yt, m, s);
  }
  return result;
}

/** max(0, C2 statistic − 1), one week's contribution to C3. */
function excess(y: number, mean: number, sigma: number): number {
  const stat = (y - mean) / sigma;
  return stat > 1 ? stat - 1 : 0;
}
