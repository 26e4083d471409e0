import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { parse as parseCsv } from 'csv-parse/sync';
import type { MultiPolygon, Polygon } from 'geojson';
import { queenContiguity, type Neighbours } from '../../../core/analytics/contiguity.ts';
import { createAreaIndex, type AreaIndex } from '../../../core/geo/area-index.ts';
import { parseBoundaries, type BoundaryProblem } from '../../../core/geo/geojson.ts';
import { buildBoundaryTopology } from '../../../core/geo/topology.ts';
import type { Db } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';
import { appendAudit, auditRefusal, type AuditActor } from '../../platform/audit/audit.ts';
import { isoNow, type Clock } from '../../platform/clock.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { decodeText, sniffDelimiter } from '../../platform/text-decoding.ts';
import {
  findAreaByCode,
  getAreasDataVersion,
  insertAreas,
  listAreaGeometries,
  listAreaKeys,
  listAreaSummaries,
  listAttributes,
  updateAreaById,
  upsertAttributes,
  type AreaRow,
  type AreaSummaryRow,
  type NewAreaRow,
} from './areas.repository.ts';

export const DEFAULT_LEVEL = 'area';

export type ImportAreasInput = {
  geojson: string | Uint8Array;
  codeProperty: string;
  nameProperty: string;
  /** Level given to new areas (e.g. "neighbourhood"); re-imported areas keep theirs unless one is given. */
  level?: string;
  parentCodeProperty?: string;
  dryRun?: boolean;
};

export type ImportAreasReport = {
  imported: number;
  updated: number;
  failed: number;
  errors: Array<{ feature: number; code?: string; reason: string }>;
};

/**
 * Imports boundaries from a GeoJSON FeatureCollection, upserting by code, all or nothing: with any invalid feature
 * nothing is written and GEOJSON_INVALID lists every problem (a dry run returns them instead). `actor` is the
 * signed-in person asking, or null for a command run on the server, whose audit entry then says `via` which one.
 */
export async function importAreas(
  db: Db,
  input: ImportAreasInput,
  clock: Clock,
  actor: AuditActor | null,
  via: 'cli' | 'demo' = 'cli',
): Promise<ImportAreasReport> {
  const audit = {
    action: 'area.import',
    resourceType: 'area',
    details: { via: actor ? 'api' : via, fileHash: sha256(input.geojson) },
  };
  try {
    return await importBoundaries(db, input, clock, (trx, report) =>
      appendAudit(
        trx,
        {
          ...audit,
          outcome: 'success',
          actor,
          details: { ...audit.details, imported: report.imported, updated: report.updated },
        },
        clock,
      ),
    );
  } catch (e) {
    if (!input.dryRun) await auditRefusal(db, clock, actor, audit, e);
    throw e;
  }
}

