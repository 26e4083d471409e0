import { z } from 'zod';
import { METHODS } from '../../../core/analytics/monitor.ts';
import { access, actorOf } from '../../platform/access/guard.ts';
import { AppError } from '../../platform/errors.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import {
  alarmPageSchema,
  gapsSchema,
  hotspotsSchema,
  impactSchema,
  indexDefinitionSchema,
  indicesSchema,
  presentAlarm,
  presentSeriesState,
  presentTriggerEvent,
  ratesSchema,
  recomputeSchema,
  runSchema,
  seriesStateSchema,
  triggerEventSchema,
} from './analytics.presenter.ts';
import {
  onlyAreas,
  getGaps,
  getHotspots,
  getIndices,
  getRates,
  listAlarms,
  listAnalyticsRuns,
  listSeriesStates,
  updateIndexDefinition,
} from './analytics.service.ts';
import {
  EVENT_KINDS,
  createTriggerEvent,
  getEventImpact,
  listTriggerEvents,
  updateTriggerEvent,
} from './events.service.ts';
import { listIndexDefinitions } from './index-definitions.ts';
import { recomputeAnalytics } from './recompute.ts';
import { booleanQuery, isoDay, repeatedQuery } from '../../platform/query.ts';

const API = `${API_PREFIX}/analytics`;

const grain = z.enum(['week', 'month']);
const period = {
  from: isoDay.optional().describe('First day; rounded down to the start of its week'),
  to: isoDay
    .optional()
    .describe('Last day; rounded up to the end of its week (default: the last signal, 52 weeks back)'),
};
/** A query over a period, with `from` not after `to`. */
const periodQuery = <T extends z.ZodRawShape>(fields: T) =>
  z.object({ ...period, ...fields }).refine(
    (q) => {
      // The generic shape hides the two period fields from the checker; they are always there.
      const { from, to } = q as { from?: string; to?: string };
      return !from || !to || from <= to;
    },
    {
      message: 'from must not be after to',
      path: ['from'],
    },
  );

// The spatial answers are computed over every area; these narrow what is returned and set the rates' denominator.
const areaFilter = {
  area: repeatedQuery.describe('Only these area codes in the answer; repeat for several'),
  denominator: z.string().min(1).max(100).optional(),
};
const seed = z.coerce
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1)
  .optional();

const noData = () => new AppError('NOT_FOUND', 'No areas or signals to analyse yet');

