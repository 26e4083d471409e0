import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  averageRanks,
  compositeIndex,
  sampleSkewKurtosis,
  indexUncertainty,
  type Aggregation,
  type IndexSpec,
  type Normalisation,
  type OutlierTreatment,
} from './indices.ts';

// Five areas, two indicators. A (weight 1) counts something good; B (weight 3) something bad, so direction −1.
// A = [10, 20, 30, 90, 40]; B = [2, 4, 0, 3, 1], oriented −B = [−2, −4, 0, −3, −1].
const values = { a: [10, 20, 30, 90, 40], b: [2, 4, 0, 3, 1] };
function spec(
  normalisation: Normalisation,
  aggregation: Aggregation,
  outliers: OutlierTreatment = 'none',
): IndexSpec {
  return {
    key: 'resilience',
    indicators: [
      { key: 'a', weight: 1, direction: 1 },
      { key: 'b', weight: 3, direction: -1 },
    ],
    outliers,
    normalisation,
    aggregation,
  };
}

// Normalised by hand.
// minmax: A (x − 10)/80·100; −B (x + 4)/4·100.
const minmaxA = [0, 12.5, 25, 100, 37.5];
const minmaxB = [50, 0, 100, 25, 75];
// rank: ranks of A 1,2,3,5,4 and of −B 3,1,5,2,4, then 100·(r − 1)/4.
const rankA = [0, 25, 50, 100, 75];
const rankB = [50, 0, 100, 25, 75];
// zscore: A mean 38, deviations −28, −18, −8, 52, 2, Σd² = 3880, sd = √(3880/4) = √970;
// −B mean −2, deviations 0, −2, 2, −1, 1, Σd² = 10, sd = √2.5.
const zA = [-28, -18, -8, 52, 2].map((d) => d / Math.sqrt(970));
const zB = [0, -2, 2, -1, 1].map((d) => d / Math.sqrt(2.5));

const arithmetic = (a: number[], b: number[]) => a.map((x, i) => (1 * x + 3 * b[i]!) / 4);
const geometric = (ya: number[], yb: number[]) =>
  ya.map((x, i) => Math.pow(x, 1 / 4) * Math.pow(yb[i]!, 3 / 4));
const shift100 = (x: number[]) => x.map((v) => 1 + 0.99 * v);
const shiftMin = (x: number[]) => x.map((v) => v - Math.min(...x) + 1);

const expectClose = (actual: ArrayLike<number>, expected: number[], digits = 12) => {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, digits);
};

describe('compositeIndex: every normalisation × aggregation by hand', () => {
  const cases: Array<{
    normalisation: Normalisation;
    aggregation: Aggregation;
    a: number[];
    b: number[];
    score: number[];
    rank: number[];
  }> = [
    // (0+150)/4, (12.5+0)/4, (25+300)/4, (100+75)/4, (37.5+225)/4
    {
      normalisation: 'minmax',
      aggregation: 'arithmetic',
      a: minmaxA,
      b: minmaxB,
      score: [37.5, 3.125, 81.25, 43.75, 65.625],
      rank: [4, 5, 1, 3, 2],
    },
    {
      normalisation: 'minmax',
      aggregation: 'geometric',
      a: minmaxA,
      b: minmaxB,
      // y: A 1, 13.375, 25.75, 100, 38.125; B 50.5, 1, 100, 25.75, 75.25
      score: geometric(shift100(minmaxA), shift100(minmaxB)),
      rank: [4, 5, 1, 3, 2],
    },
    {
      normalisation: 'rank',
      aggregation: 'arithmetic',
      a: rankA,
      b: rankB,
      score: [37.5, 6.25, 87.5, 43.75, 75],
      rank: [4, 5, 1, 3, 2],
    },
    {
      normalisation: 'rank',
      aggregation: 'geometric',
      a: rankA,
      b: rankB,
      score: geometric(shift100(rankA), shift100(rankB)),
      rank: [4, 5, 1, 3, 2],
    },
    {
      normalisation: 'zscore',
      aggregation: 'arithmetic',
      a: zA,
      b: zB,
      score: arithmetic(zA, zB),
      rank: [4, 5, 1, 3, 2],
    },
    {
      normalisation: 'zscore',
      aggregation: 'geometric',
      a: zA,
      b: zB,
      score: geometric(shiftMin(zA), shiftMin(zB)),
      rank: [4, 5, 1, 3, 2],
    },
  ];

  for (const c of cases) {
    it(`${c.normalisation} + ${c.aggregation}`, () => {
      const result = compositeIndex(values, spec(c.normalisation, c.aggregation));
      expect(result.key).toBe('resilience');
      expect(result.areas).toBe(5);
      expectClose(result.normalised.a!, c.a);
      expectClose(result.normalised.b!, c.b);
      expectClose(result.score, c.score);
      expect(Array.from(result.rank)).toEqual(c.rank);
      expect(Array.from(result.missing)).toEqual([0, 0, 0, 0, 0]);
      // Every score can be traced back: the contributions add up to it.
      for (let i = 0; i < 5; i++)
        expect(result.contribution.a![i]! + result.contribution.b![i]!).toBeCloseTo(result.score[i]!, 12);
    });
  }

  it('checks the hand-computed geometric minmax scores are what the spec promises', () => {
    // Area 2 (index 1): y_A = 1 + 0.99·12.5 = 13.375, y_B = 1 → 13.375^(1/4).
    const result = compositeIndex(values, spec('minmax', 'geometric'));
    expect(result.score[1]).toBeCloseTo(Math.pow(13.375, 0.25), 12);
    // Area 4: y_A = 100, y_B = 25.75 → 100^(1/4)·25.75^(3/4).
    expect(result.score[3]).toBeCloseTo(Math.pow(100, 0.25) * Math.pow(25.75, 0.75), 12);
  });
});

