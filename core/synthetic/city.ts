import { Delaunay } from 'd3-delaunay';
import type { MultiPolygon, Polygon, Position } from 'geojson';
import { ringSignedArea, type BBox } from './geometry.ts';
import { createRandom, hashSeed, type Random } from './random.ts';

export type GenerateCityOptions = {
  seed: number;
  /** Number of neighbourhood cells. */
  areas: number;
  /** Lon/lat box the tessellation fills; defaults to a ~30 × 28 km box at 45° N. */
  bbox?: BBox;
  /** Average number of distinct vertices per cell ring after densification. */
  verticesPerArea?: number;
  /** Number of districts grouping the cells (a parent level); false for none. Defaults to about one per 25 cells. */
  districts?: number | false;
  name?: string;
};

export type SyntheticArea = {
  code: string;
  name: string;
  level: 'neighbourhood' | 'district';
  parentCode: string | null;
  /** Exterior rings counter-clockwise, holes clockwise (RFC 7946), lon/lat. */
  geometry: Polygon | MultiPolygon;
  population: number;
};

/** One boundary between two cells, stored once from its canonical start vertex; both cells use these exact positions. */
export type SharedEdge = { codes: [string, string]; coordinates: Position[] };

export type SyntheticCity = {
  seed: number;
  name: string;
  bbox: BBox;
  /** Neighbourhood cells, sorted by code. */
  areas: SyntheticArea[];
  /** Parent level (may be empty), sorted by code. */
  districts: SyntheticArea[];
  sharedEdges: SharedEdge[];
  /** Sum over cells of the distinct vertices of each ring (the closing repeat not counted). */
  vertexCount: number;
};

export const DEFAULT_BBOX: BBox = [10.0, 45.0, 10.4, 45.25];

const KM_PER_DEGREE = 111.32;

const NAME_STEMS = [
  'Ash',
  'Birch',
  'Cedar',
  'Elm',
  'Fern',
  'Hazel',
  'Holly',
  'Juniper',
  'Laurel',
  'Linden',
  'Maple',
  'Oak',
  'Pine',
  'Rowan',
  'Willow',
  'Alder',
  'Brook',
  'Clay',
  'Dale',
  'Frost',
  'Glen',
  'Harbour',
  'Iron',
  'Kings',
  'Lark',
  'Mill',
  'North',
  'Orchard',
  'Queens',
  'River',
  'Stone',
  'Thorn',
  'Vale',
  'West',
  'York',
  'Amber',
  'Beacon',
  'Copper',
  'Eagle',
  'Falcon',
];
const NAME_SUFFIXES = [
  'field',
  'wood',
  'ford',
  'gate',
  'hill',
  'mead',
  'ton',
  'bury',
  'brook',
  'haven',
  'stead',
  'wick',
  'side',
  'cross',
  'well',
  'moor',
  'ley',
  'port',
  'dale',
  'view',
];
const NAME_QUALIFIERS = [
  '',
  'Upper ',
  'Lower ',
  'East ',
  'West ',
  'Old ',
  'New ',
  'Little ',
  'Great ',
  'South ',
];
const DISTRICT_NAMES = [
  'Riverside',
  'Highlands',
  'Harbourfront',
  'Old Town',
  'Parkland',
  'Northgate',
  'Southbank',
  'Eastfield',
  'Westmoor',
  'Midtown',
  'Lakeshore',
  'Uplands',
  'Greenbelt',
  'Millbrook',
  'Stonebridge',
  'Fairview',
];

type Plane = { width: number; height: number; toLonLat(x: number, y: number): Position };

/**
 * Generates a city of Voronoi neighbourhoods with irregular but watertight boundaries: every Voronoi edge is
 * densified once, from its canonical endpoint order, and both neighbours reuse that exact vertex list (one of them
 * reversed), so the tessellation has no gaps, no overlaps and bit-identical shared boundaries. Deterministic per seed.
 */
