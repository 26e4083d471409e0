/**
 * A small quasi-Poisson GLM with log link, fitted by iteratively reweighted least squares the way R's `glm.fit` does
 * it (start `mu = y + 0.1`, the deviance-change stopping rule, `maxit`, step halving), because Farrington-type
 * detectors depend on where R's iteration stops and not only on the maximum-likelihood solution.
 *
 * The model is always "intercept + numeric covariates + treatment contrasts of one factor", the only shape the
 * outbreak detectors need, reported in R's column order and parameterisation. Internally the factor is coded as one
 * indicator per level (cell means, no separate intercept) and the covariates are centred. The fitted values are the
 * same, but the normal equations stay well conditioned: with treatment contrasts and an uncentred time index, XᵀWX
 * loses the information about a sparsely weighted reference level to cancellation (boundary fits where a level's
 * mean runs towards 0), and a Cholesky factorisation would then return noise. The one-hot coding also lets XᵀWX be
 * accumulated in O(n·q²) per iteration for q covariates instead of O(n·p²).
 *
 * What R keeps after the loop is reproduced on purpose: the working weights, (XᵀWX)⁻¹ and the hat values belong to
 * the last weighted least-squares solve, whose weights come from the previous iterate's mean, while `mu`, `eta` and
 * the residuals belong to the final iterate.
 */

/** R's `.Machine$double.eps`: the log link's inverse is floored here, as in `make.link("log")`. */
const DOUBLE_EPS = 2.220446049250313e-16;
const LOG_DOUBLE_EPS = Math.log(DOUBLE_EPS);

/**
 * A column this close to the span of the earlier ones (squared residual norm over squared norm) counts as aliased,
 * like a column R's pivoted QR moves out: coefficient NaN (R: NA), left out of the rank. Cholesky cannot resolve R's
 * 1e-11 norm ratio, so the bound is looser; the designs used here never come near it.
 */
const ALIAS_TOLERANCE = 1e-12;

/** Columns: intercept, `covariates` in order, then one 0/1 column per factor level 1..levels−1 (0 is the reference). */
export type GlmDesign = {
  n: number;
  covariates: readonly ArrayLike<number>[];
  factor: { codes: ArrayLike<number>; levels: number } | null;
};

export type GlmOptions = {
  /** R `weights`: prior weights, all 1 when omitted. */
  priorWeights?: ArrayLike<number> | null;
  /** R `glm.control(epsilon)`, default 1e-8. */
  epsilon?: number;
  /** R `glm.control(maxit)`, default 25. */
  maxit?: number;
  /** R `start`: initial coefficients in R's parameterisation, used instead of `mu = y + 0.1`. */
  start?: ArrayLike<number> | null;
  /**
   * Buffers to reuse. The fit's arrays are then views into the workspace, valid until its next use; without one,
   * fresh buffers are allocated (typed arrays of this size live off the JS heap and are slow to allocate).
   */
  workspace?: GlmWorkspace | null;
};

/** Reusable buffers for fitQuasiPoisson; they grow as needed. */
export type GlmWorkspace = { f64: Float64Array; i32: Int32Array; u8: Uint8Array };

export function createGlmWorkspace(): GlmWorkspace {
  return { f64: new Float64Array(0), i32: new Int32Array(0), u8: new Uint8Array(0) };
}

function reserve(ws: GlmWorkspace, f64: number, i32: number, u8: number): void {
  if (ws.f64.length < f64) ws.f64 = new Float64Array(Math.max(f64, 2 * ws.f64.length));
  if (ws.i32.length < i32) ws.i32 = new Int32Array(Math.max(i32, 2 * ws.i32.length));
  if (ws.u8.length < u8) ws.u8 = new Uint8Array(Math.max(u8, 2 * ws.u8.length));
}

export type QuasiPoissonFit = {
  n: number;
  /** number of model-matrix columns */
  p: number;
  /** number of covariates (columns 1..q in R's order) */
  q: number;
  /** number of factor levels (1 without a factor) */
  levels: number;
  rank: number;
  /** R's parameterisation and order; NaN for an aliased column (R: NA) */
  coefficients: Float64Array;
  eta: Float64Array;
  mu: Float64Array;
  /** R `fit$weights`: prior weight × mu of the iterate before the last solve */
  workingWeights: Float64Array;
  /** R `fit$residuals`: (y − mu)/mu at the final iterate */
  workingResiduals: Float64Array;
  /** R `hatvalues()`: from the last solve, set to 1 above 1 − 10·eps as R does */
  hat: Float64Array;
  deviance: number;
  /** observations with positive prior weight minus the rank */
  dfResidual: number;
  converged: boolean;
  iterations: number;
  /** why the iteration stopped early where R's `glm.fit` would stop with an error or a warning, else null */
  failure: string | null;
  /** internal parameterisation: level means then centred-covariate slopes (aliased = 0) */
  theta: Float64Array;
  /** (XᵀWX)⁻¹ of the last solve in the internal parameterisation, p×p row-major, aliased rows/columns 0 */
  thetaCovariance: Float64Array;
  /** covariate centres */
  centres: Float64Array;
};

