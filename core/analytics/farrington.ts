/**
 * Farrington flexible outbreak detection (Farrington et al. 1996; Noufaily et al. 2013), reproducing
 * R surveillance::farringtonFlexible 1.20.3 for weekly series indexed 1..T (epochAsDate = FALSE, no population
 * offset, powertrans "2/3"), including the numerical quirks that decide its published values:
 * - the GLM is R's IRLS path (see glm.ts): hat values and dispersions use the working weights of the last solve;
 * - after the reweighted refit surveillance overwrites the model's working weights with the Anscombe weights, so the
 *   trend test and the prediction's standard error use the unfloored dispersion Σ ω·r²/df together with the
 *   covariance of the weighted fit, while the bounds use phi = max(1, dispersion of the weighted fit);
 * - the alarm score compares y with the fit on the log scale for nbPlugin and on the response scale for delta.
 * The restatement in ../shared/reference/scripts/farrington_restated.R and README §4 document each step.
 */
import { pnbinomUpper, pnormUpper, ppoisUpper, pt, qnbinom, qnorm, qpois } from './distributions.ts';
import type { GlmDesign, GlmWorkspace, QuasiPoissonFit } from './glm.ts';
import {
  createGlmWorkspace,
  fitQuasiPoisson,
  linkinv,
  predictLink,
  predictLinkVariance,
  quasiDispersion,
} from './glm.ts';

export type FarringtonControl = {
  /** number of past years with reference windows */
  b: number;
  /** half-width of each reference window */
  w: number;
  /** number of seasonal factor levels (1 = no factor, the classic model) */
  noPeriods: number;
  /** weeks t − pastWeeksNotIncluded … t are left out of the fit */
  pastWeeksNotIncluded: number;
  /** Anscombe residuals above this are down-weighted */
  weightsThreshold: number;
  thresholdMethod: 'nbPlugin' | 'delta';
  alpha: number;
  trend: boolean;
  pThresholdTrend: number;
  /** no alarm unless the last limit54[1] weeks hold at least limit54[0] cases */
  limit54: [number, number];
  reweight: boolean;
  /** observations per year */
  freq: number;
  /** 'r-path' reproduces R's IRLS stopping path exactly; 'mle' iterates every GLM to full convergence */
  fit: 'r-path' | 'mle';
};

/** Noufaily et al. (2013) settings, as recommended by surveillance. */
export const NOUFAILY: FarringtonControl = {
  b: 5,
  w: 3,
  noPeriods: 10,
  pastWeeksNotIncluded: 26,
  weightsThreshold: 2.58,
  thresholdMethod: 'nbPlugin',
  alpha: 0.05,
  trend: true,
  pThresholdTrend: 0.05,
  limit54: [5, 4],
  reweight: true,
  freq: 52,
  fit: 'r-path',
};

/** Farrington et al. (1996) settings. */
export const CLASSIC: FarringtonControl = {
  b: 5,
  w: 3,
  noPeriods: 1,
  pastWeeksNotIncluded: 3,
  weightsThreshold: 1,
  thresholdMethod: 'delta',
  alpha: 0.05,
  trend: true,
  pThresholdTrend: 0.05,
  limit54: [5, 4],
  reweight: true,
  freq: 52,
  fit: 'r-path',
};

export type FarringtonRow = {
  t: number;
  /** fitted mean at t; null when limit54 is not met or no model */
  expected: number | null;
  upperbound: number | null;
  alarm: boolean | null;
  trendUsed: boolean | null;
  /** time coefficient per week on the log scale, when the trend was kept */
  trendCoef: number | null;
  phi: number | null;
  pvalue: number | null;
  /** false when no model could be fitted (reported, not hidden); warning says why */
  converged: boolean;
  warning: string | null;
};

/** First t (1-based) with a full set of reference windows. */
export function earliestFarringtonT(control: Partial<FarringtonControl> = {}): number {
  const c = { ...NOUFAILY, ...control };
  return c.b * c.freq + c.w + 1;
}

type FitData = {
  n: number;
  y: Float64Array;
  /** y^(2/3), shared by every fit's Anscombe residuals */
  y23: Float64Array;
  time: Float64Array;
  codes: Int32Array;
  levels: number;
  /** factor level of the current week's label (noPeriods) */
  predLevel: number;
  maxY: number;
};

