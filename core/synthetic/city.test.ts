import type { Polygon, Position } from 'geojson';
import { orient2d } from 'robust-predicates';
import { describe, expect, it } from 'vitest';
import { generateCity, type SyntheticCity } from './city.ts';
import { classifyPoint, geometryArea, geometryBBox, polygonsOf, ringSignedArea } from './geometry.ts';
import { createRandom } from './random.ts';

const city = generateCity({ seed: 7, areas: 300 });

const outerRing = (code: string, c: SyntheticCity = city): Position[] =>
  (c.areas.find((a) => a.code === code)?.geometry as Polygon).coordinates[0] as Position[];

const same = (p: Position, q: Position): boolean => p[0] === q[0] && p[1] === q[1];

/** Whether `run` appears in the closed ring as consecutive positions (wrapping around the closing vertex). */
function containsRun(ring: Position[], run: Position[]): boolean {
  const open = ring.slice(0, -1);
  const n = open.length;
  for (let start = 0; start < n; start++) {
    if (!same(open[start] as Position, run[0] as Position)) continue;
    if (run.every((p, k) => same(open[(start + k) % n] as Position, p))) return true;
  }
  return false;
}

function segmentsCross(a: Position, b: Position, c: Position, d: Position): boolean {
  const [ax, ay] = a as [number, number];
  const [bx, by] = b as [number, number];
  const [cx, cy] = c as [number, number];
  const [dx, dy] = d as [number, number];
  const o1 = Math.sign(orient2d(ax, ay, bx, by, cx, cy));
  const o2 = Math.sign(orient2d(ax, ay, bx, by, dx, dy));
  const o3 = Math.sign(orient2d(cx, cy, dx, dy, ax, ay));
  const o4 = Math.sign(orient2d(cx, cy, dx, dy, bx, by));
  if (o1 !== o2 && o3 !== o4 && o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0) return true;
  // Collinear or touching: any touch between non-adjacent segments breaks simplicity too.
  const onSegment = (px: number, py: number, qx: number, qy: number, rx: number, ry: number): boolean =>
    rx >= Math.min(px, qx) && rx <= Math.max(px, qx) && ry >= Math.min(py, qy) && ry <= Math.max(py, qy);
  return (
    (o1 === 0 && onSegment(ax, ay, bx, by, cx, cy)) ||
    (o2 === 0 && onSegment(ax, ay, bx, by, dx, dy)) ||
    (o3 === 0 && onSegment(cx, cy, dx, dy, ax, ay)) ||
    (o4 === 0 && onSegment(cx, cy, dx, dy, bx, by))
  );
}