/** Fits `y ~ design` with family quasipoisson(link = "log") along R's IRLS path. */
export function fitQuasiPoisson(
  y: ArrayLike<number>,
  design: GlmDesign,
  options: GlmOptions = {},
): QuasiPoissonFit {
  const n = design.n;
  const q = design.covariates.length;
  const levels = design.factor ? design.factor.levels : 1;
  const p = levels + q;
  const epsilon = options.epsilon ?? 1e-8;
  const maxit = options.maxit ?? 25;
  if (!Number.isInteger(levels) || levels < 1) throw new RangeError('a factor needs at least one level');
  if (y.length < n) throw new RangeError('y is shorter than the design');

  const ws = options.workspace ?? createGlmWorkspace();
  reserve(ws, n * (9 + q) + 3 * p * p + 4 * p + q, n, p);
  let offset = 0;
  const take = (len: number): Float64Array => {
    const v = ws.f64.subarray(offset, offset + len);
    offset += len;
    return v;
  };
  const yy = take(n);
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    if (!(v >= 0) || !Number.isFinite(v))
      throw new RangeError('quasi-Poisson responses must be finite and >= 0');
    yy[i] = v;
  }
  const prior = take(n);
  if (options.priorWeights) {
    for (let i = 0; i < n; i++) {
      const w = options.priorWeights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError('prior weights must be finite and >= 0');
      prior[i] = w;
    }
  } else prior.fill(1);
  const level = ws.i32.subarray(0, n);
  if (design.factor) {
    const codes = design.factor.codes;
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      if (!(Number.isInteger(c) && c >= 0 && c < levels)) throw new RangeError('factor code out of range');
      level[i] = c;
    }
  } else level.fill(0);
  const centres = take(q);
  const xc = take(n * q); // centred covariates, row-major
  for (let k = 0; k < q; k++) {
    const col = design.covariates[k]!;
    let s = 0;
    for (let i = 0; i < n; i++) s += col[i]!;
    const c = n > 0 ? s / n : 0;
    centres[k] = c;
    for (let i = 0; i < n; i++) xc[i * q + k] = col[i]! - c;
  }

  const m: Model = { n, q, levels, p, level, xc };
  // y·log(y) enters every deviance evaluation; computing it once keeps logarithms out of the iteration.
  const logy = take(n);
  for (let i = 0; i < n; i++) logy[i] = yy[i]! > 0 ? Math.log(yy[i]!) : 0;
  const eta = take(n);
  const mu = take(n);
  const wts = take(n);
  const gram = take(p * p);
  const rhs = take(p);
  const aliased = ws.u8.subarray(0, p);
  aliased.fill(0);
  const theta = take(p);
  theta.fill(0);
  const coefoldBuffer = take(p);
  let coefold: Float64Array | null = null;
  let failure: string | null = null;

  if (options.start) {
    toTheta(options.start, centres, m, theta);
    coefold = coefoldBuffer;
    coefold.set(theta);
    linearPredictor(m, theta, eta);
  } else {
    for (let i = 0; i < n; i++) eta[i] = Math.log(yy[i]! + 0.1);
  }
  let devold = meanAndDeviance(eta, mu, yy, logy, prior, n);
  let dev = devold;
  let converged = false;
  let iterations = 0;

  for (let iter = 1; iter <= maxit; iter++) {
    iterations = iter;
    accumulate(m, mu, eta, yy, prior, wts, gram, rhs);
    if (!choleskySolve(p, gram, rhs, aliased, theta)) {
      // R stops here and keeps the previous coefficients (mu and eta are still theirs).
      if (coefold === null) theta.fill(Number.NaN);
      else theta.set(coefold);
      failure = 'non-finite coefficients';
      break;
    }
    linearPredictor(m, theta, eta);
    dev = meanAndDeviance(eta, mu, yy, logy, prior, n);
    if (!Number.isFinite(dev)) {
      // R halves the step towards the previous coefficients until the deviance is finite (an infinite or NaN mean
      // always makes it so, which covers R's separate validity check of mu for this family).
      if (coefold === null) {
        failure = 'no valid set of coefficients has been found';
        break;
      }
      for (let ii = 1; ii <= maxit && !Number.isFinite(dev); ii++) {
        for (let j = 0; j < p; j++) theta[j] = (theta[j]! + coefold[j]!) / 2;
        linearPredictor(m, theta, eta);
        dev = meanAndDeviance(eta, mu, yy, logy, prior, n);
      }
      if (!Number.isFinite(dev)) {
        failure = 'cannot correct step size';
        break;
      }
    }
    if (Math.abs(dev - devold) / (Math.abs(dev) + 0.1) < epsilon) {
      converged = true;
      break;
    }
    devold = dev;
    coefold = coefoldBuffer;
    coefold.set(theta);
  }

  const cov = take(p * p);
  const inv = take(p * p);
  const rank = inverseFromCholesky(p, gram, aliased, inv, cov);
  const hat = take(n);
  const res = take(n);
  let positive = 0;
  for (let i = 0; i < n; i++) {
    if (prior[i]! > 0) positive++;
    res[i] = (yy[i]! - mu[i]!) / mu[i]!;
    const h = wts[i]! * rowQuadForm(cov, p, level[i]!, xc, i * q, q, levels);
    hat[i] = h > 1 - 10 * DOUBLE_EPS ? 1 : h;
  }
  const coefficients = take(p);
  fromTheta(theta, centres, m, coefficients);
  for (let j = 0; j < p; j++) if (aliased[j]) coefficients[rColumn(j, m)] = Number.NaN;
  return {
    n,
    p,
    q,
    levels,
    rank,
    coefficients,
    eta,
    mu,
    workingWeights: wts,
    workingResiduals: res,
    hat,
    deviance: dev,
    dfResidual: positive - rank,
    converged,
    iterations,
    failure,
    theta,
    thetaCovariance: cov,
    centres,
  };
}