describe('compositeIndex: contributions', () => {
  it('are the weighted normalised values for arithmetic aggregation', () => {
    const result = compositeIndex(values, spec('minmax', 'arithmetic'));
    expectClose(
      result.contribution.a!,
      minmaxA.map((x) => x / 4),
    );
    expectClose(
      result.contribution.b!,
      minmaxB.map((x) => (3 * x) / 4),
    );
  });

  it('split a geometric score in proportion to the weighted logarithms', () => {
    const result = compositeIndex(values, spec('minmax', 'geometric'));
    // Area 1: y_A = 1 contributes nothing, all of the score comes from B.
    expect(result.contribution.a![0]).toBe(0);
    expect(result.contribution.b![0]).toBeCloseTo(result.score[0]!, 12);
    // Area 5: shares ∝ 1·ln(38.125) and 3·ln(75.25).
    const la = Math.log(38.125);
    const lb = 3 * Math.log(75.25);
    expect(result.contribution.a![4]).toBeCloseTo((result.score[4]! * la) / (la + lb), 12);
  });
});

describe('compositeIndex: direction and weights', () => {
  it('direction −1 reverses the order of a single indicator', () => {
    const x = { x: [3, 9, 1, 7, 5] };
    const up = compositeIndex(x, {
      key: 'k',
      indicators: [{ key: 'x', weight: 1, direction: 1 }],
      outliers: 'none',
      normalisation: 'minmax',
      aggregation: 'arithmetic',
    });
    const down = compositeIndex(x, {
      key: 'k',
      indicators: [{ key: 'x', weight: 1, direction: -1 }],
      outliers: 'none',
      normalisation: 'minmax',
      aggregation: 'arithmetic',
    });
    expect(Array.from(up.rank)).toEqual([4, 1, 5, 2, 3]);
    expect(Array.from(down.rank)).toEqual([2, 5, 1, 4, 3]);
    expectClose(up.score, [25, 100, 0, 75, 50]);
    expectClose(down.score, [75, 0, 100, 25, 50]);
  });

  it('weights decide between indicators that disagree', () => {
    const x = { p: [0, 10], q: [10, 0] };
    const build = (wp: number, wq: number) =>
      compositeIndex(x, {
        key: 'k',
        indicators: [
          { key: 'p', weight: wp, direction: 1 },
          { key: 'q', weight: wq, direction: 1 },
        ],
        outliers: 'none',
        normalisation: 'minmax',
        aggregation: 'arithmetic',
      });
    expectClose(build(1, 1).score, [50, 50]);
    expect(Array.from(build(1, 1).rank)).toEqual([1, 2]); // tie → earlier area first
    expectClose(build(3, 1).score, [25, 75]);
    expect(Array.from(build(3, 1).rank)).toEqual([2, 1]);
    expectClose(build(1, 3).score, [75, 25]);
    // Only ratios matter.
    expectClose(build(30, 10).score, [25, 75]);
  });
});

