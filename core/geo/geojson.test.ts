import fs from 'node:fs';
import fc from 'fast-check';
import type { Position } from 'geojson';
import { describe, expect, it } from 'vitest';
import { findSelfIntersection, parseBoundaries, signedArea } from './geojson.ts';
import { torontoFile } from './toronto-fixture.ts';

const opts = { codeProperty: 'code', nameProperty: 'name' };
const square: Position[] = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0, 1],
  [0, 0],
];
const feature = (geometry: unknown, properties: Record<string, unknown> = { code: 'A', name: 'Alpha' }) => ({
  type: 'Feature',
  properties,
  geometry,
});
const collection = (...features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });
const polygon = (...rings: Position[][]) => ({ type: 'Polygon', coordinates: rings });

describe('parseBoundaries', () => {
  it('accepts a valid polygon and reports its bbox, code, name and parent', () => {
    const r = parseBoundaries(
      collection(feature(polygon(square), { code: 7, name: ' Seven ', parent: 'P' })),
      { ...opts, parentCodeProperty: 'parent' },
    );
    expect(r.errors).toEqual([]);
    expect(r.features).toHaveLength(1);
    expect(r.features[0]).toMatchObject({
      feature: 1,
      code: '7',
      name: 'Seven',
      parentCode: 'P',
      bbox: { minLon: 0, minLat: 0, maxLon: 1, maxLat: 1 },
    });
  });

  it('rewinds exteriors counter-clockwise and holes clockwise, drops z and repeated positions', () => {
    const cwExterior: Position[] = [
      [0, 0, 5],
      [0, 10, 5],
      [0, 10, 5],
      [10, 10, 5],
      [10, 0, 5],
      [0, 0, 5],
    ];
    const ccwHole: Position[] = [
      [2, 2],
      [4, 2],
      [4, 4],
      [2, 4],
      [2, 2],
    ];
    const r = parseBoundaries(collection(feature(polygon(cwExterior, ccwHole))), opts);
    expect(r.errors).toEqual([]);
    const [ext, hole] = (r.features[0]!.geometry as { coordinates: Position[][] }).coordinates;
    expect(signedArea(ext!)).toBeGreaterThan(0);
    expect(signedArea(hole!)).toBeLessThan(0);
    expect(ext).toHaveLength(5);
    expect(ext!.every((p) => p.length === 2)).toBe(true);
  });

  it('reports each invalid feature with its position, code and a clear reason', () => {
    const open: Position[] = [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ];
    const bowtie: Position[] = [
      [0, 0],
      [2, 2],
      [2, 0],
      [0, 2],
      [0, 0],
    ];
    const r = parseBoundaries(
      collection(
        feature(null, { code: 'A', name: 'a' }),
        feature({ type: 'Point', coordinates: [0, 0] }, { code: 'B', name: 'b' }),
        feature(polygon(open), { code: 'C', name: 'c' }),
        feature(polygon(square.slice(0, 3)), { code: 'D', name: 'd' }),
        feature(polygon(bowtie), { code: 'E', name: 'e' }),
        feature(
          polygon([
            [0, 0],
            [Number.NaN, 0],
            [1, 1],
            [0, 0],
          ]),
          { code: 'F', name: 'f' },
        ),
        feature(polygon(square.map(([x, y]) => [631234 + x!, 4835012 + y!])), { code: 'G', name: 'g' }),
        feature(polygon(square), { name: 'no code' }),
        feature(polygon(square), { code: 'I' }),
        feature(polygon(square), { code: 'A', name: 'dup' }),
        feature({ type: 'MultiPolygon', coordinates: [] }, { code: 'K', name: 'k' }),
        feature(polygon(square), { code: 'L', name: 'ok' }),
      ),
      opts,
    );
    const byFeature = (n: number) => r.errors.filter((e) => e.feature === n).map((e) => e.reason);
    expect(byFeature(1)).toEqual(['missing geometry']);
    expect(byFeature(2)[0]).toMatch(/unsupported geometry type Point/);
    expect(byFeature(3)[0]).toMatch(/ring 1 \(exterior\) (is not closed|has 4 positions)/);
    expect(byFeature(4)[0]).toMatch(/has 3 positions; a ring needs at least 4/);
    expect(byFeature(5)[0]).toMatch(/intersects itself near \(1\.000000, 1\.000000\)/);
    expect(byFeature(6)[0]).toBe('ring 1 (exterior), position 2 is not a [longitude, latitude] pair');
    expect(byFeature(7)[0]).toBe(
      'coordinates are not longitude/latitude: values such as 631234, 4835012 look like metres in a projected system; reproject to WGS84 longitude/latitude (EPSG:4326)',
    );
    expect(byFeature(8)).toEqual(['missing code: property "code" is absent or empty']);
    expect(byFeature(9)).toEqual(['missing name: property "name" is absent or empty']);
    expect(byFeature(10)).toEqual(['duplicate code "A" (also used by feature 1)']);
    expect(byFeature(11)[0]).toMatch(/empty geometry/);
    expect(r.errors.find((e) => e.feature === 5)?.code).toBe('E');
    expect(r.features.map((f) => f.code)).toEqual(['L']);
  });

  it('reports an open ring that has enough positions as not closed', () => {
    const r = parseBoundaries(
      collection(
        feature(
          polygon([
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
            [0, 0.5],
          ]),
        ),
      ),
      opts,
    );
    expect(r.errors).toEqual([
      {
        feature: 1,
        code: 'A',
        reason: 'ring 1 (exterior) is not closed: its first and last positions differ',
      },
    ]);
  });

  it('reports non-finite values and out-of-range degrees', () => {
    const text = collection(
      feature(polygon(square.map(([x, y]) => [x! + 200, y!]))),
      feature(polygon(square), { code: 'B', name: 'b' }),
    );
    const r = parseBoundaries(text, opts);
    expect(r.errors[0]!.reason).toMatch(/outside longitude −180…180/);
    const inf = parseBoundaries(text.replace('[1,1]', '[1e999,1]'), opts);
    expect(inf.errors.some((e) => /non-finite/.test(e.reason))).toBe(true);
  });

  it('rejects a non-WGS84 crs and accepts the usual WGS84 names', () => {
    const withCrs = (name: string) =>
      JSON.stringify({
        type: 'FeatureCollection',
        crs: { type: 'name', properties: { name } },
        features: [feature(polygon(square))],
      });
    expect(parseBoundaries(withCrs('urn:ogc:def:crs:EPSG::26917'), opts).errors[0]).toMatchObject({
      feature: 0,
      reason: expect.stringMatching(/EPSG::26917.*WGS84 longitude\/latitude \(EPSG:4326\)/),
    });
    for (const ok of ['urn:ogc:def:crs:OGC:1.3:CRS84', 'EPSG:4326', 'urn:ogc:def:crs:EPSG::4326']) {
      expect(parseBoundaries(withCrs(ok), opts).errors).toEqual([]);
    }
  });

  it('reports file-level problems as feature 0', () => {
    expect(parseBoundaries('{not json', opts).errors[0]).toMatchObject({
      feature: 0,
      reason: expect.stringMatching(/not valid JSON/),
    });
    expect(parseBoundaries('{"type":"Polygon"}', opts).errors[0]!.reason).toMatch(
      /not a GeoJSON FeatureCollection/,
    );
    expect(parseBoundaries(collection(), opts).errors[0]!.reason).toMatch(/no features/);
  });

  it('parses the real Toronto file: 158 valid areas, clockwise input rewound', () => {
    const text = fs.readFileSync(torontoFile('neighbourhoods_158_4326.geojson'), 'utf8');
    const r = parseBoundaries(text, { codeProperty: 'AREA_SHORT_CODE', nameProperty: 'AREA_NAME' });
    expect(r.errors).toEqual([]);
    expect(r.features).toHaveLength(158);
    const byCode = new Map(r.features.map((f) => [f.code, f]));
    expect(byCode.get('174')!.name).toBe('South Eglinton-Davisville');
    for (const f of r.features) {
      const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const p of polys) expect(signedArea(p[0]!)).toBeGreaterThan(0);
      expect(f.bbox.minLon).toBeGreaterThan(-79.64);
      expect(f.bbox.maxLat).toBeLessThan(43.86);
    }
  });
});

