import fs from 'node:fs';
import fc from 'fast-check';
import type { FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson';
import { describe, expect, it } from 'vitest';
import { generateCity } from '../synthetic/city.ts';
import { createRandom } from '../synthetic/random.ts';
import { neighboursFromPairs, queenContiguity, type Neighbours } from './contiguity.ts';
import { readCsv, reference } from './reference-files.test-support.ts';

/** Toronto's 158 neighbourhoods in the reference order: AREA_SHORT_CODE ascending as a number. */
function torontoAreas(): { codes: string[]; geometries: Array<Polygon | MultiPolygon> } {
  const url = new URL('../../demo/toronto/neighbourhoods_158_4326.geojson', import.meta.url);
  const collection = JSON.parse(fs.readFileSync(url, 'utf8')) as FeatureCollection<Polygon | MultiPolygon>;
  const features = [...collection.features].sort(
    (a, b) => Number(a.properties!['AREA_SHORT_CODE']) - Number(b.properties!['AREA_SHORT_CODE']),
  );
  return {
    codes: features.map((f) => String(f.properties!['AREA_SHORT_CODE'])),
    geometries: features.map((f) => f.geometry),
  };
}

/** Directed "area,neighbour" rows, in CSR order. */
function directedRows(nb: Neighbours, codes: readonly string[]): string[] {
  const rows: string[] = [];
  for (let i = 0; i < nb.n; i++)
    for (let k = nb.offsets[i]!; k < nb.offsets[i + 1]!; k++)
      rows.push(`${codes[i]},${codes[nb.indices[k]!]}`);
  return rows;
}

function neighboursOf(nb: Neighbours, i: number): number[] {
  return Array.from(nb.indices.subarray(nb.offsets[i]!, nb.offsets[i + 1]!));
}

/** The CSR invariants every consumer relies on: rows ascending, no self, symmetric. */
function expectWellFormed(nb: Neighbours): void {
  expect(nb.offsets.length).toBe(nb.n + 1);
  expect(nb.offsets[0]).toBe(0);
  expect(nb.offsets[nb.n]).toBe(nb.indices.length);
  const problems: string[] = [];
  for (let i = 0; i < nb.n; i++) {
    const row = neighboursOf(nb, i);
    for (let k = 0; k < row.length; k++) {
      if (k > 0 && row[k]! <= row[k - 1]!) problems.push(`row ${i} not ascending`);
      if (row[k] === i) problems.push(`row ${i} lists itself`);
      if (!neighboursOf(nb, row[k]!).includes(i)) problems.push(`${i} → ${row[k]} has no way back`);
    }
  }
  expect(problems).toEqual([]);
}

const square = (x: number, y: number, size = 1): Polygon => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x, y + size],
      [x + size, y + size],
      [x + size, y],
      [x, y],
    ],
  ],
});

describe('queenContiguity on the Toronto neighbourhoods', () => {
  const { codes, geometries } = torontoAreas();
  const expected = readCsv(reference('gistar/neighbours.csv')).map(
    (row) => `${row['area']},${row['neighbour']}`,
  );

  it('reproduces spdep::poly2nb exactly (475 pairs, 950 directed rows, in order)', () => {
    expect(codes).toEqual(readCsv(reference('gistar/values.csv')).map((row) => row['area']));
    expect(expected.length).toBe(950);
    const nb = queenContiguity(geometries);
    expectWellFormed(nb);
    expect(directedRows(nb, codes)).toEqual(expected);
  });

  it('gives the same pairs with snap 0 (exact vertex equality), as the reference notes', () => {
    expect(directedRows(queenContiguity(geometries, 0), codes)).toEqual(expected);
  });

  it('agrees with neighboursFromPairs over the reference table', () => {
    const pairs = readCsv(reference('gistar/neighbours.csv')).map(
      (row) => [row['area']!, row['neighbour']!] as const,
    );
    const fromPairs = neighboursFromPairs(codes, pairs);
    const fromPolygons = queenContiguity(geometries);
    expect(fromPairs.n).toBe(158);
    expect(Array.from(fromPairs.offsets)).toEqual(Array.from(fromPolygons.offsets));
    expect(Array.from(fromPairs.indices)).toEqual(Array.from(fromPolygons.indices));
  });
});

