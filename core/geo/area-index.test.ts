import fs from 'node:fs';
import fc from 'fast-check';
import type { MultiPolygon, Polygon, Position } from 'geojson';
import { orient2d } from 'robust-predicates';
import { describe, expect, it } from 'vitest';
import { createAreaIndex, locateAll, type AreaInput } from './area-index.ts';
import { torontoFile } from './toronto-fixture.ts';

type Cross = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number) => number;

/** Exact for the small integers and halves the lattice tests use: no rounding can occur. */
const plainCross: Cross = (ax, ay, bx, by, cx, cy) => (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
/** robust-predicates is negative for a left turn; flip so both references share the sign convention. */
const exactCross: Cross = (ax, ay, bx, by, cx, cy) => -orient2d(ax, ay, bx, by, cx, cy);

function rings(geometry: Polygon | MultiPolygon): Position[][] {
  return geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
}

/** Reference: on any ring edge, or an odd number of ring crossings of the ray to +x. Scans every edge. */
function coversBrute(geometry: Polygon | MultiPolygon, px: number, py: number, cross: Cross): boolean {
  let inside = false;
  for (const ring of rings(geometry)) {
    for (let i = 0; i < ring.length; i++) {
      const [ax, ay] = ring[i]! as [number, number];
      const [bx, by] = ring[(i + 1) % ring.length]! as [number, number];
      const c = cross(ax, ay, bx, by, px, py);
      if (
        c === 0 &&
        px >= Math.min(ax, bx) &&
        px <= Math.max(ax, bx) &&
        py >= Math.min(ay, by) &&
        py <= Math.max(ay, by)
      ) {
        return true;
      }
      if (ay > py !== by > py) {
        // Left of the upward edge means the crossing lies to the right of the point.
        if (ay < by ? c > 0 : c < 0) inside = !inside;
      }
    }
  }
  return inside;
}

function locateBrute(areas: AreaInput[], px: number, py: number, cross: Cross): string | null {
  const byKey = [...areas].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const area of byKey) if (coversBrute(area.geometry, px, py, cross)) return area.id;
  return null;
}

const square = (x0: number, y0: number, x1: number, y1: number): Position[] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];

const poly = (...ringsIn: Position[][]): Polygon => ({ type: 'Polygon', coordinates: ringsIn });

describe('createAreaIndex: fixed cases', () => {
  // Two squares sharing the edge x = 1, a third sharing only the corner (2, 1) with "b".
  const areas: AreaInput[] = [
    { id: 'id-b', key: 'b', geometry: poly(square(1, 0, 2, 1)) },
    { id: 'id-a', key: 'a', geometry: poly(square(0, 0, 1, 1)) },
    { id: 'id-c', key: 'c', geometry: poly(square(2, 1, 3, 2)) },
  ];
  const index = createAreaIndex(areas);

  it('answers interiors', () => {
    expect(index.locate(0.5, 0.5)).toBe('id-a');
    expect(index.locate(1.5, 0.5)).toBe('id-b');
    expect(index.locate(2.5, 1.5)).toBe('id-c');
    expect(index.locate(0.5, 1.5)).toBeNull();
    expect(index.locate(-5, 0.5)).toBeNull();
    expect(index.locate(Number.NaN, 0.5)).toBeNull();
  });

  it('counts boundary points as covered and breaks ties by smallest key', () => {
    expect(index.locate(1, 0.5)).toBe('id-a');
    expect(index.locate(1, 0)).toBe('id-a');
    expect(index.locate(1, 1)).toBe('id-a');
    expect(index.locate(2, 1)).toBe('id-b');
    expect(index.locate(3, 2)).toBe('id-c');
    expect(index.locate(0, 0)).toBe('id-a');
    expect(index.locate(2.5, 1)).toBe('id-c');
  });

  it('excludes holes but covers their boundary, and an island inside a hole wins there', () => {
    const withHole: AreaInput[] = [
      { id: 'outer', key: 'z', geometry: poly(square(0, 0, 10, 10), [...square(3, 3, 6, 6)].reverse()) },
    ];
    const one = createAreaIndex(withHole);
    expect(one.locate(4, 4)).toBeNull();
    expect(one.locate(3, 4)).toBe('outer');
    expect(one.locate(6, 6)).toBe('outer');
    expect(one.locate(1, 1)).toBe('outer');
    const island = createAreaIndex([
      ...withHole,
      { id: 'island', key: 'm', geometry: poly(square(3, 3, 6, 6)) },
    ]);
    expect(island.locate(4, 4)).toBe('island');
    expect(island.locate(3, 4)).toBe('island');
    expect(island.locate(1, 1)).toBe('outer');
  });

  it('handles MultiPolygons and either winding', () => {
    const multi: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [[square(0, 0, 1, 1)], [[...square(5, 5, 6, 6)].reverse()]],
    };
    const idx = createAreaIndex([{ id: 'm', key: 'm', geometry: multi }]);
    expect(idx.locate(0.5, 0.5)).toBe('m');
    expect(idx.locate(5.5, 5.5)).toBe('m');
    expect(idx.locate(3, 3)).toBeNull();
    expect(idx.locate(6, 5.5)).toBe('m');
  });

  it('returns null everywhere for no areas, and locateAll maps arrays', () => {
    expect(createAreaIndex([]).locate(0, 0)).toBeNull();
    const out = locateAll(index, Float64Array.from([0.5, 1.5, 9]), Float64Array.from([0.5, 0.5, 9]));
    expect(out).toEqual(['id-a', 'id-b', null]);
  });
});