type OneFit = { model: QuasiPoissonFit; hasTime: boolean; phi: number; phiStar: number };

/**
 * Buffers reused from one week and one call to the next: typed arrays of this size live off the JS heap and cost
 * more to allocate than a GLM iteration. Module-level reuse is safe because farringtonFlexible is synchronous and
 * never re-entered; no result row refers to these buffers.
 */
type Scratch = {
  label: Int32Array;
  y: Float64Array;
  y23: Float64Array;
  time: Float64Array;
  codes: Int32Array;
  anscombe: Float64Array;
  omega: Float64Array;
  /** the unweighted fit */
  first: GlmWorkspace;
  /** the reweighted fit */
  second: GlmWorkspace;
};
let scratch: Scratch | null = null;

function getScratch(span: number): Scratch {
  if (scratch === null || scratch.label.length < span) {
    scratch = {
      label: new Int32Array(span),
      y: new Float64Array(span),
      y23: new Float64Array(span),
      time: new Float64Array(span),
      codes: new Int32Array(span),
      anscombe: new Float64Array(span),
      omega: new Float64Array(span),
      first: scratch?.first ?? createGlmWorkspace(),
      second: scratch?.second ?? createGlmWorkspace(),
    };
  }
  return scratch;
}

/**
 * Runs the detector for each 1-based week t in `range` (each needs b·freq + w + 1 ≤ t ≤ counts.length).
 * Counts must be finite and non-negative.
 */
export function farringtonFlexible(
  counts: ArrayLike<number>,
  range: readonly number[],
  control: Partial<FarringtonControl> = {},
): FarringtonRow[] {
  const c: FarringtonControl = { ...NOUFAILY, ...control };
  validateControl(c);
  const total = counts.length;
  for (let i = 0; i < total; i++) {
    const v = counts[i]!;
    if (!Number.isFinite(v) || v < 0)
      throw new RangeError(`counts[${i}] must be a finite non-negative number`);
  }
  const first = earliestFarringtonT(c);
  const zAlpha = qnorm(1 - c.alpha);
  const rows: FarringtonRow[] = [];
  for (const t of range) {
    if (!Number.isInteger(t) || t < first || t > total) {
      throw new RangeError(`t = ${t} is outside ${first}..${total}`);
    }
    rows.push(detectAt(counts, t, c, zAlpha));
  }
  return rows;
}

