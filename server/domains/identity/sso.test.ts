import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { ConfigError, loadConfig } from '../../config.ts';
import { newId } from '../../platform/ids.ts';
import { OIDC_COOKIE, amrIsMultiFactor } from '../../platform/auth/oidc.ts';
import { SESSION_COOKIE } from '../../platform/auth/sessions.ts';
import { systemClock } from '../../platform/clock.ts';
import type { App } from '../../platform/http.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { authRoutes } from './auth.routes.ts';
import { passkeysRoutes } from './passkeys.routes.ts';
import { returnToSchema, ssoRoutes } from './sso.routes.ts';
import { DEVICE_COOKIE } from '../../platform/auth/throttle.ts';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
};

describe('single sign-on and passkey configuration', () => {
  it('is off by default, on with issuer, client id and secret, and names whatever is missing', () => {
    const off = loadConfig({});
    expect(off.oidc).toBeUndefined();
    expect(off.webauthn).toEqual({ rpId: 'localhost', rpName: 'Cohesion', origin: 'http://localhost:3000' });

    const on = loadConfig({
      PORT: '8080',
      OIDC_ISSUER: 'https://login.city.example/realms/staff',
      OIDC_CLIENT_ID: 'cohesion',
      OIDC_CLIENT_SECRET: 's3cret',
    });
    expect(on.oidc).toEqual({
      issuer: 'https://login.city.example/realms/staff',
      clientId: 'cohesion',
      clientSecret: 's3cret',
      redirectUri: 'http://localhost:8080/api/v1/auth/oidc/callback',
      label: 'City single sign-on',
      trustMfa: false,
    });

    const problems = problemsOf({ OIDC_ISSUER: 'https://login.city.example', PORT: 'x' });
    expect(problems.some((p) => p.startsWith('PORT'))).toBe(true);
    expect(problems).toContain(
      'OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: required with OIDC_ISSUER (single sign-on needs all three)',
    );
  });

  it('refuses plain http away from loopback, and an RP ID that is not the origin’s host', () => {
    expect(
      problemsOf({
        OIDC_ISSUER: 'http://login.city.example',
        OIDC_CLIENT_ID: 'c',
        OIDC_CLIENT_SECRET: 's',
        OIDC_REDIRECT_URI: 'http://cohesion.city.example/api/v1/auth/oidc/callback',
        WEBAUTHN_ORIGIN: 'http://cohesion.city.example',
        WEBAUTHN_RP_ID: 'other.example',
      }),
    ).toEqual([
      'WEBAUTHN_RP_ID: must be the host of WEBAUTHN_ORIGIN or a parent domain of it (got "other.example")',
      'WEBAUTHN_ORIGIN: must be https unless the host is localhost (got "http://cohesion.city.example")',
      'OIDC_ISSUER: must be https unless the host is loopback (got "http://login.city.example")',
      'OIDC_REDIRECT_URI: must be https unless the host is loopback (got "http://cohesion.city.example/api/v1/auth/oidc/callback")',
    ]);
    expect(
      loadConfig({ WEBAUTHN_ORIGIN: 'https://cohesion.city.example/console', WEBAUTHN_RP_ID: 'city.example' })
        .webauthn,
    ).toEqual({ rpId: 'city.example', rpName: 'Cohesion', origin: 'https://cohesion.city.example' });
  });

  it('sends people back only to paths on this site', () => {
    for (const ok of ['/', '/map?area=12#top', '/signals/%2F%2Fx'])
      expect(returnToSchema.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example/', 'map', '/ evil', ''])
      expect(returnToSchema.safeParse(bad).success, bad).toBe(false);
  });

  it('trusts only amr values that name a second factor', () => {
    expect(amrIsMultiFactor(['pwd'])).toBe(false);
    expect(amrIsMultiFactor([])).toBe(false);
    expect(amrIsMultiFactor(['pwd', 'otp'])).toBe(true);
    expect(amrIsMultiFactor(['hwk'])).toBe(true);
    expect(amrIsMultiFactor(['mfa'])).toBe(true);
  });
});

/** Cookies per origin and path, as a browser would keep them across the redirects (enough for these flows). */
function cookieJar() {
  const cookies = new Map<string, { name: string; value: string; path: string }>();
  const matches = (path: string, cookiePath: string) =>
    path === cookiePath || path.startsWith(cookiePath.endsWith('/') ? cookiePath : `${cookiePath}/`);
  return {
    header(url: URL): string {
      return [...cookies.entries()]
        .filter(([key, c]) => key.startsWith(`${url.origin}|`) && matches(url.pathname, c.path))
        .map(([, c]) => `${c.name}=${c.value}`)
        .join('; ');
    },
    store(url: URL, response: Response): void {
      for (const line of response.headers.getSetCookie()) {
        const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
        const name = pair.slice(0, pair.indexOf('='));
        const value = pair.slice(pair.indexOf('=') + 1);
        const attr = new Map(
          attributes.map((a) => {
            const i = a.indexOf('=');
            return i < 0 ? [a.toLowerCase(), ''] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
          }),
        );
        const path = attr.get('path') ?? '/';
        const key = `${url.origin}|${path}|${name}`;
        const expires = attr.get('expires');
        const gone =
          value === '' ||
          attr.get('max-age') === '0' ||
          (expires !== undefined && Date.parse(expires) <= Date.now());
        if (gone) cookies.delete(key);
        else cookies.set(key, { name, value, path });
      }
    },
    get(origin: string, name: string): string | undefined {
      return [...cookies.entries()].find(([key, c]) => key.startsWith(`${origin}|`) && c.name === name)?.[1]
        .value;
    },
  };
}
type Jar = ReturnType<typeof cookieJar>;

async function send(jar: Jar, url: URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = jar.header(url);
  if (cookie) headers.set('cookie', cookie);
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(url, response);
  return response;
}

async function listenOnLoopback(server: net.Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** A port the app can listen on: its redirect URI must be known before it starts, to register it at the provider. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  const port = await listenOnLoopback(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const CLIENT_ID = 'cohesion-test';
const CLIENT_SECRET = 'a-long-random-client-secret-for-the-loopback-provider';

/** The people the provider knows: their sub and the claims it releases under the `email` scope. */
const ACCOUNTS: Record<string, { email: string; email_verified: boolean }> = {
  'sub-invited': { email: 'Invited.Person@city.test', email_verified: true },
  'sub-coordinator': { email: 'coordinator@city.test', email_verified: true },
  'sub-stranger': { email: 'stranger@elsewhere.test', email_verified: true },
  'sub-unverified': { email: 'analyst@city.test', email_verified: false },
  'sub-gone': { email: 'gone@city.test', email_verified: true },
};

describeEachDialect('single sign-on with a real OpenID provider on loopback', (ctx) => {
  const providerServer = http.createServer();
  let provider: Provider;
  let app: App;
  /** A second instance that trusts the provider's MFA (OIDC_TRUST_MFA=true). */
  let trustingApp: App;
  let appUrl: string;
  let trustingUrl: string;
  let issuer: string;
  const userIds: Record<string, string> = {};

  beforeAll(async () => {
    issuer = `http://127.0.0.1:${await listenOnLoopback(providerServer)}`;
    const [appPort, trustingPort] = [await freePort(), await freePort()];
    appUrl = `http://127.0.0.1:${appPort}`;
    trustingUrl = `http://127.0.0.1:${trustingPort}`;
    const callback = '/api/v1/auth/oidc/callback';
    provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${appUrl}${callback}`, `${trustingUrl}${callback}`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      // amr in every ID token, as Keycloak and Entra ID send it; email only under its scope (so from UserInfo).
      claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'] },
      findAccount: (_ctx, sub) => {
        const account = ACCOUNTS[sub];
        return account && { accountId: sub, claims: () => ({ sub, ...account }) };
      },
      features: { devInteractions: { enabled: true } },
      // The provider refuses any authorization request without PKCE, so a pass proves the app sends it.
      pkce: { required: () => true },
      cookies: { keys: ['loopback-provider-cookie-key'] },
    });
    const handle = provider.callback();
    providerServer.on('request', (req, res) => {
      // The development login form records no authentication methods; this variant says the provider also
      // checked a one-time code, as a real provider's amr claim would.
      if (req.method === 'POST' && /^\/interaction\/[^/]+\/login-with-otp$/.test(req.url ?? '')) {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        req.on('end', () => {
          const accountId = new URLSearchParams(body).get('login') ?? '';
          provider
            .interactionFinished(
              req,
              res,
              { login: { accountId, amr: ['pwd', 'otp'] } },
              { mergeWithLastSubmission: false },
            )
            .catch((e: unknown) => {
              res.statusCode = 500;
              res.end(String(e));
            });
        });
        return;
      }
      handle(req, res);
    });

    const env = {
      // Its own data directory: a completed sign-on remembers the browser with the instance's throttling key.
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-sso-')),
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
    };
    app = await buildApp(
      {
        db: ctx.db,
        config: loadConfig({ ...env, OIDC_REDIRECT_URI: `${appUrl}${callback}` }),
        clock: systemClock,
      },
      { modules: [authRoutes, passkeysRoutes, ssoRoutes], logger: false },
    );
    trustingApp = await buildApp(
      {
        db: ctx.db,
        config: loadConfig({
          ...env,
          OIDC_REDIRECT_URI: `${trustingUrl}${callback}`,
          OIDC_TRUST_MFA: 'true',
        }),
        clock: systemClock,
      },
      { modules: [authRoutes, ssoRoutes], logger: false },
    );
    await app.listen({ port: appPort, host: '127.0.0.1' });
    await trustingApp.listen({ port: trustingPort, host: '127.0.0.1' });

    const now = new Date().toISOString();
    const organisationId = newId();
    await ctx.db.kysely
      .insertInto('organisation')
      .values({
        id: organisationId,
        name: 'City hall',
        kind: 'city_department',
        createdAt: now,
        updatedAt: now,
      })
      .execute();
    const people: Array<[string, string, string, string]> = [
      ['invited', 'invited.person@city.test', 'analyst', 'invited'],
      ['coordinator', 'coordinator@city.test', 'prevention_coordinator', 'active'],
      ['analyst', 'analyst@city.test', 'analyst', 'active'],
      ['gone', 'gone@city.test', 'analyst', 'deactivated'],
    ];
    for (const [key, email, roleCode, status] of people) {
      userIds[key] = newId();
      await ctx.db.kysely
        .insertInto('appUser')
        .values({
          id: userIds[key],
          organisationId,
          roleCode,
          email,
          displayName: key,
          locale: 'en',
          status,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
    }
    await ctx.db.kysely
      .insertInto('invitation')
      .values({
        id: newId(),
        tokenHash: `hash-${userIds.invited}`,
        userId: userIds.invited!,
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        createdAt: now,
      })
      .execute();
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    await trustingApp?.close();
    providerServer.closeAllConnections();
    await new Promise((resolve) => providerServer.close(resolve));
  });

  /**
   * Drives a browser through start → provider /auth → login form → consent → back to the app, without following
   * the last redirect. Returns the callback URL the provider sent the browser to, with the jar holding the cookies.
   */
  async function throughProvider(
    login: string,
    o: { base?: string; returnTo?: string; withOtp?: boolean } = {},
  ): Promise<{ jar: Jar; callback: URL; start: Response }> {
    const base = o.base ?? appUrl;
    const jar = cookieJar();
    const startUrl = new URL('/api/v1/auth/oidc/start', base);
    if (o.returnTo) startUrl.searchParams.set('returnTo', o.returnTo);
    const start = await send(jar, startUrl, { headers: { accept: 'text/html' } });
    expect(start.status, await start.clone().text()).toBe(302);
    let location = new URL(start.headers.get('location')!, base);
    for (let hop = 0; hop < 12 && location.origin !== base; hop++) {
      const response = await send(jar, location);
      if (response.status === 200) {
        // The provider's development interaction page: a login form, then a consent form.
        const html = await response.text();
        const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
        const action = new URL(/action="([^"]+)"/.exec(html)![1]!.replaceAll('&amp;', '&'), location);
        const form = new URLSearchParams({ prompt: prompt! });
        if (prompt === 'login') {
          form.set('login', login);
          form.set('password', 'anything: the development form checks no password');
          if (o.withOtp) action.pathname = `${action.pathname}/login-with-otp`;
        }
        const submitted = await send(jar, action, {
          method: 'POST',
          body: form,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        expect(submitted.status, await submitted.clone().text()).toBe(303);
        location = new URL(submitted.headers.get('location')!, location);
        continue;
      }
      expect([302, 303], await response.clone().text()).toContain(response.status);
      location = new URL(response.headers.get('location')!, location);
    }
    expect(location.origin).toBe(base);
    return { jar, callback: location, start };
  }

  async function signOn(login: string, o: Parameters<typeof throughProvider>[1] = {}) {
    const flow = await throughProvider(login, o);
    const flowCookie = flow.jar.get(o.base ?? appUrl, OIDC_COOKIE);
    const response = await send(flow.jar, flow.callback, { headers: { accept: 'text/html' } });
    return { ...flow, response, flowCookie };
  }

  const me = async (jar: Jar, base = appUrl) => {
    const response = await send(jar, new URL('/api/v1/auth/me', base));
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const lastAudit = async (action: string) => {
    const row = await ctx.db.kysely
      .selectFrom('auditEvent')
      .select(['outcome', 'actorUserId', 'resourceId', 'details'])
      .where('action', '=', action)
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    return { ...row, details: JSON.parse(row.details ?? 'null') as Record<string, unknown> };
  };

  it('says whether single sign-on is on, and refuses a return path off the site', async () => {
    expect((await app.inject({ url: '/api/v1/auth/oidc' })).json()).toEqual({
      enabled: true,
      label: 'City single sign-on',
    });
    const bad = await app.inject({ url: '/api/v1/auth/oidc/start?returnTo=//evil.example/' });
    expect(bad.statusCode).toBe(400);

    const openapi = (await app.inject({ url: '/api/v1/openapi.json' })).json<{
      paths: Record<string, unknown>;
    }>();
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/oidc',
        '/api/v1/auth/oidc/start',
        '/api/v1/auth/oidc/callback',
        '/api/v1/auth/passkeys',
        '/api/v1/auth/passkeys/registration/options',
        '/api/v1/auth/passkeys/registration/verify',
        '/api/v1/auth/passkeys/{id}/remove',
        '/api/v1/auth/passkeys/login/options',
        '/api/v1/auth/passkeys/login/verify',
        '/api/v1/auth/passkeys/second-factor/options',
        '/api/v1/auth/passkeys/second-factor/verify',
      ]),
    );

    const off = await buildApp(
      { db: ctx.db, config: loadConfig({}), clock: systemClock },
      { modules: [ssoRoutes], logger: false },
    );
    expect((await off.inject({ url: '/api/v1/auth/oidc' })).json()).toEqual({ enabled: false, label: null });
    expect((await off.inject({ url: '/api/v1/auth/oidc/start' })).statusCode).toBe(404);
    expect((await off.inject({ url: '/api/v1/auth/oidc/callback?code=x&state=y' })).statusCode).toBe(404);
    await off.close();
  });

  it('signs an invited person in end to end, activates the account and links the identity', async () => {
    const { start, response, jar } = await signOn('sub-invited', { returnTo: '/map?area=7' });

    const authorize = new URL(start.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${issuer}/auth`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: CLIENT_ID,
      response_type: 'code',
      scope: 'openid email',
      redirect_uri: `${appUrl}/api/v1/auth/oidc/callback`,
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      state: expect.any(String),
      nonce: expect.any(String),
    });
    const flowCookie = start.headers.getSetCookie().find((c) => c.startsWith(`${OIDC_COOKIE}=`))!;
    expect(flowCookie).toMatch(/; Max-Age=600/);
    expect(flowCookie).toMatch(/; Path=\//);
    expect(flowCookie).toMatch(/; HttpOnly/);
    expect(flowCookie).toMatch(/; Secure/);
    expect(flowCookie).toMatch(/; SameSite=Lax/);
    // Nothing of the flow is readable in the cookie.
    expect(flowCookie).not.toContain(authorize.searchParams.get('state')!);

    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/map?area=7');
    const sessionCookie = response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(sessionCookie).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    expect(jar.get(appUrl, OIDC_COOKIE)).toBeUndefined();

    const signedIn = await me(jar);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({
      user: { email: 'invited.person@city.test' },
      secondFactorRequired: false,
      secondFactorSatisfied: true,
    });

    const account = await ctx.db.kysely
      .selectFrom('appUser')
      .select(['status', 'lastLoginAt', 'passwordHash'])
      .where('id', '=', userIds.invited!)
      .executeTakeFirstOrThrow();
    expect(account).toMatchObject({ status: 'active', passwordHash: null, lastLoginAt: expect.any(String) });
    expect(
      await ctx.db.kysely.selectFrom('userIdentity').select(['issuer', 'subject', 'userId']).execute(),
    ).toEqual([{ issuer, subject: 'sub-invited', userId: userIds.invited }]);
    const invitation = await ctx.db.kysely
      .selectFrom('invitation')
      .select('revokedAt')
      .where('userId', '=', userIds.invited!)
      .executeTakeFirstOrThrow();
    expect(invitation.revokedAt).not.toBeNull();
    const session = await ctx.db.kysely
      .selectFrom('session')
      .select(['method', 'mfaSatisfied'])
      .where('userId', '=', userIds.invited!)
      .executeTakeFirstOrThrow();
    expect(session).toEqual({ method: 'oidc', mfaSatisfied: 1 });

    expect(await lastAudit('auth.identity.linked')).toMatchObject({
      outcome: 'success',
      actorUserId: userIds.invited,
      resourceId: userIds.invited,
      details: { issuer, activated: true, invitationsRevoked: 1 },
    });
    const login = await lastAudit('auth.login');
    expect(login).toMatchObject({ outcome: 'success', actorUserId: userIds.invited });
    expect(Object.keys(login.details).sort()).toEqual([
      'firstSignOn',
      'method',
      'replacedSession',
      'secondFactorFromProvider',
      'secondFactorPending',
      'sessionId',
    ]);
    expect(login.details).toMatchObject({ method: 'oidc', firstSignOn: true, secondFactorPending: false });

    // Later sign-ons go by the linked identity, even once the address in Cohesion has changed.
    await ctx.db.kysely
      .updateTable('appUser')
      .set({ email: 'renamed@city.test' })
      .where('id', '=', userIds.invited!)
      .execute();
    const again = await signOn('sub-invited');
    expect(again.response.headers.get('location')).toBe('/');
    expect((await me(again.jar)).body).toMatchObject({ user: { email: 'renamed@city.test' } });
    expect((await lastAudit('auth.login')).details).toMatchObject({ firstSignOn: false });
  });

  it('still asks for Cohesion’s second factor unless the provider’s MFA is trusted and reported', async () => {
    const plain = await signOn('sub-coordinator');
    expect(plain.response.headers.get('location')).toBe('/');
    expect((await me(plain.jar)).body).toMatchObject({
      secondFactorRequired: true,
      secondFactorSatisfied: false,
    });
    // Only a complete sign-in makes the browser a known one for login throttling.
    expect(plain.jar.get(appUrl, DEVICE_COOKIE)).toBeUndefined();

    const otpUntrusted = await signOn('sub-coordinator', { withOtp: true });
    expect((await me(otpUntrusted.jar)).body).toMatchObject({ secondFactorSatisfied: false });

    const passwordOnly = await signOn('sub-coordinator', { base: trustingUrl });
    expect((await me(passwordOnly.jar, trustingUrl)).body).toMatchObject({ secondFactorSatisfied: false });

    const trusted = await signOn('sub-coordinator', { base: trustingUrl, withOtp: true });
    expect(trusted.response.status).toBe(302);
    expect((await me(trusted.jar, trustingUrl)).body).toMatchObject({
      secondFactorRequired: true,
      secondFactorSatisfied: true,
    });
    expect(trusted.jar.get(trustingUrl, DEVICE_COOKIE)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await lastAudit('auth.login')).details).toMatchObject({
      method: 'oidc',
      secondFactorPending: false,
      secondFactorFromProvider: true,
    });
  });

  it('refuses unknown, unverified and deactivated people, creating nobody, and audits why', async () => {
    const before = await ctx.db.kysely.selectFrom('appUser').select('id').execute();
    const cases: Array<[string, string, string | undefined]> = [
      ['sub-stranger', 'unknown_user', undefined],
      ['sub-unverified', 'email_not_verified', undefined],
      ['sub-gone', 'account_inactive', userIds.gone],
    ];
    for (const [login, reason, resourceId] of cases) {
      const { response, jar } = await signOn(login);
      expect(response.status, reason).toBe(302);
      expect(response.headers.get('location')).toBe('/sign-in?error=sso_failed');
      expect(response.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
      expect((await me(jar)).status).toBe(401);
      expect(await lastAudit('auth.login')).toEqual({
        outcome: 'failure',
        actorUserId: null,
        resourceId: resourceId ?? null,
        details: { method: 'oidc', reason },
      });
    }
    expect(await ctx.db.kysely.selectFrom('appUser').select('id').execute()).toEqual(before);
    expect(
      await ctx.db.kysely
        .selectFrom('userIdentity')
        .select('subject')
        .where('subject', 'in', ['sub-stranger', 'sub-unverified', 'sub-gone'])
        .execute(),
    ).toEqual([]);
  });

  it('refuses a replayed callback, a wrong state and a callback without its flow cookie', async () => {
    const first = await signOn('sub-coordinator');
    expect(first.response.headers.get('location')).toBe('/');
    // Replaying the very same answer with the very same flow cookie: the provider has spent the code.
    const replay = await fetch(first.callback, {
      redirect: 'manual',
      headers: { accept: 'text/html', cookie: `${OIDC_COOKIE}=${first.flowCookie}` },
    });
    expect(replay.status).toBe(302);
    expect(replay.headers.get('location')).toBe('/sign-in?error=sso_failed');
    expect((await lastAudit('auth.login')).details).toEqual({
      method: 'oidc',
      reason: 'code_exchange_failed',
    });

    const tampered = await throughProvider('sub-coordinator');
    tampered.callback.searchParams.set('state', 'not-the-state-this-browser-started-with');
    const wrongState = await send(tampered.jar, tampered.callback, { headers: { accept: 'text/html' } });
    expect(wrongState.headers.get('location')).toBe('/sign-in?error=sso_failed');
    expect((await lastAudit('auth.login')).details).toEqual({ method: 'oidc', reason: 'state_mismatch' });

    // Someone else's browser (no flow cookie) cannot finish the flow; an API client gets problem+json.
    const stolen = await throughProvider('sub-coordinator');
    const elsewhere = await fetch(stolen.callback, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await elsewhere.json()).toMatchObject({
      code: 'SSO_FAILED',
      errors: [{ reason: 'flow_missing' }],
    });
    expect((await lastAudit('auth.login')).details).toEqual({ method: 'oidc', reason: 'flow_missing' });
  });

  it('refuses a sign-on the person cancelled at the provider', async () => {
    const jar = cookieJar();
    const start = await send(jar, new URL('/api/v1/auth/oidc/start', appUrl));
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const cancelled = new URL('/api/v1/auth/oidc/callback', appUrl);
    cancelled.search = new URLSearchParams({ error: 'access_denied', state, iss: issuer }).toString();
    const response = await send(jar, cancelled, { headers: { accept: 'text/html' } });
    expect(response.headers.get('location')).toBe('/sign-in?error=sso_failed');
    expect((await lastAudit('auth.login')).details).toEqual({ method: 'oidc', reason: 'provider_error' });
  });
});