describe('compositeIndex: missing values', () => {
  it('re-weights over the indicators an area has and flags it', () => {
    const withGap = { a: [10, 20, 30, 90, 40], b: [2, null, 0, 3, 1] };
    const result = compositeIndex(withGap, spec('minmax', 'arithmetic'));
    expect(Array.from(result.missing)).toEqual([0, 1, 0, 0, 0]);
    // B is normalised over the four areas that have it: −B = −2, ·, 0, −3, −1 → min −3, max 0.
    expectClose(
      Array.from(result.normalised.b!).filter((_, i) => i !== 1),
      [(100 * 1) / 3, 100, 0, (100 * 2) / 3],
    );
    expect(Number.isNaN(result.normalised.b![1])).toBe(true);
    // Area 2 rests on A alone: its score is its A value, 12.5, not dragged down by a zero for B.
    expect(result.score[1]).toBeCloseTo(12.5, 12);
    expect(result.contribution.b![1]).toBe(0);
    expect(result.contribution.a![1]).toBeCloseTo(12.5, 12);
    // Area 1: (0 + 3·100/3)/4 = 25.
    expect(result.score[0]).toBeCloseTo(25, 12);
    for (const s of result.score) expect(Number.isFinite(s)).toBe(true);
  });

  it('treats NaN and infinities as no value, like null', () => {
    const a = compositeIndex({ a: [1, 2, 3], b: [1, NaN, 2] }, spec('rank', 'geometric'));
    const b = compositeIndex({ a: [1, 2, 3], b: [1, Infinity, 2] }, spec('rank', 'geometric'));
    const c = compositeIndex({ a: [1, 2, 3], b: [1, null, 2] }, spec('rank', 'geometric'));
    expect(Array.from(a.score)).toEqual(Array.from(c.score));
    expect(Array.from(b.score)).toEqual(Array.from(c.score));
    expect(Array.from(c.missing)).toEqual([0, 1, 0]);
  });

  it('refuses an area with no value at all instead of inventing a score', () => {
    expect(() => compositeIndex({ a: [1, null, 3], b: [1, null, 2] }, spec('minmax', 'arithmetic'))).toThrow(
      /no value for any indicator/,
    );
  });

  it('rejects malformed specs', () => {
    expect(() => compositeIndex({ a: [1, 2], b: [1] }, spec('minmax', 'arithmetic'))).toThrow(/one per area/);
    expect(() => compositeIndex({ a: [1, 2] }, spec('minmax', 'arithmetic'))).toThrow(
      /no values for indicator b/,
    );
    const zero = spec('minmax', 'arithmetic');
    zero.indicators[0]!.weight = 0;
    expect(() => compositeIndex(values, zero)).toThrow(/weight > 0/);
    expect(() => compositeIndex(values, { ...spec('minmax', 'arithmetic'), indicators: [] })).toThrow(
      /at least one/,
    );
  });

  it('gives a constant indicator the middle of the scale', () => {
    const flat = compositeIndex({ a: [5, 5, 5], b: [1, 2, 3] }, spec('minmax', 'arithmetic'));
    expectClose(flat.normalised.a!, [50, 50, 50]);
    const z = compositeIndex({ a: [5, 5, 5], b: [1, 2, 3] }, spec('zscore', 'geometric'));
    expectClose(z.normalised.a!, [0, 0, 0]);
    for (const s of z.score) expect(Number.isFinite(s)).toBe(true);
  });
});