function validateControl(c: FarringtonControl): void {
  const ints: Array<[string, number, number]> = [
    ['b', c.b, 1],
    ['w', c.w, 0],
    ['noPeriods', c.noPeriods, 1],
    ['pastWeeksNotIncluded', c.pastWeeksNotIncluded, 0],
    ['freq', c.freq, 1],
  ];
  for (const [name, v, min] of ints) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}`);
  }
  if (c.noPeriods > 1 && c.noPeriods - 1 > c.freq - 2 * c.w - 1) {
    throw new RangeError('noPeriods is too large for the weeks between reference windows');
  }
  if (!(c.alpha > 0 && c.alpha < 1)) throw new RangeError('alpha must be in (0, 1)');
  if (!(c.limit54[0] >= 0 && c.limit54[1] > 0 && Number.isInteger(c.limit54[1]))) {
    throw new RangeError('limit54 must be [cases >= 0, weeks > 0]');
  }
}

function detectAt(counts: ArrayLike<number>, t: number, c: FarringtonControl, zAlpha: number): FarringtonRow {
  const data = fitData(counts, t, c);
  let chosen = fitWithReweighting(data, c.trend, c);
  let doTrend = false;
  if (chosen !== null && chosen.hasTime) {
    const m = chosen.model;
    const tCoef = m.theta[m.levels]!;
    const se = Math.sqrt(chosen.phiStar * m.thetaCovariance[m.levels * m.p + m.levels]!);
    const pTrend = 2 * pt(-Math.abs(tCoef / se), m.dfResidual);
    const predicted = linkinv(predictLink(m, [t], data.predLevel));
    doTrend = c.b >= 3 && pTrend < c.pThresholdTrend && predicted <= data.maxY;
    if (!doTrend) chosen = fitWithReweighting(data, false, c);
  }
  if (chosen === null) {
    return {
      t,
      expected: null,
      upperbound: null,
      alarm: null,
      trendUsed: null,
      trendCoef: null,
      phi: null,
      pvalue: null,
      converged: false,
      warning:
        `The model could not converge with nor without time trend at timepoint ${t} ` +
        `so no result can be given for timepoint ${t}.`,
    };
  }

  const { model, phi, phiStar } = chosen;
  const x = chosen.hasTime ? [t] : [];
  const eta = predictLink(model, x, data.predLevel);
  const seEta = Math.sqrt(phiStar * predictLinkVariance(model, x, data.predLevel));
  const y = counts[t - 1]!;
  let fit: number; // the prediction on the scale surveillance scores against
  let upper: number;
  let prob: number;
  let expected: number;
  if (c.thresholdMethod === 'nbPlugin') {
    fit = eta;
    const mu0 = Math.exp(eta);
    expected = mu0;
    if (mu0 === Number.POSITIVE_INFINITY) {
      upper = Number.NaN;
      prob = Number.NaN;
    } else if (phi > 1) {
      const size = mu0 / (phi - 1);
      upper = qnbinom(1 - c.alpha, size, 1 / phi);
      prob = pnbinomUpper(y - 1, size, 1 / phi);
    } else {
      upper = qpois(1 - c.alpha, mu0);
      prob = ppoisUpper(y - 1, mu0);
    }
  } else {
    const mu0 = linkinv(eta);
    fit = mu0;
    expected = mu0;
    const seMu = seEta * mu0; // predict.glm: se.fit × mu.eta(eta), and mu.eta = linkinv for the log link
    const tau = phi + (seMu * seMu) / mu0;
    const sd = Math.sqrt((4 / 9) * mu0 ** (1 / 3) * tau);
    upper = (mu0 ** (2 / 3) + zAlpha * sd) ** (3 / 2);
    prob = pnormUpper((y ** (2 / 3) - mu0 ** (2 / 3)) / sd);
  }

  let recent = 0;
  for (let s = Math.max(1, t - c.limit54[1] + 1); s <= t; s++) recent += counts[s - 1]!;
  const enough = recent >= c.limit54[0];
  const haveUpper = !Number.isNaN(upper);
  const score = haveUpper ? (y - fit) / (upper - fit) : Number.NaN;
  return {
    t,
    expected: enough && haveUpper ? expected : null,
    upperbound: enough && haveUpper ? upper : null,
    alarm: enough && score > 1 && y !== 0,
    trendUsed: doTrend,
    trendCoef: doTrend ? model.theta[model.levels]! : null,
    phi,
    pvalue: Number.isNaN(prob) ? null : prob,
    converged: true,
    warning: null,
  };
}

/**
 * The weeks in the fit and their labels: noPeriods on the current window and on the windows around t − freq·j,
 * labels 1..noPeriods−1 on near-equal runs between consecutive windows (1 right after the older window), then
 * weeks t − pastWeeksNotIncluded … t removed.
 */
function fitData(counts: ArrayLike<number>, t: number, c: FarringtonControl): FitData {
  const { b, w, freq, noPeriods: p } = c;
  const lo = t - freq * b - w;
  const span = t - lo + 1;
  const buffers = getScratch(span);
  const label = buffers.label.subarray(0, span); // 0 = not in the fit
  label.fill(0);
  for (let s = t - w; s <= t; s++) label[s - lo] = p;
  const period = freq - 2 * w - 1;
  const base = p > 1 ? Math.floor(period / (p - 1)) : 0;
  const rest = p > 1 ? period % (p - 1) : 0;
  for (let i = 1; i <= b; i++) {
    const ref = t - freq * i;
    for (let s = ref - w; s <= ref + w; s++) label[s - lo] = p;
    if (p > 1) {
      let start = ref + w + 1;
      for (let j = 1; j < p; j++) {
        const len = base + (j <= rest ? 1 : 0);
        for (let s = start; s < start + len; s++) label[s - lo] = j;
        start += len;
      }
    }
  }
  for (let s = Math.max(lo, t - c.pastWeeksNotIncluded); s <= t; s++) label[s - lo] = 0;

  let n = 0;
  const present = new Uint8Array(p + 1);
  for (let o = 0; o < span; o++) {
    const l = label[o]!;
    if (l > 0) {
      n++;
      present[l] = 1;
    }
  }
  // R's factor levels are the labels present, ascending; the lowest is the reference.
  const levelOf = new Int32Array(p + 1).fill(-1);
  let levels = 0;
  for (let l = 1; l <= p; l++) if (present[l]) levelOf[l] = levels++;
  if (p > 1 && levelOf[p]! < 0) throw new RangeError('the current label has no week in the fit data');

  const y = buffers.y.subarray(0, n);
  const y23 = buffers.y23.subarray(0, n);
  const time = buffers.time.subarray(0, n);
  const codes = buffers.codes.subarray(0, n);
  let k = 0;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let o = 0; o < span; o++) {
    const l = label[o]!;
    if (l === 0) continue;
    const s = lo + o;
    const v = counts[s - 1]!;
    y[k] = v;
    y23[k] = v ** (2 / 3);
    time[k] = s;
    codes[k] = levelOf[l]!;
    if (v > maxY) maxY = v;
    k++;
  }
  return { n, y, y23, time, codes, levels, predLevel: p > 1 ? levelOf[p]! : 0, maxY };
}

function design(data: FitData, withTime: boolean, c: FarringtonControl): GlmDesign {
  return {
    n: data.n,
    covariates: withTime ? [data.time] : [],
    factor: c.noPeriods > 1 ? { codes: data.codes, levels: data.levels } : null,
  };
}

function glm(
  data: FitData,
  d: GlmDesign,
  c: FarringtonControl,
  weights: Float64Array | null,
  workspace: GlmWorkspace,
): QuasiPoissonFit {
  if (c.fit === 'r-path') return fitQuasiPoisson(data.y, d, { priorWeights: weights, workspace });
  // Fully converged: tight tolerance, then a restart from the solution so that the stored working weights belong
  // to the solution itself.
  const options = { priorWeights: weights, epsilon: 1e-13, maxit: 200, workspace };
  const first = fitQuasiPoisson(data.y, d, options);
  if (!first.converged) return first;
  const start = Array.from(first.coefficients, (v) => (Number.isNaN(v) ? 0 : v));
  return fitQuasiPoisson(data.y, d, { ...options, start });
}

/** surveillance's algo.farrington.fitGLM.flexible: fit, Anscombe residuals, weights, weighted refit. */
function fitWithReweighting(data: FitData, trend: boolean, c: FarringtonControl): OneFit | null {
  let hasTime = trend;
  let d = design(data, hasTime, c);
  const buffers = getScratch(0);
  let model = glm(data, d, c, null, buffers.first);
  if (!model.converged) {
    if (!hasTime) return null;
    hasTime = false;
    d = design(data, false, c);
    model = glm(data, d, c, null, buffers.first);
    if (!model.converged) return null;
  }
  const dispersion0 = quasiDispersion(model);
  if (!c.reweight) return { model, hasTime, phi: rMax1(dispersion0), phiStar: dispersion0 };

  const phi0 = rMax1(dispersion0);
  const n = data.n;
  const s = buffers.anscombe.subarray(0, n);
  for (let i = 0; i < n; i++) {
    const m = model.mu[i]!;
    const anscombe = 1.5 * (data.y23[i]! * m ** (-1 / 6) - Math.sqrt(m));
    s[i] = anscombe / Math.sqrt(phi0 * (1 - model.hat[i]!));
  }
  let denom = 0;
  for (let i = 0; i < n; i++) {
    const si = s[i]!;
    denom += si > c.weightsThreshold ? 1 / (si * si) : 1;
  }
  const gamma = n / denom;
  const omega = buffers.omega.subarray(0, n);
  for (let i = 0; i < n; i++) {
    const si = s[i]!;
    omega[i] = si > c.weightsThreshold ? gamma * (1 / (si * si)) : gamma;
  }
  const weighted = glm(data, d, c, omega, buffers.second);
  return {
    model: weighted,
    hasTime,
    phi: rMax1(quasiDispersion(weighted)),
    phiStar: quasiDispersion(weighted, omega),
  };
}

/** R `max(x, 1)`, which keeps NaN. */
function rMax1(x: number): number {
  return Number.isNaN(x) ? x : Math.max(x, 1);
}
