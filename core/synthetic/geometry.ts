import type { MultiPolygon, Polygon, Position } from 'geojson';
import { orient2d } from 'robust-predicates';

export type BBox = [minLon: number, minLat: number, maxLon: number, maxLat: number];

/** Shoelace area of a closed or open ring; positive when counter-clockwise (x east, y north). */
export function ringSignedArea(ring: readonly Position[]): number {
  let sum = 0;
  const n = ring.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const a = ring[j] as Position;
    const b = ring[i] as Position;
    sum += ((a[0] as number) - (b[0] as number)) * ((a[1] as number) + (b[1] as number));
  }
  return sum / 2;
}

export function polygonsOf(geometry: Polygon | MultiPolygon): Position[][][] {
  return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
}

export function geometryBBox(geometry: Polygon | MultiPolygon): BBox {
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  for (const polygon of polygonsOf(geometry)) {
    for (const position of polygon[0] ?? []) {
      const [x, y] = position as [number, number];
      if (x < minLon) minLon = x;
      if (x > maxLon) maxLon = x;
      if (y < minLat) minLat = y;
      if (y > maxLat) maxLat = y;
    }
  }
  return [minLon, minLat, maxLon, maxLat];
}

/** Area of a Polygon/MultiPolygon in square degrees (holes subtracted), whatever the ring orientation. */
export function geometryArea(geometry: Polygon | MultiPolygon): number {
  let area = 0;
  for (const polygon of polygonsOf(geometry)) {
    polygon.forEach((ring, i) => {
      area += i === 0 ? Math.abs(ringSignedArea(ring)) : -Math.abs(ringSignedArea(ring));
    });
  }
  return area;
}

export type Coverage = 'inside' | 'boundary' | 'outside';

/**
 * Where a point lies relative to a polygon, decided with exact orientation predicates: 'boundary' means the point is on
 * an edge or vertex, which ST_Covers counts as covered. Used as the reference when checking tessellations and indexes.
 */
export function classifyPoint(geometry: Polygon | MultiPolygon, x: number, y: number): Coverage {
  let inside = false;
  for (const polygon of polygonsOf(geometry)) {
    let crossings = 0;
    for (const ring of polygon) {
      const n = ring.length;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const a = ring[j] as Position;
        const b = ring[i] as Position;
        const x1 = a[0] as number;
        const y1 = a[1] as number;
        const x2 = b[0] as number;
        const y2 = b[1] as number;
        const o = orient2d(x1, y1, x2, y2, x, y);
        if (
          o === 0 &&
          x >= Math.min(x1, x2) &&
          x <= Math.max(x1, x2) &&
          y >= Math.min(y1, y2) &&
          y <= Math.max(y1, y2)
        ) {
          return 'boundary';
        }
        // Ray to the east, half-open on y so a ray through a vertex counts once. orient2d is negative when the point
        // is left of a→b, and exact.
        if (y1 <= y && y < y2 && o < 0) crossings++;
        else if (y2 <= y && y < y1 && o > 0) crossings++;
      }
    }
    if (crossings % 2 === 1) inside = true;
  }
  return inside ? 'inside' : 'outside';
}

/** Fast non-exact even–odd test on a flat [x0, y0, x1, y1, …] ring, for rejection sampling. */
export function flatRingContains(ring: Float64Array, x: number, y: number): boolean {
  let inside = false;
  const n = ring.length;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) {
    const xi = ring[i] as number;
    const yi = ring[i + 1] as number;
    const xj = ring[j] as number;
    const yj = ring[j + 1] as number;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
