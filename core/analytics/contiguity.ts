/**
 * Spatial neighbours of areas, as compressed sparse rows so that every method walking them (Gi*, local Empirical
 * Bayes) runs over two flat typed arrays instead of arrays of arrays.
 *
 * Queen contiguity follows spdep's `poly2nb(queen = TRUE)`: two areas are neighbours when a vertex of one lies
 * within Euclidean distance `snap` of a vertex of the other (every ring and part counts; a vertex lying on the
 * other polygon's edge does not). That rule keeps pairs whose shared boundary overlaps by slivers, which a
 * "touches" predicate would drop.
 */
import type { MultiPolygon, Polygon } from 'geojson';

/** Compressed sparse rows; neighbours of i are indices[offsets[i] .. offsets[i+1]-1], ascending, self NOT included. */
export type Neighbours = { n: number; offsets: Int32Array; indices: Int32Array };

/** R's `sqrt(.Machine$double.eps)`, poly2nb's default snap (in coordinate units). */
const DEFAULT_SNAP = Math.sqrt(Number.EPSILON);

/** Grid cell width in units of snap: wider cells mean most vertices need no look-up in the cells beside theirs. */
const CELLS_PER_SNAP = 4;

/** Vertices per block of the coarse grid that partitions the hash table: small enough for a block to sit in cache. */
const VERTICES_PER_BLOCK = 512;

// Scratch views for hashing a double by its bit pattern: exact-coordinate cells (snap 0) are arbitrary fractions,
// and cell numbers can exceed 32 bits, so neither can be hashed through integer conversion.
const scratchFloat = new Float64Array(2);
const scratchWords = new Uint32Array(scratchFloat.buffer);

