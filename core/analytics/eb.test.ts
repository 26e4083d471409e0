import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { neighboursFromPairs, type Neighbours } from './contiguity.ts';
import { ebGlobal, ebLocal } from './eb.ts';
import { readCsv, reference } from './reference-files.test-support.ts';

const input = readCsv(reference('eb/input.csv'));
const codes = input.map((row) => row['area']!);
const cases = input.map((row) => Number(row['cases']));
const population = input.map((row) => Number(row['population']));
const nb = neighboursFromPairs(
  codes,
  readCsv(reference('gistar/neighbours.csv')).map((row) => [row['area']!, row['neighbour']!] as const),
);

/** Relative deviation as README §7 states it: |Δ| ≤ 1e-9·|ref|, and |Δ| ≤ 1e-20 where the reference is 0. */
function deviation(actual: number, ref: number): number {
  return ref === 0 ? Math.abs(actual) / 1e-20 : Math.abs(actual - ref) / Math.abs(ref);
}

describe('ebGlobal against spdep::EBest (README §7)', () => {
  it('reproduces raw, eb and the prior of every area', () => {
    const result = ebGlobal(cases, population);
    const [params] = readCsv(reference('eb/global_params.csv'));
    const priorMeanDeviation = deviation(result.priorMean, Number(params!['prior_mean_b']));
    const priorVarDeviation = deviation(result.priorVar, Number(params!['prior_var_a']));
    console.info(
      `EBest prior: relative |Δ| b ${priorMeanDeviation.toExponential(2)}, a ${priorVarDeviation.toExponential(2)}`,
    );
    expect(priorMeanDeviation).toBeLessThanOrEqual(1e-9);
    expect(priorVarDeviation).toBeLessThanOrEqual(1e-9);
    const rows = readCsv(reference('eb/global.csv'));
    expect(rows.map((row) => row['area'])).toEqual(codes);
    let maxRaw = 0;
    let maxEb = 0;
    rows.forEach((row, i) => {
      maxRaw = Math.max(maxRaw, deviation(result.raw[i]!, Number(row['raw'])));
      maxEb = Math.max(maxEb, deviation(result.eb[i]!, Number(row['eb'])));
    });
    console.info(
      `EBest: max relative |Δ| raw ${maxRaw.toExponential(2)}, eb ${maxEb.toExponential(2)} (${rows.length})`,
    );
    expect(maxRaw).toBeLessThanOrEqual(1e-9);
    expect(maxEb).toBeLessThanOrEqual(1e-9);
  });

  it('floors a negative prior variance at 0, which leaves every area at the prior mean', () => {
    // Rates identical up to Poisson noise that the b/n̄ term more than explains: s² < b/n̄.
    const result = ebGlobal([10, 11, 9], [1000, 1000, 1000]);
    expect(result.priorVar).toBe(0);
    expect(result.priorMean).toBe(0.01);
    expect(Array.from(result.eb)).toEqual([0.01, 0.01, 0.01]);
  });

  it('gives an area with population 0 a raw rate of 0 and the prior mean, and leaves it out of the prior', () => {
    const withEmpty = ebGlobal([3, 7, 5, 40], [1000, 0, 2000, 5000]);
    const without = ebGlobal([3, 5, 40], [1000, 2000, 5000]);
    expect(withEmpty.priorMean).toBe(without.priorMean);
    expect(withEmpty.priorVar).toBe(without.priorVar);
    expect(withEmpty.raw[1]).toBe(0);
    expect(withEmpty.eb[1]).toBe(withEmpty.priorMean);
    expect(Array.from(withEmpty.eb.filter((_, i) => i !== 1))).toEqual(Array.from(without.eb));
  });

  it('returns zeros, not NaN, when there are no cases or no population at all', () => {
    const noCases = ebGlobal([0, 0, 0], [100, 200, 300]);
    expect([noCases.priorMean, noCases.priorVar, ...noCases.raw, ...noCases.eb]).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    const noPopulation = ebGlobal([1, 2], [0, 0]);
    expect([noPopulation.priorMean, noPopulation.priorVar, ...noPopulation.raw, ...noPopulation.eb]).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
    expect(ebGlobal([], []).eb.length).toBe(0);
  });

  it('rejects negative, non-finite or mismatched inputs', () => {
    expect(() => ebGlobal([1, 2], [10])).toThrow(RangeError);
    expect(() => ebGlobal([-1], [10])).toThrow(/cases 0/);
    expect(() => ebGlobal([1], [Number.POSITIVE_INFINITY])).toThrow(/population 0/);
    expect(() => ebGlobal([Number.NaN], [10])).toThrow(RangeError);
  });
});

