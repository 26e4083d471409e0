import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseMapping, type Mapping } from '../../../core/contracts/mapping.ts';
import { AppError } from '../../platform/errors.ts';
import { access, actorOf } from '../../platform/access/guard.ts';
import { auditRead } from '../../platform/audit/audit.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import { getSourceByCode } from '../sources/sources.service.ts';
import { errorsToCsv } from './errors-csv.ts';
import {
  batchSchema,
  importReportSchema,
  presentBatch,
  presentImportReport,
  presentRollbackReport,
  presentSignalDetail,
  presentSignalListItem,
  rollbackReportSchema,
  signalDetailSchema,
  signalListItemSchema,
} from './signals.presenter.ts';
import {
  checkSignalFilter,
  getBatch,
  getSignal,
  importSignals,
  listBatches,
  listSignals,
  rollbackBatch,
  type ImportReport,
} from './signals.service.ts';
import { booleanQuery, isoDay } from '../../platform/query.ts';

const API = API_PREFIX;

const repeated = z
  .union([z.string().min(1), z.array(z.string().min(1))])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .optional();

const listQuery = z.object({
  from: isoDay.optional().describe('First isoDay, inclusive (YYYY-MM-DD)'),
  to: isoDay.optional().describe('Last isoDay, inclusive (YYYY-MM-DD)'),
  area: repeated.describe('Area code; repeat for several'),
  label: repeated.describe('Term code; matches the term and every term below it; repeat for several'),
  source: repeated.describe('Source code; repeat for several'),
  cityWide: booleanQuery
    .optional()
    .describe('true: city-wide signals (no area), alone or with the areas given'),
  cursor: z.string().min(1).max(500).optional().describe('nextCursor from the previous page'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

const idParams = z.object({ id: z.uuid() });
const codeParams = z.object({ code: z.string().min(1).max(64) });

const fileField = z.string().meta({ format: 'binary' });
// Multipart bodies are read in the handler; the body schema is there to document the form in OpenAPI. The
// parameters and query string are still validated.
const documentOnlyBody = {
  validatorCompiler: (route: { httpPart?: string; schema: unknown; method: string; url: string }) =>
    route.httpPart === 'body' ? (data: unknown) => ({ value: data }) : validatorCompiler(route as never),
};

/** Streams the uploaded file to a temporary file (imports read CSV as a stream), with the text fields. */
async function receiveUpload(
  request: FastifyRequest,
): Promise<{ file: { name: string; path: string } | null; fields: Record<string, string>; cleanup(): void }> {
  if (!request.isMultipart()) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data', [
      { path: '/file', reason: 'expected a multipart/form-data request with a "file" part' },
    ]);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-upload-'));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  let file: { name: string; path: string } | null = null;
  const fields: Record<string, string> = {};
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || file) {
          part.file.resume();
          throw new AppError('VALIDATION_FAILED', 'Send exactly one file, in the "file" field', [
            { path: `/${part.fieldname}`, reason: 'unexpected file' },
          ]);
        }
        const target = path.join(dir, 'upload');
        await pipeline(part.file, fs.createWriteStream(target));
        if (part.file.truncated) {
          throw new AppError('PAYLOAD_TOO_LARGE', 'The file is larger than the upload limit', [
            { path: '/file', reason: 'larger than MAX_UPLOAD_MB' },
          ]);
        }
        file = { name: part.filename || 'upload', path: target };
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
  } catch (e) {
    cleanup();
    throw e;
  }
  return { file, fields, cleanup };
}

function mappingFromField(text: string | undefined): Mapping | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AppError('MAPPING_INVALID', 'The mapping field is not valid JSON', [
      { path: '/mapping', reason: (e as Error).message },
    ]);
  }
  return parseMapping(json);
}

const wantsCsv = (request: FastifyRequest): boolean => /\btext\/csv\b/.test(request.headers.accept ?? '');