/** Mixes two doubles (cell coordinates or a pair key) into 32 bits. Callers normalise -0 to 0 first. */
function hashCell(cx: number, cy: number): number {
  scratchFloat[0] = cx;
  scratchFloat[1] = cy;
  let h = Math.imul(scratchWords[0]!, 0x9e3779b1);
  h ^= Math.imul(scratchWords[1]!, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= Math.imul(scratchWords[2]!, 0xc2b2ae3d);
  h ^= Math.imul(scratchWords[3]!, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 13), 0x165667b1);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Smallest power of two ≥ 2·count, so open-addressing probes stay short. */
function tableSize(count: number): number {
  let size = 16;
  while (size < count * 2) size *= 2;
  return size;
}

/**
 * A set of unordered area pairs (a < b), open addressing on a flat key array: shared boundaries produce the same
 * pair once per shared vertex, and a JS Set of that many numbers would dominate the run time.
 */
type PairSet = { keys: Float64Array; size: number };

function createPairSet(capacity: number): PairSet {
  return { keys: new Float64Array(tableSize(capacity)).fill(-1), size: 0 };
}

function addPair(set: PairSet, key: number): void {
  let keys = set.keys;
  if ((set.size + 1) * 2 > keys.length) {
    const old = keys;
    keys = new Float64Array(old.length * 2).fill(-1);
    set.keys = keys;
    for (let i = 0; i < old.length; i++) {
      const k = old[i]!;
      if (k >= 0) insertKey(keys, k);
    }
  }
  if (insertKey(keys, key)) set.size++;
}

function insertKey(keys: Float64Array, key: number): boolean {
  const mask = keys.length - 1;
  let slot = hashCell(key, 0) & mask;
  for (;;) {
    const k = keys[slot]!;
    if (k === key) return false;
    if (k < 0) {
      keys[slot] = key;
      return true;
    }
    slot = (slot + 1) & mask;
  }
}

/** Builds CSR rows from unordered pair keys a·n + b (a < b): each pair goes into both rows, rows come out sorted. */
function neighboursFromPairKeys(n: number, pairKeys: Float64Array, count: number): Neighbours {
  const directed = new Float64Array(count * 2);
  let d = 0;
  for (let i = 0; i < pairKeys.length && d < count * 2; i++) {
    const key = pairKeys[i]!;
    if (key < 0) continue;
    const a = Math.floor(key / n);
    const b = key - a * n;
    directed[d++] = key;
    directed[d++] = b * n + a;
  }
  directed.sort();
  const offsets = new Int32Array(n + 1);
  const indices = new Int32Array(directed.length);
  for (let i = 0; i < directed.length; i++) {
    const key = directed[i]!;
    const row = Math.floor(key / n);
    indices[i] = key - row * n;
    offsets[row + 1]!++;
  }
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  return { n, offsets, indices };
}

/** Every vertex of every ring and part, flattened, with the index of the area it belongs to. */
function collectVertices(geometries: ReadonlyArray<Polygon | MultiPolygon>): {
  xs: Float64Array;
  ys: Float64Array;
  owner: Int32Array;
} {
  let count = 0;
  for (const geometry of geometries) {
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    for (const polygon of polygons) for (const ring of polygon) count += ring.length;
  }
  const xs = new Float64Array(count);
  const ys = new Float64Array(count);
  const owner = new Int32Array(count);
  let v = 0;
  for (let area = 0; area < geometries.length; area++) {
    const geometry = geometries[area]!;
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    for (const polygon of polygons) {
      for (const ring of polygon) {
        for (const position of ring) {
          const x = position[0]!;
          const y = position[1]!;
          if (!Number.isFinite(x) || !Number.isFinite(y))
            throw new RangeError(`area ${area} has a non-finite coordinate`);
          xs[v] = x;
          ys[v] = y;
          owner[v] = area;
          v++;
        }
      }
    }
  }
  return { xs, ys, owner };
}

/**
 * Vertices sorted by block of a coarse grid, and a hash table of the fine cells they fall in. The table is split
 * into one region per block (about VERTICES_PER_BLOCK vertices each) and everything is walked block by block, so
 * the slots and vertices in use at any time stay in cache; one table over all vertices would make each probe a
 * trip to main memory. A cell belongs to one block, computed from its cell coordinates.
 */
type Grid = {
  x: Float64Array;
  y: Float64Array;
  owner: Int32Array;
  cellX: Float64Array;
  cellY: Float64Array;
  /** Next vertex in the same cell, -1 at the end of the chain. */
  next: Int32Array;
  /** A region per block, a power-of-two number of slots each; a slot holds the cell's first vertex + 1, 0 if empty. */
  table: Int32Array;
  regionStart: Int32Array;
  /** Slots in use, in block order. */
  occupied: Int32Array;
  occupiedCount: number;
  minCx: number;
  minCy: number;
  /** 1 / block side, in cells (or coordinate units with snap 0). */
  blocksPerUnit: number;
  blocksX: number;
  blocksY: number;
};

/** A cell's block. Any fixed function of the cell would do, as long as placing and finding use the same one. */
function blockOf(grid: Grid, cx: number, cy: number): number {
  const bx = Math.floor((cx - grid.minCx) * grid.blocksPerUnit);
  const by = Math.floor((cy - grid.minCy) * grid.blocksPerUnit);
  return bx >= 0 && bx < grid.blocksX && by >= 0 && by < grid.blocksY ? by * grid.blocksX + bx : -1;
}

/** Cells of side `cellSize`, or exact coordinates when `cellSize` is 0. */
function buildGrid(
  xs: Float64Array,
  ys: Float64Array,
  owner: Int32Array,
  cellSize: number,
  snap: number,
): Grid {
  const count = xs.length;
  const exact = cellSize === 0;
  const cellX = new Float64Array(count);
  const cellY = new Float64Array(count);
  let minCx = Infinity;
  let maxCx = -Infinity;
  let minCy = Infinity;
  let maxCy = -Infinity;
  for (let i = 0; i < count; i++) {
    // `+ 0` turns -0 into 0, which compare equal but hash differently.
    const cx = (exact ? xs[i]! : Math.floor(xs[i]! / cellSize)) + 0;
    const cy = (exact ? ys[i]! : Math.floor(ys[i]! / cellSize)) + 0;
    // A subnormal snap would put every vertex in the one infinite cell and make the search quadratic.
    if (!Number.isFinite(cx) || !Number.isFinite(cy))
      throw new RangeError(`snap ${snap} is too small for coordinates of this magnitude`);
    cellX[i] = cx;
    cellY[i] = cy;
    if (cx < minCx) minCx = cx;
    if (cx > maxCx) maxCx = cx;
    if (cy < minCy) minCy = cy;
    if (cy > maxCy) maxCy = cy;
  }

  // Square blocks of about VERTICES_PER_BLOCK vertices on average, but never more than 4× as many blocks along one
  // axis as there are blocks in all, so a long thin layout cannot ask for a huge block array. With snap 0 the
  // block side is in coordinate units, and no look-up leaves its own cell.
  const spanX = maxCx - minCx;
  const spanY = maxCy - minCy;
  const targetBlocks = Math.max(1, Math.ceil(count / VERTICES_PER_BLOCK));
  let blockSide = Math.max(
    Math.sqrt((spanX * spanY) / targetBlocks),
    spanX / (4 * targetBlocks),
    spanY / (4 * targetBlocks),
  );
  if (!exact) blockSide = Math.ceil(blockSide);
  if (!(blockSide > 0)) blockSide = 1;
  const blocksX = count === 0 ? 1 : Math.floor(spanX * (1 / blockSide)) + 1;
  const blocksY = count === 0 ? 1 : Math.floor(spanY * (1 / blockSide)) + 1;
  const blockCount = blocksX * blocksY;
  const grid: Grid = {
    x: new Float64Array(count),
    y: new Float64Array(count),
    owner: new Int32Array(count),
    cellX: new Float64Array(count),
    cellY: new Float64Array(count),
    next: new Int32Array(count),
    table: new Int32Array(0),
    regionStart: new Int32Array(blockCount + 1),
    occupied: new Int32Array(count),
    occupiedCount: 0,
    minCx,
    minCy,
    blocksPerUnit: 1 / blockSide,
    blocksX,
    blocksY,
  };

  // Counting sort by block, copying the vertices into block order.
  const blockStart = new Int32Array(blockCount + 1);
  const vertexBlock = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const block = blockOf(grid, cellX[i]!, cellY[i]!);
    vertexBlock[i] = block;
    blockStart[block + 1]!++;
  }
  for (let b = 0; b < blockCount; b++) blockStart[b + 1]! += blockStart[b]!;
  const fill = blockStart.slice(0, blockCount);
  const { x, y, cellX: gx, cellY: gy, next, regionStart, occupied } = grid;
  const gOwner = grid.owner;
  for (let i = 0; i < count; i++) {
    const to = fill[vertexBlock[i]!]!++;
    x[to] = xs[i]!;
    y[to] = ys[i]!;
    gx[to] = cellX[i]!;
    gy[to] = cellY[i]!;
    gOwner[to] = owner[i]!;
  }

  for (let b = 0; b < blockCount; b++) {
    const inBlock = blockStart[b + 1]! - blockStart[b]!;
    regionStart[b + 1] = regionStart[b]! + (inBlock === 0 ? 0 : tableSize(inBlock));
  }
  const table = new Int32Array(regionStart[blockCount]!);
  grid.table = table;
  let occupiedCount = 0;
  for (let b = 0; b < blockCount; b++) {
    const start = regionStart[b]!;
    const mask = regionStart[b + 1]! - start - 1;
    for (let i = blockStart[b]!; i < blockStart[b + 1]!; i++) {
      const cx = gx[i]!;
      const cy = gy[i]!;
      let slot = start + (hashCell(cx, cy) & mask);
      let head = table[slot]! - 1;
      while (head !== -1 && (gx[head] !== cx || gy[head] !== cy)) {
        slot = start + ((slot - start + 1) & mask);
        head = table[slot]! - 1;
      }
      if (head === -1) occupied[occupiedCount++] = slot;
      next[i] = head;
      table[slot] = i + 1;
    }
  }
  grid.occupiedCount = occupiedCount;
  return grid;
}

