import type { MultiPolygon, Polygon } from 'geojson';
import type { Mapping } from '../../../core/contracts/mapping.ts';
import { createAreaIndex } from '../../../core/geo/area-index.ts';
import type { ErrorCode } from '../../platform/errors.ts';
import type { PackedChunk, ProducerResult } from './import-pipeline.ts';
import type { RowMapperContext } from './mapping/row-mapper.ts';
import type { ImportFile } from './readers/reader.ts';

/** What crosses into and out of the import worker thread (import-worker.ts): plain, cloneable data only. */

export const WORKER_KIND = 'cohesion-signal-import';

export type PortableMapperContext = {
  defaultTimezone: string;
  terms: Array<[code: string, retired: boolean]>;
  now: number;
  /** Area code → id. */
  areaCodes: Array<[code: string, id: string]>;
  /** For lon/lat and geometry locations: the areas to index, geometry as stored (GeoJSON text). */
  areaGeometries: Array<{ id: string; code: string; geometry: string }> | null;
};

export type WorkerInput = {
  kind: typeof WORKER_KIND;
  file: ImportFile;
  mapping: Mapping;
  context: PortableMapperContext;
  fetchTimeoutMs: number;
};

export type WorkerMessage =
  | { type: 'chunk'; chunk: PackedChunk }
  | { type: 'done'; result: ProducerResult }
  | {
      type: 'error';
      error: {
        code: ErrorCode | null;
        message: string;
        details: Array<Record<string, unknown>>;
        stack?: string;
      };
    };

export const MAX_IN_FLIGHT = 4;

export function mapperContextFrom(p: PortableMapperContext): RowMapperContext {
  const index = p.areaGeometries
    ? createAreaIndex(
        p.areaGeometries.map((a) => ({
          id: a.id,
          key: a.code,
          geometry: JSON.parse(a.geometry) as Polygon | MultiPolygon,
        })),
      )
    : null;
  return {
    defaultTimezone: p.defaultTimezone,
    terms: new Map(p.terms.map(([code, retired]) => [code, { retired }])),
    now: new Date(p.now),
    areas: {
      index,
      byCode: new Map(p.areaCodes.map(([code, id]) => [code, { id, code }])),
      codeById: new Map(p.areaCodes.map(([code, id]) => [id, code])),
    },
  };
}