export function generateCity(options: GenerateCityOptions): SyntheticCity {
  const { seed, areas: cellCount } = options;
  if (!Number.isInteger(cellCount) || cellCount < 2)
    throw new Error('areas must be an integer of at least 2');
  const verticesPerArea = options.verticesPerArea ?? 175;
  const bbox = options.bbox ?? DEFAULT_BBOX;
  const [minLon, minLat, maxLon, maxLat] = bbox;
  if (!(minLon < maxLon && minLat < maxLat)) throw new Error('bbox must be [minLon, minLat, maxLon, maxLat]');

  // A local equirectangular plane keeps cells roughly isotropic on the ground at mid latitudes.
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const plane: Plane = {
    width: (maxLon - minLon) * k,
    height: maxLat - minLat,
    toLonLat: (x, y) => [minLon + x / k, minLat + y],
  };

  // A degenerate Voronoi diagram (cocircular sites) is astronomically rare; retrying with the next sites keeps determinism.
  for (let attempt = 0; attempt < 5; attempt++) {
    const random = createRandom(hashSeed('city', seed, attempt));
    const topology = buildTopology(plane, relaxedSites(random, plane, cellCount));
    if (topology) return assembleCity(options, random, plane, topology, verticesPerArea, bbox);
  }
  throw new Error(`could not build a consistent tessellation for seed ${seed}`);
}

/** Density-weighted sites (denser towards the centre, like a real city), spaced apart, then evened by Lloyd steps. */
function relaxedSites(random: Random, plane: Plane, n: number): Float64Array {
  const { width, height } = plane;
  const spacing = 0.2 * Math.sqrt((width * height) / n);
  const cell = spacing;
  const cols = Math.ceil(width / cell) + 1;
  const grid = new Map<number, number[]>();
  const points = new Float64Array(n * 2);
  let placed = 0;
  const cx = width * (0.4 + 0.2 * random.next());
  const cy = height * (0.4 + 0.2 * random.next());
  const sigma = 0.35 * Math.max(width, height);
  while (placed < n) {
    const x = random.next() * width;
    const y = random.next() * height;
    const density = 0.3 + Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma * sigma));
    if (random.next() * 1.3 > density) continue;
    const gx = Math.floor(x / cell);
    const gy = Math.floor(y / cell);
    let tooClose = false;
    for (let dx = -1; dx <= 1 && !tooClose; dx++) {
      for (let dy = -1; dy <= 1 && !tooClose; dy++) {
        for (const j of grid.get((gy + dy) * cols + gx + dx) ?? []) {
          if (
            ((points[j * 2] as number) - x) ** 2 + ((points[j * 2 + 1] as number) - y) ** 2 <
            spacing * spacing
          ) {
            tooClose = true;
            break;
          }
        }
      }
    }
    if (tooClose) continue;
    points[placed * 2] = x;
    points[placed * 2 + 1] = y;
    const key = gy * cols + gx;
    const bucket = grid.get(key);
    if (bucket) bucket.push(placed);
    else grid.set(key, [placed]);
    placed++;
  }
  for (let step = 0; step < 2; step++) {
    const voronoi = new Delaunay(points).voronoi([0, 0, width, height]);
    for (let i = 0; i < n; i++) {
      const polygon = voronoi.cellPolygon(i);
      if (!polygon) continue;
      const [x, y] = centroid(polygon);
      // Half a Lloyd step keeps some of the centre-dense gradient.
      points[i * 2] = ((points[i * 2] as number) + x) / 2;
      points[i * 2 + 1] = ((points[i * 2 + 1] as number) + y) / 2;
    }
  }
  return points;
}

function centroid(ring: ArrayLike<ArrayLike<number>>): [number, number] {
  let a = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const p = ring[i] as ArrayLike<number>;
    const q = ring[i + 1] as ArrayLike<number>;
    const cross = (p[0] as number) * (q[1] as number) - (q[0] as number) * (p[1] as number);
    a += cross;
    sx += ((p[0] as number) + (q[0] as number)) * cross;
    sy += ((p[1] as number) + (q[1] as number)) * cross;
  }
  return [sx / (3 * a), sy / (3 * a)];
}

type Edge = {
  a: number;
  b: number;
  /** Cells on the left and right of a→b (a < b); -1 on the city's outer boundary. */
  left: number;
  right: number;
  interior: Position[];
};

type Topology = {
  sites: Float64Array;
  vx: number[];
  vy: number[];
  /** Each cell's ring as vertex ids, counter-clockwise, not closed. */
  rings: number[][];
  edges: Map<number, Edge>;
};

const edgeKey = (a: number, b: number, vertexCount: number): number =>
  a < b ? a * vertexCount + b : b * vertexCount + a;