describe('ebLocal against spdep::EBlocal(geoda = TRUE) (README §7)', () => {
  it('reproduces raw, eb, prior mean and prior variance of every area', () => {
    const result = ebLocal(cases, population, nb);
    const rows = readCsv(reference('eb/local.csv'));
    expect(rows.map((row) => row['area'])).toEqual(codes);
    const max = { raw: 0, eb: 0, prior_mean: 0, prior_var: 0 };
    let zeroVariance = 0;
    rows.forEach((row, i) => {
      max.raw = Math.max(max.raw, deviation(result.raw[i]!, Number(row['raw'])));
      max.eb = Math.max(max.eb, deviation(result.eb[i]!, Number(row['eb'])));
      max.prior_mean = Math.max(max.prior_mean, deviation(result.priorMean[i]!, Number(row['prior_mean'])));
      max.prior_var = Math.max(max.prior_var, deviation(result.priorVar[i]!, Number(row['prior_var'])));
      if (Number(row['prior_var']) === 0) {
        zeroVariance++;
        expect(result.eb[i]).toBe(result.priorMean[i]);
      }
    });
    console.info(
      `EBlocal: max relative |Δ| ${Object.entries(max)
        .map(([k, v]) => `${k} ${v.toExponential(2)}`)
        .join(', ')} (${rows.length}; ${zeroVariance} with prior_var = 0)`,
    );
    expect(zeroVariance).toBe(33);
    for (const value of Object.values(max)) expect(value).toBeLessThanOrEqual(1e-9);
  });

  it('treats an area with population 0 as absent from its neighbours’ priors and gives it its own prior mean', () => {
    // A path a – b – c – d, where c has no population (but a stray case, which must not count).
    const path = neighboursFromPairs(
      ['a', 'b', 'c', 'd'],
      [
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'd'],
      ],
    );
    const result = ebLocal([4, 9, 2, 6], [1000, 3000, 0, 1500], path);
    // Without c: a – b and d alone.
    const reduced = ebLocal(
      [4, 9, 6],
      [1000, 3000, 1500],
      neighboursFromPairs(['a', 'b', 'd'], [['a', 'b']]),
    );
    expect(result.raw[2]).toBe(0);
    expect(result.priorMean[2]).toBe((9 + 6) / (3000 + 1500));
    expect(result.eb[2]).toBe(result.priorMean[2]);
    for (const [full, small] of [
      [0, 0],
      [1, 1],
      [3, 2],
    ] as const) {
      expect(result.priorMean[full]).toBe(reduced.priorMean[small]);
      expect(result.priorVar[full]).toBe(reduced.priorVar[small]);
      expect(result.eb[full]).toBe(reduced.eb[small]);
    }
  });

  it('gives eb = 0 (not 0/0) where an area and all its neighbours have no cases', () => {
    const path = neighboursFromPairs(
      ['a', 'b', 'c', 'd'],
      [
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'd'],
      ],
    );
    const result = ebLocal([0, 0, 0, 5], [100, 200, 300, 400], path);
    expect(result.priorMean[0]).toBe(0);
    expect(result.priorVar[0]).toBe(0);
    expect(result.eb[0]).toBe(0);
    expect(result.eb[1]).toBe(0);
    for (const v of [...result.eb, ...result.priorMean, ...result.priorVar])
      expect(Number.isNaN(v)).toBe(false);
    // An area whose whole neighbourhood has no population: everything 0.
    const empty = ebLocal([1, 0], [0, 0], neighboursFromPairs(['a', 'b'], [['a', 'b']]));
    expect([...empty.raw, ...empty.eb, ...empty.priorMean, ...empty.priorVar]).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0,
    ]);
  });

  it('rejects a neighbour structure of another size', () => {
    expect(() => ebLocal([1, 2], [10, 20], nb)).toThrow(/158 areas/);
  });
});

/** Random inputs: counts, populations (some 0) and a random symmetric neighbour structure. */
const areasArbitrary = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.record({
    cases: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 })), {
      minLength: n,
      maxLength: n,
    }),
    population: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200_000 })), {
      minLength: n,
      maxLength: n,
    }),
    pairs: fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), {
      maxLength: 3 * n,
    }),
  }),
);

function randomNeighbours(n: number, pairs: ReadonlyArray<readonly [number, number]>): Neighbours {
  const codes = Array.from({ length: n }, (_, i) => String(i));
  return neighboursFromPairs(
    codes,
    pairs.filter(([a, b]) => a !== b).map(([a, b]) => [String(a), String(b)] as const),
  );
}

/** eb within [min(raw, prior), max(raw, prior)], allowing a few ulps of rounding. */
function expectBetween(eb: number, raw: number, prior: number): void {
  const slack = 1e-12 * Math.max(raw, prior);
  expect(eb).toBeGreaterThanOrEqual(Math.min(raw, prior) - slack);
  expect(eb).toBeLessThanOrEqual(Math.max(raw, prior) + slack);
}

describe('EB properties', () => {
  it('never gives a negative or missing rate, and each estimate lies between its raw rate and its prior mean', () => {
    fc.assert(
      fc.property(areasArbitrary, ({ cases, population, pairs }) => {
        const global = ebGlobal(cases, population);
        const local = ebLocal(cases, population, randomNeighbours(cases.length, pairs));
        expect(global.priorVar).toBeGreaterThanOrEqual(0);
        for (let i = 0; i < cases.length; i++) {
          for (const v of [global.raw[i]!, global.eb[i]!, local.raw[i]!, local.eb[i]!, local.priorMean[i]!]) {
            expect(Number.isNaN(v)).toBe(false);
            expect(v).toBeGreaterThanOrEqual(0);
          }
          expect(local.priorVar[i]!).toBeGreaterThanOrEqual(0);
          expectBetween(global.eb[i]!, global.raw[i]!, global.priorMean);
          expectBetween(local.eb[i]!, local.raw[i]!, local.priorMean[i]!);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('shrinks a small population more than a large one with the same raw rate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 2, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 3, maxLength: 20 }),
        (baseCases, factor, others) => {
          // Two areas with the same raw rate, one `factor` times larger, among others of varied rates.
          const cases = [baseCases, baseCases * factor, ...others];
          const population = [1000, 1000 * factor, ...others.map((_, i) => 2000 + 700 * i)];
          const { eb, raw, priorMean } = ebGlobal(cases, population);
          const small = Math.abs(eb[0]! - raw[0]!);
          const large = Math.abs(eb[1]! - raw[1]!);
          expect(small).toBeGreaterThanOrEqual(large - 1e-15);
          expect(Math.abs(eb[0]! - priorMean)).toBeLessThanOrEqual(Math.abs(eb[1]! - priorMean) + 1e-15);
        },
      ),
    );
  });
});