describe('compositeIndex: winsorisation', () => {
  const single = (x: Array<number | null>, outliers: OutlierTreatment, direction: 1 | -1 = 1) =>
    compositeIndex(
      { x },
      {
        key: 'k',
        indicators: [{ key: 'x', weight: 1, direction }],
        outliers,
        normalisation: 'minmax',
        aggregation: 'arithmetic',
      },
    );

  it('clips one extreme value among 20 areas to the next value (skewness > 2 and kurtosis > 3.5)', () => {
    // 1..19 and 1000: G1 ≈ 4.47, G2 ≈ 20 → treated; floor(5% of 20) = 1 point may be clipped: 1000 → 19.
    const x = [...Array.from({ length: 19 }, (_, i) => i + 1), 1000];
    const treated = single(x, 'winsorise');
    const plain = single(x, 'none');
    // Without treatment 1..19 are squeezed into the bottom 2% of the scale; with it they spread over 0..100.
    expect(plain.normalised.x![18]).toBeCloseTo((100 * 18) / 999, 12);
    expect(treated.normalised.x![18]).toBeCloseTo(100, 12);
    expect(treated.normalised.x![19]).toBeCloseTo(100, 12);
    expect(treated.normalised.x![9]).toBeCloseTo((100 * 9) / 18, 12);
  });

  it('clips the low side when the skew is negative, and applies after direction', () => {
    const x = [-1000, ...Array.from({ length: 19 }, (_, i) => i + 1)];
    const treated = single(x, 'winsorise');
    expect(treated.normalised.x![0]).toBeCloseTo(0, 12);
    expect(treated.normalised.x![1]).toBeCloseTo(0, 12);
    expect(treated.normalised.x![10]).toBeCloseTo((100 * 9) / 18, 12);
    // Mirrored by direction −1, the same area is clipped and now sits at the top.
    const mirrored = single(x, 'winsorise', -1);
    expect(mirrored.normalised.x![0]).toBeCloseTo(100, 12);
    expect(mirrored.normalised.x![10]).toBeCloseTo((100 * 9) / 18, 12);
  });

  it('needs both thresholds: skewness > 2 alone or kurtosis > 3.5 alone does not trigger', () => {
    // 87 zeros and 13 ones: G1 ≈ 2.23 but G2 ≈ 3.05.
    const skewedOnly = [...Array.from({ length: 87 }, () => 0), ...Array.from({ length: 13 }, () => 1)];
    const sk = sampleSkewKurtosis(skewedOnly);
    expect(sk.skew).toBeGreaterThan(2);
    expect(sk.kurtosis).toBeLessThan(3.5);
    expect(Array.from(single(skewedOnly, 'winsorise').score)).toEqual(
      Array.from(single(skewedOnly, 'none').score),
    );
    // Symmetric heavy tails, −1000 and 1000 around 1..38: G2 ≈ 19 but G1 ≈ −0.26.
    const heavyOnly = [-1000, ...Array.from({ length: 38 }, (_, i) => i + 1), 1000];
    const hk = sampleSkewKurtosis(heavyOnly);
    expect(Math.abs(hk.skew)).toBeLessThan(2);
    expect(hk.kurtosis).toBeGreaterThan(3.5);
    expect(Array.from(single(heavyOnly, 'winsorise').score)).toEqual(
      Array.from(single(heavyOnly, 'none').score),
    );
  });

  it('leaves well-behaved indicators alone', () => {
    const x = Array.from({ length: 40 }, (_, i) => Math.sqrt(i + 1));
    expect(Array.from(single(x, 'winsorise').score)).toEqual(Array.from(single(x, 'none').score));
  });

  it('never clips more than 5% of the areas per side, and nothing with fewer than 20 areas', () => {
    // Two extreme values among 20: only one may move, so the second stays at its own value 900.
    const x = [...Array.from({ length: 18 }, (_, i) => i + 1), 900, 1000];
    const treated = single(x, 'winsorise');
    // 1000 → 900: the top of the scale is now 900 and 18 sits at (18 − 1)/(900 − 1).
    expect(treated.normalised.x![19]).toBeCloseTo(100, 12);
    expect(treated.normalised.x![18]).toBeCloseTo(100, 12);
    expect(treated.normalised.x![17]).toBeCloseTo((100 * 17) / 899, 12);
    // 19 areas: untouched even though the skew and kurtosis are extreme.
    const small = [...Array.from({ length: 18 }, (_, i) => i + 1), 1000];
    expect(Array.from(single(small, 'winsorise').score)).toEqual(Array.from(single(small, 'none').score));
  });

  it('keeps going point by point while the thresholds are still exceeded, up to the cap', () => {
    // 40 areas: cap 2. Two outliers 5000 and 1000: after 5000 → 1000 the skew is still extreme, so 1000s → 38.
    const x = [...Array.from({ length: 38 }, (_, i) => i + 1), 1000, 5000];
    const treated = single(x, 'winsorise');
    expect(treated.normalised.x![37]).toBeCloseTo(100, 12);
    expect(treated.normalised.x![38]).toBeCloseTo(100, 12);
    expect(treated.normalised.x![39]).toBeCloseTo(100, 12);
    expect(treated.normalised.x![0]).toBeCloseTo(0, 12);
    expect(treated.normalised.x![18]).toBeCloseTo((100 * 18) / 37, 12);
  });
});