function buildTopology(plane: Plane, sites: Float64Array): Topology | null {
  const n = sites.length / 2;
  const voronoi = new Delaunay(sites).voronoi([0, 0, plane.width, plane.height]);
  const vertexIds = new Map<string, number>();
  const vx: number[] = [];
  const vy: number[] = [];
  const rings: number[][] = [];
  for (let i = 0; i < n; i++) {
    const polygon = voronoi.cellPolygon(i);
    if (!polygon) return null;
    const ring: number[] = [];
    for (let j = 0; j < polygon.length - 1; j++) {
      const [x, y] = polygon[j] as [number, number];
      const key = `${x},${y}`;
      let id = vertexIds.get(key);
      if (id === undefined) {
        id = vx.length;
        vertexIds.set(key, id);
        vx.push(x);
        vy.push(y);
      }
      if (ring[ring.length - 1] !== id) ring.push(id);
    }
    while (ring.length > 1 && ring[0] === ring[ring.length - 1]) ring.pop();
    if (ring.length < 3) return null;
    const area = ringSignedArea(ring.map((id) => [vx[id] as number, vy[id] as number]));
    if (area === 0) return null;
    if (area < 0) ring.reverse();
    rings.push(ring);
  }

  const vertexCount = vx.length;
  const edges = new Map<number, Edge>();
  for (let cell = 0; cell < n; cell++) {
    const ring = rings[cell] as number[];
    for (let j = 0; j < ring.length; j++) {
      const u = ring[j] as number;
      const v = ring[(j + 1) % ring.length] as number;
      const key = edgeKey(u, v, vertexCount);
      let edge = edges.get(key);
      if (!edge) {
        edge = { a: Math.min(u, v), b: Math.max(u, v), left: -1, right: -1, interior: [] };
        edges.set(key, edge);
      }
      // A counter-clockwise ring has its cell on the left of each directed edge.
      if (u < v) {
        if (edge.left !== -1) return null;
        edge.left = cell;
      } else {
        if (edge.right !== -1) return null;
        edge.right = cell;
      }
    }
  }
  const onFrame = (id: number): string[] => {
    const x = vx[id] as number;
    const y = vy[id] as number;
    const sides: string[] = [];
    if (x === 0) sides.push('W');
    if (x === plane.width) sides.push('E');
    if (y === 0) sides.push('S');
    if (y === plane.height) sides.push('N');
    return sides;
  };
  for (const edge of edges.values()) {
    if (edge.left !== -1 && edge.right !== -1) continue;
    // An edge with one cell must lie on the frame, otherwise the diagram has a T-junction.
    const sidesA = onFrame(edge.a);
    if (!onFrame(edge.b).some((s) => sidesA.includes(s))) return null;
  }
  return { sites, vx, vy, rings, edges };
}

/**
 * Height (in units of the edge length) of triangle (a, b, site) above the edge at parameter t, where the site projects
 * to parameter tm at height h. The triangle lies inside the site's convex cell, so a boundary that stays inside it
 * can never cross another boundary of that cell.
 */
function triangleSection(t: number, h: number, tm: number): number {
  if (h <= 0) return 0;
  if (tm <= 0) return (h * (1 - t)) / (1 - tm);
  if (tm >= 1) return (h * t) / tm;
  return h * Math.min(t / tm, (1 - t) / (1 - tm));
}