async function importBoundaries(
  db: Db,
  input: ImportAreasInput,
  clock: Clock,
  audit: (trx: Transaction<Database>, report: ImportAreasReport) => Promise<unknown>,
): Promise<ImportAreasReport> {
  // RFC 7946 says UTF-8, but shapefile conversions still produce Windows-1252 names; detection reads both.
  const text = typeof input.geojson === 'string' ? input.geojson : decodeText(input.geojson).text;
  const parsed = parseBoundaries(text, {
    codeProperty: input.codeProperty,
    nameProperty: input.nameProperty,
    parentCodeProperty: input.parentCodeProperty,
  });
  const errors: BoundaryProblem[] = [...parsed.errors];
  const existing = await listAreaKeys(db.kysely);
  const existingByCode = new Map(existing.map((a) => [a.code, a]));
  const codeById = new Map(existing.map((a) => [a.id, a.code]));

  if (input.parentCodeProperty) {
    // The hierarchy after the import: the file's parent links over the database's.
    const parentOf = new Map<string, string | null>();
    for (const a of existing) parentOf.set(a.code, a.parentId ? (codeById.get(a.parentId) ?? null) : null);
    for (const f of parsed.features) parentOf.set(f.code, f.parentCode);
    for (const f of parsed.features) {
      if (f.parentCode === null) continue;
      if (!parentOf.has(f.parentCode)) {
        errors.push({
          feature: f.feature,
          code: f.code,
          reason: `parent code "${f.parentCode}" is neither in this file nor an existing area`,
        });
        continue;
      }
      const seen = new Set([f.code]);
      for (let p: string | null | undefined = f.parentCode; p; p = parentOf.get(p)) {
        if (seen.has(p)) {
          errors.push({
            feature: f.feature,
            code: f.code,
            reason: `parent links form a cycle through "${p}"`,
          });
          break;
        }
        seen.add(p);
      }
    }
  }

  const badFeatures = new Set(errors.map((e) => e.feature));
  const valid = parsed.features.filter((f) => !badFeatures.has(f.feature));
  const report: ImportAreasReport = {
    imported: valid.filter((f) => !existingByCode.has(f.code)).length,
    updated: valid.filter((f) => existingByCode.has(f.code)).length,
    failed: badFeatures.size,
    errors: errors.sort((a, b) => a.feature - b.feature),
  };
  if (input.dryRun) return report;
  if (errors.length > 0) {
    const total = new Set([...parsed.features.map((f) => f.feature), ...badFeatures]).size;
    throw new AppError(
      'GEOJSON_INVALID',
      badFeatures.has(0)
        ? `The boundary file cannot be read; nothing was imported`
        : `${badFeatures.size} of ${total} features are invalid; nothing was imported`,
      report.errors,
    );
  }

  const now = isoNow(clock);
  const idByCode = new Map(existing.map((a) => [a.code, a.id]));
  for (const f of parsed.features) if (!idByCode.has(f.code)) idByCode.set(f.code, newId());

  await db.kysely.transaction().execute(async (trx) => {
    const inserts: NewAreaRow[] = [];
    for (const f of parsed.features) {
      const row = {
        name: f.name,
        geometry: JSON.stringify(f.geometry),
        minLon: f.bbox.minLon,
        minLat: f.bbox.minLat,
        maxLon: f.bbox.maxLon,
        maxLat: f.bbox.maxLat,
        updatedAt: now,
      };
      const current = existingByCode.get(f.code);
      if (current) {
        await updateAreaById(trx, current.id, { ...row, ...(input.level ? { level: input.level } : {}) });
      } else {
        // Parents are linked after every row exists, so a child may come before its parent in the file.
        inserts.push({
          ...row,
          id: idByCode.get(f.code)!,
          code: f.code,
          level: input.level ?? DEFAULT_LEVEL,
          parentId: null,
          createdAt: now,
        });
      }
    }
    await insertAreas(trx, inserts);
    if (input.parentCodeProperty) {
      for (const f of parsed.features) {
        const parentId = f.parentCode === null ? null : idByCode.get(f.parentCode)!;
        const current = existingByCode.get(f.code);
        if (current && current.parentId === parentId) continue;
        if (!current && parentId === null) continue;
        await updateAreaById(trx, idByCode.get(f.code)!, { parentId });
      }
    }
    await audit(trx, report);
  });
  bumpGeneration(db);
  return report;
}

export type ImportAttributesInput = {
  csv: Uint8Array;
  /** Header of the column holding area codes, e.g. HOOD_158. */
  codeColumn: string;
  /** Headers of the numeric columns to store; each becomes an attribute key. */
  columns: string[];
  /** Where the figures come from, e.g. "Census 2021 (Statistics Canada)". */
  source?: string;
  dryRun?: boolean;
};

export type ImportAttributesReport = {
  imported: number;
  updated: number;
  failed: number;
  errors: Array<{ line: number; column?: string; value?: string; reason: string }>;
};

