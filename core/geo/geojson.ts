import type { MultiPolygon, Polygon, Position } from 'geojson';
import { orient2d } from 'robust-predicates';

/**
 * Validation and normalisation of an uploaded boundary FeatureCollection. Every problem is reported with the
 * feature's position in the file (counting from 1; 0 = the file as a whole) and its code when known, so a GIS
 * officer can fix the file in one pass instead of one error per upload.
 */

export type BoundaryFeature = {
  /** Position in the file, counting from 1. */
  feature: number;
  code: string;
  name: string;
  parentCode: string | null;
  /** 2-D, consecutive duplicate positions removed, exterior rings counter-clockwise and holes clockwise (RFC 7946). */
  geometry: Polygon | MultiPolygon;
  bbox: { minLon: number; minLat: number; maxLon: number; maxLat: number };
};

export type BoundaryProblem = { feature: number; code?: string; reason: string };

export type BoundaryOptions = {
  codeProperty: string;
  nameProperty: string;
  parentCodeProperty?: string | undefined;
};

/** More than this many problems in one feature adds nothing the user can act on. */
const MAX_PROBLEMS_PER_FEATURE = 5;

const WGS84_CRS = /(crs84|crs:84|epsg:{1,2}4326|epsg\/0\/4326)$/i;

export function parseBoundaries(
  input: string,
  options: BoundaryOptions,
): { features: BoundaryFeature[]; errors: BoundaryProblem[] } {
  const errors: BoundaryProblem[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
  } catch (e) {
    return {
      features: [],
      errors: [{ feature: 0, reason: `the file is not valid JSON (${(e as Error).message})` }],
    };
  }
  if (!isObject(doc) || (doc.type !== 'FeatureCollection' && doc.type !== 'Feature')) {
    return {
      features: [],
      errors: [
        { feature: 0, reason: 'the file is not a GeoJSON FeatureCollection ("type": "FeatureCollection")' },
      ],
    };
  }
  const crsProblem = checkCrs(doc.crs);
  if (crsProblem) return { features: [], errors: [{ feature: 0, reason: crsProblem }] };

  const rawFeatures = doc.type === 'Feature' ? [doc] : doc.features;
  if (!Array.isArray(rawFeatures)) {
    return {
      features: [],
      errors: [{ feature: 0, reason: 'the FeatureCollection has no "features" array' }],
    };
  }
  if (rawFeatures.length === 0) {
    return { features: [], errors: [{ feature: 0, reason: 'the FeatureCollection has no features' }] };
  }

  const features: BoundaryFeature[] = [];
  const firstByCode = new Map<string, number>();
  rawFeatures.forEach((raw: unknown, i) => {
    const feature = i + 1;
    const problems: string[] = [];
    if (!isObject(raw) || raw.type !== 'Feature') {
      errors.push({ feature, reason: 'not a GeoJSON Feature ("type": "Feature")' });
      return;
    }
    const props = isObject(raw.properties) ? raw.properties : {};
    const code = propertyText(props[options.codeProperty]);
    const name = propertyText(props[options.nameProperty]);
    const parentCode = options.parentCodeProperty
      ? propertyText(props[options.parentCodeProperty])
      : undefined;
    if (code === undefined)
      problems.push(`missing code: property "${options.codeProperty}" is absent or empty`);
    if (name === undefined)
      problems.push(`missing name: property "${options.nameProperty}" is absent or empty`);
    if (code !== undefined) {
      const first = firstByCode.get(code);
      if (first !== undefined) problems.push(`duplicate code "${code}" (also used by feature ${first})`);
      else firstByCode.set(code, feature);
    }
    if (parentCode !== undefined && parentCode === code) problems.push('the area is its own parent');

    const geometry = normaliseGeometry(raw.geometry, problems);
    if (problems.length > 0) {
      for (const reason of problems.slice(0, MAX_PROBLEMS_PER_FEATURE)) {
        errors.push(code === undefined ? { feature, reason } : { feature, code, reason });
      }
      if (problems.length > MAX_PROBLEMS_PER_FEATURE) {
        const more = problems.length - MAX_PROBLEMS_PER_FEATURE;
        errors.push({
          feature,
          ...(code === undefined ? {} : { code }),
          reason: `… and ${more} more problems`,
        });
      }
      return;
    }
    features.push({
      feature,
      code: code!,
      name: name!,
      parentCode: parentCode ?? null,
      geometry: geometry!.geometry,
      bbox: geometry!.bbox,
    });
  });
  return { features, errors };
}

function checkCrs(crs: unknown): string | undefined {
  if (crs === undefined || crs === null) return undefined;
  const name = isObject(crs) && isObject(crs.properties) ? crs.properties.name : undefined;
  if (typeof name === 'string' && WGS84_CRS.test(name.trim())) return undefined;
  const shown = typeof name === 'string' ? name : JSON.stringify(crs);
  return `the file declares the coordinate reference system ${shown}; GeoJSON boundaries must be WGS84 longitude/latitude (EPSG:4326): reproject the file, e.g. with ogr2ogr -t_srs EPSG:4326`;
}

