import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { access, actorOf } from '../../platform/access/guard.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import {
  areaDetailSchema,
  areaSchema,
  importAreasReportSchema,
  importAttributesReportSchema,
  presentArea,
  presentAreaDetail,
  presentImportAreasReport,
  presentImportAttributesReport,
} from './areas.presenter.ts';
import { getArea, getBoundaries, importAreaAttributes, importAreas, listAreas } from './areas.service.ts';

const BASE = `${API_PREFIX}/areas`;

const booleanField = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const fileField = z.string().meta({ format: 'binary' });

const importAreasFields = z.object({
  codeProperty: z
    .string()
    .trim()
    .min(1)
    .describe('Feature property holding the area code, e.g. AREA_SHORT_CODE'),
  nameProperty: z.string().trim().min(1).describe('Feature property holding the area name, e.g. AREA_NAME'),
  level: z.string().trim().min(1).max(64).optional().describe('Level of new areas, e.g. neighbourhood'),
  parentCodeProperty: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe('Feature property holding the parent’s code'),
  dryRun: booleanField.default(false).describe('true: validate and report, write nothing'),
});

const importAttributesFields = z.object({
  codeColumn: z.string().trim().min(1).describe('Column holding the area code, e.g. HOOD_158'),
  columns: z
    .string()
    .trim()
    .min(1)
    .transform((v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== ''),
    )
    .pipe(z.array(z.string()).min(1))
    .describe('Comma-separated numeric columns to store, e.g. population_2021'),
  source: z.string().trim().min(1).max(200).optional().describe('Where the figures come from'),
  dryRun: booleanField.default(false).describe('true: validate and report, write nothing'),
});

/** Reads a multipart upload: the one file (held in memory up to the configured limit) and the text fields. */
async function readUpload(
  request: FastifyRequest,
): Promise<{ file: Uint8Array | undefined; fields: Record<string, string> }> {
  if (!request.isMultipart()) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data', [
      { path: '/file', reason: 'expected a multipart/form-data request with a "file" part' },
    ]);
  }
  let file: Uint8Array | undefined;
  const fields: Record<string, string> = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file' || file) {
        await part.toBuffer();
        throw new AppError('VALIDATION_FAILED', 'Send exactly one file, in the "file" field', [
          { path: `/${part.fieldname}`, reason: 'unexpected file' },
        ]);
      }
      file = await part.toBuffer();
    } else if (typeof part.value === 'string') {
      fields[part.fieldname] = part.value;
    }
  }
  return { file, fields };
}

function parseFields<T extends z.ZodType>(
  schema: T,
  fields: Record<string, string>,
  file: Uint8Array | undefined,
): z.output<T> {
  const result = schema.safeParse(fields);
  const problems = result.success
    ? []
    : result.error.issues.map((i) => ({ path: `/${i.path.join('/')}`, reason: i.message }));
  if (!file) problems.unshift({ path: '/file', reason: 'a file is required' });
  if (problems.length > 0 || !result.success) {
    throw new AppError('VALIDATION_FAILED', 'The request is not valid', problems);
  }
  return result.data;
}

// Multipart bodies are read in the handler; the body schemas are there to document the form in OpenAPI.
const documentOnlyBody = {
  validatorCompiler: () => (data: unknown) => ({ value: data }),
};

