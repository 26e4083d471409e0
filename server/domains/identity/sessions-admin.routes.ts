import { z } from 'zod';
import { access, actorOf } from '../../platform/access/guard.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import { adminSessionSchema, presentAdminSession } from './sessions-admin.presenter.ts';
import { sessionIdParams, sessionListQuerySchema } from './sessions-admin.schemas.ts';
import { endSession, listLiveSessions } from './sessions-admin.service.ts';
import { auditFilters, auditRead } from '../../platform/audit/audit.ts';

const BASE = `${API_PREFIX}/sessions`;
const tags = ['sessions'];

export const sessionsAdminRoutes: RouteModule = (app, { db, clock, config }) => {
  app.get(
    BASE,
    {
      config: { access: access.to('session', 'read') },
      schema: {
        tags,
        summary:
          'Live sessions the signed-in user may see (the whole instance for administrators), latest first',
        querystring: sessionListQuerySchema,
        response: {
          200: z.object({ items: z.array(adminSessionSchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const page = await listLiveSessions(db, actor, request.query, clock, config);
      await auditRead(db, clock, {
        action: 'session.list',
        actor,
        resourceType: 'session',
        details: { ...auditFilters(request.query), shown: page.items.length },
      });
      return { items: page.items.map((s) => presentAdminSession(s, actor)), nextCursor: page.nextCursor };
    },
  );

  app.post(
    `${BASE}/:id/end`,
    {
      config: { access: access.to('session', 'end') },
      schema: {
        tags,
        summary: 'End a session at once (its next request answers 401)',
        params: sessionIdParams,
        response: { 204: z.null().describe('Ended') },
      },
    },
    async (request, reply) => {
      await endSession(db, actorOf(request), request.params.id, clock, config);
      return reply.status(204).send(null);
    },
  );
};
