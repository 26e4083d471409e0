import type { Readable } from 'node:stream';
import type { Mapping } from '../../../../core/contracts/mapping.ts';
import { decodeText } from '../../../platform/text-decoding.ts';
import {
  BATCH_ROWS,
  MAX_WHOLE_FILE_BYTES,
  fileProblem,
  readAll,
  type RowReader,
  type SourceRow,
} from './reader.ts';

type JsonFormat = Extract<Mapping['format'], { type: 'json' }>;
type GeoJsonFormat = Extract<Mapping['format'], { type: 'geojson' }>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

async function readJson(input: Readable, name: string): Promise<unknown> {
  const bytes = await readAll(input, MAX_WHOLE_FILE_BYTES, name);
  const { text } = decodeText(bytes);
  if (text.trim() === '')
    throw fileProblem({ line: 1, column: null, value: null, reason: 'the file is empty' });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw fileProblem({
      line: 0,
      column: null,
      value: null,
      reason: `not valid JSON (${(e as Error).message})`,
    });
  }
}

function batched(rows: SourceRow[]): AsyncIterable<SourceRow[]> {
  return (async function* () {
    for (let i = 0; i < rows.length; i += BATCH_ROWS) yield rows.slice(i, i + BATCH_ROWS);
  })();
}

/**
 * JSON documents (typically an open-data API answer): the records are the array found at `recordsPath`, each an
 * object whose keys are the columns (nested values can be named with a dot path). Positions in errors count
 * records from 1.
 */
export async function openJsonReader(input: Readable, format: JsonFormat, name: string): Promise<RowReader> {
  const doc = await readJson(input, name);
  let records: unknown = doc;
  for (const key of format.recordsPath.split('.').filter(Boolean)) {
    records = isObject(records) ? records[key] : undefined;
  }
  if (!Array.isArray(records)) {
    throw fileProblem({
      line: 0,
      column: null,
      value: format.recordsPath || null,
      reason: format.recordsPath
        ? 'recordsPath does not lead to an array of records'
        : 'the document is not an array of records (set recordsPath to where the array is)',
    });
  }
  const rows: SourceRow[] = records.map((r, i) =>
    isObject(r)
      ? { line: i + 1, record: r }
      : { line: i + 1, record: {}, problem: 'the record is not a JSON object' },
  );
  return { columns: null, encoding: null, batches: batched(rows), estimatedRecords: () => rows.length };
}

/**
 * GeoJSON FeatureCollections of Point features: properties are the columns, the point is the location. A feature
 * with another geometry type is an error of its own; one with no geometry has no coordinates (city-wide or
 * rejected, as the mapping's unknownArea says). Positions in errors count features from 1.
 */
export async function openGeoJsonReader(
  input: Readable,
  _format: GeoJsonFormat,
  name: string,
): Promise<RowReader> {
  const doc = await readJson(input, name);
  if (!isObject(doc) || doc.type !== 'FeatureCollection' || !Array.isArray(doc.features)) {
    throw fileProblem({ line: 0, column: null, value: null, reason: 'not a GeoJSON FeatureCollection' });
  }
  const crs = isObject(doc.crs) && isObject(doc.crs.properties) ? String(doc.crs.properties.name ?? '') : '';
  if (crs && !/(crs84|crs:84|epsg:{1,2}4326|epsg\/0\/4326)$/i.test(crs)) {
    throw fileProblem({
      line: 0,
      column: null,
      value: crs,
      reason:
        'the coordinates are in a projected reference system; reproject to WGS84 longitude/latitude (EPSG:4326)',
    });
  }
  const rows: SourceRow[] = doc.features.map((f: unknown, i: number): SourceRow => {
    const line = i + 1;
    if (!isObject(f) || f.type !== 'Feature') return { line, record: {}, problem: 'not a GeoJSON Feature' };
    const record = isObject(f.properties) ? f.properties : {};
    const g = f.geometry;
    if (g === null || g === undefined) return { line, record, point: null };
    if (!isObject(g) || g.type !== 'Point') {
      const type = isObject(g) ? String(g.type) : typeof g;
      return {
        line,
        record,
        point: null,
        problem: `the geometry is a ${type}; only Point features can be signals`,
      };
    }
    const c = g.coordinates;
    if (!Array.isArray(c) || c.length < 2 || typeof c[0] !== 'number' || typeof c[1] !== 'number') {
      return {
        line,
        record,
        point: null,
        problem: 'the Point has no valid [longitude, latitude] coordinates',
      };
    }
    return { line, record, point: { lon: c[0], lat: c[1] } };
  });
  return { columns: null, encoding: null, batches: batched(rows), estimatedRecords: () => rows.length };
}