describe('sampleSkewKurtosis', () => {
  it('matches the bias-corrected G1 and G2 (Excel SKEW/KURT; reference values from scipy.stats bias=False)', () => {
    const cases: Array<[number[], number, number]> = [
      [
        [...Array.from({ length: 87 }, () => 0), ...Array.from({ length: 13 }, () => 1)],
        2.2340451136054758,
        3.0515977344477667,
      ],
      [[...Array.from({ length: 19 }, (_, i) => i + 1), 1000], 4.4675765755287316, 19.97145854317376],
      [
        [...Array.from({ length: 38 }, (_, i) => i + 1), -1000, 1000],
        -0.2573054942264746,
        19.426709320487006,
      ],
    ];
    for (const [x, skew, kurtosis] of cases) {
      const got = sampleSkewKurtosis(x);
      expect(got.skew).toBeCloseTo(skew, 12);
      expect(got.kurtosis).toBeCloseTo(kurtosis, 11);
    }
    expect(Number.isNaN(sampleSkewKurtosis([1, 2, 3]).skew)).toBe(true);
    expect(sampleSkewKurtosis([4, 4, 4, 4, NaN])).toEqual({ skew: 0, kurtosis: 0 });
  });
});

describe('averageRanks', () => {
  it('gives ties the average of their ranks and skips NaN', () => {
    expect(Array.from(averageRanks([30, 10, 20, 10, NaN, 30]))).toEqual([4.5, 1.5, 3, 1.5, NaN, 4.5]);
  });
});

describe('indexUncertainty', () => {
  // Area 0 is best on every indicator; the others disagree among themselves.
  const data = {
    a: [100, 40, 60, 20, 55, 30],
    b: [90, 70, 10, 50, 30, 60],
    c: [95, 20, 80, 60, 40, 70],
  };
  const base: IndexSpec = {
    key: 'k',
    indicators: [
      { key: 'a', weight: 2, direction: 1 },
      { key: 'b', weight: 1, direction: 1 },
      { key: 'c', weight: 1, direction: 1 },
    ],
    outliers: 'none',
    normalisation: 'minmax',
    aggregation: 'arithmetic',
  };

  it('is deterministic per seed and bands every area p05 ≤ median ≤ p95', () => {
    const one = indexUncertainty(data, base, { runs: 300, seed: 7 });
    const two = indexUncertainty(data, base, { runs: 300, seed: 7 });
    expect(Array.from(one.medianRank)).toEqual(Array.from(two.medianRank));
    expect(Array.from(one.p05Rank)).toEqual(Array.from(two.p05Rank));
    expect(Array.from(one.p95Rank)).toEqual(Array.from(two.p95Rank));
    expect(one.runs).toBe(300);
    for (let i = 0; i < 6; i++) {
      expect(one.p05Rank[i]).toBeLessThanOrEqual(one.medianRank[i]!);
      expect(one.medianRank[i]).toBeLessThanOrEqual(one.p95Rank[i]!);
      expect(one.p05Rank[i]).toBeGreaterThanOrEqual(1);
      expect(one.p95Rank[i]).toBeLessThanOrEqual(6);
    }
    expect(Array.from(one.nominalRank)).toEqual(Array.from(compositeIndex(data, base).rank));
  });

  it('gives an area that dominates every indicator a band at rank 1, while disputed areas move', () => {
    const result = indexUncertainty(data, base, { runs: 500, seed: 11 });
    expect(result.p05Rank[0]).toBe(1);
    expect(result.medianRank[0]).toBe(1);
    expect(result.p95Rank[0]).toBe(1);
    expect(result.nominalRank[0]).toBe(1);
    // The others trade places under different choices: at least one has a band wider than one rank.
    let widest = 0;
    for (let i = 1; i < 6; i++) widest = Math.max(widest, result.p95Rank[i]! - result.p05Rank[i]!);
    expect(widest).toBeGreaterThanOrEqual(1);
  });

  it('collapses to the nominal ranks when nothing is left to vary', () => {
    const result = indexUncertainty(data, base, {
      runs: 50,
      seed: 3,
      normalisations: ['minmax'],
      aggregations: ['arithmetic'],
      outliers: ['none'],
      weightJitter: 0,
    });
    expect(Array.from(result.medianRank)).toEqual(Array.from(result.nominalRank));
    expect(Array.from(result.p05Rank)).toEqual(Array.from(result.nominalRank));
    expect(Array.from(result.p95Rank)).toEqual(Array.from(result.nominalRank));
  });

  it('depends on the seed', () => {
    const a = indexUncertainty(data, base, { runs: 40, seed: 1 });
    const b = indexUncertainty(data, base, { runs: 40, seed: 2 });
    const differs =
      Array.from(a.medianRank).some((v, i) => v !== b.medianRank[i]) ||
      Array.from(a.p05Rank).some((v, i) => v !== b.p05Rank[i]) ||
      Array.from(a.p95Rank).some((v, i) => v !== b.p95Rank[i]);
    expect(differs).toBe(true);
  });

  it('rejects bad options', () => {
    expect(() => indexUncertainty(data, base, { runs: 0, seed: 1 })).toThrow(/runs/);
    expect(() => indexUncertainty(data, base, { runs: 5, seed: 1, weightJitter: 1 })).toThrow(/weightJitter/);
    expect(() => indexUncertainty(data, base, { runs: 5, seed: 1, normalisations: [] })).toThrow(
      /normalisations/,
    );
  });
});

