import fs from 'node:fs';
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { neighboursFromPairs, queenContiguity, type Neighbours } from './contiguity.ts';
import { getisOrdGiStar, giStarPermutationP, hotspots } from './gistar.ts';
import { readCsv, reference } from './reference-files.test-support.ts';

const values = readCsv(reference('gistar/values.csv'));
const codes = values.map((row) => row['area']!);
const x = values.map((row) => Number(row['value']));
const goldenZ = readCsv(reference('gistar/gistar.csv'));
const fdr = readCsv(reference('gistar/fdr.csv'));
const [summaryRow] = readCsv(reference('gistar/fdr_summary.csv'));

const referenceNeighbours = neighboursFromPairs(
  codes,
  readCsv(reference('gistar/neighbours.csv')).map((row) => [row['area']!, row['neighbour']!] as const),
);

function torontoQueen(): Neighbours {
  const url = new URL('../../demo/toronto/neighbourhoods_158_4326.geojson', import.meta.url);
  const collection = JSON.parse(fs.readFileSync(url, 'utf8')) as FeatureCollection<Polygon | MultiPolygon>;
  const byCode = new Map(
    collection.features.map((f) => [String(f.properties!['AREA_SHORT_CODE']), f.geometry]),
  );
  return queenContiguity(codes.map((code) => byCode.get(code)!));
}

const hotspotCodes = [
  '071',
  '073',
  '074',
  '078',
  '079',
  '095',
  '164',
  '165',
  '166',
  '167',
  '168',
  '169',
  '170',
];

describe('getisOrdGiStar against spdep::localG (README §6)', () => {
  it.each([
    ['the reference neighbour table', () => referenceNeighbours],
    ['queenContiguity of the boundaries', torontoQueen],
  ])('matches every z within 1e-9 with neighbours from %s', (_label, neighbours) => {
    expect(goldenZ.map((row) => row['area'])).toEqual(codes);
    const z = getisOrdGiStar(x, neighbours());
    expect(z.length).toBe(158);
    let maxDeviation = 0;
    goldenZ.forEach((row, i) => {
      maxDeviation = Math.max(maxDeviation, Math.abs(z[i]! - Number(row['z'])));
    });
    console.info(`Gi* z: max |Δ| = ${maxDeviation.toExponential(2)} over ${goldenZ.length} areas`);
    expect(maxDeviation).toBeLessThanOrEqual(1e-9);
  });

  it('gives z = 0 instead of NaN when nothing varies or the variance formula degenerates', () => {
    const nb = neighboursFromPairs(['a', 'b', 'c'], [['a', 'b']]);
    expect(Array.from(getisOrdGiStar([4, 4, 4], nb))).toEqual([0, 0, 0]);
    // Two areas bordering each other: each one's J is the whole map, so z is 0/0.
    const pair = neighboursFromPairs(['a', 'b'], [['a', 'b']]);
    expect(Array.from(getisOrdGiStar([1, 5], pair))).toEqual([0, 0]);
    expect(Array.from(getisOrdGiStar([7], neighboursFromPairs(['a'], [])))).toEqual([0]);
  });

  it('rejects values that do not fit the neighbour structure', () => {
    expect(() => getisOrdGiStar([1, 2], referenceNeighbours)).toThrow(/158 areas/);
    const bad = x.slice();
    bad[3] = Number.NaN;
    expect(() => getisOrdGiStar(bad, referenceNeighbours)).toThrow(/value 3/);
  });
});

