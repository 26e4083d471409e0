import { access } from '../../platform/access/guard.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import {
  acceptedInvitationSchema,
  pendingInvitationSchema,
  presentAcceptedInvitation,
  presentPendingInvitation,
} from './invitations.presenter.ts';
import { acceptInvitationSchema, invitationTokenParams } from './invitations.schemas.ts';
import { acceptInvitation, getPendingInvitation } from './invitations.service.ts';

const BASE = `${API_PREFIX}/invitations`;
const tags = ['invitations'];

// The token is in these URLs, and Fastify's request logs (info level) record URLs: a log reader must not be able
// to accept someone else's invitation.
const logLevel = 'warn';

export const invitationsRoutes: RouteModule = (app, { db, clock }) => {
  app.get(
    `${BASE}/:token`,
    {
      config: { access: access.public() },
      logLevel,
      schema: {
        tags,
        summary: 'What an invitation link is for (404 when it is unknown, used, revoked or expired)',
        params: invitationTokenParams,
        response: { 200: pendingInvitationSchema },
      },
    },
    async (request) => presentPendingInvitation(await getPendingInvitation(db, request.params.token, clock)),
  );

  app.post(
    `${BASE}/:token/accept`,
    {
      config: { access: access.public() },
      logLevel,
      schema: {
        tags,
        summary:
          'Accept an invitation by choosing a password; the link then stops working. Does not sign in.',
        params: invitationTokenParams,
        body: acceptInvitationSchema,
        response: { 200: acceptedInvitationSchema },
      },
    },
    async (request) =>
      presentAcceptedInvitation(
        await acceptInvitation(db, request.params.token, request.body.password, clock),
      ),
  );
};
