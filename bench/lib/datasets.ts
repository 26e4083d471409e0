import fs from 'node:fs';
import path from 'node:path';
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { generateCity, type SharedEdge } from '../../core/synthetic/city.ts';
import { geometryBBox, polygonsOf, type BBox } from '../../core/synthetic/geometry.ts';

export type BenchArea = { code: string; name: string; geometry: Polygon | MultiPolygon; population: number };

export type BenchDataset = {
  name: string;
  description: string;
  areas: BenchArea[];
  bbox: BBox;
  sharedEdges?: SharedEdge[];
  /** Distinct ring vertices summed over areas. */
  vertices: number;
};

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The repository's demo copy when the SIGNALS engineer has placed it, else the shared data folder. */
export function torontoPath(file: string): string {
  const inRepo = path.join(ROOT, 'demo', 'toronto', file);
  return fs.existsSync(inRepo) ? inRepo : path.join(ROOT, '..', 'shared', 'data', 'toronto', file);
}

function countVertices(geometry: Polygon | MultiPolygon): number {
  let n = 0;
  for (const polygon of polygonsOf(geometry)) for (const ring of polygon) n += ring.length - 1;
  return n;
}

export function loadToronto(): BenchDataset {
  const collection = JSON.parse(
    fs.readFileSync(torontoPath('neighbourhoods_158_4326.geojson'), 'utf8'),
  ) as FeatureCollection<Polygon | MultiPolygon>;
  const population = new Map<string, number>();
  const csv = fs
    .readFileSync(torontoPath('neighbourhood_population_2021_158.csv'), 'utf8')
    .trim()
    .split(/\r?\n/);
  for (const line of csv.slice(1)) {
    const cells = line.split(',');
    population.set(cells[0] as string, Number(cells[cells.length - 1]));
  }
  const areas = collection.features.map((f: Feature<Polygon | MultiPolygon>) => {
    const code = String(f.properties?.AREA_SHORT_CODE);
    return {
      code,
      name: String(f.properties?.AREA_NAME),
      geometry: f.geometry,
      population: population.get(code) ?? 0,
    };
  });
  let bbox: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const a of areas) {
    const b = geometryBBox(a.geometry);
    bbox = [
      Math.min(bbox[0], b[0]),
      Math.min(bbox[1], b[1]),
      Math.max(bbox[2], b[2]),
      Math.max(bbox[3], b[3]),
    ];
  }
  return {
    name: 'toronto-158',
    description: "Toronto's 158 neighbourhoods (City of Toronto open data, clockwise MultiPolygons)",
    areas,
    bbox,
    vertices: areas.reduce((s, a) => s + countVertices(a.geometry), 0),
  };
}

export function loadSynthetic(areaCount: number, seed: number): BenchDataset {
  const city = generateCity({ seed, areas: areaCount, districts: false });
  return {
    name: `synthetic-${areaCount}`,
    description: `synthetic Voronoi city, ${areaCount} cells, seed ${seed}, ~175 vertices per cell`,
    areas: city.areas.map((a) => ({
      code: a.code,
      name: a.name,
      geometry: a.geometry,
      population: a.population,
    })),
    bbox: city.bbox,
    sharedEdges: city.sharedEdges,
    vertices: city.vertexCount,
  };
}

export function loadDataset(name: string, seed: number): BenchDataset {
  if (name === 'toronto-158' || name === 'toronto') return loadToronto();
  const match = /^synthetic-(\d+)$/.exec(name);
  if (match) return loadSynthetic(Number(match[1]), seed);
  throw new Error(`unknown dataset ${name} (toronto-158 or synthetic-N)`);
}
