import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { MultiPolygon, Polygon } from 'geojson';
import { feature, neighbors } from 'topojson-client';
import type { GeometryCollection } from 'topojson-specification';
import { describe, expect, it } from 'vitest';
import { createAreaIndex } from './area-index.ts';
import { parseBoundaries } from './geojson.ts';
import { buildBoundaryTopology, type BoundaryProperties } from './topology.ts';
import { torontoFile } from './toronto-fixture.ts';

describe('buildBoundaryTopology', () => {
  const text = fs.readFileSync(torontoFile('neighbourhoods_158_4326.geojson'), 'utf8');
  const parsed = parseBoundaries(text, { codeProperty: 'AREA_SHORT_CODE', nameProperty: 'AREA_NAME' });
  const areas = parsed.features.map((f) => ({
    code: f.code,
    name: f.name,
    level: 'neighbourhood',
    parentCode: null,
    geometry: f.geometry,
  }));
  const topo = buildBoundaryTopology(areas);
  const object = topo.objects.areas as GeometryCollection<BoundaryProperties>;

  it('turns the 2.1 MB Toronto file into a far smaller quantised topology named "areas"', () => {
    const json = JSON.stringify(topo);
    expect(Buffer.byteLength(text)).toBeGreaterThan(2_000_000);
    expect(json.length).toBeLessThan(250_000);
    expect(gzipSync(json).length).toBeLessThan(120_000);
    expect(topo.transform).toBeDefined();
    expect(object.geometries).toHaveLength(158);
    expect(
      object.geometries.find((g) => (g.properties as BoundaryProperties).code === '174')?.properties,
    ).toEqual({
      code: '174',
      name: 'South Eglinton-Davisville',
      level: 'neighbourhood',
      parentCode: null,
    });
  });

  it('keeps neighbours sharing borders, so simplification opens no gaps between areas', () => {
    const adjacency = neighbors(object.geometries);
    expect(adjacency.every((n) => n.length > 0)).toBe(true);
    const unsimplified = buildBoundaryTopology(areas, { minWeight: 0 });
    const reference = neighbors((unsimplified.objects.areas as GeometryCollection).geometries);
    expect(adjacency.map((n) => n.length)).toEqual(reference.map((n) => n.length));
  });

  it('assigns points to the same areas as the full-detail boundaries almost everywhere', () => {
    const back = feature(topo, object);
    const simple = createAreaIndex(
      back.features.map((f) => ({
        id: f.properties.code,
        key: f.properties.code,
        geometry: f.geometry as Polygon | MultiPolygon,
      })),
    );
    const full = createAreaIndex(areas.map((a) => ({ id: a.code, key: a.code, geometry: a.geometry })));
    let seed = 7;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    let same = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const x = -79.64 + rnd() * 0.53;
      const y = 43.58 + rnd() * 0.28;
      if (simple.locate(x, y) === full.locate(x, y)) same++;
    }
    expect(same / n).toBeGreaterThan(0.998);
  });

  it('returns an empty topology for no areas', () => {
    const empty = buildBoundaryTopology([]);
    expect((empty.objects.areas as GeometryCollection).geometries).toEqual([]);
  });
});
