import { z } from 'zod';
import { access, actorOf } from '../../platform/access/guard.ts';
import { can } from '../../platform/access/policy.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import { catalogueSchema, presentCatalogue, presentRole, roleSchema } from './roles.presenter.ts';
import { newRoleSchema, roleCodeParams, roleUpdateSchema } from './roles.schemas.ts';
import { ROLE_FACTS, createRole, getRole, listRoles, removeRole, updateRole } from './roles.service.ts';

const BASE = `${API_PREFIX}/roles`;
const tags = ['roles'];

export const rolesRoutes: RouteModule = (app, { db, clock }) => {
  app.get(
    BASE,
    {
      config: { access: access.to('role', 'read') },
      schema: {
        tags,
        summary: 'Built-in and custom roles with their grants and member counts',
        response: {
          200: z.object({ items: z.array(roleSchema), abilities: z.object({ create: z.boolean() }) }),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const items = await listRoles(db, actor);
      return {
        items: items.map((r) => presentRole(r, actor)),
        abilities: { create: can(actor, 'role', 'create', ROLE_FACTS) },
      };
    },
  );

  app.post(
    BASE,
    {
      config: { access: access.to('role', 'create') },
      schema: {
        tags,
        summary: 'Make a custom role from grants (resource × action × scope)',
        body: newRoleSchema,
        response: { 201: roleSchema },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      return reply.status(201).send(presentRole(await createRole(db, actor, request.body, clock), actor));
    },
  );

  app.get(
    `${BASE}/:code`,
    {
      config: { access: access.to('role', 'read') },
      schema: { tags, summary: 'One role', params: roleCodeParams, response: { 200: roleSchema } },
    },
    async (request) => {
      const actor = actorOf(request);
      return presentRole(await getRole(db, actor, request.params.code), actor);
    },
  );

  app.patch(
    `${BASE}/:code`,
    {
      config: { access: access.to('role', 'update') },
      schema: {
        tags,
        summary: 'Change a custom role (built-in roles answer 409); members get the new grants at once',
        params: roleCodeParams,
        body: roleUpdateSchema,
        response: { 200: roleSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return presentRole(await updateRole(db, actor, request.params.code, request.body, clock), actor);
    },
  );

  app.post(
    `${BASE}/:code/remove`,
    {
      config: { access: access.to('role', 'archive') },
      schema: {
        tags,
        summary: 'Remove a custom role nobody holds (409 for built-in roles and roles with members)',
        params: roleCodeParams,
        response: { 204: z.null().describe('Removed') },
      },
    },
    async (request, reply) => {
      await removeRole(db, actorOf(request), request.params.code, clock);
      return reply.status(204).send(null);
    },
  );

  app.get(
    `${API_PREFIX}/access/catalogue`,
    {
      config: { access: access.to('role', 'read') },
      schema: {
        tags,
        summary: 'What roles can be made of: resources with their actions, and scopes (for the role editor)',
        response: { 200: catalogueSchema },
      },
    },
    async () => presentCatalogue(),
  );
};
