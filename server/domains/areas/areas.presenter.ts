import { z } from 'zod';
import type { AreaDetail, AreaSummary, ImportAreasReport, ImportAttributesReport } from './areas.service.ts';

export const areaSchema = z.object({
  code: z.string(),
  name: z.string(),
  level: z.string(),
  parentCode: z.string().nullable(),
  attributes: z.record(z.string(), z.number()).describe('Numeric figures by key, e.g. population_2021'),
});

const position = z.array(z.number()).min(2);
const geometrySchema = z.union([
  z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(position)) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(position))) }),
]);

export const areaDetailSchema = areaSchema.extend({
  bbox: z
    .tuple([z.number(), z.number(), z.number(), z.number()])
    .describe('[minLon, minLat, maxLon, maxLat]'),
  geometry: geometrySchema.describe('GeoJSON geometry, WGS84, exterior rings counter-clockwise (RFC 7946)'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** The counts every import reports; each report adds its own located errors. */
const importCounts = {
  dryRun: z.boolean(),
  imported: z.number().int(),
  updated: z.number().int(),
  failed: z.number().int(),
};

export const importAreasReportSchema = z.object({
  ...importCounts,
  errors: z.array(
    z.object({
      feature: z.number().int().describe('Position of the feature in the file, from 1; 0 = the whole file'),
      code: z.string().optional(),
      reason: z.string(),
    }),
  ),
});

export const importAttributesReportSchema = z.object({
  ...importCounts,
  errors: z.array(
    z.object({
      line: z.number().int(),
      column: z.string().optional(),
      value: z.string().optional(),
      reason: z.string(),
    }),
  ),
});

export function presentArea(a: AreaSummary): z.infer<typeof areaSchema> {
  return { code: a.code, name: a.name, level: a.level, parentCode: a.parentCode, attributes: a.attributes };
}

export function presentAreaDetail(a: AreaDetail): z.infer<typeof areaDetailSchema> {
  return {
    ...presentArea(a),
    bbox: [a.minLon, a.minLat, a.maxLon, a.maxLat],
    geometry: a.geometry as z.infer<typeof geometrySchema>,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

export function presentImportAreasReport(
  r: ImportAreasReport,
  dryRun: boolean,
): z.infer<typeof importAreasReportSchema> {
  return { dryRun, imported: r.imported, updated: r.updated, failed: r.failed, errors: r.errors };
}

export function presentImportAttributesReport(
  r: ImportAttributesReport,
  dryRun: boolean,
): z.infer<typeof importAttributesReportSchema> {
  return { dryRun, imported: r.imported, updated: r.updated, failed: r.failed, errors: r.errors };
}