function propertyText(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Bbox = BoundaryFeature['bbox'];

function normaliseGeometry(
  raw: unknown,
  problems: string[],
): { geometry: Polygon | MultiPolygon; bbox: Bbox } | undefined {
  if (raw === undefined || raw === null) {
    problems.push('missing geometry');
    return undefined;
  }
  if (!isObject(raw) || typeof raw.type !== 'string') {
    problems.push('geometry is not a GeoJSON geometry object');
    return undefined;
  }
  if (raw.type !== 'Polygon' && raw.type !== 'MultiPolygon') {
    problems.push(`unsupported geometry type ${raw.type}: boundaries must be Polygon or MultiPolygon`);
    return undefined;
  }
  if (!Array.isArray(raw.coordinates) || raw.coordinates.length === 0) {
    problems.push(`empty geometry: the ${raw.type} has no coordinates`);
    return undefined;
  }
  const bbox: Bbox = { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
  const before = problems.length;
  const polygonsIn = raw.type === 'Polygon' ? [raw.coordinates] : raw.coordinates;
  const polygonsOut: Position[][][] = [];
  polygonsIn.forEach((polygon: unknown, p) => {
    const where = raw.type === 'MultiPolygon' ? `polygon ${p + 1}, ` : '';
    if (!Array.isArray(polygon) || polygon.length === 0) {
      problems.push(`empty geometry: ${where || 'the polygon '}has no rings`);
      return;
    }
    const ringsOut: Position[][] = [];
    polygon.forEach((ring: unknown, r) => {
      const label = `${where}ring ${r + 1}${r === 0 ? ' (exterior)' : ' (hole)'}`;
      const out = normaliseRing(ring, label, r === 0, problems, bbox);
      if (out) ringsOut.push(out);
    });
    polygonsOut.push(ringsOut);
  });
  if (problems.length > before) return undefined;
  const geometry: Polygon | MultiPolygon =
    raw.type === 'Polygon'
      ? { type: 'Polygon', coordinates: polygonsOut[0]! }
      : { type: 'MultiPolygon', coordinates: polygonsOut };
  return { geometry, bbox };
}

function normaliseRing(
  ring: unknown,
  label: string,
  exterior: boolean,
  problems: string[],
  bbox: Bbox,
): Position[] | undefined {
  if (!Array.isArray(ring)) {
    problems.push(`${label} is not an array of positions`);
    return undefined;
  }
  const out: Position[] = [];
  let projected: [number, number] | undefined;
  let outOfRange: [number, number] | undefined;
  for (let i = 0; i < ring.length; i++) {
    const pos: unknown = ring[i];
    if (!Array.isArray(pos) || pos.length < 2 || typeof pos[0] !== 'number' || typeof pos[1] !== 'number') {
      problems.push(`${label}, position ${i + 1} is not a [longitude, latitude] pair`);
      return undefined;
    }
    const x = pos[0];
    const y = pos[1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      problems.push(`${label}, position ${i + 1} has a non-finite coordinate`);
      return undefined;
    }
    if (Math.abs(x) > 180 || Math.abs(y) > 90) {
      if (Math.abs(x) > 1000 || Math.abs(y) > 1000) projected ??= [x, y];
      else outOfRange ??= [x, y];
    }
    const last = out[out.length - 1];
    if (!last || last[0] !== x || last[1] !== y) out.push([x, y]);
  }
  if (projected) {
    problems.push(
      `coordinates are not longitude/latitude: values such as ${formatNumber(projected[0])}, ${formatNumber(projected[1])} look like metres in a projected system; reproject to WGS84 longitude/latitude (EPSG:4326)`,
    );
    return undefined;
  }
  if (outOfRange) {
    problems.push(
      `${label} has coordinates outside longitude −180…180 / latitude −90…90, e.g. ${outOfRange[0]}, ${outOfRange[1]}`,
    );
    return undefined;
  }
  if (ring.length < 4) {
    problems.push(`${label} has ${ring.length} positions; a ring needs at least 4 (first and last equal)`);
    return undefined;
  }
  const first = ring[0] as number[];
  const lastIn = ring[ring.length - 1] as number[];
  if (first[0] !== lastIn[0] || first[1] !== lastIn[1]) {
    problems.push(`${label} is not closed: its first and last positions differ`);
    return undefined;
  }
  if (out.length < 4) {
    problems.push(`${label} has fewer than 3 distinct corners`);
    return undefined;
  }
  const crossing = findSelfIntersection(out);
  if (crossing) {
    problems.push(
      `${label} intersects itself near ${formatCoord(crossing.at)} (segments starting at positions ${crossing.i + 1} and ${crossing.j + 1})`,
    );
    return undefined;
  }
  const area = signedArea(out);
  if (area === 0) {
    problems.push(`${label} encloses no area`);
    return undefined;
  }
  for (const [x, y] of out as Array<[number, number]>) {
    if (x < bbox.minLon) bbox.minLon = x;
    if (x > bbox.maxLon) bbox.maxLon = x;
    if (y < bbox.minLat) bbox.minLat = y;
    if (y > bbox.maxLat) bbox.maxLat = y;
  }
  // RFC 7946 right-hand rule: exteriors counter-clockwise (positive area), holes clockwise.
  if (exterior ? area < 0 : area > 0) out.reverse();
  return out;
}

/** Twice the signed area (shoelace); positive for counter-clockwise rings. */
export function signedArea(ring: Position[]): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i]!;
    const b = ring[i + 1]!;
    sum += (a[0]! - b[0]!) * (a[1]! + b[1]!);
  }
  return sum;
}