describe('hotspots against fdr.csv and fdr_summary.csv (README §6)', () => {
  it.each([
    ['the reference neighbour table', () => referenceNeighbours],
    ['queenContiguity of the boundaries', torontoQueen],
  ])('reproduces p, p_bh, both significance rules, direction and the cut-offs (%s)', (_label, neighbours) => {
    const result = hotspots(x, neighbours());
    expect(fdr.map((row) => row['area'])).toEqual(codes);
    let maxP = 0;
    let maxPBh = 0;
    fdr.forEach((row, i) => {
      const p = Number(row['p']);
      const pBh = Number(row['p_bh']);
      const dp = Math.abs(result.p[i]! - p);
      const dpBh = Math.abs(result.pBh[i]! - pBh);
      expect(dp, `p of ${row['area']}`).toBeLessThanOrEqual(1e-9 + 1e-6 * Math.abs(p));
      expect(dpBh, `p_bh of ${row['area']}`).toBeLessThanOrEqual(1e-9 + 1e-6 * Math.abs(pBh));
      maxP = Math.max(maxP, dp / p);
      maxPBh = Math.max(maxPBh, dpBh / pBh);
      expect(result.significant[i], `significant_bh of ${row['area']}`).toBe(Number(row['significant_bh']));
      const esda = result.p[i]! < result.summary.esdaCutoff ? 1 : 0;
      expect(esda, `significant_esda of ${row['area']}`).toBe(Number(row['significant_esda']));
      const direction = row['direction'] === 'hot' ? 1 : row['direction'] === 'cold' ? -1 : 0;
      expect(result.direction[i], `direction of ${row['area']}`).toBe(direction);
    });
    console.info(
      `Gi* p: max relative |Δ| = ${maxP.toExponential(2)}, p_bh: ${maxPBh.toExponential(2)} over ${fdr.length} areas`,
    );

    const s = summaryRow!;
    expect(result.summary).toEqual({
      alpha: Number(s['alpha']),
      m: Number(s['m']),
      bhK: Number(s['bh_k']),
      bhThreshold: Number(s['bh_threshold']),
      bhMaxSignificantP: result.summary.bhMaxSignificantP,
      esdaK: Number(s['esda_k']),
      esdaCutoff: Number(s['esda_cutoff']),
    });
    const maxSignificant = Number(s['bh_max_significant_p']);
    expect(Math.abs(result.summary.bhMaxSignificantP! - maxSignificant)).toBeLessThanOrEqual(
      1e-9 + 1e-6 * maxSignificant,
    );
    const flagged = codes.filter((_, i) => result.significant[i] === 1);
    expect(flagged).toEqual(hotspotCodes);
    expect(flagged.length).toBe(Number(s['n_significant_bh']));
    expect(result.permutationP).toBeNull();
  });

  it('flags cold spots with direction -1', () => {
    const negated = x.map((v) => -v);
    const result = hotspots(negated, referenceNeighbours);
    const cold = codes.filter((_, i) => result.direction[i] === -1);
    expect(cold).toEqual(hotspotCodes);
    expect(Array.from(result.direction).filter((d) => d === 1)).toEqual([]);
  });

  it('adds permutation p-values when asked', () => {
    const result = hotspots(x, referenceNeighbours, { permutations: 99, seed: 3 });
    expect(result.permutationP).toEqual(
      giStarPermutationP(x, referenceNeighbours, { permutations: 99, seed: 3 }),
    );
  });
});

