import { describe, expect, it } from 'vitest';
import { dbinom, pbinom, pbinomUpper, qbeta } from './distributions.ts';
import { rateRatio } from './rate-ratio.ts';

/** |actual − want| ≤ tol·|want| (relative), with exact equality required for 0. */
function expectRelative(actual: number | null, want: number, tol = 1e-9): void {
  expect(actual).not.toBeNull();
  if (want === 0) expect(actual).toBe(0);
  else expect(Math.abs(actual! - want) / Math.abs(want), `${actual} vs ${want}`).toBeLessThanOrEqual(tol);
}

describe('distribution additions against R', () => {
  it('binom.test(30, 40, 0.5): p-value and Clopper–Pearson interval from dbinom/pbinom/qbeta', () => {
    // R: binom.test(30, 40, 0.5)  → p-value 0.0022214337732293673, conf.int 0.58803802… 0.87308520…
    //    qbeta(0.025, 30, 11) = 0.58803801984857007; qbeta(0.975, 31, 10) = 0.87308520106715504
    expectRelative(qbeta(0.025, 30, 11), 0.58803801984857007, 1e-12);
    expectRelative(qbeta(0.975, 31, 10), 0.87308520106715504, 1e-12);
    // R: dbinom(30, 40, 0.5) = 0.00077094275911804245; pbinom(10, 40, 0.5) = 0.0011107168866146837
    expectRelative(dbinom(30, 40, 0.5), 0.00077094275911804245, 1e-12);
    expectRelative(pbinom(10, 40, 0.5), 0.0011107168866146837, 1e-12);
    // R: pbinom(29, 40, 0.5, lower.tail = FALSE) = 0.0011107168866146837
    expectRelative(pbinomUpper(29, 40, 0.5), 0.0011107168866146837, 1e-12);
  });

  it('keeps relative accuracy in a tiny upper tail where 1 − pbinom would round to 0', () => {
    // R: pbinom(90, 100, 0.3, lower.tail = FALSE) = 2.0974011665231128e-37
    expectRelative(pbinomUpper(90, 100, 0.3), 2.0974011665231128e-37, 1e-10);
    expect(1 - pbinom(90, 100, 0.3)).toBe(0);
    expect(pbinomUpper(-1, 10, 0.3)).toBe(1);
    expect(pbinomUpper(10, 10, 0.3)).toBe(0);
  });
});

// Reference values from R 4.2.2, one poisson.test call per case (the same exact conditional test):
//   pt <- poisson.test(c(a, b), c(aD, bD), conf.level = conf)
//   sprintf("%.17g", c(pt$estimate, pt$conf.int, pt$p.value))
// a = after count, b = before count, aD/bD = after/before days.
const R_CASES = [
  {
    a: 30,
    b: 10,
    aD: 7,
    bD: 7,
    conf: 0.95,
    ratio: 3,
    lower: 1.4274084701515846,
    upper: 6.8793017710183255,
    p: 0.0022214337732293673,
  },
  {
    a: 12,
    b: 5,
    aD: 30,
    bD: 90,
    conf: 0.95,
    ratio: 7.2000000000000011,
    lower: 2.3611376825184482,
    upper: 26.087943356040807,
    p: 9.9890166893601621e-5,
  },
  {
    a: 0,
    b: 8,
    aD: 14,
    bD: 28,
    conf: 0.95,
    ratio: 0,
    lower: 0,
    upper: 1.1716663502744864,
    p: 0.058680079256210979,
  },
  {
    a: 6,
    b: 0,
    aD: 7,
    bD: 30,
    conf: 0.95,
    ratio: Infinity,
    lower: 5.0461059673893347,
    upper: Infinity,
    p: 4.5854070639532484e-5,
  },
  {
    a: 530,
    b: 470,
    aD: 365,
    bD: 365,
    conf: 0.95,
    ratio: 1.1276595744680851,
    lower: 0.99408283009377618,
    upper: 1.2794962786776503,
    p: 0.0620231950983633,
  },
  {
    a: 3,
    b: 17,
    aD: 10,
    bD: 20,
    conf: 0.95,
    ratio: 0.35294117647058826,
    lower: 0.066267123113770587,
    upper: 1.2202324709584667,
    p: 0.098083031718828789,
  },
  {
    a: 1,
    b: 1,
    aD: 1,
    bD: 1,
    conf: 0.95,
    ratio: 1,
    lower: 0.012739367083666625,
    upper: 78.496835316262846,
    p: 1,
  },
  {
    a: 9,
    b: 4,
    aD: 28,
    bD: 28,
    conf: 0.9,
    ratio: 2.2500000000000004,
    lower: 0.74636085646963013,
    upper: 7.8758094337571318,
    p: 0.26684570312500017,
  },
  {
    a: 60,
    b: 5,
    aD: 30,
    bD: 60,
    conf: 0.95,
    ratio: 24,
    lower: 9.7332132141520731,
    upper: 76.590195570656789,
    p: 2.674551700341958e-23,
  },
  {
    a: 2600,
    b: 2400,
    aD: 180,
    bD: 185,
    conf: 0.99,
    ratio: 1.1134259259259258,
    lower: 1.0347432638131746,
    upper: 1.1981652069051345,
    p: 0.00014993626790936048,
  },
  {
    a: 4,
    b: 9,
    aD: 21,
    bD: 7,
    conf: 0.95,
    ratio: 0.14814814814814814,
    lower: 0.033337892534101549,
    upper: 0.53081031089501629,
    p: 0.00098912417888641357,
  },
  { a: 0, b: 1, aD: 5, bD: 5, conf: 0.95, ratio: 0, lower: 0, upper: 38.999999999999964, p: 1 },
  {
    a: 7,
    b: 0,
    aD: 1,
    bD: 1,
    conf: 0.8,
    ratio: Infinity,
    lower: 2.5674237942326417,
    upper: Infinity,
    p: 0.015625000000000007,
  },
];