const formatNumber = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const formatCoord = ([x, y]: [number, number]): string => `(${x.toFixed(6)}, ${y.toFixed(6)})`;

/**
 * First self-intersection of a closed ring (last position = first), or undefined.
 * Sort-and-sweep on x: segments are taken in order of their left end and compared only with the still-open
 * segments whose x-range overlaps, so a ring of n positions costs about O(n log n) for ordinary boundaries.
 * Adjacent segments may share their common vertex, nothing more.
 */
export function findSelfIntersection(
  ring: Position[],
): { i: number; j: number; at: [number, number] } | undefined {
  const n = ring.length - 1;
  if (n < 3) return undefined;
  const xs = new Float64Array(n + 1);
  const ys = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) {
    xs[i] = ring[i]![0]!;
    ys[i] = ring[i]![1]!;
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const minXOf = (s: number): number => Math.min(xs[s]!, xs[s + 1]!);
  const maxXOf = (s: number): number => Math.max(xs[s]!, xs[s + 1]!);
  order.sort((a, b) => minXOf(a) - minXOf(b));

  let active: number[] = [];
  for (let k = 0; k < n; k++) {
    const s = order[k]!;
    const left = minXOf(s);
    active = active.filter((t) => maxXOf(t) >= left);
    const sMinY = Math.min(ys[s]!, ys[s + 1]!);
    const sMaxY = Math.max(ys[s]!, ys[s + 1]!);
    for (const t of active) {
      if (Math.max(ys[t]!, ys[t + 1]!) < sMinY || Math.min(ys[t]!, ys[t + 1]!) > sMaxY) continue;
      const hit = segmentsConflict(xs, ys, s, t, n);
      if (hit) return { i: Math.min(s, t), j: Math.max(s, t), at: hit };
    }
    active.push(s);
  }
  return undefined;
}

function onSegment(ax: number, ay: number, bx: number, by: number, px: number, py: number): boolean {
  return (
    orient2d(ax, ay, bx, by, px, py) === 0 &&
    px >= Math.min(ax, bx) &&
    px <= Math.max(ax, bx) &&
    py >= Math.min(ay, by) &&
    py <= Math.max(ay, by)
  );
}

/** Where segments s and t of the ring meet in a way a valid ring does not allow, or undefined. */
function segmentsConflict(
  xs: Float64Array,
  ys: Float64Array,
  s: number,
  t: number,
  n: number,
): [number, number] | undefined {
  const ax = xs[s]!;
  const ay = ys[s]!;
  const bx = xs[s + 1]!;
  const by = ys[s + 1]!;
  const cx = xs[t]!;
  const cy = ys[t]!;
  const dx = xs[t + 1]!;
  const dy = ys[t + 1]!;
  const adjacentForward = (s + 1) % n === t; // b = c
  const adjacentBackward = (t + 1) % n === s; // d = a
  if (adjacentForward || adjacentBackward) {
    // Sharing the common vertex is fine; folding back along each other (a spike) is not.
    if (adjacentForward && (onSegment(ax, ay, bx, by, dx, dy) || onSegment(cx, cy, dx, dy, ax, ay)))
      return [bx, by];
    if (adjacentBackward && (onSegment(ax, ay, bx, by, cx, cy) || onSegment(cx, cy, dx, dy, bx, by)))
      return [ax, ay];
    return undefined;
  }
  const o1 = Math.sign(orient2d(ax, ay, bx, by, cx, cy));
  const o2 = Math.sign(orient2d(ax, ay, bx, by, dx, dy));
  const o3 = Math.sign(orient2d(cx, cy, dx, dy, ax, ay));
  const o4 = Math.sign(orient2d(cx, cy, dx, dy, bx, by));
  if (o1 !== 0 && o1 === o2) return undefined;
  if (o3 !== 0 && o3 === o4) return undefined;
  if (o1 === 0 && o2 === 0) {
    // Collinear: conflict only when their extents overlap.
    if (onSegment(ax, ay, bx, by, cx, cy)) return [cx, cy];
    if (onSegment(ax, ay, bx, by, dx, dy)) return [dx, dy];
    if (onSegment(cx, cy, dx, dy, ax, ay)) return [ax, ay];
    return undefined;
  }
  // Proper crossing or touching; report an approximate meeting point.
  const den = (bx - ax) * (dy - cy) - (by - ay) * (dx - cx);
  const u = den === 0 ? 0 : ((cx - ax) * (dy - cy) - (cy - ay) * (dx - cx)) / den;
  return [ax + u * (bx - ax), ay + u * (by - ay)];
}