const lattice = fc.integer({ min: 0, max: 8 });
const ringArb = fc
  .array(fc.tuple(lattice, lattice), { minLength: 3, maxLength: 7 })
  .map((pts) => [...pts, pts[0]!].map(([x, y]) => [x, y] as Position));
const geometryArb: fc.Arbitrary<Polygon | MultiPolygon> = fc.oneof(
  fc.array(ringArb, { minLength: 1, maxLength: 2 }).map((r) => poly(...r)),
  fc
    .array(fc.array(ringArb, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 3 })
    .map((ps): MultiPolygon => ({ type: 'MultiPolygon', coordinates: ps })),
);
const areasArb = fc.array(geometryArb, { minLength: 1, maxLength: 5 }).chain((geoms) =>
  fc
    .shuffledSubarray(['a', 'b', 'c', 'd', 'e', 'f', 'g'], {
      minLength: geoms.length,
      maxLength: geoms.length,
    })
    .map((keys) => geoms.map((geometry, i): AreaInput => ({ id: `id-${keys[i]}`, key: keys[i]!, geometry }))),
);
const cellsArb = fc.constantFrom(undefined, 1, 4, 16, 64, 81, 300, 5000);

/** Every lattice point and every half-lattice point around the shapes: vertices, edges, grid lines, outside. */
const probes: Array<[number, number]> = [];
for (let x = -1; x <= 9; x += 0.5) for (let y = -1; y <= 9; y += 0.5) probes.push([x, y]);