/** O(n²) reference: any two segments that meet other than adjacent ones at their shared vertex. */
function bruteSelfIntersects(ring: Position[]): boolean {
  const n = ring.length - 1;
  const cross = (a: Position, b: Position, c: Position) =>
    (b[0]! - a[0]!) * (c[1]! - a[1]!) - (b[1]! - a[1]!) * (c[0]! - a[0]!);
  const on = (a: Position, b: Position, p: Position) =>
    cross(a, b, p) === 0 &&
    p[0]! >= Math.min(a[0]!, b[0]!) &&
    p[0]! <= Math.max(a[0]!, b[0]!) &&
    p[1]! >= Math.min(a[1]!, b[1]!) &&
    p[1]! <= Math.max(a[1]!, b[1]!);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = ring[i]!;
      const b = ring[i + 1]!;
      const c = ring[j]!;
      const d = ring[j + 1]!;
      if (j === i + 1) {
        if (on(a, b, d) || on(c, d, a)) return true;
        continue;
      }
      if (i === 0 && j === n - 1) {
        if (on(a, b, c) || on(c, d, b)) return true;
        continue;
      }
      const d1 = Math.sign(cross(a, b, c));
      const d2 = Math.sign(cross(a, b, d));
      const d3 = Math.sign(cross(c, d, a));
      const d4 = Math.sign(cross(c, d, b));
      if (d1 * d2 < 0 && d3 * d4 < 0) return true;
      if (on(a, b, c) || on(a, b, d) || on(c, d, a) || on(c, d, b)) return true;
    }
  }
  return false;
}

describe('findSelfIntersection', () => {
  it('agrees with an O(n²) reference on random lattice rings', () => {
    const coord = fc.integer({ min: 0, max: 6 });
    const ring = fc
      .array(fc.tuple(coord, coord), { minLength: 3, maxLength: 10 })
      .filter((pts) => pts.every((p, i) => i === 0 || p[0] !== pts[i - 1]![0] || p[1] !== pts[i - 1]![1]))
      .filter((pts) => pts[0]![0] !== pts.at(-1)![0] || pts[0]![1] !== pts.at(-1)![1])
      .map((pts) => [...pts, pts[0]!] as Position[]);
    fc.assert(
      fc.property(ring, (r) => {
        expect(findSelfIntersection(r) !== undefined).toBe(bruteSelfIntersects(r));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds a crossing in a large ring quickly and accepts a large valid ring', () => {
    const n = 20_000;
    const circle: Position[] = [];
    for (let i = 0; i < n; i++)
      circle.push([Math.cos((2 * Math.PI * i) / n), Math.sin((2 * Math.PI * i) / n)]);
    circle.push(circle[0]!);
    expect(findSelfIntersection(circle)).toBeUndefined();
    const broken = circle.map((p) => [...p]);
    [broken[100], broken[101]] = [broken[101]!, broken[100]!];
    expect(findSelfIntersection(broken)).toBeDefined();
  });
});