// Plain decimal notation only: "33,300" or "12 345" is ambiguous across locales, so it is reported, never guessed.
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Imports numeric per-area figures (population, households …) from a CSV in any common encoding and delimiter.
 * A row counts as updated when its area already had any of the columns, else as imported. All or nothing: any bad
 * row throws IMPORT_INVALID listing every problem by line (a dry run returns them instead).
 */
export async function importAreaAttributes(
  db: Db,
  input: ImportAttributesInput,
  clock: Clock,
  actor: AuditActor | null,
  via: 'cli' | 'demo' = 'cli',
): Promise<ImportAttributesReport> {
  const audit = {
    action: 'area.attributes_import',
    resourceType: 'area_attribute',
    details: { via: actor ? 'api' : via, fileHash: sha256(input.csv) },
  };
  try {
    return await importAttributes(db, input, clock, (trx, report, keys) =>
      appendAudit(
        trx,
        {
          ...audit,
          outcome: 'success',
          actor,
          details: { ...audit.details, keys, imported: report.imported, updated: report.updated },
        },
        clock,
      ),
    );
  } catch (e) {
    if (!input.dryRun) await auditRefusal(db, clock, actor, audit, e);
    throw e;
  }
}

async function importAttributes(
  db: Db,
  input: ImportAttributesInput,
  clock: Clock,
  audit: (trx: Transaction<Database>, report: ImportAttributesReport, keys: string[]) => Promise<unknown>,
): Promise<ImportAttributesReport> {
  const columns = [...new Set(input.columns.map((c) => c.trim()).filter((c) => c !== ''))];
  const fail = (errors: ImportAttributesReport['errors'], failed: number): ImportAttributesReport => {
    const report = { imported: 0, updated: 0, failed, errors };
    if (input.dryRun) return report;
    throw new AppError('IMPORT_INVALID', errors[0]!.reason, errors);
  };
  if (columns.length === 0) return fail([{ line: 0, reason: 'no attribute columns were named' }], 0);

  const { text } = decodeText(input.csv);
  if (text.trim() === '') return fail([{ line: 1, reason: 'the file is empty' }], 0);
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parseCsv(text, {
      delimiter: sniffDelimiter(text.slice(0, 64 * 1024)),
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>; // `info: true` wraps each record
  } catch (e) {
    const err = e as { message?: string; lines?: number };
    return fail(
      [{ line: err.lines ?? 0, reason: `the file is not valid CSV: ${err.message ?? String(e)}` }],
      0,
    );
  }
  const header = records[0]!.record.map((h) => h.trim());
  const missing = [input.codeColumn.trim(), ...columns].filter((c) => !header.includes(c));
  if (missing.length > 0) {
    return fail(
      missing.map((column) => ({
        line: records[0]!.info.lines,
        column,
        reason: `column "${column}" is not in the header (found: ${header.join(', ')})`,
      })),
      0,
    );
  }
  if (records.length === 1)
    return fail([{ line: records[0]!.info.lines, reason: 'the file has a header but no rows' }], 0);

  const codeIndex = header.indexOf(input.codeColumn.trim());
  const valueIndex = columns.map((c) => header.indexOf(c));
  const areas = await listAreaKeys(db.kysely);
  const idByCode = new Map(areas.map((a) => [a.code, a.id]));
  const errors: ImportAttributesReport['errors'] = [];
  const failedLines = new Set<number>();
  const firstLineByCode = new Map<string, number>();
  const rows: Array<{ areaId: string; values: number[] }> = [];

  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    const problems: ImportAttributesReport['errors'] = [];
    const code = (record[codeIndex] ?? '').trim();
    const areaId = idByCode.get(code);
    if (code === '') problems.push({ line, column: input.codeColumn, reason: 'missing area code' });
    else if (!areaId) {
      problems.push({ line, column: input.codeColumn, value: code, reason: `unknown area code "${code}"` });
    } else if (firstLineByCode.has(code)) {
      problems.push({
        line,
        column: input.codeColumn,
        value: code,
        reason: `area code "${code}" already appeared on line ${firstLineByCode.get(code)}`,
      });
    } else firstLineByCode.set(code, line);
    const values: number[] = [];
    columns.forEach((column, i) => {
      const raw = (record[valueIndex[i]!] ?? '').trim();
      if (raw === '')
        problems.push({ line, column, reason: 'empty value: every named column needs a number' });
      else if (!NUMBER.test(raw)) {
        problems.push({
          line,
          column,
          value: raw,
          reason: 'not a number: write plain digits with "." for decimals, no thousands separators',
        });
      } else values.push(Number(raw));
    });
    if (problems.length > 0) {
      errors.push(...problems);
      failedLines.add(line);
    } else rows.push({ areaId: areaId!, values });
  }

  const before = await listAttributes(db.kysely, { areaIds: rows.map((r) => r.areaId), keys: columns });
  const hadAny = new Set(before.map((a) => a.areaId));
  const report: ImportAttributesReport = {
    imported: rows.filter((r) => !hadAny.has(r.areaId)).length,
    updated: rows.filter((r) => hadAny.has(r.areaId)).length,
    failed: failedLines.size,
    errors,
  };
  if (input.dryRun) return report;
  if (errors.length > 0) {
    throw new AppError(
      'IMPORT_INVALID',
      `${failedLines.size} of ${records.length - 1} rows are invalid; nothing was imported`,
      errors,
    );
  }
  const now = isoNow(clock);
  await db.kysely.transaction().execute(async (trx) => {
    await upsertAttributes(
      trx,
      rows.flatMap((r) =>
        columns.map((key, i) => ({
          areaId: r.areaId,
          key,
          value: r.values[i]!,
          source: input.source ?? null,
          updatedAt: now,
        })),
      ),
    );
    await audit(trx, report, columns);
  });
  return report;
}

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

