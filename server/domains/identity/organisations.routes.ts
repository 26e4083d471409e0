import { z } from 'zod';
import { access, actorOf } from '../../platform/access/guard.ts';
import { can } from '../../platform/access/policy.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import { organisationSchema, presentOrganisation } from './organisations.presenter.ts';
import {
  newOrganisationSchema,
  organisationIdParams,
  organisationListQuerySchema,
  organisationUpdateSchema,
} from './organisations.schemas.ts';
import {
  archiveOrganisation,
  createOrganisation,
  getOrganisation,
  listOrganisations,
  updateOrganisation,
} from './organisations.service.ts';

const BASE = `${API_PREFIX}/organisations`;
const tags = ['organisations'];

export const organisationsRoutes: RouteModule = (app, { db, clock }) => {
  app.get(
    BASE,
    {
      config: { access: access.to('organisation', 'read') },
      schema: {
        tags,
        summary: 'Organisations the signed-in user may see, by name',
        querystring: organisationListQuerySchema,
        response: {
          200: z.object({
            items: z.array(organisationSchema),
            abilities: z.object({ create: z.boolean() }),
          }),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const items = await listOrganisations(db, actor, request.query);
      return {
        items: items.map((o) => presentOrganisation(o, actor)),
        abilities: {
          create: can(actor, 'organisation', 'create', { organisationId: null, ownerUserId: null }),
        },
      };
    },
  );

  app.post(
    BASE,
    {
      config: { access: access.to('organisation', 'create') },
      schema: {
        tags,
        summary: 'Register an organisation (a city department, the police, a school, an NGO …)',
        body: newOrganisationSchema,
        response: { 201: organisationSchema },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const created = await createOrganisation(db, actor, request.body, clock);
      return reply.status(201).send(presentOrganisation(created, actor));
    },
  );

  app.get(
    `${BASE}/:id`,
    {
      config: { access: access.to('organisation', 'read') },
      schema: {
        tags,
        summary: 'One organisation',
        params: organisationIdParams,
        response: { 200: organisationSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return presentOrganisation(await getOrganisation(db, actor, request.params.id), actor);
    },
  );

  app.patch(
    `${BASE}/:id`,
    {
      config: { access: access.to('organisation', 'update') },
      schema: {
        tags,
        summary: 'Rename an organisation or change its kind',
        params: organisationIdParams,
        body: organisationUpdateSchema,
        response: { 200: organisationSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return presentOrganisation(
        await updateOrganisation(db, actor, request.params.id, request.body, clock),
        actor,
      );
    },
  );

  app.post(
    `${BASE}/:id/archive`,
    {
      config: { access: access.to('organisation', 'archive') },
      schema: {
        tags,
        summary: 'Archive an organisation that no longer has invited or active people',
        params: organisationIdParams,
        response: { 200: organisationSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return presentOrganisation(await archiveOrganisation(db, actor, request.params.id, clock), actor);
    },
  );
};
