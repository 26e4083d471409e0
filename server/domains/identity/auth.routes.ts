import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../platform/access/guard.ts';
import { PASSWORD_MAX_LENGTH, dummyPasswordHash } from '../../platform/auth/passwords.ts';
import { SESSION_COOKIE, type ResolvedSession } from '../../platform/auth/sessions.ts';
import { DEVICE_COOKIE, loadThrottleSecret } from '../../platform/auth/throttle.ts';
import { setDeviceCookie } from './known-browser.ts';
import { AppError } from '../../platform/errors.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import {
  accountSchema,
  meSchema,
  ownSessionSchema,
  presentAccount,
  presentMe,
  presentOwnSession,
  signInSchema,
} from './auth.presenter.ts';
import {
  changePassword,
  confirmTotp,
  disableTotp,
  endOwnSession,
  getMe,
  listOwnSessions,
  reauthenticate,
  signIn,
  signOut,
  startTotpSetup,
  updateOwnProfile,
  useRecoveryCode,
  verifySecondFactor,
  type AuthDeps,
  type ClientInfo,
} from './auth.service.ts';

const BASE = `${API_PREFIX}/auth`;
const TAGS = ['auth'];

const COOKIE_OPTIONS = { path: '/', secure: true, httpOnly: true, sameSite: 'strict' } as const;

// Longer than any real password (128), short enough that nobody makes the server hash megabytes.
const passwordInput = z.string().min(1).max(1024);
const totpCode = z
  .string()
  .trim()
  .regex(/^\d{3}\s?\d{3}$/, 'six digits')
  .describe('The six-digit code the authenticator app shows');
const emailInput = z.string().trim().toLowerCase().max(320).pipe(z.email());

const noContent = { 204: z.null().describe('Done') };

function clientOf(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return {
    address: request.ip,
    deviceToken: request.cookies[DEVICE_COOKIE] ?? null,
    userAgent: typeof ua === 'string' ? ua : null,
  };
}

function authOf(request: FastifyRequest): ResolvedSession {
  if (!request.auth) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return request.auth;
}

/** A throttled attempt answers 429 with Retry-After (seconds), as RFC 9110 §10.2.3 expects. */
async function withRetryAfter<T>(reply: FastifyReply, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof AppError && e.code === 'TOO_MANY_ATTEMPTS') {
      const seconds = e.details[0]?.retryAfterSeconds;
      if (typeof seconds === 'number') reply.header('retry-after', String(seconds));
    }
    throw e;
  }
}