function densifyEdges(random: Random, plane: Plane, topology: Topology, verticesPerArea: number): number {
  const { vx, vy, sites, edges, rings } = topology;
  const cellCount = rings.length;
  const ordered = [...edges.values()].sort((p, q) => p.a - q.a || p.b - q.b);
  const lengthOf = (e: Edge): number =>
    Math.hypot((vx[e.b] as number) - (vx[e.a] as number), (vy[e.b] as number) - (vy[e.a] as number));
  let ringEdges = 0;
  let weightedLength = 0;
  for (const e of ordered) {
    const multiplicity = (e.left === -1 ? 0 : 1) + (e.right === -1 ? 0 : 1);
    ringEdges += multiplicity;
    weightedLength += multiplicity * lengthOf(e);
  }
  // Spread the extra vertices along edges in proportion to length so the density is even across the city.
  const perUnit = Math.max(0, verticesPerArea * cellCount - ringEdges) / weightedLength;
  let residual = 0;
  let vertexCount = 0;
  for (const e of ordered) {
    const ax = vx[e.a] as number;
    const ay = vy[e.a] as number;
    const dx = (vx[e.b] as number) - ax;
    const dy = (vy[e.b] as number) - ay;
    const length = Math.hypot(dx, dy);
    const target = perUnit * length + residual;
    const count = Math.max(0, Math.round(target));
    residual = target - count;
    const multiplicity = (e.left === -1 ? 0 : 1) + (e.right === -1 ? 0 : 1);
    vertexCount += multiplicity * (count + 1);

    const side = (cell: number): { h: number; tm: number } => {
      if (cell === -1) return { h: 0, tm: 0.5 };
      const px = (sites[cell * 2] as number) - ax;
      const py = (sites[cell * 2 + 1] as number) - ay;
      return {
        h: Math.abs(dx * py - dy * px) / (length * length),
        tm: (dx * px + dy * py) / (length * length),
      };
    };
    const left = side(e.left);
    const right = side(e.right);
    const w1 = 0.6 + random.next() * 1.2;
    const w2 = 2 + random.next() * 4;
    const p1 = random.next() * 2 * Math.PI;
    const p2 = random.next() * 2 * Math.PI;
    const interior: Position[] = [];
    for (let i = 1; i <= count; i++) {
      const t = i / (count + 1);
      const wave = 0.65 * Math.sin(2 * Math.PI * w1 * t + p1) + 0.25 * Math.sin(2 * Math.PI * w2 * t + p2);
      const f = Math.max(-1, Math.min(1, wave + 0.1 * (random.next() * 2 - 1)));
      const bound = f >= 0 ? triangleSection(t, left.h, left.tm) : triangleSection(t, right.h, right.tm);
      const offset = f * Math.min(0.45 * bound, 0.08);
      // Left normal of a→b is (-dy, dx); offsets are in units of the edge length.
      interior.push(plane.toLonLat(ax + t * dx - offset * dy, ay + t * dy + offset * dx));
    }
    e.interior = interior;
  }
  return vertexCount;
}

function cellName(index: number, used: Set<string>): string {
  const stem = NAME_STEMS[index % NAME_STEMS.length] as string;
  const suffix = NAME_SUFFIXES[Math.floor(index / NAME_STEMS.length) % NAME_SUFFIXES.length] as string;
  const round = Math.floor(index / (NAME_STEMS.length * NAME_SUFFIXES.length));
  const qualifier = NAME_QUALIFIERS[round % NAME_QUALIFIERS.length] as string;
  let name = `${qualifier}${stem}${suffix}`;
  if (round >= NAME_QUALIFIERS.length) name += ` ${Math.floor(round / NAME_QUALIFIERS.length) + 1}`;
  while (used.has(name)) name += "'";
  used.add(name);
  return name;
}

function padCode(prefix: string, n: number, total: number): string {
  return `${prefix}${String(n).padStart(Math.max(prefix === 'A' ? 4 : 2, String(total).length), '0')}`;
}

