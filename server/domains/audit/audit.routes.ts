import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { access, actorOf } from '../../platform/access/guard.ts';
import { listScope } from '../../platform/access/policy.ts';
import { auditFilters, auditRead } from '../../platform/audit/audit.ts';
import { AppError } from '../../platform/errors.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import { escapeFormula } from '../signals/errors-csv.ts';
import { auditCsvColumns, auditEventSchema, presentAuditEvent } from './audit.presenter.ts';
import { selectAuditEventPage, type AuditFilter } from './audit.repository.ts';

const BASE = `${API_PREFIX}/audit`;

const isoInstant = z.iso.datetime({ offset: true }).transform((v) => new Date(v).toISOString());

const filterQuery = z.object({
  from: isoInstant.optional().describe('entries at or after this instant'),
  to: isoInstant.optional().describe('entries before this instant'),
  actor: z.string().min(1).max(64).optional().describe('user id of the actor'),
  action: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('a dotted verb or its prefix, e.g. auth or auth.login'),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  resourceType: z.string().min(1).max(64).optional(),
  resourceId: z.string().min(1).max(200).optional(),
});

/** Exports are streamed page by page; this many rows at most, so one request cannot hold the database for long. */
const EXPORT_MAX_ROWS = 1_000_000;
const PAGE = 5_000;

export const auditRoutes: RouteModule = (app, { db, clock }) => {
  // Reading the trail is itself recorded: who looked at what, with which filters.
  const recordRead = (actor: ReturnType<typeof actorOf>, action: string, filter: AuditFilter) =>
    auditRead(db, clock, {
      action,
      actor,
      resourceType: 'audit',
      purpose: 'audit review',
      details: auditFilters(filter),
    });

  app.get(
    BASE,
    {
      config: { access: access.to('audit', 'read') },
      schema: {
        tags: ['audit'],
        summary: 'Search the audit trail, newest first',
        querystring: filterQuery.extend({
          cursor: z.string().regex(/^\d+$/).optional().describe('nextCursor from the previous page'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ items: z.array(auditEventSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { cursor, limit, ...filter } = request.query;
      const rows = await selectAuditEventPage(db.kysely, listScope(actor, 'audit'), filter, {
        limit: limit + 1,
        beforeSeq: cursor === undefined ? undefined : Number(cursor),
      });
      await recordRead(actor, 'audit.search', filter);
      const items = rows.slice(0, limit).map((row) => presentAuditEvent(row, actor));
      return { items, nextCursor: rows.length > limit ? String(items.at(-1)!.seq) : null };
    },
  );

  app.get(
    `${BASE}/export.csv`,
    {
      config: { access: access.to('audit', 'export') },
      schema: {
        tags: ['audit'],
        summary: 'The audit entries matching the filters as CSV (UTF-8 with BOM), newest first',
        querystring: filterQuery,
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const filter = request.query;
      const scope = listScope(actor, 'audit', 'export');
      const columns = auditCsvColumns(actor);
      await recordRead(actor, 'audit.export', filter);
      const csv = stringify({
        bom: true,
        header: true,
        columns,
        record_delimiter: '\r\n',
      });
      void (async () => {
        try {
          let beforeSeq: number | undefined;
          let written = 0;
          while (written < EXPORT_MAX_ROWS) {
            const rows = await selectAuditEventPage(db.kysely, scope, filter, { limit: PAGE, beforeSeq });
            for (const row of rows) {
              const view = presentAuditEvent(row, actor);
              csv.write(
                columns.map((c) => {
                  // details as stored (canonical JSON) wherever the view kept them.
                  const v = c === 'details' && view.details !== undefined ? row.details : view[c];
                  return typeof v === 'string'
                    ? escapeFormula(v)
                    : v === null || v === undefined
                      ? ''
                      : String(v);
                }),
              );
            }
            written += rows.length;
            if (rows.length < PAGE) break;
            beforeSeq = rows.at(-1)!.seq;
          }
          csv.end();
        } catch (e) {
          csv.destroy(e instanceof Error ? e : new AppError('INTERNAL', String(e)));
        }
      })();
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="cohesion-audit.csv"')
        .send(csv);
    },
  );
};
