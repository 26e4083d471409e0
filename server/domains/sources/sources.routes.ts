import { z } from 'zod';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import {
  presentSource,
  presentSourceSummary,
  sourceSchema,
  sourceSummarySchema,
} from './sources.presenter.ts';
import { newSourceSchema, sourceUpdateSchema } from './sources.schemas.ts';
import { createSource, getSourceWithFreshness, listSources, updateSource } from './sources.service.ts';

const BASE = `${API_PREFIX}/sources`;

const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

const codeParams = z.object({ code: z.string().min(1).max(64) });

export const sourcesRoutes: RouteModule = (app, { db, clock }) => {
  app.get(
    BASE,
    {
      schema: {
        tags: ['sources'],
        summary: 'Data providers with their freshness (last delivery, next due date, overdue)',
        querystring: z.object({
          overdue: booleanQuery.optional().describe('true: only overdue sources; false: only those on time'),
          includeArchived: booleanQuery.default(false),
        }),
        response: { 200: z.object({ items: z.array(sourceSummarySchema) }) },
      },
    },
    async (request) => {
      const items = await listSources(db, request.query, clock);
      return { items: items.map(presentSourceSummary) };
    },
  );

  app.post(
    BASE,
    {
      schema: {
        tags: ['sources'],
        summary: 'Register a data provider',
        body: newSourceSchema,
        response: { 201: sourceSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(presentSource(await createSource(db, request.body, clock))),
  );

  app.get(
    `${BASE}/:code`,
    {
      schema: {
        tags: ['sources'],
        summary: 'One data provider',
        params: codeParams,
        response: { 200: sourceSchema },
      },
    },
    async (request) => presentSource(await getSourceWithFreshness(db, request.params.code, clock)),
  );

  app.patch(
    `${BASE}/:code`,
    {
      schema: {
        tags: ['sources'],
        summary:
          'Change a data provider (every field but its code; archived: true stops expecting deliveries)',
        params: codeParams,
        body: sourceUpdateSchema,
        response: { 200: sourceSchema },
      },
    },
    async (request) => presentSource(await updateSource(db, request.params.code, request.body, clock)),
  );
};
