import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, fdrSummary } from './fdr.ts';
import { readCsv, reference } from './reference-files.test-support.ts';

/** The textbook definition, O(m²): adjusted p_(k) = min over j ≥ k of m·p_(j)/j, capped at 1. */
function naiveBh(p: readonly number[]): number[] {
  const m = p.length;
  const sorted = [...p].sort((a, b) => a - b);
  return p.map((v) => {
    const rank = sorted.indexOf(v) + 1;
    let best = 1;
    for (let j = rank; j <= m; j++) best = Math.min(best, (m / j) * sorted[j - 1]!);
    return best;
  });
}

describe('benjaminiHochberg (R p.adjust "BH")', () => {
  it('reproduces p_bh of fdr.csv from its p column', () => {
    const rows = readCsv(reference('gistar/fdr.csv'));
    const adjusted = benjaminiHochberg(rows.map((row) => Number(row['p'])));
    let maxRelative = 0;
    rows.forEach((row, i) => {
      const ref = Number(row['p_bh']);
      const deviation = Math.abs(adjusted[i]! - ref);
      expect(deviation, `p_bh of ${row['area']}`).toBeLessThanOrEqual(1e-9 + 1e-6 * ref);
      maxRelative = Math.max(maxRelative, deviation / ref);
      expect(adjusted[i]! <= 0.05 ? 1 : 0).toBe(Number(row['significant_bh']));
    });
    console.info(
      `BH on the reference p: max relative |Δ| = ${maxRelative.toExponential(2)} over ${rows.length}`,
    );
    expect(maxRelative).toBeLessThan(1e-14);
  });

  it('matches worked examples (values from R)', () => {
    // p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02
    const adjusted = benjaminiHochberg([0.01, 0.04, 0.03, 0.005]);
    [0.02, 0.04, 0.04, 0.02].forEach((expected, i) => expect(adjusted[i]).toBeCloseTo(expected, 15));
    // p.adjust(c(0.5, 0.9, 1), "BH") = 1 1 1 (capped), p.adjust(c(0.2, 0.2), "BH") = 0.2 0.2
    expect(Array.from(benjaminiHochberg([0.5, 0.9, 1]))).toEqual([1, 1, 1]);
    expect(Array.from(benjaminiHochberg([0.2, 0.2]))).toEqual([0.2, 0.2]);
    expect(Array.from(benjaminiHochberg([]))).toEqual([]);
  });

  it('keeps missing values missing and leaves them out of m, as R does with NA', () => {
    // p.adjust(c(0.01, NA, 0.02), "BH") = 0.02 NA 0.02
    const adjusted = benjaminiHochberg([0.01, Number.NaN, 0.02]);
    expect(adjusted[0]).toBe(0.02);
    expect(adjusted[1]).toBeNaN();
    expect(adjusted[2]).toBe(0.02);
  });

  it('rejects values that are not p-values', () => {
    expect(() => benjaminiHochberg([0.1, 1.5])).toThrow(RangeError);
    expect(() => benjaminiHochberg([-0.1])).toThrow(RangeError);
  });

  it('equals the textbook definition, never lowers a p-value and keeps the order of p', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 0.01, 0.05, 1)), {
          maxLength: 60,
        }),
        (p) => {
          const adjusted = benjaminiHochberg(p);
          const expected = naiveBh(p);
          p.forEach((v, i) => {
            expect(adjusted[i]).toBeCloseTo(expected[i]!, 14);
            expect(adjusted[i]!).toBeGreaterThanOrEqual(v);
            expect(adjusted[i]!).toBeLessThanOrEqual(1);
            for (let j = 0; j < p.length; j++)
              if (p[j]! < v) expect(adjusted[j]!).toBeLessThanOrEqual(adjusted[i]!);
          });
        },
      ),
    );
  });
});

describe('fdrSummary', () => {
  it('reproduces fdr_summary.csv from the reference p-values', () => {
    const p = readCsv(reference('gistar/fdr.csv')).map((row) => Number(row['p']));
    const [s] = readCsv(reference('gistar/fdr_summary.csv'));
    expect(fdrSummary(p)).toEqual({
      alpha: Number(s!['alpha']),
      m: Number(s!['m']),
      bhK: Number(s!['bh_k']),
      bhThreshold: Number(s!['bh_threshold']),
      bhMaxSignificantP: Number(s!['bh_max_significant_p']),
      esdaK: Number(s!['esda_k']),
      esdaCutoff: Number(s!['esda_cutoff']),
    });
  });

  it('separates the BH rule (≤) from the esda rule (<) on an exact tie', () => {
    // m = 4, alpha = 0.2: the lines k·α/m are 0.05, 0.1, 0.15, 0.2; p_(2) sits exactly on its line.
    const summary = fdrSummary([0.5, 0.1, 0.01, 0.9], 0.2);
    expect(summary.bhK).toBe(2);
    expect(summary.bhThreshold).toBe(0.1);
    expect(summary.bhMaxSignificantP).toBe(0.1);
    expect(summary.esdaK).toBe(1);
    expect(summary.esdaCutoff).toBe(0.05);
  });

  it('reports no discoveries, with α/m as the esda cut-off, when nothing is small enough', () => {
    expect(fdrSummary([0.3, 0.6, 0.9])).toEqual({
      alpha: 0.05,
      m: 3,
      bhK: 0,
      bhThreshold: 0,
      bhMaxSignificantP: null,
      esdaK: 0,
      esdaCutoff: 0.05 / 3,
    });
    expect(fdrSummary([]).bhK).toBe(0);
    expect(() => fdrSummary([0.1], 0)).toThrow(RangeError);
  });

  it('flags exactly the areas whose adjusted p is at most alpha', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 80 }),
        fc.constantFrom(0.01, 0.05, 0.1),
        (p, alpha) => {
          const summary = fdrSummary(p, alpha);
          const adjusted = benjaminiHochberg(p);
          const discoveries = p.filter((_, i) => adjusted[i]! <= alpha).length;
          // Adjusted values round differently from k·α/m only within an ulp of the line.
          const nearLine = p.some((v, i) => Math.abs(adjusted[i]! - alpha) <= 1e-15 && v > 0);
          if (!nearLine) expect(summary.bhK).toBe(discoveries);
          expect(summary.esdaK).toBeLessThanOrEqual(summary.bhK);
        },
      ),
    );
  });
});
