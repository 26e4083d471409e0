import type { MultiPolygon, Polygon } from 'geojson';
import { orient2d } from 'robust-predicates';

/**
 * Point-in-area lookup for assigning signals to areas, with PostGIS ST_Covers semantics:
 * a point on an area's boundary (any ring, holes included) is covered; a point strictly inside a hole is not.
 * When several areas cover a point (shared edges and vertices, or overlapping input), the one with the smallest
 * `key` in plain string order wins, the same answer as
 *   SELECT DISTINCT ON (p.id) p.id, a.id FROM p JOIN area a ON ST_Covers(a.geom, p.geom) ORDER BY p.id, a.code.
 *
 * Structure: a uniform grid over the areas' extent. For each cell and each area touching it the index keeps either
 * "the whole closed cell is inside" (answered without any geometry) or the area's edges that touch the closed cell
 * plus the inside/outside state of a reference point just right of and above the cell's bottom-right corner.
 * A query walks from the point to that reference point, right along its row and then down the cell's right side,
 * counting boundary crossings of the cell's edges only. Every decision uses exact orientation predicates with a
 * consistent symbolic perturbation (query point lifted by ε, reference line shifted right by δ, ε ≪ δ), so points
 * on edges, on vertices and on grid lines are all answered exactly.
 */

export type AreaInput = { id: string; key: string; geometry: Polygon | MultiPolygon };

export type AreaIndex = {
  /** Number of areas indexed. */
  readonly size: number;
  /** Id of the covering area, or null when no area covers the point. Allocation-free. */
  locate(lon: number, lat: number): string | null;
  /** Position (in key order) of the covering area in `ids`, or -1. Allocation-free. */
  locatePosition(lon: number, lat: number): number;
  /** Area ids in key order; `locatePosition` indexes into it. */
  readonly ids: readonly string[];
};

export type AreaIndexOptions = {
  /** Approximate number of grid cells; by default about four per boundary edge, within [1 024, 4 194 304]. */
  cells?: number;
};

const FLAG_INSIDE = 1;
const FLAG_FULL = 2;

/** Orientation sign convention of robust-predicates: negative when c is left of the directed line a→b. */
const leftOf = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number): boolean =>
  orient2d(ax, ay, bx, by, cx, cy) < 0;