describe('giStarPermutationP', () => {
  it('is deterministic for a seed and changes with the seed', () => {
    const a = giStarPermutationP(x, referenceNeighbours, { permutations: 199, seed: 42 });
    const b = giStarPermutationP(x, referenceNeighbours, { permutations: 199, seed: 42 });
    const c = giStarPermutationP(x, referenceNeighbours, { permutations: 199, seed: 43 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const p of a) {
      expect(p).toBeGreaterThanOrEqual(1 / 200);
      expect(p).toBeLessThanOrEqual(1);
      // (extreme + 1) / (permutations + 1): a whole number of draws.
      expect(Math.abs(p * 200 - Math.round(p * 200))).toBeLessThan(1e-9);
    }
  });

  it('agrees with the analytic p-values on the Toronto data', () => {
    const permutationP = giStarPermutationP(x, referenceNeighbours, { permutations: 999, seed: 20240101 });
    const analytic = hotspots(x, referenceNeighbours);
    // Every BH hot spot is extreme under randomisation too. 074 (analytic p 0.0025) has only 3 neighbours, where
    // the normal approximation is poor for these skewed counts: its exact conditional p is 0.012 (next test).
    for (const code of hotspotCodes) {
      const i = codes.indexOf(code);
      expect(permutationP[i], `permutation p of ${code}`).toBeLessThan(code === '074' ? 0.05 : 0.01);
    }
    // Areas far from significance stay far from it: no area with analytic p > 0.5 gets a permutation p < 0.05.
    let agreeing = 0;
    for (let i = 0; i < codes.length; i++) {
      if (analytic.p[i]! > 0.5) expect(permutationP[i]!, `area ${codes[i]}`).toBeGreaterThan(0.05);
      if (analytic.p[i]! < 0.05 === permutationP[i]! < 0.05) agreeing++;
    }
    expect(agreeing / codes.length).toBeGreaterThan(0.9);
  });

  it('estimates the exact conditional p-value (all 632,710 neighbour sets of 074 enumerated)', () => {
    const i = codes.indexOf('074');
    const row = Array.from(
      referenceNeighbours.indices.subarray(
        referenceNeighbours.offsets[i]!,
        referenceNeighbours.offsets[i + 1]!,
      ),
    );
    expect(row.length).toBe(3);
    const n = x.length;
    const mean = x.reduce((a, b) => a + b, 0) / n;
    const target = 4 * mean - x[i]!;
    const observed = Math.abs(row.reduce((sum, j) => sum + x[j]!, 0) - target);
    const others = x.filter((_, j) => j !== i);
    let extreme = 0;
    let total = 0;
    for (let a = 0; a < others.length; a++)
      for (let b = a + 1; b < others.length; b++)
        for (let c = b + 1; c < others.length; c++) {
          total++;
          if (Math.abs(others[a]! + others[b]! + others[c]! - target) >= observed - 1e-9) extreme++;
        }
    expect(total).toBe(632_710);
    const exact = extreme / total;
    const permutations = 9999;
    const estimate = giStarPermutationP(x, referenceNeighbours, { permutations, seed: 5 })[i]!;
    const standardError = Math.sqrt((exact * (1 - exact)) / permutations);
    console.info(
      `074: exact conditional p = ${exact.toFixed(5)}, permutation estimate = ${estimate.toFixed(5)}`,
    );
    expect(Math.abs(estimate - exact)).toBeLessThan(4 * standardError);
  });

  it('draws without replacement from the other areas only', () => {
    // Star: centre 0 with 3 neighbours among 4 other areas. Values are distinct powers of two, so each draw's sum
    // identifies its set; with the centre excluded from the pool, every draw of 3 from {1, 2, 3, 4} is one of 4
    // sets, and the observed set {1, 2, 3} (sum 14) is the most extreme: its p is near 1/4 of draws.
    const nb = neighboursFromPairs(
      ['0', '1', '2', '3', '4'],
      [
        ['0', '1'],
        ['0', '2'],
        ['0', '3'],
      ],
    );
    const values = [1, 2, 4, 8, 16];
    const p = giStarPermutationP(values, nb, { permutations: 4000, seed: 9 });
    // Mean 6.2, W = 4, target = 4·6.2 − 1 = 23.8. Sums: {2,4,8}=14, {2,4,16}=22, {2,8,16}=26, {4,8,16}=28.
    // Observed deviation |14 − 23.8| = 9.8; only the observed set reaches it, so p ≈ (1000 + 1)/4001.
    expect(p[0]!).toBeGreaterThan(0.22);
    expect(p[0]!).toBeLessThan(0.28);
    // Area 4 has no neighbours: nothing to randomise.
    expect(p[4]).toBe(1);
  });

  it('returns p = 1 everywhere when the values do not vary', () => {
    expect(
      Array.from(giStarPermutationP([2, 2, 2], referenceNeighboursOfThree(), { permutations: 9, seed: 1 })),
    ).toEqual([1, 1, 1]);
  });

  it('rejects a bad permutation count or seed', () => {
    expect(() => giStarPermutationP(x, referenceNeighbours, { permutations: 0, seed: 1 })).toThrow(
      RangeError,
    );
    expect(() => giStarPermutationP(x, referenceNeighbours, { permutations: 9, seed: 0.5 })).toThrow(
      RangeError,
    );
  });
});

function referenceNeighboursOfThree(): Neighbours {
  return neighboursFromPairs(
    ['a', 'b', 'c'],
    [
      ['a', 'b'],
      ['b', 'c'],
    ],
  );
}
