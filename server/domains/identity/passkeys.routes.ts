import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../platform/access/guard.ts';
import { SESSION_COOKIE, type ResolvedSession } from '../../platform/auth/sessions.ts';
import { createChallengeStore } from '../../platform/auth/webauthn.ts';
import { AppError } from '../../platform/errors.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import { passkeySchema, presentPasskey, presentSignedIn, signedInSchema } from './passkeys.presenter.ts';
import {
  authenticationVerifySchema,
  creationOptionsSchema,
  passkeyIdParams,
  registrationVerifySchema,
  requestOptionsSchema,
} from './passkeys.schemas.ts';
import {
  finishPasskeyLogin,
  finishPasskeyRegistration,
  finishPasskeySecondFactor,
  listOwnPasskeys,
  removeOwnPasskey,
  startPasskeyLogin,
  startPasskeyRegistration,
  startPasskeySecondFactor,
  type PasskeyContext,
} from './passkeys.service.ts';
import { rememberBrowser } from './known-browser.ts';

const BASE = `${API_PREFIX}/auth/passkeys`;
const tags = ['passkeys'];

function sessionOf(request: FastifyRequest): ResolvedSession {
  if (!request.auth) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return request.auth;
}

/** The session cookie, exactly as every sign-in sets it: `__Host-`, Secure, HttpOnly, SameSite=Strict, no Domain. */
export function setSessionCookie(reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', secure: true, httpOnly: true, sameSite: 'strict' });
}

export const passkeysRoutes: RouteModule = (app, { db, clock, config }) => {
  const known = { db, clock, dataDir: config.dataDir };
  const ctx: PasskeyContext = {
    webauthn: config.webauthn,
    challenges: createChallengeStore(clock),
    clock,
    lifetimes: config,
  };

  app.get(
    BASE,
    {
      config: { access: access.signedIn() },
      schema: {
        tags,
        summary: "The signed-in user's passkeys",
        response: { 200: z.object({ items: z.array(passkeySchema) }) },
      },
    },
    async (request) => ({ items: (await listOwnPasskeys(db, sessionOf(request))).map(presentPasskey) }),
  );

  app.post(
    `${BASE}/registration/options`,
    {
      config: { access: access.signedIn({ beforeSecondFactor: true }) },
      schema: {
        tags,
        summary:
          'Start adding a passkey: options for navigator.credentials.create(), valid 5 minutes on this session. ' +
          'Needs the second factor and a password or passkey entered in the last 5 minutes, except as the first ' +
          'second factor of a role that requires one.',
        response: { 200: creationOptionsSchema },
      },
    },
    async (request) => startPasskeyRegistration(db, sessionOf(request), ctx),
  );

  app.post(
    `${BASE}/registration/verify`,
    {
      config: { access: access.signedIn({ beforeSecondFactor: true }) },
      schema: {
        tags,
        summary:
          "Store the new passkey from the authenticator's answer; the session's second factor is then done",
        body: registrationVerifySchema,
        response: { 201: passkeySchema },
      },
    },
    async (request, reply) => {
      const passkey = await finishPasskeyRegistration(db, sessionOf(request), request.body, ctx);
      return reply.status(201).send(presentPasskey(passkey));
    },
  );

  app.post(
    `${BASE}/:id/remove`,
    {
      config: { access: access.signedIn() },
      schema: {
        tags,
        summary:
          'Remove one of your passkeys (needs a password or passkey entered in the last 5 minutes; refused for ' +
          'the last second factor of a role that requires one)',
        params: passkeyIdParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await removeOwnPasskey(db, sessionOf(request), request.params.id, clock);
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${BASE}/login/options`,
    {
      config: { access: access.public() },
      schema: {
        tags,
        summary:
          'Start signing in with a passkey: options for navigator.credentials.get() (any passkey of this site)',
        response: { 200: requestOptionsSchema },
      },
    },
    async () => startPasskeyLogin(ctx),
  );

  app.post(
    `${BASE}/login/verify`,
    {
      config: { access: access.public() },
      schema: {
        tags,
        summary: 'Sign in with the passkey the browser returned; no further second factor is needed',
        body: authenticationVerifySchema,
        response: { 200: signedInSchema },
      },
    },
    async (request, reply) => {
      const { session, result } = await finishPasskeyLogin(
        db,
        {
          response: request.body.response,
          previousToken: request.cookies[SESSION_COOKIE],
          userAgent: request.headers['user-agent'],
        },
        ctx,
      );
      setSessionCookie(reply, session.token);
      await rememberBrowser(known, request, reply, result.user.id);
      return presentSignedIn(result);
    },
  );

  app.post(
    `${BASE}/second-factor/options`,
    {
      config: { access: access.signedIn({ beforeSecondFactor: true }) },
      schema: {
        tags,
        summary:
          "Confirm this session with one of the user's passkeys: options for navigator.credentials.get()",
        response: { 200: requestOptionsSchema },
      },
    },
    async (request) => startPasskeySecondFactor(db, sessionOf(request), ctx),
  );

  app.post(
    `${BASE}/second-factor/verify`,
    {
      config: { access: access.signedIn({ beforeSecondFactor: true }) },
      schema: {
        tags,
        summary:
          'Complete the second factor (or confirm it is you again) with the passkey the browser returned',
        body: authenticationVerifySchema,
        response: { 200: signedInSchema },
      },
    },
    async (request, reply) => {
      const result = await finishPasskeySecondFactor(db, sessionOf(request), request.body.response, ctx);
      await rememberBrowser(known, request, reply, result.user.id);
      return presentSignedIn(result);
    },
  );
};
