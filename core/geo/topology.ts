import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import type { Objects, Topology } from 'topojson-specification';
import { quantize } from 'topojson-client';
import { topology } from 'topojson-server';
import { presimplify, simplify } from 'topojson-simplify';

/**
 * Boundaries for the browser. TopoJSON stores each shared border once, so simplifying it cannot open gaps or
 * overlaps between neighbours, and quantised delta-encoded integers are a fraction of the size of GeoJSON text.
 */

export type BoundaryProperties = { code: string; name: string; level: string; parentCode: string | null };
export type TopologyArea = BoundaryProperties & { geometry: Polygon | MultiPolygon };

export type TopologyOptions = {
  /** Grid of the quantised coordinates per axis over the extent; 1e5 keeps a city well below a metre. */
  quantization?: number;
  /**
   * Vertices whose Visvalingam triangle is smaller than this (in square degrees) are dropped. The default,
   * about 9 m² at mid latitudes (a vertex less than 2 m off a 10 m chord), is invisible at street zoom while
   * removing survey-level detail.
   */
  minWeight?: number;
};

export const TOPOLOGY_OBJECT = 'areas';

export type BoundaryTopology = Topology<Objects<BoundaryProperties>>;

export function buildBoundaryTopology(
  areas: TopologyArea[],
  options: TopologyOptions = {},
): BoundaryTopology {
  const features: Array<Feature<Polygon | MultiPolygon, BoundaryProperties>> = [...areas]
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .map((a) => ({
      type: 'Feature',
      id: a.code,
      properties: { code: a.code, name: a.name, level: a.level, parentCode: a.parentCode },
      geometry: a.geometry,
    }));
  const collection: FeatureCollection<Polygon | MultiPolygon, BoundaryProperties> = {
    type: 'FeatureCollection',
    features,
  };
  // topojson-server types its output with nullable properties; ours are always set.
  const raw = topology({ [TOPOLOGY_OBJECT]: collection }) as BoundaryTopology;
  if (features.length === 0) return quantize(raw, options.quantization ?? 1e5);
  const simplified = simplify(presimplify(raw), options.minWeight ?? 1e-9);
  return quantize(simplified, options.quantization ?? 1e5);
}