export type AreaSummary = AreaSummaryRow & { attributes: Record<string, number> };
export type AreaDetail = AreaSummary & { geometry: Polygon | MultiPolygon };

export async function listAreas(db: Db, options: { level?: string } = {}): Promise<AreaSummary[]> {
  const rows = await listAreaSummaries(db.kysely, options);
  const attributes = await listAttributes(
    db.kysely,
    options.level === undefined ? {} : { areaIds: rows.map((r) => r.id) },
  );
  const byArea = new Map<string, Record<string, number>>();
  for (const a of attributes) {
    const m = byArea.get(a.areaId) ?? {};
    m[a.key] = a.value;
    byArea.set(a.areaId, m);
  }
  return rows.map((r) => ({ ...r, attributes: byArea.get(r.id) ?? {} }));
}

export async function findArea(db: Db, code: string): Promise<AreaDetail | undefined> {
  const row: (AreaRow & { parentCode: string | null }) | undefined = await findAreaByCode(db.kysely, code);
  if (!row) return undefined;
  const attributes: Record<string, number> = {};
  for (const a of await listAttributes(db.kysely, { areaIds: [row.id] })) attributes[a.key] = a.value;
  const { geometry, ...rest } = row;
  return { ...rest, attributes, geometry: JSON.parse(geometry) as Polygon | MultiPolygon };
}

export async function getArea(db: Db, code: string): Promise<AreaDetail> {
  const area = await findArea(db, code);
  if (!area) throw notFound(`Area ${code}`);
  return area;
}

export type BoundaryFormat = 'topojson' | 'geojson';
export type BoundaryDocument = { body: string; etag: string; version: string };

type DerivedCache = {
  version: string;
  boundaries: Partial<Record<BoundaryFormat, BoundaryDocument>>;
  index?: Promise<{ index: AreaIndex; idByCode: Map<string, string> }>;
  neighbours?: Promise<AreaNeighbours>;
};

