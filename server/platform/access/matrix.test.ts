/**
 * The authorisation matrix, generated from the policy: every registered API route × every principal (anonymous,
 * each built-in role, a custom role) through real HTTP requests, plus the second-factor and CSRF gates.
 * The expected answer of each cell comes from the route's declared access and policy.scopeFor(); nothing here is
 * hand-picked per route except the sample request (matrix.samples.ts), and a route without one fails the suite.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { signInAs, type TestSignIn } from '../../test/auth.ts';
import { systemClock } from '../clock.ts';
import type { App } from '../http.ts';
import {
  BUILTIN_ROLES,
  can,
  requiresSecondFactor,
  scopeFor,
  type Action,
  type Grant,
  type Resource,
} from './policy.ts';
import type { RouteAccess } from './guard.ts';
import { MATRIX_SAMPLES } from './matrix.samples.ts';

const CUSTOM_ROLE = {
  code: 'matrix_custom',
  name: 'Matrix custom role',
  grants: [
    { resource: 'source', action: 'read', scope: 'all' },
    { resource: 'source', action: 'update', scope: 'organisation' },
    { resource: 'picture', action: 'read', scope: 'all' },
  ] satisfies Grant[],
};
const ROLES: ReadonlyArray<{ code: string; grants: readonly Grant[] }> = [...BUILTIN_ROLES, CUSTOM_ROLE];
const UNSAFE = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

type Route = { method: string; url: string; access: RouteAccess };
const keyOf = (r: Route) => `${r.method} ${r.url}`;

function allowed(route: Route, grants: readonly Grant[] | null): boolean {
  const rule = route.access;
  if (rule.kind === 'public') return true;
  if (grants === null) return false;
  if (rule.kind === 'session') return true;
  return scopeFor({ grants }, rule.resource, rule.action) !== null;
}

describeEachDialect('authorisation matrix', (ctx) => {
  let app: App;
  const tally = { cells: 0, violations: [] as string[] };

  beforeAll(async () => {
    const now = systemClock.now().toISOString();
    await ctx.db.kysely
      .insertInto('role')
      .values({
        code: CUSTOM_ROLE.code,
        name: CUSTOM_ROLE.name,
        description: null,
        grants: JSON.stringify(CUSTOM_ROLE.grants),
        builtin: 0,
        createdAt: now,
        updatedAt: now,
      })
      .execute();
    app = await buildApp({ db: ctx.db, config: loadConfig({}), clock: systemClock }, { logger: false });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    console.info(
      `authorisation matrix [${ctx.dialect}]: ${app.accessRoutes.length} routes, ${tally.cells} cells, ${tally.violations.length} violations`,
    );
  });

  const send = (route: Route, headers: Record<string, string>) => {
    const sample = MATRIX_SAMPLES[keyOf(route)]!;
    return app.inject({
      method: route.method as 'GET',
      url: sample.path ?? route.url,
      headers,
      ...(sample.body === undefined ? {} : { payload: sample.body as object }),
    });
  };

  const check = (cell: string, ok: boolean, detail: string) => {
    tally.cells++;
    if (!ok) tally.violations.push(`${cell}: ${detail}`);
  };

  it('has a sample request for every registered route, and no sample for a route that does not exist', () => {
    const registered = app.accessRoutes.map(keyOf);
    expect(registered.filter((k) => !(k in MATRIX_SAMPLES))).toEqual([]);
    expect(Object.keys(MATRIX_SAMPLES).filter((k) => !registered.includes(k))).toEqual([]);
  });

  it('answers every route × principal as the policy says', async () => {
    for (const route of app.accessRoutes) {
      const anonymous = await send(route, {});
      const expectAnon = allowed(route, null);
      check(
        `${keyOf(route)} × anonymous`,
        expectAnon
          ? anonymous.statusCode !== 401 && anonymous.statusCode !== 403
          : anonymous.statusCode === 401,
        `got ${anonymous.statusCode}`,
      );
      for (const role of ROLES) {
        const who: TestSignIn = await signInAs(ctx.db, role.code);
        const r = await send(route, who.headers);
        const expected = allowed(route, role.grants);
        check(
          `${keyOf(route)} × ${role.code}`,
          expected
            ? r.statusCode !== 401 && r.statusCode !== 403
            : r.statusCode === 403 && r.json().code === 'FORBIDDEN',
          `expected ${expected ? 'allowed' : '403 FORBIDDEN'}, got ${r.statusCode} ${r.body.slice(0, 120)}`,
        );
      }
    }
    expect(tally.violations).toEqual([]);
  });

  it('holds back every non-public route until the second factor, for roles that need one', async () => {
    for (const role of ROLES.filter((r) => requiresSecondFactor(r.grants))) {
      const who = await signInAs(ctx.db, role.code, { mfaSatisfied: false });
      for (const route of app.accessRoutes) {
        const rule = route.access;
        if (rule.kind === 'public' || (rule.kind === 'session' && rule.beforeSecondFactor)) continue;
        const r = await send(route, who.headers);
        check(
          `${keyOf(route)} × ${role.code} without second factor`,
          r.statusCode === 403 && r.json().code === 'SECOND_FACTOR_REQUIRED',
          `got ${r.statusCode}`,
        );
      }
    }
    expect(tally.violations).toEqual([]);
  });

  it('refuses every state-changing request made for a signed-in user without the CSRF token', async () => {
    const who = await signInAs(ctx.db, 'city_admin');
    const { cookie } = who.headers;
    for (const route of app.accessRoutes.filter((r) => UNSAFE.has(r.method) && r.access.kind !== 'public')) {
      const r = await send(route, { cookie: cookie! });
      check(
        `${keyOf(route)} × city_admin without CSRF token`,
        r.statusCode === 403 && r.json().code === 'CSRF_FAILED',
        `got ${r.statusCode}`,
      );
    }
    expect(tally.violations).toEqual([]);
  });

  /**
   * Record scope: the same routes on records that are the actor's own, a colleague's in the same organisation and
   * a stranger's in another organisation. Allowed by can() → answered; otherwise 403 (no grant, or a record the
   * actor may see but not change) or 404 (a record out of the actor's sight: its existence is not revealed).
   */
  it('answers record routes as the policy scopes say: own, same organisation, another organisation', async () => {
    type Target = { userId: string; organisationId: string; sessionId: string };
    const recordRoutes: Array<{
      method: 'GET' | 'PATCH' | 'POST';
      path: (t: Target) => string;
      body?: object;
      resource: Resource;
      action: Action;
      facts: (t: Target) => { ownerUserId?: string; organisationId?: string };
    }> = [
      {
        method: 'GET',
        path: (t) => `/api/v1/users/${t.userId}`,
        resource: 'user',
        action: 'read',
        facts: (t) => ({ ownerUserId: t.userId, organisationId: t.organisationId }),
      },
      {
        method: 'PATCH',
        path: (t) => `/api/v1/users/${t.userId}`,
        body: { displayName: 'Renamed by matrix' },
        resource: 'user',
        action: 'update',
        facts: (t) => ({ ownerUserId: t.userId, organisationId: t.organisationId }),
      },
      {
        method: 'GET',
        path: (t) => `/api/v1/organisations/${t.organisationId}`,
        resource: 'organisation',
        action: 'read',
        facts: (t) => ({ organisationId: t.organisationId }),
      },
      {
        method: 'POST',
        path: (t) => `/api/v1/sessions/${t.sessionId}/end`,
        resource: 'session',
        action: 'end',
        facts: (t) => ({ ownerUserId: t.userId, organisationId: t.organisationId }),
      },
    ];
    for (const role of ROLES) {
      for (const route of recordRoutes) {
        for (const relation of ['own', 'colleague', 'stranger'] as const) {
          const who = await signInAs(ctx.db, role.code, { organisation: 'Matrix home organisation' });
          const other =
            relation === 'own'
              ? null
              : await signInAs(ctx.db, 'analyst', {
                  organisation:
                    relation === 'colleague' ? 'Matrix home organisation' : 'Matrix other organisation',
                });
          const target: Target = other
            ? { userId: other.userId, organisationId: other.organisationId, sessionId: other.sessionId }
            : { userId: who.userId, organisationId: who.organisationId, sessionId: who.sessionId };
          const actor = {
            userId: who.userId,
            organisationId: who.organisationId,
            roleCode: role.code,
            grants: role.grants,
            sessionId: who.sessionId,
          };
          const expected = can(actor, route.resource, route.action, route.facts(target));
          const r = await app.inject({
            method: route.method,
            url: route.path(target),
            headers: who.headers,
            ...(route.body ? { payload: route.body } : {}),
          });
          // Refused with 403 when the role lacks the grant or may at least see the record; with 404 when the
          // record is out of its sight altogether.
          const hasGrant = scopeFor(actor, route.resource, route.action) !== null;
          const visible = can(actor, route.resource, 'read', route.facts(target));
          const refusal = !hasGrant || visible ? 403 : 404;
          check(
            `${route.method} ${route.path({ userId: ':user', organisationId: ':org', sessionId: ':session' })} × ${role.code} × ${relation}`,
            expected
              ? r.statusCode !== 401 && r.statusCode !== 403 && r.statusCode !== 404
              : r.statusCode === refusal,
            `expected ${expected ? 'allowed' : refusal}, got ${r.statusCode} ${r.body.slice(0, 120)}`,
          );
        }
      }
    }
    expect(tally.violations).toEqual([]);
  });
});
