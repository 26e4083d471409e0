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

/**
 * Queen contiguity of polygons (spdep `poly2nb(queen = TRUE, snap)`), in O(vertices): vertices go into a hash grid
 * of cell size `snap`, so any two within `snap` of each other sit in the same or adjacent cells. Each occupied cell
 * is compared with itself and four of its eight neighbours (the other four compare with it), so every cell pair is
 * visited once. `snap = 0` means exact coordinate equality. Coordinates are planar (degrees for lon/lat, as R
 * does with s2 off). Pairs at a distance within float rounding of `snap` itself may fall either way.
 */
export function queenContiguity(
  geometries: ReadonlyArray<Polygon | MultiPolygon>,
  snap: number = DEFAULT_SNAP,
): Neighbours {
  if (!(snap >= 0) || !Number.isFinite(snap))
    throw new RangeError(`snap must be a finite number ≥ 0, got ${snap}`);
  const n = geometries.length;

  let vertexCount = 0;
  for (const geometry of geometries) {
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    for (const polygon of polygons) for (const ring of polygon) vertexCount += ring.length;
  }
  const xs = new Float64Array(vertexCount);
  const ys = new Float64Array(vertexCount);
  const owner = new Int32Array(vertexCount);
  let v = 0;
  for (let area = 0; area < n; area++) {
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

  // Cells are a few times wider than `snap`, so a vertex needs the neighbouring cells looked up only when it lies
  // within `snap` of that side; with snap 0 the cell is the exact coordinate and only the cell itself is checked.
  const exact = snap === 0;
  const cellSize = snap * CELLS_PER_SNAP;
  const cellX = new Float64Array(vertexCount);
  const cellY = new Float64Array(vertexCount);
  let minCx = Infinity;
  let maxCx = -Infinity;
  let minCy = Infinity;
  let maxCy = -Infinity;
  for (let i = 0; i < vertexCount; i++) {
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

  // The hash table is split into one region per block of a coarse grid (about VERTICES_PER_BLOCK vertices each),
  // and vertices are processed block by block, so the slots and vertices in use at any time stay in cache; a
  // single table over every vertex would make each probe a trip to main memory. Blocks are whole numbers of cells,
  // so a cell's block is found from its cell coordinates alone. (With snap 0 cells are coordinates, not integers,
  // and block sides are then in coordinate units; no look-up leaves its own cell in that case.)
  const spanX = maxCx - minCx;
  const spanY = maxCy - minCy;
  const targetBlocks = Math.max(1, Math.ceil(vertexCount / VERTICES_PER_BLOCK));
  let blockSide = Math.max(Math.sqrt((spanX * spanY) / targetBlocks), spanX / (4 * targetBlocks));
  blockSide = Math.max(blockSide, spanY / (4 * targetBlocks));
  if (!exact) blockSide = Math.ceil(blockSide);
  if (!(blockSide > 0)) blockSide = 1;
  const blocksX = vertexCount === 0 ? 1 : Math.floor(spanX / blockSide) + 1;
  const blocksY = vertexCount === 0 ? 1 : Math.floor(spanY / blockSide) + 1;
  const blockOf = (cx: number, cy: number): number => {
    const bx = Math.floor((cx - minCx) / blockSide);
    const by = Math.floor((cy - minCy) / blockSide);
    return bx >= 0 && bx < blocksX && by >= 0 && by < blocksY ? by * blocksX + bx : -1;
  };

  // Counting sort of the vertices by block, copied into block order so that walking a block reads memory in order.
  const blockCount = blocksX * blocksY;
  const blockStart = new Int32Array(blockCount + 1);
  const vertexBlock = new Int32Array(vertexCount);
  for (let i = 0; i < vertexCount; i++) {
    const block = blockOf(cellX[i]!, cellY[i]!);
    vertexBlock[i] = block;
    blockStart[block + 1]!++;
  }
  for (let b = 0; b < blockCount; b++) blockStart[b + 1]! += blockStart[b]!;
  const fill = blockStart.slice(0, blockCount);
  const px = new Float64Array(vertexCount);
  const py = new Float64Array(vertexCount);
  const pcx = new Float64Array(vertexCount);
  const pcy = new Float64Array(vertexCount);
  const pOwner = new Int32Array(vertexCount);
  for (let i = 0; i < vertexCount; i++) {
    const to = fill[vertexBlock[i]!]!++;
    px[to] = xs[i]!;
    py[to] = ys[i]!;
    pcx[to] = cellX[i]!;
    pcy[to] = cellY[i]!;
    pOwner[to] = owner[i]!;
  }

  // Each block's region holds a power-of-two number of slots, at least twice its vertex count; a slot is
  // [cellX, cellY, first vertex + 1] side by side so a probe touches one cache line (0 marks an empty slot, so the
  // fresh zeroed array needs no fill). A cell's other vertices are chained through `next`.
  const regionStart = new Int32Array(blockCount + 1);
  for (let b = 0; b < blockCount; b++) {
    const count = blockStart[b + 1]! - blockStart[b]!;
    regionStart[b + 1] = regionStart[b]! + (count === 0 ? 0 : tableSize(count));
  }
  const table = new Float64Array(regionStart[blockCount]! * 3);
  const next = new Int32Array(vertexCount);
  const occupied = new Int32Array(vertexCount);
  let occupiedCount = 0;
  for (let b = 0; b < blockCount; b++) {
    const start = regionStart[b]!;
    const mask = regionStart[b + 1]! - start - 1;
    for (let i = blockStart[b]!; i < blockStart[b + 1]!; i++) {
      const cx = pcx[i]!;
      const cy = pcy[i]!;
      let slot = hashCell(cx, cy) & mask;
      let base = (start + slot) * 3;
      while (table[base + 2] !== 0 && (table[base] !== cx || table[base + 1] !== cy)) {
        slot = (slot + 1) & mask;
        base = (start + slot) * 3;
      }
      if (table[base + 2] === 0) {
        table[base] = cx;
        table[base + 1] = cy;
        occupied[occupiedCount++] = base;
      }
      next[i] = table[base + 2]! - 1;
      table[base + 2] = i + 1;
    }
  }

  /** Table offset of a cell's slot, or -1 when no vertex falls in it. */
  const findCell = (cx: number, cy: number): number => {
    const block = blockOf(cx, cy);
    if (block === -1) return -1;
    const start = regionStart[block]!;
    const mask = regionStart[block + 1]! - start - 1;
    if (mask < 0) return -1;
    let slot = hashCell(cx, cy) & mask;
    for (;;) {
      const base = (start + slot) * 3;
      if (table[base + 2] === 0) return -1;
      if (table[base] === cx && table[base + 1] === cy) return base;
      slot = (slot + 1) & mask;
    }
  };

  const snap2 = snap * snap;
  const pairs = createPairSet(Math.max(16, n * 4));
  const compare = (first: number, second: number, sameCell: boolean): void => {
    for (let i = table[first + 2]! - 1; i !== -1; i = next[i]!) {
      const ai = pOwner[i]!;
      const xi = px[i]!;
      const yi = py[i]!;
      for (let j = sameCell ? next[i]! : table[second + 2]! - 1; j !== -1; j = next[j]!) {
        const aj = pOwner[j]!;
        if (aj === ai) continue;
        const dx = px[j]! - xi;
        const dy = py[j]! - yi;
        if (dx * dx + dy * dy <= snap2) addPair(pairs, ai < aj ? ai * n + aj : aj * n + ai);
      }
    }
  };

  for (let c = 0; c < occupiedCount; c++) {
    const base = occupied[c]!;
    compare(base, base, true);
    if (exact) continue;
    const cx = table[base]!;
    const cy = table[base + 1]!;
    // Which sides of this cell have a vertex within snap of them (the margin absorbs rounding in x / cellSize).
    let nearEast = false;
    let nearWest = false;
    let nearNorth = false;
    const eastEdge = (cx + 1) * cellSize - snap * 1.5;
    const westEdge = cx * cellSize + snap * 1.5;
    const northEdge = (cy + 1) * cellSize - snap * 1.5;
    for (let i = table[base + 2]! - 1; i !== -1; i = next[i]!) {
      if (px[i]! >= eastEdge) nearEast = true;
      if (px[i]! <= westEdge) nearWest = true;
      if (py[i]! >= northEdge) nearNorth = true;
    }
    // Forward half of the 3×3 block (east, north-east, north, north-west); the other half looks back at this cell.
    if (nearEast) {
      const east = findCell(cx + 1, cy);
      if (east !== -1) compare(base, east, false);
    }
    if (nearNorth) {
      const north = findCell(cx, cy + 1);
      if (north !== -1) compare(base, north, false);
      if (nearEast) {
        const northEast = findCell(cx + 1, cy + 1);
        if (northEast !== -1) compare(base, northEast, false);
      }
      if (nearWest) {
        const northWest = findCell(cx - 1, cy + 1);
        if (northWest !== -1) compare(base, northWest, false);
      }
    }
  }

  return neighboursFromPairKeys(n, pairs.keys, pairs.size);
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