describe('queenContiguity on synthetic shapes', () => {
  it('finds 3 queen neighbours for a corner of a 3×3 grid, 5 for an edge cell and 8 for the centre', () => {
    const cells: Polygon[] = [];
    for (let row = 0; row < 3; row++) for (let col = 0; col < 3; col++) cells.push(square(col, row));
    const nb = queenContiguity(cells);
    expectWellFormed(nb);
    const degrees = Array.from({ length: 9 }, (_, i) => nb.offsets[i + 1]! - nb.offsets[i]!);
    expect(degrees).toEqual([3, 5, 3, 5, 8, 5, 3, 5, 3]);
    expect(neighboursOf(nb, 0)).toEqual([1, 3, 4]);
    expect(neighboursOf(nb, 4)).toEqual([0, 1, 2, 3, 5, 6, 7, 8]);
  });

  it('joins vertices closer than snap and keeps apart those farther away', () => {
    const gap = 1e-9;
    const cells = [square(0, 0), square(1 + gap, 0), square(2 + 3 * gap + 1e-6, 0)];
    const nb = queenContiguity(cells);
    expect(neighboursOf(nb, 0)).toEqual([1]);
    expect(neighboursOf(nb, 2)).toEqual([]);
    expect(neighboursOf(queenContiguity(cells, 0), 0)).toEqual([]);
    expect(neighboursOf(queenContiguity(cells, 1e-5), 1)).toEqual([0, 2]);
  });

  it('measures snap as a Euclidean distance, not per axis', () => {
    const snap = 1e-3;
    const diagonal = 0.8 * snap; // dx = dy = 0.8·snap: each axis is within snap, the distance (1.13·snap) is not
    const cells = [square(0, 0), square(1 + diagonal, 1 + diagonal)];
    expect(neighboursOf(queenContiguity(cells, snap), 0)).toEqual([]);
    expect(neighboursOf(queenContiguity(cells, 1.2 * snap), 0)).toEqual([1]);
  });

  it('ignores a vertex lying on the other polygon edge (the rule is vertex to vertex)', () => {
    // The small square's corner (1, 0.5) lies in the middle of the big square's right edge, which has no vertex there.
    const cells = [square(0, 0, 1), square(1, 0.5, 0.25)];
    expect(neighboursOf(queenContiguity(cells), 0)).toEqual([]);
  });

  it('counts every ring and every part of a feature', () => {
    const withHole: Polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [0, 3],
          [3, 3],
          [3, 0],
          [0, 0],
        ],
        [
          [1, 1],
          [2, 1],
          [2, 2],
          [1, 2],
          [1, 1],
        ],
      ],
    };
    const island = square(1, 1); // fills the hole, touching only the inner ring
    const twoParts: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [square(10, 10).coordinates, square(3, 0).coordinates],
    };
    const nb = queenContiguity([withHole, island, twoParts]);
    expect(neighboursOf(nb, 0)).toEqual([1, 2]);
    expect(neighboursOf(nb, 1)).toEqual([0]);
    expect(neighboursOf(nb, 2)).toEqual([0]);
  });

  it('finds exactly the shared boundaries of a generated Voronoi city', () => {
    const city = generateCity({ seed: 11, areas: 300 });
    const index = new Map(city.areas.map((area, i) => [area.code, i]));
    const expected = new Set(
      city.sharedEdges.map(({ codes: [a, b] }) => {
        const i = index.get(a)!;
        const j = index.get(b)!;
        return i < j ? `${i}-${j}` : `${j}-${i}`;
      }),
    );
    const nb = queenContiguity(city.areas.map((area) => area.geometry));
    expectWellFormed(nb);
    const found = new Set<string>();
    for (let i = 0; i < nb.n; i++) for (const j of neighboursOf(nb, i)) if (i < j) found.add(`${i}-${j}`);
    expect(found).toEqual(expected);
  });

  it('agrees with a brute-force comparison of every vertex pair', () => {
    // Vertices on a lattice of step 1, each jittered by up to ±1.5·snap, so distances straddle snap and cell edges
    // in every direction; some areas share lattice points and some do not.
    const snap = 1e-3;
    const vertex = fc.tuple(
      fc.integer({ min: -3, max: 3 }),
      fc.integer({ min: -3, max: 3 }),
      fc.double({ min: -1.5 * snap, max: 1.5 * snap, noNaN: true }),
      fc.double({ min: -1.5 * snap, max: 1.5 * snap, noNaN: true }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(vertex, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 12 }),
        (areas) => {
          const rings = areas.map((points) => points.map(([i, j, dx, dy]) => [i + dx, j + dy]));
          const geometries: Polygon[] = rings.map((ring) => ({ type: 'Polygon', coordinates: [ring] }));
          const expected: number[][] = rings.map(() => []);
          for (let a = 0; a < rings.length; a++)
            for (let b = 0; b < rings.length; b++) {
              if (a === b) continue;
              const close = rings[a]!.some(([xa, ya]) =>
                rings[b]!.some(([xb, yb]) => (xa! - xb!) ** 2 + (ya! - yb!) ** 2 <= snap * snap),
              );
              if (close) expected[a]!.push(b);
            }
          const nb = queenContiguity(geometries, snap);
          expect(rings.map((_, i) => neighboursOf(nb, i))).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('agrees with the brute-force answer on a large layout spread over many hash-table blocks', () => {
    // 2,000 areas of 10 vertices each on a 60 × 60 lattice of step 1, jittered by at most 1.5·snap, so only
    // vertices of the same lattice point can be within snap, which makes the expected pairs cheap to list.
    // Jitters are multiples of snap/4 so that exact duplicates (snap 0) occur too.
    const random = createRandom(1234);
    const snap = 1e-3;
    const areaCount = 2000;
    const rings: number[][][] = [];
    const byPoint = new Map<number, Array<{ area: number; x: number; y: number }>>();
    for (let area = 0; area < areaCount; area++) {
      const ring: number[][] = [];
      for (let k = 0; k < 10; k++) {
        const i = random.int(60);
        const j = random.int(60);
        const x = i + ((random.int(13) - 6) * snap) / 4;
        const y = j + ((random.int(13) - 6) * snap) / 4;
        ring.push([x, y]);
        const key = i * 60 + j;
        if (!byPoint.has(key)) byPoint.set(key, []);
        byPoint.get(key)!.push({ area, x, y });
      }
      rings.push(ring);
    }
    const geometries: Polygon[] = rings.map((ring) => ({ type: 'Polygon', coordinates: [ring] }));
    for (const s of [snap, 0, snap / 3]) {
      const expected = new Set<string>();
      for (const group of byPoint.values())
        for (const a of group)
          for (const b of group)
            if (a.area < b.area && (a.x - b.x) ** 2 + (a.y - b.y) ** 2 <= s * s)
              expected.add(`${a.area}-${b.area}`);
      const nb = queenContiguity(geometries, s);
      expectWellFormed(nb);
      const found = new Set<string>();
      for (let i = 0; i < nb.n; i++) for (const j of neighboursOf(nb, i)) if (i < j) found.add(`${i}-${j}`);
      expect(found.size).toBeGreaterThan(100);
      expect(found).toEqual(expected);
    }
  });

  it('handles no areas, and areas without vertices or neighbours', () => {
    expect(queenContiguity([])).toEqual({ n: 0, offsets: new Int32Array(1), indices: new Int32Array(0) });
    const empty: Polygon = { type: 'Polygon', coordinates: [] };
    const nb = queenContiguity([empty, square(0, 0)]);
    expect(Array.from(nb.offsets)).toEqual([0, 0, 0]);
  });

  it('treats -0 and 0 as the same coordinate', () => {
    const left: Polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [-1, 0],
          [-1, 1],
          [-0, 1],
          [-0, 0],
          [-1, 0],
        ],
      ],
    };
    expect(neighboursOf(queenContiguity([left, square(0, 0)], 0), 0)).toEqual([1]);
  });

  it('rejects a negative snap and non-finite coordinates', () => {
    expect(() => queenContiguity([square(0, 0)], -1)).toThrow(RangeError);
    expect(() => queenContiguity([square(1, 1)], 1e-320)).toThrow(/too small/);
    const bad: Polygon = {
      type: 'Polygon',
      coordinates: [[[0, 0], [Number.NaN, 1] as Position, [1, 1], [0, 0]]],
    };
    expect(() => queenContiguity([bad])).toThrow(/non-finite/);
  });
});

describe('neighboursFromPairs', () => {
  it('symmetrises one-directional pairs, drops repeats and sorts rows', () => {
    const nb = neighboursFromPairs(
      ['a', 'b', 'c', 'd'],
      [
        ['c', 'a'],
        ['a', 'b'],
        ['b', 'a'],
        ['a', 'c'],
      ],
    );
    expect(Array.from(nb.offsets)).toEqual([0, 2, 3, 4, 4]);
    expect(Array.from(nb.indices)).toEqual([1, 2, 0, 0]);
  });

  it('rejects unknown codes, repeated codes and self-pairs', () => {
    expect(() => neighboursFromPairs(['a', 'b'], [['a', 'x']])).toThrow(/unknown area code x/);
    expect(() => neighboursFromPairs(['a', 'a'], [])).toThrow(/more than once/);
    expect(() => neighboursFromPairs(['a', 'b'], [['b', 'b']])).toThrow(/own neighbour/);
  });
});