export const areasRoutes: RouteModule = (app, { db, clock }) => {
  app.get(
    BASE,
    {
      config: { access: access.to('area', 'read') },
      schema: {
        tags: ['areas'],
        summary: 'Every area with its level, parent and numeric attributes',
        querystring: z.object({ level: z.string().min(1).max(64).optional() }),
        response: { 200: z.object({ items: z.array(areaSchema) }) },
      },
    },
    async (request) => ({ items: (await listAreas(db, request.query)).map(presentArea) }),
  );

  app.get(
    `${BASE}/boundaries`,
    {
      config: { access: access.to('area', 'read') },
      schema: {
        tags: ['areas'],
        summary: 'All boundaries for maps: simplified, quantised TopoJSON (object "areas") or full GeoJSON',
        description:
          'Each geometry carries properties { code, name, level, parentCode }. Served with an ETag; send If-None-Match to get 304 when nothing changed.',
        querystring: z.object({ format: z.enum(['topojson', 'geojson']).default('topojson') }),
        response: {
          200: z
            .looseObject({ type: z.enum(['Topology', 'FeatureCollection']) })
            .describe('TopoJSON Topology or GeoJSON FeatureCollection'),
          304: z.null().describe('Not modified'),
        },
      },
    },
    async (request, reply) => {
      const doc = await getBoundaries(db, request.query.format);
      reply
        .header('etag', doc.etag)
        .header('cache-control', 'public, no-cache')
        .header('vary', 'accept-encoding');
      const ifNoneMatch = request.headers['if-none-match'];
      if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === doc.etag)) {
        return reply.status(304).send(null);
      }
      // Already JSON text, cached per data version: sent as-is rather than re-serialised.
      return reply
        .type(request.query.format === 'topojson' ? 'application/json' : 'application/geo+json')
        .serializer((payload: unknown) => payload as string)
        .send(doc.body as never);
    },
  );

  app.get(
    `${BASE}/:code`,
    {
      config: { access: access.to('area', 'read') },
      schema: {
        tags: ['areas'],
        summary: 'One area with its geometry',
        params: z.object({ code: z.string().min(1).max(64) }),
        response: { 200: areaDetailSchema },
      },
    },
    async (request) => presentAreaDetail(await getArea(db, request.params.code)),
  );

  app.post(
    `${BASE}/import`,
    {
      config: { access: access.to('area', 'import') },
      ...documentOnlyBody,
      schema: {
        tags: ['areas'],
        summary: 'Import boundaries from a GeoJSON FeatureCollection (upsert by code, all or nothing)',
        description:
          'Polygon and MultiPolygon features in WGS84 longitude/latitude. Any invalid feature answers 422 GEOJSON_INVALID listing every problem by feature, and nothing is written; dryRun=true reports the same without writing.',
        consumes: ['multipart/form-data'],
        body: importAreasFields.extend({ file: fileField.describe('The GeoJSON file') }),
        response: { 200: importAreasReportSchema },
      },
    },
    async (request) => {
      const { file, fields } = await readUpload(request);
      const input = parseFields(importAreasFields, fields, file);
      const report = await importAreas(
        db,
        {
          geojson: file!,
          codeProperty: input.codeProperty,
          nameProperty: input.nameProperty,
          level: input.level,
          parentCodeProperty: input.parentCodeProperty,
          dryRun: input.dryRun,
        },
        clock,
        actorOf(request),
      );
      return presentImportAreasReport(report, input.dryRun);
    },
  );

  app.post(
    `${BASE}/attributes/import`,
    {
      config: { access: access.to('area', 'import') },
      ...documentOnlyBody,
      schema: {
        tags: ['areas'],
        summary: 'Import numeric area attributes (e.g. population) from a CSV (all or nothing)',
        description:
          'Any encoding (UTF-8, UTF-16, Windows-1252 …) and delimiter (comma, semicolon, tab, pipe). Numbers in plain decimal notation. Unknown area codes, empty or non-numeric values answer 422 IMPORT_INVALID with line, column and value, and nothing is written.',
        consumes: ['multipart/form-data'],
        body: importAttributesFields.extend({ file: fileField.describe('The CSV file') }),
        response: { 200: importAttributesReportSchema },
      },
    },
    async (request) => {
      const { file, fields } = await readUpload(request);
      const input = parseFields(importAttributesFields, fields, file);
      const report = await importAreaAttributes(
        db,
        {
          csv: file!,
          codeColumn: input.codeColumn,
          columns: input.columns,
          source: input.source,
          dryRun: input.dryRun,
        },
        clock,
        actorOf(request),
      );
      return presentImportAttributesReport(report, input.dryRun);
    },
  );
};