describe('createAreaIndex: agrees with a brute-force exact reference', () => {
  it('on lattice shapes full of shared edges, collinear overlaps, holes and self-touching rings', () => {
    fc.assert(
      fc.property(areasArb, cellsArb, (areas, cells) => {
        const index = createAreaIndex(areas, { cells });
        for (const [x, y] of probes) {
          expect(index.locate(x, y), `(${x}, ${y})`).toBe(locateBrute(areas, x, y, plainCross));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same answers with every ring reversed', () => {
    fc.assert(
      fc.property(areasArb, cellsArb, (areas, cells) => {
        const reversed = areas.map((a) => ({
          ...a,
          geometry:
            a.geometry.type === 'Polygon'
              ? poly(...a.geometry.coordinates.map((r) => [...r].reverse()))
              : ({
                  type: 'MultiPolygon',
                  coordinates: a.geometry.coordinates.map((p) => p.map((r) => [...r].reverse())),
                } as MultiPolygon),
        }));
        const i1 = createAreaIndex(areas, { cells });
        const i2 = createAreaIndex(reversed, { cells });
        for (const [x, y] of probes) expect(i2.locate(x, y)).toBe(i1.locate(x, y));
      }),
      { numRuns: 100 },
    );
  });

  it('on random real-valued points and shapes', () => {
    // Longitude/latitude-like magnitudes with full double precision (orientation predicates are exact only
    // while products do not underflow, which never happens with degrees).
    const lon = fc.integer({ min: -50_000_000, max: 50_000_000 }).map((i) => -79.4 + i * 1e-9);
    const lat = fc.integer({ min: -50_000_000, max: 50_000_000 }).map((i) => 43.7 + i * 1e-9);
    const coord = fc.tuple(lon, lat);
    const ring = fc
      .array(coord, { minLength: 3, maxLength: 9 })
      .map((pts) => [...pts, pts[0]!].map(([x, y]) => [x, y] as Position));
    const areas = fc
      .array(ring, { minLength: 1, maxLength: 4 })
      .map((rs) =>
        rs.map((r, i): AreaInput => ({ id: `r${i}`, key: `k${(7 * i) % 4}${i}`, geometry: poly(r) })),
      );
    fc.assert(
      fc.property(areas, fc.array(coord, { minLength: 50, maxLength: 50 }), cellsArb, (as, pts, cells) => {
        const index = createAreaIndex(as, { cells });
        const vertices = as.flatMap((a) =>
          rings(a.geometry)
            .flat()
            .map((p) => [p[0]!, p[1]!] as [number, number]),
        );
        for (const [x, y] of [...pts, ...vertices]) {
          expect(index.locate(x, y)).toBe(locateBrute(as, x, y, exactCross));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('createAreaIndex: Toronto neighbourhoods', () => {
  const fc158 = JSON.parse(fs.readFileSync(torontoFile('neighbourhoods_158_4326.geojson'), 'utf8')) as {
    features: Array<{ properties: { AREA_SHORT_CODE: string }; geometry: MultiPolygon }>;
  };
  const areas: AreaInput[] = fc158.features.map((f) => ({
    id: `id-${f.properties.AREA_SHORT_CODE}`,
    key: f.properties.AREA_SHORT_CODE,
    geometry: f.geometry,
  }));
  const boxes = areas.map((a) => {
    const pts = rings(a.geometry).flat();
    return {
      area: a,
      minX: Math.min(...pts.map((p) => p[0]!)),
      maxX: Math.max(...pts.map((p) => p[0]!)),
      minY: Math.min(...pts.map((p) => p[1]!)),
      maxY: Math.max(...pts.map((p) => p[1]!)),
    };
  });
  const brute = (x: number, y: number): string | null =>
    locateBrute(
      boxes.filter((b) => x >= b.minX && x <= b.maxX && y >= b.minY && y <= b.maxY).map((b) => b.area),
      x,
      y,
      exactCross,
    );
  const index = createAreaIndex(areas);

  it('agrees with brute force on random points and on every shared vertex', () => {
    const rnd = fc.sample(
      fc.tuple(
        fc.double({ min: -79.64, max: -79.11, noNaN: true }),
        fc.double({ min: 43.58, max: 43.86, noNaN: true }),
      ),
      { numRuns: 4000, seed: 158 },
    );
    let inside = 0;
    for (const [x, y] of rnd) {
      const expected = brute(x, y);
      if (expected) inside++;
      expect(index.locate(x, y)).toBe(expected);
    }
    expect(inside).toBeGreaterThan(1000);
    const vertices = rings(areas[0]!.geometry)
      .concat(rings(areas[1]!.geometry), rings(areas[77]!.geometry))
      .flat();
    for (const [x, y] of vertices as Array<[number, number]>) expect(index.locate(x, y)).toBe(brute(x, y));
  });
});