function assembleCity(
  options: GenerateCityOptions,
  random: Random,
  plane: Plane,
  topology: Topology,
  verticesPerArea: number,
  bbox: BBox,
): SyntheticCity {
  const { vx, vy, rings, edges, sites } = topology;
  const n = rings.length;
  const vertexCount = densifyEdges(random, plane, topology, verticesPerArea);
  const lonLat: Position[] = vx.map((x, i) => plane.toLonLat(x, vy[i] as number));

  // Codes follow a west→east, south→north sweep so neighbouring codes are usually neighbours on the map.
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => {
    const bandP = Math.floor(((sites[p * 2 + 1] as number) / plane.height) * Math.sqrt(n));
    const bandQ = Math.floor(((sites[q * 2 + 1] as number) / plane.height) * Math.sqrt(n));
    return bandP - bandQ || (sites[p * 2] as number) - (sites[q * 2] as number);
  });
  const codes: string[] = new Array<string>(n);
  order.forEach((cell, rank) => {
    codes[cell] = padCode('A', rank + 1, n);
  });

  const edgeOf = (u: number, v: number): Edge => edges.get(edgeKey(u, v, vx.length)) as Edge;
  const cellRing = (cell: number): Position[] => {
    const ring = rings[cell] as number[];
    const positions: Position[] = [];
    for (let j = 0; j < ring.length; j++) {
      const u = ring[j] as number;
      const v = ring[(j + 1) % ring.length] as number;
      positions.push(lonLat[u] as Position);
      const e = edgeOf(u, v);
      if (u < v) positions.push(...e.interior);
      else for (let i = e.interior.length - 1; i >= 0; i--) positions.push(e.interior[i] as Position);
    }
    positions.push(positions[0] as Position);
    return positions;
  };

  const districtCount =
    options.districts === false ? 0 : Math.min(n, options.districts ?? Math.max(2, Math.round(n / 25)));
  const districtOf = growDistricts(random, topology, districtCount);

  const geometries = Array.from({ length: n }, (_, cell) => cellRing(cell));
  const { width, height } = plane;
  const populationRandom = random.fork();
  const cx = width * (0.3 + 0.4 * populationRandom.next());
  const cy = height * (0.3 + 0.4 * populationRandom.next());
  const districtCodes = Array.from({ length: districtCount }, (_, d) => padCode('D', d + 1, districtCount));
  const usedNames = new Set<string>();
  const cells: SyntheticArea[] = geometries.map((ring, cell) => {
    const km2 = ringSignedArea(ring) * KM_PER_DEGREE * KM_PER_DEGREE * Math.cos((bbox[1] * Math.PI) / 180);
    const r2 = ((sites[cell * 2] as number) - cx) ** 2 + ((sites[cell * 2 + 1] as number) - cy) ** 2;
    const perKm2 = 1500 + 9000 * Math.exp(-r2 / (2 * (0.3 * Math.max(width, height)) ** 2));
    const population = Math.max(200, Math.round(km2 * perKm2 * Math.exp(0.3 * populationRandom.normal())));
    const district = districtOf[cell] ?? -1;
    return {
      code: codes[cell] as string,
      name: '',
      level: 'neighbourhood',
      parentCode: district >= 0 ? (districtCodes[district] as string) : null,
      geometry: { type: 'Polygon', coordinates: [ring] },
      population,
    };
  });
  order.forEach((cell, rank) => {
    (cells[cell] as SyntheticArea).name = cellName(rank, usedNames);
  });

  const sharedEdges: SharedEdge[] = [];
  for (const e of [...edges.values()].sort((p, q) => p.a - q.a || p.b - q.b)) {
    if (e.left === -1 || e.right === -1) continue;
    sharedEdges.push({
      codes: [codes[e.left] as string, codes[e.right] as string],
      coordinates: [lonLat[e.a] as Position, ...e.interior, lonLat[e.b] as Position],
    });
  }

  const districts: SyntheticArea[] = districtCodes.map((code, d) => {
    const members: number[] = [];
    for (let cell = 0; cell < n; cell++) if (districtOf[cell] === d) members.push(cell);
    return {
      code,
      name: `${DISTRICT_NAMES[d % DISTRICT_NAMES.length]}${d >= DISTRICT_NAMES.length ? ` ${Math.floor(d / DISTRICT_NAMES.length) + 1}` : ''}`,
      level: 'district',
      parentCode: null,
      geometry: dissolve(members, districtOf, d, topology, lonLat),
      population: members.reduce((sum, cell) => sum + (cells[cell] as SyntheticArea).population, 0),
    };
  });

  const byCode = (p: SyntheticArea, q: SyntheticArea): number =>
    p.code < q.code ? -1 : p.code > q.code ? 1 : 0;
  return {
    seed: options.seed,
    name: options.name ?? `Synthetic City ${options.seed}`,
    bbox,
    areas: cells.sort(byCode),
    districts: districts.sort(byCode),
    sharedEdges,
    vertexCount,
  };
}

/** Balanced region growing over cell adjacency, so every district is one contiguous piece. */
function growDistricts(random: Random, topology: Topology, count: number): Int32Array {
  const n = topology.rings.length;
  const districtOf = new Int32Array(n).fill(-1);
  if (count === 0) return districtOf;
  const neighbours: number[][] = Array.from({ length: n }, () => []);
  for (const e of topology.edges.values()) {
    if (e.left === -1 || e.right === -1) continue;
    (neighbours[e.left] as number[]).push(e.right);
    (neighbours[e.right] as number[]).push(e.left);
  }
  const { sites } = topology;
  // Farthest-point seeds spread the districts across the city.
  const seeds = [random.int(n)];
  const distance = new Float64Array(n).fill(Infinity);
  while (seeds.length < count) {
    const last = seeds[seeds.length - 1] as number;
    let best = -1;
    for (let i = 0; i < n; i++) {
      const d =
        ((sites[i * 2] as number) - (sites[last * 2] as number)) ** 2 +
        ((sites[i * 2 + 1] as number) - (sites[last * 2 + 1] as number)) ** 2;
      if (d < (distance[i] as number)) distance[i] = d;
      if (best === -1 || (distance[i] as number) > (distance[best] as number)) best = i;
    }
    seeds.push(best);
  }
  const frontiers = seeds.map((cell, d) => {
    districtOf[cell] = d;
    return [cell];
  });
  const sizes = seeds.map(() => 1);
  let assigned = count;
  while (assigned < n) {
    let grew = false;
    const turn = frontiers
      .map((_, d) => d)
      .filter((d) => (frontiers[d] as number[]).length > 0)
      .sort((p, q) => (sizes[p] as number) - (sizes[q] as number) || p - q);
    for (const d of turn) {
      const frontier = frontiers[d] as number[];
      while (frontier.length > 0) {
        const pick = random.int(frontier.length);
        const cell = frontier[pick] as number;
        const free = (neighbours[cell] as number[]).filter((m) => districtOf[m] === -1);
        if (free.length === 0) {
          frontier[pick] = frontier[frontier.length - 1] as number;
          frontier.pop();
          continue;
        }
        const next = free[random.int(free.length)] as number;
        districtOf[next] = d;
        frontier.push(next);
        sizes[d] = (sizes[d] as number) + 1;
        assigned++;
        grew = true;
        break;
      }
      if (grew) break;
    }
    if (!grew) break;
  }
  return districtOf;
}