describe('rateRatio against R poisson.test', () => {
  for (const c of R_CASES) {
    it(`after ${c.a} in ${c.aD} days vs before ${c.b} in ${c.bD} days, ${c.conf * 100} %`, () => {
      const r = rateRatio({ beforeCount: c.b, beforeDays: c.bD, afterCount: c.a, afterDays: c.aD }, c.conf);
      expect(r).toMatchObject({
        beforeCount: c.b,
        beforeDays: c.bD,
        afterCount: c.a,
        afterDays: c.aD,
        confidence: c.conf,
        method: 'exact-conditional',
      });
      if (c.ratio === Infinity) expect(r.ratio).toBeNull();
      else expectRelative(r.ratio, c.ratio, 1e-15);
      expectRelative(r.lower, c.lower);
      if (c.upper === Infinity) expect(r.upper).toBeNull();
      else expectRelative(r.upper, c.upper);
      expectRelative(r.pValue, c.p);
    });
  }

  it('matches binom.test(30, 40, 0.5) for equal 7-day windows', () => {
    // R: binom.test(30, 40, 0.5) → p-value = 0.002221, 95 % CI for π (0.5880, 0.8731); RR = π/(1 − π).
    const r = rateRatio({ beforeCount: 10, beforeDays: 7, afterCount: 30, afterDays: 7 });
    expect(r.confidence).toBe(0.95);
    expect(r.ratio).toBe(3);
    expect(r.pValue).toBeCloseTo(0.002221, 6);
    expect(r.lower / (1 + r.lower)).toBeCloseTo(0.588, 4);
    expect(r.upper! / (1 + r.upper!)).toBeCloseTo(0.8731, 4);
  });
});

describe('rateRatio behaviour', () => {
  it('compares rates, not counts, over unequal windows', () => {
    // Same daily rate before and after: ratio 1 and p-value 1 whatever the window lengths.
    const r = rateRatio({ beforeCount: 20, beforeDays: 60, afterCount: 10, afterDays: 30 });
    expect(r.ratio).toBe(1);
    expect(r.pValue).toBe(1);
    expect(r.lower).toBeLessThan(1);
    expect(r.upper!).toBeGreaterThan(1);
  });

  it('is symmetric: swapping before and after inverts the interval and keeps the p-value', () => {
    const ab = rateRatio({ beforeCount: 7, beforeDays: 40, afterCount: 19, afterDays: 25 });
    const ba = rateRatio({ beforeCount: 19, beforeDays: 25, afterCount: 7, afterDays: 40 });
    expectRelative(ba.ratio, 1 / ab.ratio!, 1e-15);
    expectRelative(ba.lower, 1 / ab.upper!, 1e-9);
    expectRelative(ba.upper, 1 / ab.lower, 1e-9);
    expectRelative(ba.pValue, ab.pValue, 1e-9);
  });

  it('narrows with more confidence given up', () => {
    const input = { beforeCount: 14, beforeDays: 28, afterCount: 25, afterDays: 28 };
    const r99 = rateRatio(input, 0.99);
    const r80 = rateRatio(input, 0.8);
    expect(r99.lower).toBeLessThan(r80.lower);
    expect(r99.upper!).toBeGreaterThan(r80.upper!);
    expect(r99.pValue).toBe(r80.pValue);
  });

  it('handles zero counts on either side and on both', () => {
    const noneAfter = rateRatio({ beforeCount: 8, beforeDays: 28, afterCount: 0, afterDays: 14 });
    expect(noneAfter.ratio).toBe(0);
    expect(noneAfter.lower).toBe(0);
    expect(noneAfter.upper).not.toBeNull();
    const noneBefore = rateRatio({ beforeCount: 0, beforeDays: 30, afterCount: 6, afterDays: 7 });
    expect(noneBefore.ratio).toBeNull();
    expect(noneBefore.upper).toBeNull();
    expect(Number.isFinite(noneBefore.lower) && noneBefore.lower > 0).toBe(true);
    const none = rateRatio({ beforeCount: 0, beforeDays: 30, afterCount: 0, afterDays: 7 });
    expect(none).toMatchObject({ ratio: null, lower: 0, upper: null, pValue: 1 });
  });

  it('stays accurate for large counts', () => {
    // R: poisson.test(c(100000, 99000), c(365, 365))$p.value = 0.025127217688360931
    const r = rateRatio({ beforeCount: 99_000, beforeDays: 365, afterCount: 100_000, afterDays: 365 });
    expectRelative(r.pValue, 0.025127217688360931, 1e-7);
  });

  it('rejects invalid input with a clear message', () => {
    const ok = { beforeCount: 1, beforeDays: 7, afterCount: 1, afterDays: 7 };
    expect(() => rateRatio({ ...ok, beforeCount: -1 })).toThrow(/beforeCount must be a non-negative integer/);
    expect(() => rateRatio({ ...ok, afterCount: 2.5 })).toThrow(/afterCount must be a non-negative integer/);
    expect(() => rateRatio({ ...ok, afterCount: NaN })).toThrow(/afterCount/);
    expect(() => rateRatio({ ...ok, beforeDays: 0 })).toThrow(/beforeDays must be a positive number of days/);
    expect(() => rateRatio({ ...ok, afterDays: Infinity })).toThrow(/afterDays/);
    expect(() => rateRatio(ok, 1)).toThrow(/confidence/);
    expect(() => rateRatio(ok, 0)).toThrow(/confidence/);
  });
});