export const analyticsRoutes: RouteModule = (app, { db, clock }) => {
  app.get(
    `${API}/alarms`,
    {
      config: { access: access.to('picture', 'read') },
      schema: {
        tags: ['analytics'],
        summary:
          'Early-warning alarms (EARS, Farrington) with expected count, upper bound and observed count',
        querystring: z.object({
          grain: grain.optional(),
          ...period,
          area: repeatedQuery.describe("Area code, '*' for the whole city; repeat for several"),
          label: repeatedQuery.describe("Term code, '*' for every signal; repeat for several"),
          method: z
            .union([z.enum(METHODS), z.array(z.enum(METHODS))])
            .optional()
            .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
          includeWithdrawn: booleanQuery.default(false),
          cursor: z.string().min(1).max(500).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: alarmPageSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await listAlarms(db, {
        grain: q.grain,
        from: q.from,
        to: q.to,
        areas: q.area,
        labels: q.label,
        methods: q.method,
        includeWithdrawn: q.includeWithdrawn,
        cursor: q.cursor,
        limit: q.limit,
      });
      const actor = actorOf(request);
      return { items: page.items.map((a) => presentAlarm(a, actor)), nextCursor: page.nextCursor };
    },
  );

  app.get(
    `${API}/series`,
    {
      config: { access: access.to('picture', 'read') },
      schema: {
        tags: ['analytics'],
        summary: "Each watched series' latest evaluation per method, including fits that did not converge",
        querystring: z.object({
          grain: grain.optional(),
          area: repeatedQuery,
          label: repeatedQuery,
          notConverged: booleanQuery.default(false),
        }),
        response: { 200: z.object({ items: z.array(seriesStateSchema) }) },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await listSeriesStates(db, {
        grain: q.grain,
        areas: q.area,
        labels: q.label,
        notConvergedOnly: q.notConverged,
      });
      return { items: rows.map(presentSeriesState) };
    },
  );

  app.get(
    `${API}/runs`,
    {
      config: { access: access.to('picture', 'read') },
      schema: {
        tags: ['analytics'],
        summary: 'The latest recomputations: when, why, what they found and how long each step took',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: { 200: z.object({ items: z.array(runSchema) }) },
      },
    },
    async (request) => ({ items: await listAnalyticsRuns(db, request.query.limit) }),
  );

  app.post(
    `${API}/recompute`,
    {
      config: { access: access.to('picture', 'update') },
      schema: {
        tags: ['analytics'],
        summary:
          'Recompute the early warning now (it also runs after every import and rollback, and on a schedule)',
        response: { 200: recomputeSchema },
      },
    },
    async (request) => recomputeAnalytics(db, clock, actorOf(request), { reason: 'manual' }),
  );

  app.get(
    `${API}/rates`,
    {
      config: { access: access.to('picture', 'read') },
      schema: {
        tags: ['analytics'],
        summary: 'Signals per 10,000 residents per area, raw and Empirical Bayes smoothed (global and local)',
        querystring: periodQuery({
          label: z.string().min(1).max(200).optional().describe("Term code, '*' (default) for every signal"),
          ...areaFilter,
        }),
        response: { 200: ratesSchema },
      },
    },
    async (request) => {
      const rates = await getRates(db, request.query);
      if (!rates) throw noData();
      return { ...rates, areas: await onlyAreas(db, rates.areas, request.query.area) };
    },
  );

  app.get(
    `${API}/hotspots`,
    {
      config: { access: access.to('picture', 'read') },
      schema: {
        tags: ['analytics'],
        summary: 'Getis-Ord Gi* hotspots on queen contiguity with Benjamini–Hochberg FDR',
        querystring: periodQuery({
          label: z.string().min(1).max(200).optional(),
          area: repeatedQuery.describe('Only these area codes in the answer; repeat for several'),
          measure: z
            .enum(['count', 'rate', 'eb_rate'])
            .optional()
            .describe('Value per area: count, rate per 10,000, or local Empirical Bayes rate (default)'),
          denominator: z.string().min(1).max(100).optional(),
          alpha: z.coerce.number().gt(0).lt(1).optional(),
          permutations: z.coerce.number().int().min(99).max(9999).optional(),
          seed,
        }),
        response: { 200: hotspotsSchema },
      },
    },
    async (request) => {
      const hot = await getHotspots(db, request.query);
      if (!hot) throw noData();
      return { ...hot, areas: await onlyAreas(db, hot.areas, request.query.area) };
    },
  );

  app.get(
    `${API}/indices`,
    {
      config: { access: access.to('picture', 'read') },
      schema: {
        tags: ['analytics'],
        summary:
          'Composite indices per area (threat, needs, protective) with indicators and rank uncertainty',
        querystring: periodQuery({
          key: z.string().min(1).max(100).optional(),
          ...areaFilter,
          runs: z.coerce.number().int().min(50).max(2000).optional(),
          seed,
        }),
        response: { 200: indicesSchema },
      },
    },
    async (request) => {
      const result = await getIndices(db, request.query);
      if (!result) throw noData();
      const indices = [];
      for (const index of result.indices) {
        indices.push({
          ...index,
          areas: index.areas && (await onlyAreas(db, index.areas, request.query.area)),
        });
      }
      return { ...result, indices };
    },
  );

  app.get(
    `${API}/index-definitions`,
    {
      config: { access: access.to('picture', 'read') },
      schema: {
        tags: ['analytics'],
        summary: 'How each composite index is built',
        response: { 200: z.object({ items: z.array(indexDefinitionSchema) }) },
      },
    },
    async () => ({ items: await listIndexDefinitions(db) }),
  );

  app.put(
    `${API}/index-definitions/:key`,
    {
      config: { access: access.to('picture', 'update') },
      schema: {
        tags: ['analytics'],
        summary: 'Create or change a composite index definition',
        params: z.object({ key: z.string().regex(/^[a-z0-9_-]{1,50}$/) }),
        body: z.object({ name: z.string().min(1).max(200), spec: z.unknown() }),
        response: { 200: indexDefinitionSchema },
      },
    },
    async (request) => updateIndexDefinition(db, request.params.key, request.body, clock, actorOf(request)),
  );

  app.get(
    `${API}/gaps`,
    {
      config: { access: access.to('picture', 'read') },
      schema: {
        tags: ['analytics'],
        summary: 'Coverage gaps: need per area and category against the services answering it',
        querystring: periodQuery({
          label: repeatedQuery,
          ...areaFilter,
          limit: z.coerce.number().int().min(1).max(5000).default(200),
        }),
        response: { 200: gapsSchema },
      },
    },
    async (request) => {
      const q = request.query;
      return (
        (await getGaps(db, {
          from: q.from,
          to: q.to,
          labels: q.label,
          areas: q.area,
          denominator: q.denominator,
          limit: q.limit,
        })) ?? Promise.reject(noData())
      );
    },
  );

  const eventBody = z.object({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(EVENT_KINDS),
    occurredOn: isoDay,
    areaCode: z.string().min(1).max(100).nullable().optional(),
    description: z.string().max(2000).nullable().optional(),
  });
  const idParams = z.object({ id: z.uuid() });

  app.get(
    `${API}/events`,
    {
      config: { access: access.to('trigger_event', 'read') },
      schema: {
        tags: ['analytics'],
        summary: 'Trigger events (attacks, elections, crises) registered to compare rates before and after',
        querystring: z.object({ includeArchived: booleanQuery.default(false) }),
        response: { 200: z.object({ items: z.array(triggerEventSchema) }) },
      },
    },
    async (request) => ({
      items: (await listTriggerEvents(db, { includeArchived: request.query.includeArchived })).map(
        presentTriggerEvent,
      ),
    }),
  );

  app.post(
    `${API}/events`,
    {
      config: { access: access.to('trigger_event', 'create') },
      schema: {
        tags: ['analytics'],
        summary: 'Register a trigger event',
        body: eventBody,
        response: { 201: triggerEventSchema },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(presentTriggerEvent(await createTriggerEvent(db, request.body, clock, actorOf(request)))),
  );

  app.patch(
    `${API}/events/:id`,
    {
      config: { access: access.to('trigger_event', 'update') },
      schema: {
        tags: ['analytics'],
        summary: 'Change a trigger event',
        params: idParams,
        body: eventBody.partial().refine((b) => Object.keys(b).length > 0, 'nothing to change'),
        response: { 200: triggerEventSchema },
      },
    },
    async (request) =>
      presentTriggerEvent(
        await updateTriggerEvent(db, request.params.id, request.body, clock, actorOf(request)),
      ),
  );

  app.post(
    `${API}/events/:id/archive`,
    {
      config: { access: access.to('trigger_event', 'archive') },
      schema: {
        tags: ['analytics'],
        summary: 'Archive a trigger event (kept, hidden from the default list)',
        params: idParams,
        response: { 200: triggerEventSchema },
      },
    },
    async (request) =>
      presentTriggerEvent(
        await updateTriggerEvent(db, request.params.id, { archived: true }, clock, actorOf(request)),
      ),
  );

  app.get(
    `${API}/events/:id/impact`,
    {
      config: { access: access.to('trigger_event', 'read') },
      schema: {
        tags: ['analytics'],
        summary:
          'Rates after a trigger event against before, per area and label, with exact confidence intervals',
        params: idParams,
        querystring: z.object({
          weeks: z.coerce.number().int().min(1).max(26).default(4),
          label: repeatedQuery,
          confidence: z.coerce.number().min(0.5).max(0.999).default(0.95),
        }),
        response: { 200: impactSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const impact = await getEventImpact(db, request.params.id, {
        weeks: q.weeks,
        labels: q.label.length ? q.label : undefined,
        confidence: q.confidence,
      });
      return {
        ...impact,
        event: presentTriggerEvent(impact.event),
        rows: impact.rows.map(({ areaKey, termCode, ...r }) => ({ area: areaKey, label: termCode, ...r })),
      };
    },
  );
};