class GrowableF64 {
  data = new Float64Array(1024);
  length = 0;
  push4(a: number, b: number, c: number, d: number): void {
    if (this.length + 4 > this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = a;
    this.data[this.length++] = b;
    this.data[this.length++] = c;
    this.data[this.length++] = d;
  }
}

class GrowableI32 {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

function edgesOf(geometry: Polygon | MultiPolygon): Float64Array {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const out: number[] = [];
  for (const polygon of polygons) {
    for (const ring of polygon) {
      const n = ring.length;
      if (n < 2) continue;
      for (let i = 0; i < n; i++) {
        const a = ring[i]!;
        // Rings are closed in GeoJSON, but close them anyway so an unclosed ring cannot leak parity.
        const b = ring[(i + 1) % n]!;
        const ax = a[0]!;
        const ay = a[1]!;
        const bx = b[0]!;
        const by = b[1]!;
        out.push(ax, ay, bx, by);
      }
    }
  }
  return Float64Array.from(out);
}

export function createAreaIndex(areas: AreaInput[], options: AreaIndexOptions = {}): AreaIndex {
  const sorted = areas
    .map((area, order) => ({ area, order }))
    .sort((a, b) => (a.area.key < b.area.key ? -1 : a.area.key > b.area.key ? 1 : a.order - b.order))
    .map((s) => s.area);
  const ids = sorted.map((a) => a.id);
  const areaEdges = sorted.map((a) => edgesOf(a.geometry));

  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  let totalEdges = 0;
  for (const edges of areaEdges) {
    totalEdges += edges.length / 4;
    for (let i = 0; i < edges.length; i += 2) {
      const x = edges[i]!;
      const y = edges[i + 1]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError('area coordinates must be finite');
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  if (totalEdges === 0) {
    return { size: sorted.length, ids, locate: () => null, locatePosition: () => -1 };
  }

  const width = maxX - minX;
  const height = maxY - minY;
  const targetCells = Math.max(1, Math.min(options.cells ?? Math.max(1024, totalEdges * 4), 4_194_304));
  const aspect = width > 0 && height > 0 ? width / height : 1;
  const nx = Math.max(1, Math.min(4096, Math.round(Math.sqrt(targetCells * aspect))));
  const ny = Math.max(1, Math.min(4096, Math.round(targetCells / nx)));
  const cw = width > 0 ? width / nx : 1;
  const ch = height > 0 ? height / ny : 1;
  // Grid lines are stored, not recomputed, so the cell a query lands in and the lines the index was built
  // against are the very same numbers.
  const xs = new Float64Array(nx + 1);
  const ys = new Float64Array(ny + 1);
  for (let i = 0; i <= nx; i++) xs[i] = minX + i * cw;
  for (let j = 0; j <= ny; j++) ys[j] = minY + j * ch;
  xs[nx] = Math.max(xs[nx]!, maxX);
  ys[ny] = Math.max(ys[ny]!, maxY);
  // Rasterisation only has to be conservative: an extra edge in a cell costs time, never correctness.
  const mx = cw * 1e-6;
  const my = ch * 1e-6;
  const colOf = (x: number): number => Math.min(nx - 1, Math.max(0, Math.floor((x - minX) / cw)));
  const rowOf = (y: number): number => Math.min(ny - 1, Math.max(0, Math.floor((y - minY) / ch)));

  const recCell = new GrowableI32();
  const recArea = new GrowableI32();
  const recFlags = new GrowableI32();
  const recEdgeStart = new GrowableI32();
  const recEdgeEnd = new GrowableI32();
  const edgeData = new GrowableF64();

  for (let ai = 0; ai < areaEdges.length; ai++) {
    const edges = areaEdges[ai]!;
    const ne = edges.length / 4;
    if (ne === 0) continue;
    let aMinX = Infinity;
    let aMinY = Infinity;
    let aMaxX = -Infinity;
    let aMaxY = -Infinity;
    for (let i = 0; i < edges.length; i += 2) {
      aMinX = Math.min(aMinX, edges[i]!);
      aMaxX = Math.max(aMaxX, edges[i]!);
      aMinY = Math.min(aMinY, edges[i + 1]!);
      aMaxY = Math.max(aMaxY, edges[i + 1]!);
    }
    const c0 = colOf(aMinX - mx);
    const c1 = colOf(aMaxX + mx);
    const r0 = rowOf(aMinY - my);
    const r1 = rowOf(aMaxY + my);
    const ncols = c1 - c0 + 1;
    const nrows = r1 - r0 + 1;

    // Edges touching each closed cell of the area's window.
    const touched = new Map<number, number[]>();
    for (let e = 0; e < ne; e++) {
      const ax = edges[e * 4]!;
      const ay = edges[e * 4 + 1]!;
      const bx = edges[e * 4 + 2]!;
      const by = edges[e * 4 + 3]!;
      const eMinY = Math.min(ay, by);
      const eMaxY = Math.max(ay, by);
      const eMinX = Math.min(ax, bx);
      const eMaxX = Math.max(ax, bx);
      const rowLo = rowOf(eMinY - my);
      const rowHi = rowOf(eMaxY + my);
      for (let r = rowLo; r <= rowHi; r++) {
        let xLo = eMinX;
        let xHi = eMaxX;
        if (ay !== by) {
          const yLo = Math.max(eMinY, ys[r]! - my);
          const yHi = Math.min(eMaxY, ys[r + 1]! + my);
          const t0 = (yLo - ay) / (by - ay);
          const t1 = (yHi - ay) / (by - ay);
          const xa = ax + t0 * (bx - ax);
          const xb = ax + t1 * (bx - ax);
          xLo = Math.max(eMinX, Math.min(xa, xb));
          xHi = Math.min(eMaxX, Math.max(xa, xb));
        }
        const colLo = colOf(xLo - mx);
        const colHi = colOf(xHi + mx);
        for (let c = colLo; c <= colHi; c++) {
          const cell = r * nx + c;
          const list = touched.get(cell);
          if (list) list.push(e);
          else touched.set(cell, [e]);
        }
      }
    }

    // Inside/outside state of each cell's reference point (xs[c+1] + δ, ys[r] + ε): parity of edges crossing the
    // horizontal ray from it. Each crossing flips every column left of it, kept as a suffix-xor of toggles.
    const toggles = new Uint8Array(nrows * ncols);
    const flipAll = new Uint8Array(nrows);
    for (let e = 0; e < ne; e++) {
      let lx = edges[e * 4]!;
      let ly = edges[e * 4 + 1]!;
      let ux = edges[e * 4 + 2]!;
      let uy = edges[e * 4 + 3]!;
      if (ly === uy) continue;
      if (ly > uy) {
        [lx, ly, ux, uy] = [ux, uy, lx, ly];
      }
      // Lines y = ys[r] with ly <= ys[r] < uy are the ones this edge straddles under the +ε rule.
      let rs = Math.max(r0, rowOf(ly) - 1);
      while (rs <= r1 && ys[rs]! < ly) rs++;
      for (let r = rs; r <= r1 && ys[r]! < uy; r++) {
        const y = ys[r]!;
        const ix = lx + ((y - ly) / (uy - ly)) * (ux - lx);
        // m = number of columns whose right line lies strictly left of the crossing; estimate, then settle exactly.
        let m = Math.min(nx, Math.max(0, Math.ceil((ix - minX) / cw) - 1));
        while (m > 0 && !leftOf(lx, ly, ux, uy, xs[m]!, y)) m--;
        while (m < nx && leftOf(lx, ly, ux, uy, xs[m + 1]!, y)) m++;
        const last = m - 1;
        if (last < c0) continue;
        if (last >= c1) flipAll[r - r0]! ^= 1;
        else toggles[(r - r0) * ncols + (last - c0)]! ^= 1;
      }
    }

    for (let r = r0; r <= r1; r++) {
      let inside = flipAll[r - r0]!;
      for (let c = c1; c >= c0; c--) {
        inside ^= toggles[(r - r0) * ncols + (c - c0)]!;
        const cell = r * nx + c;
        const list = touched.get(cell);
        if (list) {
          recCell.push(cell);
          recArea.push(ai);
          recFlags.push(inside ? FLAG_INSIDE : 0);
          recEdgeStart.push(edgeData.length >> 2);
          for (const e of list)
            edgeData.push4(edges[e * 4]!, edges[e * 4 + 1]!, edges[e * 4 + 2]!, edges[e * 4 + 3]!);
          recEdgeEnd.push(edgeData.length >> 2);
        } else if (inside) {
          recCell.push(cell);
          recArea.push(ai);
          recFlags.push(FLAG_INSIDE | FLAG_FULL);
          recEdgeStart.push(0);
          recEdgeEnd.push(0);
        }
      }
    }
  }

  // Stable counting sort by cell: records were emitted area by area in key order, so each cell's candidates
  // come out in key order and the first covering one is the answer.
  const ncells = nx * ny;
  const nrec = recCell.length;
  const cellStart = new Int32Array(ncells + 1);
  for (let i = 0; i < nrec; i++) cellStart[recCell.data[i]! + 1]!++;
  for (let i = 0; i < ncells; i++) cellStart[i + 1]! += cellStart[i]!;
  const fill = cellStart.slice(0, ncells);
  const candArea = new Int32Array(nrec);
  const candFlags = new Uint8Array(nrec);
  const candStart = new Int32Array(nrec);
  const candEnd = new Int32Array(nrec);
  for (let i = 0; i < nrec; i++) {
    const k = fill[recCell.data[i]!]!++;
    candArea[k] = recArea.data[i]!;
    candFlags[k] = recFlags.data[i]!;
    candStart[k] = recEdgeStart.data[i]!;
    candEnd[k] = recEdgeEnd.data[i]!;
  }
  const E = edgeData.data.slice(0, edgeData.length);

  /** Whether candidate k's area covers (px, py), for a point inside the closed cell whose right line is X and bottom line Y0. */
  function covers(k: number, px: number, py: number, X: number, Y0: number): boolean {
    let inside = (candFlags[k]! & FLAG_INSIDE) !== 0;
    const end = candEnd[k]! * 4;
    for (let i = candStart[k]! * 4; i < end; i += 4) {
      const ax = E[i]!;
      const ay = E[i + 1]!;
      const bx = E[i + 2]!;
      const by = E[i + 3]!;
      const eMinY = ay < by ? ay : by;
      const eMaxY = ay < by ? by : ay;

      if (py >= eMinY && py <= eMaxY) {
        const o = orient2d(ax, ay, bx, by, px, py);
        if (o === 0) {
          if (px >= (ax < bx ? ax : bx) && px <= (ax < bx ? bx : ax)) return true;
        } else if (ay > py !== by > py) {
          // Crossing of the path (px, py+ε) → (X+δ, py+ε): the edge meets the row right of p and not right of X.
          // o is relative to a→b; p is left of the upward edge exactly when it is left of a→b going up.
          const pLeftOfUp = ay < by ? o < 0 : o > 0;
          if (pLeftOfUp) {
            const maxEx = ax < bx ? bx : ax;
            if (maxEx <= X) inside = !inside;
            else {
              const q = orient2d(ax, ay, bx, by, X, py);
              const xLeftOfUp = ay < by ? q < 0 : q > 0;
              if (!xLeftOfUp) inside = !inside;
            }
          }
        }
      }

      // Crossing of the path (X+δ, py+ε) → (X+δ, Y0+ε) down the cell's right side.
      if (ax > X !== bx > X && eMaxY >= Y0 && eMinY <= py) {
        const lx = ax > X ? bx : ax;
        const ly = ax > X ? by : ay;
        const rx = ax > X ? ax : bx;
        const ry = ax > X ? ay : by;
        const o0 = orient2d(lx, ly, rx, ry, X, Y0);
        const aboveY0 = o0 > 0 || (o0 === 0 && ry > ly);
        if (aboveY0) {
          const o1 = orient2d(lx, ly, rx, ry, X, py);
          const aboveP = o1 > 0 || (o1 === 0 && ry > ly);
          if (!aboveP) inside = !inside;
        }
      }
    }
    return inside;
  }

  const gridMaxX = xs[nx]!;
  const gridMaxY = ys[ny]!;
  const invW = 1 / cw;
  const invH = 1 / ch;

  function locatePosition(px: number, py: number): number {
    // Also rejects NaN.
    if (!(px >= minX && px <= gridMaxX && py >= minY && py <= gridMaxY)) return -1;
    let c = Math.floor((px - minX) * invW);
    if (c > nx - 1) c = nx - 1;
    while (c > 0 && px < xs[c]!) c--;
    while (c < nx - 1 && px > xs[c + 1]!) c++;
    let r = Math.floor((py - minY) * invH);
    if (r > ny - 1) r = ny - 1;
    while (r > 0 && py < ys[r]!) r--;
    while (r < ny - 1 && py > ys[r + 1]!) r++;
    const cell = r * nx + c;
    const end = cellStart[cell + 1]!;
    for (let k = cellStart[cell]!; k < end; k++) {
      if ((candFlags[k]! & FLAG_FULL) !== 0 || covers(k, px, py, xs[c + 1]!, ys[r]!)) return candArea[k]!;
    }
    return -1;
  }

  return {
    size: sorted.length,
    ids,
    locatePosition,
    locate(lon: number, lat: number): string | null {
      const i = locatePosition(lon, lat);
      return i < 0 ? null : ids[i]!;
    },
  };
}

/** Locates many points at once; `lons[i]`, `lats[i]` → result[i]. */
export function locateAll(index: AreaIndex, lons: Float64Array, lats: Float64Array): (string | null)[] {
  if (lons.length !== lats.length) throw new RangeError('lons and lats must have the same length');
  const out = new Array<string | null>(lons.length);
  for (let i = 0; i < lons.length; i++) {
    const k = index.locatePosition(lons[i]!, lats[i]!);
    out[i] = k < 0 ? null : index.ids[k]!;
  }
  return out;
}