/** First vertex of a cell, or -1 when no vertex falls in it. */
function findCell(grid: Grid, cx: number, cy: number): number {
  const block = blockOf(grid, cx, cy);
  if (block === -1) return -1;
  const { table, regionStart, cellX, cellY } = grid;
  const start = regionStart[block]!;
  const mask = regionStart[block + 1]! - start - 1;
  if (mask < 0) return -1;
  let slot = start + (hashCell(cx, cy) & mask);
  for (;;) {
    const head = table[slot]! - 1;
    if (head === -1 || (cellX[head] === cx && cellY[head] === cy)) return head;
    slot = start + ((slot - start + 1) & mask);
  }
}

/** Pair-finding state: the set, and the last pair added (runs of vertices along one boundary repeat it). */
type PairSearch = { grid: Grid; snap2: number; n: number; pairs: PairSet; lastKey: number };

/** Records every pair of areas with vertices within snap, between two cells given by their first vertex (or
 * within one cell when `sameCell`). */
function compareCells(search: PairSearch, first: number, second: number, sameCell: boolean): void {
  const { x, y, owner, next } = search.grid;
  const { snap2, n } = search;
  for (let i = first; i !== -1; i = next[i]!) {
    const ai = owner[i]!;
    const xi = x[i]!;
    const yi = y[i]!;
    for (let j = sameCell ? next[i]! : second; j !== -1; j = next[j]!) {
      const aj = owner[j]!;
      if (aj === ai) continue;
      const dx = x[j]! - xi;
      const dy = y[j]! - yi;
      if (dx * dx + dy * dy <= snap2) {
        const key = ai < aj ? ai * n + aj : aj * n + ai;
        if (key !== search.lastKey) {
          addPair(search.pairs, key);
          search.lastKey = key;
        }
      }
    }
  }
}

