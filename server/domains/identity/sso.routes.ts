import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../platform/access/guard.ts';
import { OIDC_COOKIE, OIDC_FLOW_TTL_MS, createOidcClient } from '../../platform/auth/oidc.ts';
import { SESSION_COOKIE } from '../../platform/auth/sessions.ts';
import { isAppError } from '../../platform/errors.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import { setSessionCookie } from './passkeys.routes.ts';
import { completeSso, ssoStatus, startSso, type SsoContext } from './sso.service.ts';
import { rememberBrowser } from './known-browser.ts';

const BASE = `${API_PREFIX}/auth/oidc`;
const tags = ['single sign-on'];

/** Where a browser lands when single sign-on fails: the sign-in page says so, without the reason. */
export const SSO_FAILED_PATH = '/sign-in?error=sso_failed';

// Lax, not Strict: the provider sends the browser back with a top-level cross-site navigation, which must carry it.
const FLOW_COOKIE = { path: '/', secure: true, httpOnly: true, sameSite: 'lax' } as const;

/**
 * A path on this site to go back to after signing on. Anything that could leave the site — a scheme, `//host`,
 * a backslash that browsers read as a slash — is refused, so the sign-on cannot become an open redirect.
 */
export const returnToSchema = z
  .string()
  .max(2000)
  .refine(
    (v) => {
      if (!v.startsWith('/') || v.startsWith('//') || /[\\\s]/.test(v)) return false;
      const base = 'https://cohesion.invalid';
      return new URL(v, base).origin === base;
    },
    { message: 'must be a path on this site, starting with a single /' },
  );

const callbackQuery = z
  .looseObject({
    code: z.string().max(4096).optional(),
    state: z.string().max(4096).optional(),
    iss: z.string().max(2048).optional(),
    error: z.string().max(256).optional(),
    error_description: z.string().max(2048).optional(),
  })
  .describe("The provider's authorization response (RFC 6749 §4.1.2, RFC 9207)");

/** Browsers navigating here ask for HTML; anything else (a script, a test) gets problem+json. */
const wantsHtml = (request: FastifyRequest): boolean => (request.headers.accept ?? '').includes('text/html');

const redirectSchema = z.null().describe('302 Found, with Location');

export const ssoRoutes: RouteModule = (app, { db, clock, config }) => {
  const ctx: SsoContext = {
    oidc: config.oidc && createOidcClient(config.oidc, clock),
    clock,
    lifetimes: config,
  };

  const failTo = (request: FastifyRequest, reply: FastifyReply, e: unknown) => {
    if (isAppError(e) && (e.code === 'SSO_FAILED' || e.code === 'SSO_UNAVAILABLE') && wantsHtml(request))
      return reply.redirect(SSO_FAILED_PATH, 302);
    throw e;
  };

  app.get(
    BASE,
    {
      config: { access: access.public() },
      schema: {
        tags,
        summary: 'Whether single sign-on is configured, and the text of its button',
        response: { 200: z.object({ enabled: z.boolean(), label: z.string().nullable() }) },
      },
    },
    async () => ssoStatus(ctx),
  );

  app.get(
    `${BASE}/start`,
    {
      config: { access: access.public() },
      schema: {
        tags,
        summary:
          'Go to the city identity provider (Authorization Code + PKCE); it sends the browser back to the callback',
        querystring: z.object({
          returnTo: returnToSchema.optional().describe('A path on this site to open after signing on'),
        }),
        response: { 302: redirectSchema },
      },
    },
    async (request, reply) => {
      try {
        const { url, cookie } = await startSso(ctx, request.query.returnTo ?? '/');
        reply.setCookie(OIDC_COOKIE, cookie, { ...FLOW_COOKIE, maxAge: OIDC_FLOW_TTL_MS / 1000 });
        return reply.redirect(url, 302);
      } catch (e) {
        return failTo(request, reply, e);
      }
    },
  );

  app.get(
    `${BASE}/callback`,
    {
      config: { access: access.public() },
      schema: {
        tags,
        summary:
          'Where the identity provider sends the browser back: signs in an invited or existing account and ' +
          `redirects to the page asked for (or to ${SSO_FAILED_PATH})`,
        querystring: callbackQuery,
        response: { 302: redirectSchema },
      },
    },
    async (request, reply) => {
      // The flow cookie is spent whatever happens next.
      reply.clearCookie(OIDC_COOKIE, FLOW_COOKIE);
      const raw = request.raw.url ?? '';
      try {
        const { session, returnTo, userId, complete } = await completeSso(db, ctx, {
          query: raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : '',
          cookie: request.cookies[OIDC_COOKIE],
          previousToken: request.cookies[SESSION_COOKIE],
          userAgent: request.headers['user-agent'],
        });
        setSessionCookie(reply, session.token);
        if (complete) await rememberBrowser({ db, clock, dataDir: config.dataDir }, request, reply, userId);
        return reply.redirect(returnTo, 302);
      } catch (e) {
        return failTo(request, reply, e);
      }
    },
  );
};