/**
 * R `summary.glm(fit)$dispersion` for an estimated-dispersion family: Σ w·r²/df over w > 0, with r the working
 * residuals and w the working weights unless other weights are given (as when a caller overwrote them).
 */
export function quasiDispersion(
  fit: QuasiPoissonFit,
  weights: ArrayLike<number> = fit.workingWeights,
): number {
  if (fit.dfResidual <= 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < fit.n; i++) {
    const w = weights[i]!;
    if (w > 0) {
      const r = fit.workingResiduals[i]!;
      s += w * r * r;
    }
  }
  return s / fit.dfResidual;
}

/** R `summary.glm(fit)$cov.unscaled`: (XᵀWX)⁻¹ of the last solve in R's parameterisation, p×p row-major. */
export function unscaledCovariance(fit: QuasiPoissonFit): Float64Array {
  // R's coefficients are a linear map of the internal ones, b = Mθ, so Cov(b) = M Cov(θ) Mᵀ.
  const { p, q, levels } = fit;
  const mm = new Float64Array(p * p);
  mm[0] = 1; // intercept = θ_level0 − Σ centre_k·slope_k
  for (let k = 0; k < q; k++) {
    mm[levels + k] = -fit.centres[k]!;
    mm[(1 + k) * p + levels + k] = 1;
  }
  for (let f = 1; f < levels; f++) {
    const r = (q + f) * p;
    mm[r + f] = 1;
    mm[r] = -1;
  }
  const c = fit.thetaCovariance;
  const tmp = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += mm[i * p + k]! * c[k * p + j]!;
      tmp[i * p + j] = s;
    }
  }
  const out = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += tmp[i * p + k]! * mm[j * p + k]!;
      out[i * p + j] = s;
    }
  }
  return out;
}

/** Linear predictor for a new row: covariate values in design order and a factor level (0 = reference). */
export function predictLink(fit: QuasiPoissonFit, covariates: ArrayLike<number>, level: number): number {
  const { q, levels } = fit;
  let e = fit.theta[level]!;
  for (let k = 0; k < q; k++) e += (covariates[k]! - fit.centres[k]!) * fit.theta[levels + k]!;
  return e;
}

/** Unscaled variance x'(XᵀWX)⁻¹x of the linear predictor for a new row (times the dispersion gives se²). */
export function predictLinkVariance(
  fit: QuasiPoissonFit,
  covariates: ArrayLike<number>,
  level: number,
): number {
  const x = new Float64Array(fit.q);
  for (let k = 0; k < fit.q; k++) x[k] = covariates[k]! - fit.centres[k]!;
  return rowQuadForm(fit.thetaCovariance, fit.p, level, x, 0, fit.q, fit.levels);
}

