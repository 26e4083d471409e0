import { z } from 'zod';
import { access, actorOf } from '../../platform/access/guard.ts';
import { can } from '../../platform/access/policy.ts';
import { AppError } from '../../platform/errors.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import {
  presentSource,
  presentSourceSummary,
  sourceSchema,
  sourceSummarySchema,
} from './sources.presenter.ts';
import { newSourceSchema, sourceUpdateSchema } from './sources.schemas.ts';
import { createSource, getSourceWithFreshness, listSources, updateSource } from './sources.service.ts';
import { booleanQuery } from '../../platform/query.ts';

const BASE = `${API_PREFIX}/sources`;

const codeParams = z.object({ code: z.string().min(1).max(64) });

export const sourcesRoutes: RouteModule = (app, { db, clock }) => {
  app.get(
    BASE,
    {
      config: { access: access.to('source', 'read') },
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
      config: { access: access.to('source', 'create') },
      schema: {
        tags: ['sources'],
        summary: 'Register a data provider',
        body: newSourceSchema,
        response: { 201: sourceSchema },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(presentSource(await createSource(db, request.body, clock, actorOf(request)), actorOf(request))),
  );

  app.get(
    `${BASE}/:code`,
    {
      config: { access: access.to('source', 'read') },
      schema: {
        tags: ['sources'],
        summary: 'One data provider',
        params: codeParams,
        response: { 200: sourceSchema },
      },
    },
    async (request) =>
      presentSource(await getSourceWithFreshness(db, request.params.code, clock), actorOf(request)),
  );

  app.patch(
    `${BASE}/:code`,
    {
      config: { access: access.to('source', 'update') },
      schema: {
        tags: ['sources'],
        summary:
          'Change a data provider (every field but its code; archived: true stops expecting deliveries)',
        params: codeParams,
        body: sourceUpdateSchema,
        response: { 200: sourceSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      // Archiving is its own grant: a role may edit a provider's details without being allowed to retire it.
      if (request.body.archived !== undefined && !can(actor, 'source', 'archive'))
        throw new AppError('FORBIDDEN', 'Your role does not allow archiving or restoring a source');
      return presentSource(await updateSource(db, request.params.code, request.body, clock, actor), actor);
    },
  );
};