describe('compositeIndex: properties', () => {
  it('scores are finite and ranks a permutation of 1..n, for any choices and gaps', () => {
    const value = fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: null, freq: 5 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 25 }).chain((n) =>
          fc.record({
            columns: fc.array(fc.array(value, { minLength: n, maxLength: n }), {
              minLength: 1,
              maxLength: 4,
            }),
            weights: fc.array(fc.double({ min: 0.01, max: 10, noNaN: true }), { minLength: 4, maxLength: 4 }),
            directions: fc.array(fc.constantFrom<1 | -1>(1, -1), { minLength: 4, maxLength: 4 }),
            normalisation: fc.constantFrom<Normalisation>('minmax', 'zscore', 'rank'),
            aggregation: fc.constantFrom<Aggregation>('arithmetic', 'geometric'),
            outliers: fc.constantFrom<OutlierTreatment>('none', 'winsorise'),
          }),
        ),
        ({ columns, weights, directions, normalisation, aggregation, outliers }) => {
          const n = columns[0]!.length;
          // Every area needs at least one value: fill the first indicator where all are missing.
          for (let i = 0; i < n; i++) if (columns.every((c) => c[i] === null)) columns[0]![i] = i;
          const input: Record<string, Array<number | null>> = {};
          columns.forEach((c, k) => (input[`i${k}`] = c));
          const result = compositeIndex(input, {
            key: 'p',
            indicators: columns.map((_, k) => ({
              key: `i${k}`,
              weight: weights[k]!,
              direction: directions[k]!,
            })),
            outliers,
            normalisation,
            aggregation,
          });
          for (const s of result.score) expect(Number.isFinite(s)).toBe(true);
          expect(Array.from(result.rank).sort((a, b) => a - b)).toEqual(
            Array.from({ length: n }, (_, i) => i + 1),
          );
          // Higher score, better rank.
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++)
              if (result.score[i]! > result.score[j]!) expect(result.rank[i]!).toBeLessThan(result.rank[j]!);
          for (let i = 0; i < n; i++) {
            let sum = 0;
            for (const key of Object.keys(input)) sum += result.contribution[key]![i]!;
            expect(sum).toBeCloseTo(result.score[i]!, 6);
          }
        },
      ),
      { numRuns: 300, seed: 20240 },
    );
  });
});