/** R `make.link("log")$linkinv`. */
export function linkinv(eta: number): number {
  const m = Math.exp(eta);
  return m > DOUBLE_EPS ? m : DOUBLE_EPS;
}

type Model = { n: number; q: number; levels: number; p: number; level: Int32Array; xc: Float64Array };

/**
 * mu = linkinv(eta) and the deviance Σ 2·w·(y·log(y/mu) − (y − mu)) (y·log(y/mu) taken as 0 for y = 0), with
 * log(mu) = eta wherever the floor does not apply.
 */
function meanAndDeviance(
  eta: Float64Array,
  mu: Float64Array,
  y: Float64Array,
  logy: Float64Array,
  wt: Float64Array,
  n: number,
): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const e = eta[i]!;
    const ex = Math.exp(e);
    const floored = !(ex > DOUBLE_EPS);
    const mi = floored ? DOUBLE_EPS : ex;
    mu[i] = mi;
    const yi = y[i]!;
    s += yi > 0 ? wt[i]! * (yi * (logy[i]! - (floored ? LOG_DOUBLE_EPS : e)) - (yi - mi)) : mi * wt[i]!;
  }
  return 2 * s;
}

function linearPredictor(m: Model, theta: Float64Array, eta: Float64Array): void {
  const { n, q, levels, level, xc } = m;
  if (q === 0) {
    for (let i = 0; i < n; i++) eta[i] = theta[level[i]!]!;
  } else if (q === 1) {
    const b = theta[levels]!;
    for (let i = 0; i < n; i++) eta[i] = theta[level[i]!]! + xc[i]! * b;
  } else {
    for (let i = 0; i < n; i++) {
      let e = theta[level[i]!]!;
      for (let k = 0; k < q; k++) e += xc[i * q + k]! * theta[levels + k]!;
      eta[i] = e;
    }
  }
}

/**
 * The working weights w = prior·mu (R: prior·mu.eta²/variance) and response z = eta + (y − mu)/mu of the log link,
 * then the lower triangle of XᵀWX and XᵀWz: level indicators first (a diagonal block), then the covariates.
 */