describe('generateCity', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const again = generateCity({ seed: 7, areas: 300 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(city));
    const other = generateCity({ seed: 8, areas: 300 });
    expect(JSON.stringify(other.areas[0]?.geometry)).not.toBe(JSON.stringify(city.areas[0]?.geometry));
  });

  it('names cells A0001… and districts D01…, with unique names and a parent for every cell', () => {
    expect(city.areas).toHaveLength(300);
    expect(city.areas[0]?.code).toBe('A0001');
    expect(city.areas[299]?.code).toBe('A0300');
    expect(new Set(city.areas.map((a) => a.name)).size).toBe(300);
    const districtCodes = new Set(city.districts.map((d) => d.code));
    expect(city.districts.length).toBe(12);
    expect(city.districts[0]?.code).toBe('D01');
    for (const area of city.areas) expect(districtCodes.has(area.parentCode as string)).toBe(true);
    expect(generateCity({ seed: 7, areas: 20, districts: false }).districts).toEqual([]);
  });

  it('averages the requested number of vertices per cell', () => {
    expect(city.vertexCount / city.areas.length).toBeCloseTo(175, 0);
    const counted = city.areas.reduce(
      (sum, a) => sum + ((a.geometry as Polygon).coordinates[0] as Position[]).length - 1,
      0,
    );
    expect(counted).toBe(city.vertexCount);
    const coarse = generateCity({ seed: 7, areas: 300, verticesPerArea: 40 });
    expect(coarse.vertexCount / 300).toBeGreaterThan(39);
    expect(coarse.vertexCount / 300).toBeLessThan(41);
  });

  it('writes counter-clockwise closed rings inside the bounding box, with positive population', () => {
    const [minLon, minLat, maxLon, maxLat] = city.bbox;
    for (const area of city.areas) {
      const ring = outerRing(area.code);
      expect(same(ring[0] as Position, ring[ring.length - 1] as Position)).toBe(true);
      expect(ringSignedArea(ring)).toBeGreaterThan(0);
      const [a, b, c, d] = geometryBBox(area.geometry);
      expect(a >= minLon - 1e-9 && b >= minLat - 1e-9 && c <= maxLon + 1e-9 && d <= maxLat + 1e-9).toBe(true);
      expect(area.population).toBeGreaterThan(0);
    }
  });

  it('shares every boundary bit-identically: one neighbour walks it forward, the other backward', () => {
    expect(city.sharedEdges.length).toBeGreaterThan(city.areas.length);
    for (const edge of city.sharedEdges) {
      const [left, right] = edge.codes;
      expect(containsRun(outerRing(left), edge.coordinates)).toBe(true);
      expect(containsRun(outerRing(right), [...edge.coordinates].reverse())).toBe(true);
    }
  });

  it('keeps every ring simple despite the jitter', () => {
    const small = generateCity({ seed: 11, areas: 60 });
    const crossings: string[] = [];
    for (const area of small.areas) {
      const ring = outerRing(area.code, small);
      const n = ring.length - 1;
      for (let i = 0; i < n; i++) {
        for (let j = i + 2; j < n; j++) {
          if (i === 0 && j === n - 1) continue;
          if (
            segmentsCross(
              ring[i] as Position,
              ring[i + 1] as Position,
              ring[j] as Position,
              ring[j + 1] as Position,
            )
          ) {
            crossings.push(`${area.code} segments ${i} and ${j}`);
          }
        }
      }
    }
    expect(crossings).toEqual([]);
  });

  it('tiles the city without gaps or overlaps: each point is inside one cell, on a boundary, or outside the city', () => {
    const whole = generateCity({ seed: 7, areas: 300, districts: 1 });
    const outline = whole.districts[0]?.geometry as Polygon;
    const cellArea = whole.areas.reduce((sum, a) => sum + geometryArea(a.geometry), 0);
    expect(Math.abs(cellArea - geometryArea(outline)) / cellArea).toBeLessThan(1e-9);

    const boxes = whole.areas.map((a) => geometryBBox(a.geometry));
    const random = createRandom(99);
    const [minLon, minLat, maxLon, maxLat] = whole.bbox;
    let insideOne = 0;
    for (let k = 0; k < 4000; k++) {
      // Half the probes sit exactly on a shared boundary vertex, where gaps and overlaps would show first.
      let x = random.range(minLon, maxLon);
      let y = random.range(minLat, maxLat);
      if (k % 2 === 1) {
        const edge = whole.sharedEdges[random.int(whole.sharedEdges.length)];
        const p = edge?.coordinates[random.int(edge.coordinates.length)] as Position;
        [x, y] = p as [number, number];
      }
      let inside = 0;
      let boundary = 0;
      whole.areas.forEach((area, i) => {
        const [a, b, c, d] = boxes[i] as [number, number, number, number];
        if (x < a || x > c || y < b || y > d) return;
        const where = classifyPoint(area.geometry, x, y);
        if (where === 'inside') inside++;
        else if (where === 'boundary') boundary++;
      });
      expect(inside).toBeLessThanOrEqual(1);
      if (inside === 1) {
        insideOne++;
        expect(boundary).toBe(0);
      } else if (boundary === 0) {
        expect(classifyPoint(outline, x, y)).toBe('outside');
      } else {
        expect(boundary).toBeGreaterThanOrEqual(2);
      }
    }
    expect(insideOne).toBeGreaterThan(1500);
  });

  it('dissolves districts into exact unions of their cells', () => {
    for (const district of city.districts) {
      const members = city.areas.filter((a) => a.parentCode === district.code);
      const sum = members.reduce((s, a) => s + geometryArea(a.geometry), 0);
      expect(Math.abs(sum - geometryArea(district.geometry)) / sum).toBeLessThan(1e-9);
      expect(district.population).toBe(members.reduce((s, a) => s + a.population, 0));
      for (const polygon of polygonsOf(district.geometry))
        expect(ringSignedArea(polygon[0] as Position[])).toBeGreaterThan(0);
    }
  });

  it('rejects impossible input', () => {
    expect(() => generateCity({ seed: 1, areas: 1 })).toThrow(/at least 2/);
    expect(() => generateCity({ seed: 1, areas: 10, bbox: [1, 1, 0, 2] })).toThrow(/bbox/);
  });
});