export const authRoutes: RouteModule = (app, { db, clock, config }) => {
  const deps: AuthDeps = {
    db,
    clock,
    lifetimes: config,
    throttleSecret: () => loadThrottleSecret(config.dataDir),
  };
  // The first sign-in with an unknown address must not be the one that pays for computing the dummy hash.
  void dummyPasswordHash();

  app.post(
    `${BASE}/login`,
    {
      config: { access: access.public() },
      schema: {
        tags: TAGS,
        summary: 'Sign in with email and password (sets the session cookie; a second factor may follow)',
        body: z.object({ email: emailInput, password: passwordInput }),
        response: { 200: signInSchema },
      },
    },
    async (request, reply) => {
      const result = await withRetryAfter(reply, () =>
        signIn(deps, request.body, clientOf(request), request.cookies[SESSION_COOKIE]),
      );
      reply.setCookie(SESSION_COOKIE, result.token, COOKIE_OPTIONS);
      setDeviceCookie(reply, result.deviceToken);
      return {
        user: presentAccount(result.account),
        secondFactorRequired: result.secondFactorRequired,
        secondFactorEnrolled: result.secondFactorEnrolled,
        csrfToken: result.csrfToken,
      };
    },
  );

  app.post(
    `${BASE}/logout`,
    {
      config: { access: access.signedIn({ beforeSecondFactor: true }) },
      schema: { tags: TAGS, summary: 'Sign out: ends this session', response: noContent },
    },
    async (request, reply) => {
      await signOut(deps, authOf(request));
      reply.clearCookie(SESSION_COOKIE, COOKIE_OPTIONS);
      return reply.status(204).send(null);
    },
  );

  app.get(
    `${BASE}/me`,
    {
      config: { access: access.signedIn({ beforeSecondFactor: true }) },
      schema: {
        tags: TAGS,
        summary: 'The signed-in person, their organisation and role, second-factor state and abilities',
        response: { 200: meSchema },
      },
    },
    async (request) => presentMe(await getMe(deps, authOf(request))),
  );

  app.patch(
    `${BASE}/me`,
    {
      config: { access: access.to('user', 'update') },
      schema: {
        tags: TAGS,
        summary:
          'Change your own name, language or email address (email: re-authenticate within 5 minutes first)',
        body: z
          .object({
            displayName: z.string().trim().min(1).max(200).optional(),
            locale: z
              .string()
              .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag such as en or ar-MA')
              .max(35)
              .optional(),
            email: emailInput.optional(),
          })
          .strict(),
        response: { 200: accountSchema },
      },
    },
    async (request) => presentAccount(await updateOwnProfile(deps, authOf(request), request.body)),
  );

  app.post(
    `${BASE}/totp/setup`,
    {
      config: { access: access.signedIn({ beforeSecondFactor: true }) },
      schema: {
        tags: TAGS,
        summary:
          'Start setting up an authenticator app (replacing one needs both factors within the last 5 minutes)',
        response: {
          200: z.object({
            secret: z.string().describe('Base32, for typing into the app by hand'),
            otpauthUri: z.string().describe('otpauth:// URI to show as a QR code'),
          }),
        },
      },
    },
    async (request) => startTotpSetup(deps, authOf(request)),
  );

  app.post(
    `${BASE}/totp/confirm`,
    {
      config: { access: access.signedIn({ beforeSecondFactor: true }) },
      schema: {
        tags: TAGS,
        summary:
          'Confirm the authenticator app with a first code: enables it and returns recovery codes, once',
        body: z.object({ code: totpCode }),
        response: {
          200: z.object({
            recoveryCodes: z
              .array(z.string())
              .describe('Shown this once; each works once in place of a code'),
          }),
        },
      },
    },
    async (request, reply) => {
      const result = await withRetryAfter(reply, () =>
        confirmTotp(deps, authOf(request), clientOf(request), request.body.code),
      );
      setDeviceCookie(reply, result.deviceToken);
      return { recoveryCodes: result.recoveryCodes };
    },
  );

  app.post(
    `${BASE}/totp/verify`,
    {
      config: { access: access.signedIn({ beforeSecondFactor: true }) },
      schema: {
        tags: TAGS,
        summary: 'Second sign-in step: a code from the authenticator app',
        body: z.object({ code: totpCode }),
        response: { 200: z.object({ secondFactorSatisfied: z.literal(true) }) },
      },
    },
    async (request, reply) => {
      const result = await withRetryAfter(reply, () =>
        verifySecondFactor(deps, authOf(request), clientOf(request), request.body.code),
      );
      setDeviceCookie(reply, result.deviceToken);
      return { secondFactorSatisfied: true as const };
    },
  );

  app.post(
    `${BASE}/recovery`,
    {
      config: { access: access.signedIn({ beforeSecondFactor: true }) },
      schema: {
        tags: TAGS,
        summary: 'Second sign-in step with a recovery code (each code works once)',
        body: z.object({ code: z.string().trim().min(16).max(40) }),
        response: {
          200: z.object({ secondFactorSatisfied: z.literal(true), remainingRecoveryCodes: z.number().int() }),
        },
      },
    },
    async (request, reply) => {
      const result = await withRetryAfter(reply, () =>
        useRecoveryCode(deps, authOf(request), clientOf(request), request.body.code),
      );
      setDeviceCookie(reply, result.deviceToken);
      return { secondFactorSatisfied: true as const, remainingRecoveryCodes: result.remaining };
    },
  );

  app.post(
    `${BASE}/totp/disable`,
    {
      config: { access: access.signedIn() },
      schema: {
        tags: TAGS,
        summary:
          'Remove the authenticator app (re-authenticate first; refused when your role needs a second factor and no passkey exists)',
        response: noContent,
      },
    },
    async (request, reply) => {
      await disableTotp(deps, authOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${BASE}/reauthenticate`,
    {
      config: { access: access.signedIn({ beforeSecondFactor: true }) },
      schema: {
        tags: TAGS,
        summary:
          'Enter your password (and code, when an authenticator app is set up) again before a sensitive change',
        body: z.object({ password: passwordInput, code: totpCode.optional() }),
        response: { 200: z.object({ reauthenticatedAt: z.string() }) },
      },
    },
    async (request, reply) =>
      withRetryAfter(reply, () => reauthenticate(deps, authOf(request), clientOf(request), request.body)),
  );

  app.post(
    `${BASE}/password`,
    {
      config: { access: access.signedIn() },
      schema: {
        tags: TAGS,
        summary:
          'Change your password (current password, or re-authentication within 5 minutes); signs out every other session',
        body: z.object({
          currentPassword: passwordInput.optional(),
          newPassword: z
            .string()
            .min(1)
            .max(PASSWORD_MAX_LENGTH * 4),
        }),
        response: { 200: z.object({ endedSessions: z.number().int() }) },
      },
    },
    async (request, reply) =>
      withRetryAfter(reply, () => changePassword(deps, authOf(request), clientOf(request), request.body)),
  );

  app.get(
    `${BASE}/sessions`,
    {
      config: { access: access.to('session', 'read') },
      schema: {
        tags: TAGS,
        summary: 'Your live sessions (other devices and browsers included)',
        response: { 200: z.object({ items: z.array(ownSessionSchema) }) },
      },
    },
    async (request) => ({
      items: (await listOwnSessions(deps, authOf(request))).map(presentOwnSession),
    }),
  );

  app.post(
    `${BASE}/sessions/:id/end`,
    {
      config: { access: access.to('session', 'end') },
      schema: {
        tags: TAGS,
        summary: 'End one of your sessions (signs that browser out)',
        params: z.object({ id: z.string().min(1).max(64) }),
        response: noContent,
      },
    },
    async (request, reply) => {
      const { current } = await endOwnSession(deps, authOf(request), request.params.id);
      if (current) reply.clearCookie(SESSION_COOKIE, COOKIE_OPTIONS);
      return reply.status(204).send(null);
    },
  );
};
