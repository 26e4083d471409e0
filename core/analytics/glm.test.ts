import { describe, expect, it } from 'vitest';
import {
  createGlmWorkspace,
  fitQuasiPoisson,
  predictLink,
  predictLinkVariance,
  quasiDispersion,
  unscaledCovariance,
} from './glm.ts';

// Expected values: R 4.2.2, printed with sprintf("%.17g"); the R call is quoted above each case.
const REL = 1e-10;

function expectClose(actual: ArrayLike<number>, expected: readonly number[], rel = REL): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (Math.abs(a - e) > rel * Math.max(Math.abs(e), 1e-300)) {
      throw new Error(`index ${i}: ${a} differs from ${e} by more than ${rel} relative`);
    }
  }
}

const seq = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('fitQuasiPoisson', () => {
  // y <- c(2,3,6,7,8,9,10,12,15); m <- glm(y ~ seq(9), family = quasipoisson)
  const yA = [2, 3, 6, 7, 8, 9, 10, 12, 15];
  const designA = { n: 9, covariates: [seq(1, 9)], factor: null };

  it('matches R for a simple trend: coefficients, iterations, deviance, dispersion', () => {
    const fit = fitQuasiPoisson(yA, designA);
    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBe(4); // m$iter
    expect(fit.rank).toBe(2);
    expect(fit.dfResidual).toBe(7);
    expectClose(fit.coefficients, [0.98184503170316106, 0.19483767838527774]);
    expectClose([fit.deviance], [1.5102729633137799]);
    expectClose([quasiDispersion(fit)], [0.20793777128451871]); // summary(m)$dispersion
  });

  it('keeps the working weights, hat values and covariance of the last solve, as R does', () => {
    const fit = fitQuasiPoisson(yA, designA);
    // m$weights are prior × mu of the iterate before the last solve, so they differ from fitted(m) in the 7th digit
    const weights = [
      3.243596898545551, 3.9413390413404068, 4.7891750808368707, 5.8193922710867598, 7.0712232969496274,
      8.5923403314389954, 10.440670485278154, 12.686601784534099, 15.415663684271134,
    ];
    const mu = [
      3.2435963866321758, 3.941338508055074, 4.7891745406730131, 5.8193917457622417, 7.07122281784424,
      8.5923399427462961, 10.440670248066242, 12.686601781960498, 15.415664028260391,
    ];
    expectClose(fit.workingWeights, weights);
    expectClose(fit.mu, mu);
    expect(Math.abs(fit.workingWeights[0]! - fit.mu[0]!)).toBeGreaterThan(1e-7);
    expectClose(
      fit.hat,
      [
        0.26010583380306662, 0.22577590399879877, 0.1878033264892961, 0.15119222355349884,
        0.12434003660013106, 0.12049643419520525, 0.1597424588204891, 0.27165689329865383,
        0.49888688924086033,
      ],
    );
    expectClose(
      unscaledCovariance(fit),
      [0.10793361039982358, -0.015080668439036051, -0.015080668439036051, 0.0024182809579682057],
    );
  });

  // y <- c(4,0,7,3,12,5,9,1,6,10,2,8,14,3,0,11,6,9,4,13,2,7,5,16); tt <- 101:124
  // g <- factor(rep(c(3,1,2), 8)); w <- c(1,.5,2,1,1,.25,1.5,1,1,.75,1,1,2,1,.5,1,1,1,1.25,1,1,.5,1,1)
  // m <- glm(y ~ tt + g, family = quasipoisson, weights = w)
  const yB = [4, 0, 7, 3, 12, 5, 9, 1, 6, 10, 2, 8, 14, 3, 0, 11, 6, 9, 4, 13, 2, 7, 5, 16];
  const wB = [1, 0.5, 2, 1, 1, 0.25, 1.5, 1, 1, 0.75, 1, 1, 2, 1, 0.5, 1, 1, 1, 1.25, 1, 1, 0.5, 1, 1];
  // R's levels are "1","2","3" with "1" the reference; codes are level indices.
  const codesB = Array.from({ length: 24 }, (_, i) => [2, 0, 1][i % 3]!);
  const designB = { n: 24, covariates: [seq(101, 124)], factor: { codes: codesB, levels: 3 } };

  it('matches R with prior weights, a factor and an uncentred time index', () => {
    const fit = fitQuasiPoisson(yB, designB, { priorWeights: wB });
    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBe(5);
    expect(fit.dfResidual).toBe(20);
    // (Intercept), tt, g2, g3
    expectClose(
      fit.coefficients,
      [-0.94471350449473457, 0.023461313015632201, 0.2653640959158039, 0.45488280062754083],
    );
    expectClose([fit.deviance], [64.010063012712962]);
    expectClose([quasiDispersion(fit)], [2.917909495183578]);
    expectClose(
      fit.workingWeights.subarray(0, 4),
      [6.5519448082151275, 2.1280235860981054, 11.36243829766053, 7.0297128508072753],
    );
    expectClose(
      fit.mu.subarray(20),
      [8.6665385479266721, 10.723627494026347, 6.9659082199616815, 9.2985028688807354],
    );
    expectClose(
      fit.hat.subarray(0, 6),
      [
        0.18853748380141874, 0.091386955599951941, 0.38236897455146962, 0.1507865347470482,
        0.15838730669367446, 0.039975451978545185,
      ],
    );
    expectClose(
      unscaledCovariance(fit),
      [
        1.7027857430326208, -0.014703289649158766, -0.025091062111507845, -0.056273470456083448,
        -0.014703289649158766, 0.00012876104069052199, 1.122289192698173e-5, 0.00028429643162386774,
        -0.025091062111507845, 1.122289192698173e-5, 0.041588270180616206, 0.023834293746570361,
        -0.056273470456083448, 0.00028429643162386774, 0.023834293746570361, 0.037682256375774097,
      ],
      1e-9,
    );
  });

  it('predicts the link and its standard error like predict.glm(se.fit = TRUE)', () => {
    // predict(m, newdata = data.frame(tt = 130, g = factor(2, levels = 1:3)), se.fit = TRUE)
    const fit = fitQuasiPoisson(yB, designB, { priorWeights: wB });
    expectClose([predictLink(fit, [130], 1)], [2.3706212834532554]);
    expectClose(
      [Math.sqrt(quasiDispersion(fit) * predictLinkVariance(fit, [130], 1))],
      [0.38316821849705968],
    );
  });

  it('reports non-convergence after maxit iterations, and convergence where R converges', () => {
    // glm(rep(0, 300) ~ seq(300), family = quasipoisson): converged FALSE, iter 25
    const zeros300 = fitQuasiPoisson(new Array(300).fill(0), {
      n: 300,
      covariates: [seq(1, 300)],
      factor: null,
    });
    expect(zeros300.converged).toBe(false);
    expect(zeros300.iterations).toBe(25);
    // glm(rep(0, 30) ~ seq(30), family = quasipoisson): converged TRUE, iter 24, fitted(m)[1] = 3.7751345442788518e-12
    const zeros30 = fitQuasiPoisson(new Array(30).fill(0), { n: 30, covariates: [seq(1, 30)], factor: null });
    expect(zeros30.converged).toBe(true);
    expect(zeros30.iterations).toBe(24);
    expectClose([zeros30.mu[0]!], [3.7751345442788518e-12], 1e-6);
  });

  it('starts from given coefficients', () => {
    // glm(y ~ seq(9), family = quasipoisson, start = c(1, 0.2), control = glm.control(epsilon = 1e-13))
    const fit = fitQuasiPoisson(yA, designA, { start: [1, 0.2], epsilon: 1e-13 });
    expect(fit.iterations).toBe(4);
    expectClose(fit.coefficients, [0.98184503170314974, 0.1948376783852791]);
  });

  it('gives the same fit with a reused workspace', () => {
    const ws = createGlmWorkspace();
    const a = fitQuasiPoisson(yB, designB, { priorWeights: wB, workspace: ws });
    const coefficients = Array.from(a.coefficients);
    fitQuasiPoisson(yA, designA, { workspace: ws });
    const b = fitQuasiPoisson(yB, designB, { priorWeights: wB, workspace: ws });
    expect(Array.from(b.coefficients)).toEqual(coefficients);
  });

  it('rejects invalid input', () => {
    expect(() => fitQuasiPoisson([1, -1], { n: 2, covariates: [], factor: null })).toThrow(RangeError);
    expect(() => fitQuasiPoisson([1, Number.NaN], { n: 2, covariates: [], factor: null })).toThrow(
      RangeError,
    );
    expect(() =>
      fitQuasiPoisson([1, 2], { n: 2, covariates: [], factor: null }, { priorWeights: [1, -2] }),
    ).toThrow(RangeError);
    expect(() =>
      fitQuasiPoisson([1, 2], { n: 2, covariates: [], factor: { codes: [0, 2], levels: 2 } }),
    ).toThrow(RangeError);
  });
});