export const signalsRoutes: RouteModule = (app, { db, clock, config, analytics }) => {
  app.get(
    `${API}/signals`,
    {
      config: { access: access.to('signal', 'read') },
      schema: {
        tags: ['signals'],
        summary: 'Signals, newest first, filtered by period, area, label and source (keyset pages)',
        querystring: listQuery,
        response: {
          200: z.object({
            items: z.array(signalListItemSchema),
            nextCursor: z.string().nullable(),
            total: z.number().int().describe('signals matching the filters, over every page'),
          }),
        },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.from && q.to && q.from > q.to) {
        throw new AppError('VALIDATION_FAILED', 'The period is empty', [
          { path: '/from', value: q.from, reason: 'from is after to' },
        ]);
      }
      const filter = {
        from: q.from,
        to: q.to,
        areaCodes: q.area ?? [],
        labels: q.label ?? [],
        sourceCodes: q.source ?? [],
        cityWide: q.cityWide,
      };
      await checkSignalFilter(db, filter);
      const page = await listSignals(db, filter, { limit: q.limit, cursor: q.cursor });
      return { items: page.items.map(presentSignalListItem), nextCursor: page.nextCursor, total: page.total };
    },
  );

  app.get(
    `${API}/signals/:id`,
    {
      config: { access: access.to('signal', 'read') },
      schema: {
        tags: ['signals'],
        summary:
          'One signal, with its free text (staff only) and extra fields; the read is audited with its purpose',
        params: idParams,
        querystring: z.object({
          purpose: z
            .string()
            .trim()
            .min(3)
            .max(200)
            .describe('Why you are reading this record; recorded in the audit trail with your name and role'),
        }),
        response: { 200: signalDetailSchema },
      },
    },
    async (request) => {
      const signal = await getSignal(db, request.params.id);
      // Free text can describe people: the read is recorded before anything is answered, and if the record
      // cannot be written nothing is (fail closed).
      await auditRead(db, clock, {
        action: 'signal.read',
        actor: actorOf(request),
        resourceType: 'signal',
        resourceId: signal.id,
        purpose: request.query.purpose,
      });
      return presentSignalDetail(signal);
    },
  );

  app.get(
    `${API}/imports`,
    {
      config: { access: access.to('signal', 'read') },
      schema: {
        tags: ['imports'],
        summary: 'Import batches, newest first',
        querystring: z.object({
          source: z.string().min(1).max(64).optional(),
          cursor: z.string().min(1).max(500).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(batchSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const page = await listBatches(db, {
        sourceCode: request.query.source,
        cursor: request.query.cursor,
        limit: request.query.limit,
      });
      return { items: page.items.map(presentBatch), nextCursor: page.nextCursor };
    },
  );

  app.get(
    `${API}/imports/:id`,
    {
      config: { access: access.to('signal', 'read') },
      schema: {
        tags: ['imports'],
        summary: 'One import batch',
        params: idParams,
        response: { 200: batchSchema },
      },
    },
    async (request) => presentBatch(await getBatch(db, request.params.id)),
  );

  app.post(
    `${API}/imports/:id/rollback`,
    {
      config: { access: access.to('signal', 'rollback') },
      schema: {
        tags: ['imports'],
        summary: 'Undo an import: delete what it inserted, restore what it updated',
        description:
          'Answers 409 ROLLBACK_CONFLICT when a later import still in force changed the same signals; roll that one back first.',
        params: idParams,
        response: { 200: rollbackReportSchema },
      },
    },
    async (request) => {
      const report = await rollbackBatch(db, request.params.id, clock, actorOf(request));
      analytics?.request('rollback');
      return presentRollbackReport(report);
    },
  );

  const csvProblems = (reply: FastifyReply, report: ImportReport) =>
    reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="import-problems.csv"')
      .serializer((payload: unknown) => payload as string)
      .send(errorsToCsv(report.errors) as never);

  app.post(
    `${API}/sources/:code/imports`,
    {
      config: { access: access.to('signal', 'import') },
      ...documentOnlyBody,
      schema: {
        tags: ['imports'],
        summary: 'Upload a file for a source: dry run (report every bad row) or commit (all or nothing)',
        description:
          'Multipart form: "file" (CSV, XLSX/XLS/ODS, GeoJSON or JSON) and optionally "mapping" (mapping JSON, see docs/importing.md) ' +
          "overriding the source's stored mapping. dryRun=true writes nothing and answers the report; with Accept: text/csv it answers " +
          'the problems as a CSV (UTF-8 with BOM). A commit with any bad row answers 422 IMPORT_INVALID listing every problem, and writes nothing.',
        consumes: ['multipart/form-data'],
        params: codeParams,
        querystring: z.object({ dryRun: booleanQuery.default(false) }),
        body: z.object({
          file: fileField.describe('The file to import'),
          mapping: z.string().optional().describe('Mapping JSON; defaults to the source’s mapping'),
        }),
        response: {
          200: importReportSchema.describe('Dry run report (or text/csv problems when asked for)'),
          201: importReportSchema.describe('Committed'),
        },
      },
    },
    async (request, reply) => {
      const source = await getSourceByCode(db, request.params.code);
      const upload = await receiveUpload(request);
      try {
        if (!upload.file) {
          throw new AppError('VALIDATION_FAILED', 'The request is not valid', [
            { path: '/file', reason: 'a file is required' },
          ]);
        }
        const mapping = mappingFromField(upload.fields.mapping) ?? source.mapping;
        if (!mapping) {
          throw new AppError('MAPPING_INVALID', `Source ${source.code} has no mapping`, [
            { path: '/mapping', reason: 'send a mapping with the file, or store one on the source' },
          ]);
        }
        const report = await importSignals(
          db,
          {
            sourceCode: source.code,
            mapping,
            file: upload.file,
            dryRun: request.query.dryRun,
            fetchTimeoutMs: config.urlFetchTimeoutMs,
          },
          clock,
          actorOf(request),
        );
        if (report.dryRun && wantsCsv(request)) return csvProblems(reply, report);
        if (!report.dryRun) analytics?.request('import');
        return reply.status(report.dryRun ? 200 : 201).send(presentImportReport(report));
      } finally {
        upload.cleanup();
      }
    },
  );

  app.post(
    `${API}/sources/:code/pull`,
    {
      config: { access: access.to('signal', 'import') },
      schema: {
        tags: ['imports'],
        summary: "Fetch a URL source's file now and import it with the source's mapping",
        params: codeParams,
        querystring: z.object({ dryRun: booleanQuery.default(false) }),
        response: { 200: importReportSchema, 201: importReportSchema },
      },
    },
    async (request, reply) => {
      const source = await getSourceByCode(db, request.params.code);
      if (source.method !== 'url' || !source.url) {
        throw new AppError('VALIDATION_FAILED', `Source ${source.code} is not fetched from a URL`, [
          { path: '/code', value: source.code, reason: 'only sources with method url can be pulled' },
        ]);
      }
      if (!source.mapping) {
        throw new AppError('MAPPING_INVALID', `Source ${source.code} has no mapping`, [
          { path: '/mapping', reason: 'store a mapping on the source first' },
        ]);
      }
      const report = await importSignals(
        db,
        {
          sourceCode: source.code,
          mapping: source.mapping,
          file: { url: source.url },
          dryRun: request.query.dryRun,
          fetchTimeoutMs: config.urlFetchTimeoutMs,
        },
        clock,
        actorOf(request),
      );
      if (report.dryRun && wantsCsv(request)) return csvProblems(reply, report);
      if (!report.dryRun) analytics?.request('import');
      return reply.status(report.dryRun ? 200 : 201).send(presentImportReport(report));
    },
  );
};