function accumulate(
  m: Model,
  mu: Float64Array,
  eta: Float64Array,
  y: Float64Array,
  prior: Float64Array,
  w: Float64Array,
  gram: Float64Array,
  rhs: Float64Array,
): void {
  const { n, q, levels, p, level, xc } = m;
  gram.fill(0);
  rhs.fill(0);
  if (q <= 1) {
    // The common cases (with or without a time trend) unrolled.
    const rt = levels * p;
    let sxx = 0;
    let sxz = 0;
    for (let i = 0; i < n; i++) {
      const f = level[i]!;
      const mi = mu[i]!;
      const wi = prior[i]! * mi;
      w[i] = wi;
      const zi = eta[i]! + (y[i]! - mi) / mi;
      gram[f * p + f] = gram[f * p + f]! + wi;
      rhs[f] = rhs[f]! + wi * zi;
      if (q === 1) {
        const x = xc[i]!;
        const wx = wi * x;
        gram[rt + f] = gram[rt + f]! + wx;
        sxx += wx * x;
        sxz += wx * zi;
      }
    }
    if (q === 1) {
      gram[rt + levels] = sxx;
      rhs[levels] = sxz;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const f = level[i]!;
    const mi = mu[i]!;
    const wi = prior[i]! * mi;
    w[i] = wi;
    const zi = eta[i]! + (y[i]! - mi) / mi;
    gram[f * p + f] = gram[f * p + f]! + wi;
    rhs[f] = rhs[f]! + wi * zi;
    const o = i * q;
    for (let a = 0; a < q; a++) {
      const wa = wi * xc[o + a]!;
      const r = (levels + a) * p;
      rhs[levels + a] = rhs[levels + a]! + wa * zi;
      gram[r + f] = gram[r + f]! + wa;
      for (let b = 0; b <= a; b++) gram[r + levels + b] = gram[r + levels + b]! + wa * xc[o + b]!;
    }
  }
}

/**
 * In-place Cholesky of the lower triangle of `a`, then the solve into `x`. A column whose pivot collapses is aliased
 * (coefficient 0 during the iteration, as R's pivoted QR leaves it). False when the solution is not finite.
 */
function choleskySolve(
  p: number,
  a: Float64Array,
  rhs: Float64Array,
  aliased: Uint8Array,
  x: Float64Array,
): boolean {
  for (let j = 0; j < p; j++) {
    const rj = j * p;
    const ajj = a[rj + j]!;
    let s = ajj;
    for (let k = 0; k < j; k++) s -= a[rj + k]! * a[rj + k]!;
    if (!(ajj > 0) || !(s > ALIAS_TOLERANCE * ajj)) {
      aliased[j] = 1;
      for (let i = j; i < p; i++) a[i * p + j] = 0;
      continue;
    }
    aliased[j] = 0;
    const l = Math.sqrt(s);
    a[rj + j] = l;
    for (let i = j + 1; i < p; i++) {
      const ri = i * p;
      let t = a[ri + j]!;
      for (let k = 0; k < j; k++) t -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = t / l;
    }
  }
  for (let i = 0; i < p; i++) {
    if (aliased[i]) {
      x[i] = 0;
      continue;
    }
    let t = rhs[i]!;
    const ri = i * p;
    for (let k = 0; k < i; k++) t -= a[ri + k]! * x[k]!;
    x[i] = t / a[ri + i]!;
  }
  for (let i = p - 1; i >= 0; i--) {
    if (aliased[i]) continue;
    let t = x[i]!;
    for (let k = i + 1; k < p; k++) t -= a[k * p + i]! * x[k]!;
    x[i] = t / a[i * p + i]!;
  }
  for (let i = 0; i < p; i++) if (!Number.isFinite(x[i]!)) return false;
  return true;
}

/** (LLᵀ)⁻¹ from the factor left in `a` by choleskySolve; returns the rank. */
function inverseFromCholesky(
  p: number,
  a: Float64Array,
  aliased: Uint8Array,
  inv: Float64Array,
  out: Float64Array,
): number {
  inv.fill(0); // becomes L⁻¹, lower triangular
  let rank = 0;
  for (let j = 0; j < p; j++) {
    if (aliased[j]) continue;
    rank++;
    inv[j * p + j] = 1 / a[j * p + j]!;
    for (let i = j + 1; i < p; i++) {
      if (aliased[i]) continue;
      let t = 0;
      for (let k = j; k < i; k++) t -= a[i * p + k]! * inv[k * p + j]!;
      inv[i * p + j] = t / a[i * p + i]!;
    }
  }
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let t = 0;
      for (let k = i; k < p; k++) t += inv[k * p + i]! * inv[k * p + j]!;
      out[i * p + j] = t;
      out[j * p + i] = t;
    }
  }
  return rank;
}

/** xᵀCx for x = indicator of level f plus centred covariates x[o..o+q) in columns levels..levels+q−1. */
function rowQuadForm(
  c: Float64Array,
  p: number,
  f: number,
  x: Float64Array,
  o: number,
  q: number,
  levels: number,
) {
  let s = c[f * p + f]!;
  for (let a = 0; a < q; a++) {
    const xa = x[o + a]!;
    const r = (levels + a) * p;
    let t = 2 * c[r + f]!;
    for (let b = 0; b < q; b++) t += c[r + levels + b]! * x[o + b]!;
    s += xa * t;
  }
  return s;
}

/** Column of R's model matrix that internal column j describes (the reference level's mean maps to the intercept). */
function rColumn(j: number, m: Model): number {
  if (j === 0) return 0;
  if (j < m.levels) return m.q + j;
  return 1 + j - m.levels;
}

function toTheta(start: ArrayLike<number>, centres: Float64Array, m: Model, theta: Float64Array): void {
  const { p, q, levels } = m;
  if (start.length !== p) throw new RangeError(`start must have ${p} coefficients`);
  // η = b0 + Σ b_k x_k + δ_f = (b0 + δ_f + Σ b_k c_k) + Σ b_k (x_k − c_k)
  let base = start[0]!;
  for (let k = 0; k < q; k++) {
    base += start[1 + k]! * centres[k]!;
    theta[levels + k] = start[1 + k]!;
  }
  theta[0] = base;
  for (let f = 1; f < levels; f++) theta[f] = base + start[q + f]!;
}

function fromTheta(theta: Float64Array, centres: Float64Array, m: Model, b: Float64Array): void {
  const { q, levels } = m;
  let b0 = theta[0]!;
  for (let k = 0; k < q; k++) {
    b[1 + k] = theta[levels + k]!;
    b0 -= theta[levels + k]! * centres[k]!;
  }
  b[0] = b0;
  for (let f = 1; f < levels; f++) b[q + f] = theta[f]! - theta[0]!;
}
