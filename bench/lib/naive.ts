import type { MultiPolygon, Polygon } from 'geojson';
import { orient2d } from 'robust-predicates';
import { polygonsOf } from '../../core/synthetic/geometry.ts';

type FlatArea = { parts: Float64Array[][] };

/**
 * The baseline a developer would write first: for each point, test every polygon in code order (exact predicates,
 * boundary counts as covered, first covering area wins), with no spatial index and no bounding-box pre-filter.
 */
export function createNaiveLocator(
  areas: Array<{ geometry: Polygon | MultiPolygon }>,
): (x: number, y: number) => number {
  const flat: FlatArea[] = areas.map((a) => ({
    parts: polygonsOf(a.geometry).map((polygon) =>
      polygon.map((ring) => Float64Array.from(ring.flatMap((p) => [p[0] as number, p[1] as number]))),
    ),
  }));
  const covers = (area: FlatArea, x: number, y: number): boolean => {
    for (const rings of area.parts) {
      let inside = false;
      for (const ring of rings) {
        for (let i = 0, j = ring.length - 2; i < ring.length; j = i, i += 2) {
          const x1 = ring[j] as number;
          const y1 = ring[j + 1] as number;
          const x2 = ring[i] as number;
          const y2 = ring[i + 1] as number;
          if (y1 > y === y2 > y && !(y1 === y || y2 === y)) continue;
          const o = orient2d(x1, y1, x2, y2, x, y);
          if (
            o === 0 &&
            x >= Math.min(x1, x2) &&
            x <= Math.max(x1, x2) &&
            y >= Math.min(y1, y2) &&
            y <= Math.max(y1, y2)
          ) {
            return true;
          }
          if ((y1 <= y && y < y2 && o < 0) || (y2 <= y && y < y1 && o > 0)) inside = !inside;
        }
      }
      if (inside) return true;
    }
    return false;
  };
  return (x, y) => {
    for (let i = 0; i < flat.length; i++) if (covers(flat[i] as FlatArea, x, y)) return i;
    return -1;
  };
}