/** The leaf areas in code order with their queen-contiguity neighbours (indices into `codes`). */
export type AreaNeighbours = { codes: string[]; names: string[]; nb: Neighbours };

// Per database handle: tests and tools may hold several at once.
const derived = new WeakMap<Kysely<Database>, DerivedCache>();
// The stored version alone misses a rewrite within the same millisecond (or under a fixed test clock);
// imports through this process also bump a local generation.
const generations = new WeakMap<Kysely<Database>, number>();

function bumpGeneration(db: Db): void {
  generations.set(db.kysely, (generations.get(db.kysely) ?? 0) + 1);
}

async function cacheFor(db: Db): Promise<DerivedCache> {
  const version = `${await getAreasDataVersion(db.kysely)}#${generations.get(db.kysely) ?? 0}`;
  let cache = derived.get(db.kysely);
  if (!cache || cache.version !== version) {
    cache = { version, boundaries: {} };
    derived.set(db.kysely, cache);
  }
  return cache;
}

/** Every area's boundary as TopoJSON (simplified, quantised) or GeoJSON, recomputed only after the areas change. */
export async function getBoundaries(db: Db, format: BoundaryFormat): Promise<BoundaryDocument> {
  const cache = await cacheFor(db);
  const hit = cache.boundaries[format];
  if (hit) return hit;
  const rows = await listAreaGeometries(db.kysely);
  const areas = rows.map((r) => ({
    code: r.code,
    name: r.name,
    level: r.level,
    parentCode: r.parentCode,
    geometry: JSON.parse(r.geometry) as Polygon | MultiPolygon,
  }));
  const body =
    format === 'topojson'
      ? JSON.stringify(buildBoundaryTopology(areas))
      : JSON.stringify({
          type: 'FeatureCollection',
          features: areas.map(({ geometry, ...properties }) => ({
            type: 'Feature',
            id: properties.code,
            properties,
            geometry,
          })),
        });
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  const doc = { body, etag, version: cache.version };
  cache.boundaries[format] = doc;
  return doc;
}

/**
 * Queen contiguity of the leaf areas (areas sharing at least one boundary point), computed from the boundaries and
 * cached until the areas change: the spatial statistics' weights.
 */
export async function loadAreaNeighbours(db: Db): Promise<AreaNeighbours> {
  const cache = await cacheFor(db);
  cache.neighbours ??= listAreaGeometries(db.kysely, { leavesOnly: true }).then((rows) => ({
    codes: rows.map((r) => r.code),
    names: rows.map((r) => r.name),
    nb: queenContiguity(rows.map((r) => JSON.parse(r.geometry) as Polygon | MultiPolygon)),
  }));
  try {
    return await cache.neighbours;
  } catch (e) {
    cache.neighbours = undefined;
    throw e;
  }
}

/**
 * The point-in-area index used to place signals, with every area's id by code. Only leaf areas (those no other
 * area names as parent) are indexed, so a point lands in the finest level; `level` picks one level instead.
 * Cached until the areas change.
 */
export async function loadAreaIndex(
  db: Db,
  options: { level?: string } = {},
): Promise<{ index: AreaIndex; idByCode: Map<string, string> }> {
  const build = async () => {
    const rows = await listAreaGeometries(
      db.kysely,
      options.level === undefined ? { leavesOnly: true } : { level: options.level },
    );
    const index = createAreaIndex(
      rows.map((r) => ({
        id: r.id,
        key: r.code,
        geometry: JSON.parse(r.geometry) as Polygon | MultiPolygon,
      })),
    );
    const idByCode = new Map((await listAreaKeys(db.kysely)).map((a) => [a.code, a.id]));
    return { index, idByCode };
  };
  if (options.level !== undefined) return build();
  const cache = await cacheFor(db);
  cache.index ??= build();
  try {
    return await cache.index;
  } catch (e) {
    cache.index = undefined;
    throw e;
  }
}