/**
 * Union of a district's cells, traced along the boundary edges they do not share with each other. Because the cells
 * share exact vertices, the union is exact too. At a vertex where the district touches itself, the walk takes the
 * first edge clockwise from the incoming one, which splits the boundary into simple rings.
 */
function dissolve(
  members: number[],
  districtOf: Int32Array,
  district: number,
  topology: Topology,
  lonLat: Position[],
): Polygon | MultiPolygon {
  const { rings, edges, vx } = topology;
  type Piece = { from: number; to: number; positions: Position[]; used: boolean };
  const outgoing = new Map<number, Piece[]>();
  for (const cell of members) {
    const ring = rings[cell] as number[];
    for (let j = 0; j < ring.length; j++) {
      const u = ring[j] as number;
      const v = ring[(j + 1) % ring.length] as number;
      const e = edges.get(edgeKey(u, v, vx.length)) as Edge;
      const other = u < v ? e.right : e.left;
      if (other !== -1 && districtOf[other] === district) continue;
      const interior = u < v ? e.interior : [...e.interior].reverse();
      const piece: Piece = { from: u, to: v, positions: [lonLat[u] as Position, ...interior], used: false };
      const list = outgoing.get(u);
      if (list) list.push(piece);
      else outgoing.set(u, [piece]);
    }
  }
  const angle = (from: Position, to: Position): number =>
    Math.atan2((to[1] as number) - (from[1] as number), (to[0] as number) - (from[0] as number));
  const closedRings: Position[][] = [];
  for (const list of outgoing.values()) {
    for (const start of list) {
      if (start.used) continue;
      const ring: Position[] = [];
      let piece = start;
      for (;;) {
        piece.used = true;
        ring.push(...piece.positions);
        const vertex = lonLat[piece.to] as Position;
        const back = angle(vertex, piece.positions[piece.positions.length - 1] as Position);
        let best: Piece | null = null;
        let bestTurn = Infinity;
        // Used pieces stay candidates: picking one means the face is closed (it can only be the start piece).
        for (const candidate of outgoing.get(piece.to) ?? []) {
          const out = angle(vertex, (candidate.positions[1] ?? lonLat[candidate.to]) as Position);
          let turn = back - out;
          while (turn <= 0) turn += 2 * Math.PI;
          if (turn < bestTurn) {
            bestTurn = turn;
            best = candidate;
          }
        }
        if (!best || best.used) break;
        piece = best;
      }
      ring.push(ring[0] as Position);
      closedRings.push(ring);
    }
  }
  const outers = closedRings.filter((r) => ringSignedArea(r) > 0);
  const holes = closedRings.filter((r) => ringSignedArea(r) < 0);
  const polygons: Position[][][] = outers.map((r) => [r]);
  for (const hole of holes) {
    const [x, y] = hole[0] as [number, number];
    const owner =
      polygons.find(
        (p) => ringContains(p[0] as Position[], x, y) && !ringHasVertex(p[0] as Position[], x, y),
      ) ?? polygons[0];
    owner?.push(hole);
  }
  return polygons.length === 1
    ? { type: 'Polygon', coordinates: polygons[0] as Position[][] }
    : { type: 'MultiPolygon', coordinates: polygons };
}

function ringHasVertex(ring: Position[], x: number, y: number): boolean {
  return ring.some((p) => p[0] === x && p[1] === y);
}

function ringContains(ring: Position[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
