import { z } from 'zod';
import { access, actorOf } from '../../platform/access/guard.ts';
import { scopeFor } from '../../platform/access/policy.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import { issuedInvitationSchema, presentIssuedInvitation } from './invitations.presenter.ts';
import { presentUser, presentUserDetail, userDetailSchema, userSchema } from './users.presenter.ts';
import {
  inviteUserSchema,
  reinviteSchema,
  userIdParams,
  userListQuerySchema,
  userUpdateSchema,
} from './users.schemas.ts';
import {
  deactivateUser,
  getUserDetail,
  inviteUser,
  listUsers,
  reactivateUser,
  reinviteUser,
  updateUser,
} from './users.service.ts';
import { auditFilters, auditRead } from '../../platform/audit/audit.ts';

const BASE = `${API_PREFIX}/users`;
const tags = ['users'];

const invitedSchema = z.object({ user: userSchema, invitation: issuedInvitationSchema });

export const usersRoutes: RouteModule = (app, { db, clock }) => {
  app.get(
    BASE,
    {
      config: { access: access.to('user', 'read') },
      schema: {
        tags,
        summary: 'Accounts the signed-in user may see, by name (keyset pages)',
        querystring: userListQuerySchema,
        response: {
          200: z.object({
            items: z.array(userSchema),
            nextCursor: z.string().nullable(),
            total: z.number().int().describe('accounts matching the filters, over every page'),
            abilities: z.object({ invite: z.boolean() }),
          }),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const page = await listUsers(db, actor, request.query);
      // A list of colleagues' names and addresses is personal data too: who listed whom, with which filters.
      await auditRead(db, clock, {
        action: 'user.list',
        actor,
        resourceType: 'user',
        details: { ...auditFilters(request.query), shown: page.items.length },
      });
      return {
        items: page.items.map((u) => presentUser(u, actor)),
        nextCursor: page.nextCursor,
        total: page.total,
        abilities: { invite: scopeFor(actor, 'user', 'create') !== null },
      };
    },
  );

  app.post(
    BASE,
    {
      config: { access: access.to('user', 'create') },
      schema: {
        tags,
        summary:
          'Invite someone: creates the account (invited) and a one-time link, returned only in this response',
        body: inviteUserSchema,
        response: { 201: invitedSchema },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { user, invitation } = await inviteUser(db, actor, request.body, clock);
      return reply
        .status(201)
        .send({ user: presentUser(user, actor), invitation: presentIssuedInvitation(invitation) });
    },
  );

  app.get(
    `${BASE}/:id`,
    {
      config: { access: access.to('user', 'read') },
      schema: { tags, summary: 'One account', params: userIdParams, response: { 200: userDetailSchema } },
    },
    async (request) => {
      const actor = actorOf(request);
      return presentUserDetail(await getUserDetail(db, actor, request.params.id, clock), actor);
    },
  );

  app.patch(
    `${BASE}/:id`,
    {
      config: { access: access.to('user', 'update') },
      schema: {
        tags,
        summary: 'Change an account’s name, role or organisation (not its email: that is the person’s own)',
        params: userIdParams,
        body: userUpdateSchema,
        response: { 200: userSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return presentUser(await updateUser(db, actor, request.params.id, request.body, clock), actor);
    },
  );

  app.post(
    `${BASE}/:id/deactivate`,
    {
      config: { access: access.to('user', 'archive') },
      schema: {
        tags,
        summary: 'Deactivate an account: ends all its sessions at once and revokes its invitations',
        params: userIdParams,
        response: { 200: userSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return presentUser(await deactivateUser(db, actor, request.params.id, clock), actor);
    },
  );

  app.post(
    `${BASE}/:id/reactivate`,
    {
      config: { access: access.to('user', 'archive') },
      schema: {
        tags,
        summary: 'Reactivate a deactivated account (invited again when it never accepted its invitation)',
        params: userIdParams,
        response: { 200: userSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return presentUser(await reactivateUser(db, actor, request.params.id, clock), actor);
    },
  );

  app.post(
    `${BASE}/:id/invitations`,
    {
      config: { access: access.to('user', 'create') },
      schema: {
        tags,
        summary: 'A new invitation link for an account that has not accepted yet; older links stop working',
        params: userIdParams,
        body: reinviteSchema.nullish().describe('Optional; an empty request uses the default lifetime'),
        response: { 201: invitedSchema },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { user, invitation } = await reinviteUser(
        db,
        actor,
        request.params.id,
        request.body ?? {},
        clock,
      );
      return reply
        .status(201)
        .send({ user: presentUser(user, actor), invitation: presentIssuedInvitation(invitation) });
    },
  );
};
