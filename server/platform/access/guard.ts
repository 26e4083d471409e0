/**
 * Every API route declares who may call it (`config.access`); a route that declares nothing cannot be registered.
 * Order of answers, as the API promises: 401 (no live session) → 400 (invalid input, from validation) →
 * 403 (second factor missing, CSRF token wrong, no grant) → 404 for a record outside the actor's scope (services).
 */
import cookie from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { API_PREFIX, type App, type AppDeps } from '../http.ts';
import { scopeFor, type Action, type Actor, type Resource } from './policy.ts';
import {
  CSRF_HEADER,
  SESSION_COOKIE,
  resolveSession,
  sameSecret,
  type ResolvedSession,
} from '../auth/sessions.ts';

export type RouteAccess =
  | { kind: 'public' }
  /** Any signed-in user; `beforeSecondFactor` lets the second-factor steps themselves through. */
  | { kind: 'session'; beforeSecondFactor?: boolean }
  | { kind: 'grant'; resource: Resource; action: Action };

export const access = {
  public: (): RouteAccess => ({ kind: 'public' }),
  signedIn: (options: { beforeSecondFactor?: boolean } = {}): RouteAccess => ({
    kind: 'session',
    ...options,
  }),
  to: (resource: Resource, action: Action): RouteAccess => ({ kind: 'grant', resource, action }),
};

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyInstance {
    /** Every API route with its declared access, in registration order (the authorisation matrix walks it). */
    accessRoutes: Array<{ method: string; url: string; access: RouteAccess }>;
  }
  interface FastifyRequest {
    /** The live session behind the request's cookie, resolved for every API route. */
    auth: ResolvedSession | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The signed-in actor; routes with a session or grant access always have one. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.auth) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return request.auth.actor;
}

export async function registerAccessGuard(app: App, { db, clock, config }: AppDeps): Promise<void> {
  await app.register(cookie);
  app.decorateRequest('auth', null);
  app.decorate('accessRoutes', []);

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(API_PREFIX)) return;
    const declared = (route.config as { access?: RouteAccess } | undefined)?.access;
    if (!declared) throw new Error(`${String(route.method)} ${route.url} declares no access (config.access)`);
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') app.accessRoutes.push({ method, url: route.url, access: declared });
    }
  });

  app.addHook('onRequest', async (request) => {
    const rule = request.routeOptions.config.access;
    if (!rule) return;
    const token = request.cookies[SESSION_COOKIE];
    request.auth = token ? await resolveSession(db.kysely, token, clock, config) : null;
    const auth = request.auth;
    // Public routes act for nobody, so a session cookie sent along gives them nothing to forge: no CSRF check.
    if (rule.kind === 'public') return;
    if (!auth) throw new AppError('UNAUTHENTICATED', 'Sign in first');
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameSecret(sent, auth.session.csrfToken))
        throw new AppError('CSRF_FAILED', 'The request is missing its CSRF token; reload the page');
    }
    const exempt = rule.kind === 'session' && rule.beforeSecondFactor;
    if (auth.secondFactorRequired && !auth.session.mfaSatisfied && !exempt)
      throw new AppError('SECOND_FACTOR_REQUIRED', 'Confirm your sign-in with your second factor first');
  });

  // After validation, so an invalid request answers 400 before a forbidden one answers 403.
  app.addHook('preHandler', async (request) => {
    const rule = request.routeOptions.config.access;
    if (rule?.kind !== 'grant') return;
    if (scopeFor(actorOf(request), rule.resource, rule.action) === null)
      throw new AppError('FORBIDDEN', 'Your role does not allow this');
  });
}