/**
 * Queen contiguity of polygons (spdep `poly2nb(queen = TRUE, snap)`), in O(vertices): vertices go into a hash grid
 * of cells a few times `snap` wide, so two vertices within `snap` of each other sit in the same or adjacent cells,
 * and a vertex needs the adjacent cells looked up only when it lies within `snap` of that side. Each occupied cell
 * is compared with itself and the forward half of its 3×3 block (the other half compares with it), so every cell
 * pair is visited once. `snap = 0` means exact coordinate equality. Coordinates are planar (degrees for lon/lat,
 * as R does with s2 off). Pairs at a distance within float rounding of `snap` itself may fall either way.
 */
export function queenContiguity(
  geometries: ReadonlyArray<Polygon | MultiPolygon>,
  snap: number = DEFAULT_SNAP,
): Neighbours {
  if (!(snap >= 0) || !Number.isFinite(snap))
    throw new RangeError(`snap must be a finite number ≥ 0, got ${snap}`);
  const n = geometries.length;
  const { xs, ys, owner } = collectVertices(geometries);
  const exact = snap === 0;
  const cellSize = snap * CELLS_PER_SNAP;
  const grid = buildGrid(xs, ys, owner, cellSize, snap);
  const search: PairSearch = {
    grid,
    snap2: snap * snap,
    n,
    pairs: createPairSet(Math.max(16, n * 4)),
    lastKey: -1,
  };
  const { table, occupied, occupiedCount, x, y, cellX, cellY, next } = grid;
  // The margin absorbs rounding in x / cellSize when deciding which sides of a cell a vertex is near.
  const margin = snap * 1.5;

  for (let c = 0; c < occupiedCount; c++) {
    const head = table[occupied[c]!]! - 1;
    compareCells(search, head, head, true);
    if (exact) continue;
    const cx = cellX[head]!;
    const cy = cellY[head]!;
    let nearEast = false;
    let nearWest = false;
    let nearNorth = false;
    const eastEdge = (cx + 1) * cellSize - margin;
    const westEdge = cx * cellSize + margin;
    const northEdge = (cy + 1) * cellSize - margin;
    for (let i = head; i !== -1; i = next[i]!) {
      if (x[i]! >= eastEdge) nearEast = true;
      if (x[i]! <= westEdge) nearWest = true;
      if (y[i]! >= northEdge) nearNorth = true;
    }
    // Forward half of the 3×3 block: east, north, north-east, north-west.
    if (nearEast) {
      const east = findCell(grid, cx + 1, cy);
      if (east !== -1) compareCells(search, head, east, false);
    }
    if (nearNorth) {
      const north = findCell(grid, cx, cy + 1);
      if (north !== -1) compareCells(search, head, north, false);
      if (nearEast) {
        const northEast = findCell(grid, cx + 1, cy + 1);
        if (northEast !== -1) compareCells(search, head, northEast, false);
      }
      if (nearWest) {
        const northWest = findCell(grid, cx - 1, cy + 1);
        if (northWest !== -1) compareCells(search, head, northWest, false);
      }
    }
  }

  return neighboursFromPairKeys(n, search.pairs.keys, search.pairs.size);
}

/**
 * Neighbours from a list of code pairs (for example a stored or published contiguity table). Pairs may be given in
 * one or both directions and may repeat; the result is symmetric. Unknown codes, repeated codes and self-pairs
 * are errors rather than silently dropped, because each points at a mismatch between the table and the areas.
 */
export function neighboursFromPairs(
  codes: readonly string[],
  pairs: ReadonlyArray<readonly [string, string]>,
): Neighbours {
  const n = codes.length;
  const indexOf = new Map<string, number>();
  codes.forEach((code, i) => {
    if (indexOf.has(code)) throw new RangeError(`area code ${code} appears more than once`);
    indexOf.set(code, i);
  });
  const set = createPairSet(Math.max(16, pairs.length));
  for (const [from, to] of pairs) {
    const a = indexOf.get(from);
    const b = indexOf.get(to);
    if (a === undefined) throw new RangeError(`unknown area code ${from} in neighbour pairs`);
    if (b === undefined) throw new RangeError(`unknown area code ${to} in neighbour pairs`);
    if (a === b) throw new RangeError(`area ${from} is listed as its own neighbour`);
    addPair(set, a < b ? a * n + b : b * n + a);
  }
  return neighboursFromPairKeys(n, set.keys, set.size);
}
