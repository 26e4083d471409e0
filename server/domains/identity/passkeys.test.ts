import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { CSRF_HEADER, SESSION_COOKIE, createSession } from '../../platform/auth/sessions.ts';
import { createChallengeStore } from '../../platform/auth/webauthn.ts';
import type { Clock } from '../../platform/clock.ts';
import type { App } from '../../platform/http.ts';
import { signInAs, type TestSignIn } from '../../test/auth.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { passkeysRoutes } from './passkeys.routes.ts';
import { DEVICE_COOKIE } from '../../platform/auth/throttle.ts';

/**
 * A software authenticator (test-only): a P-256 key, "none" attestation, flags UP|UV(|AT), CBOR through the encoder
 * @simplewebauthn/server itself uses. It answers the server's options the way a browser's PublicKeyCredential.toJSON()
 * would, so the server's real verification runs end to end.
 */
function softwareAuthenticator(rpId = 'localhost') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const rawId = randomBytes(16);
  const id = rawId.toString('base64url');
  const rpIdHash = createHash('sha256').update(rpId).digest();
  let counter = 0;
  let userHandle: string | undefined;
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  const uint = (n: number, size: 2 | 4) => {
    const b = Buffer.alloc(size);
    if (size === 2) b.writeUInt16BE(n);
    else b.writeUInt32BE(n);
    return b;
  };
  const flags = (o: { userVerified: boolean; attested: boolean }) =>
    Buffer.from([0x01 | (o.userVerified ? 0x04 : 0) | (o.attested ? 0x40 : 0)]);
  const clientData = (type: string, challenge: string, origin: string) =>
    Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));

  return {
    id,
    create(
      options: { challenge: string; user: { id: string } },
      o: { origin?: string; userVerified?: boolean } = {},
    ): RegistrationResponseJSON {
      userHandle = options.user.id;
      const coseKey = isoCBOR.encode(
        new Map<number, CBORType>([
          [1, 2], // kty: EC2
          [3, -7], // alg: ES256
          [-1, 1], // crv: P-256
          [-2, Buffer.from(jwk.x!, 'base64url')],
          [-3, Buffer.from(jwk.y!, 'base64url')],
        ]),
      );
      const authData = Buffer.concat([
        rpIdHash,
        flags({ userVerified: o.userVerified ?? true, attested: true }),
        uint(counter, 4),
        Buffer.alloc(16), // AAGUID: none
        uint(rawId.length, 2),
        rawId,
        coseKey,
      ]);
      const attestationObject = isoCBOR.encode(
        new Map<string, CBORType>([
          ['fmt', 'none'],
          ['attStmt', new Map()],
          ['authData', authData],
        ]),
      );
      return {
        id,
        rawId: id,
        type: 'public-key',
        response: {
          clientDataJSON: b64(clientData('webauthn.create', options.challenge, o.origin ?? ORIGIN)),
          attestationObject: b64(attestationObject),
          transports: ['internal', 'made-up'],
        },
        authenticatorAttachment: 'platform',
        clientExtensionResults: {},
      };
    },
    get(
      options: { challenge: string },
      o: { origin?: string; userVerified?: boolean; counter?: number } = {},
    ): AuthenticationResponseJSON {
      counter = o.counter ?? counter + 1;
      const authData = Buffer.concat([
        rpIdHash,
        flags({ userVerified: o.userVerified ?? true, attested: false }),
        uint(counter, 4),
      ]);
      const cd = clientData('webauthn.get', options.challenge, o.origin ?? ORIGIN);
      const signature = sign(
        'sha256',
        Buffer.concat([authData, createHash('sha256').update(cd).digest()]),
        privateKey,
      );
      return {
        id,
        rawId: id,
        type: 'public-key',
        response: {
          clientDataJSON: b64(cd),
          authenticatorData: b64(authData),
          signature: b64(signature),
          ...(userHandle ? { userHandle } : {}),
        },
        clientExtensionResults: {},
      };
    },
  };
}
type Authenticator = ReturnType<typeof softwareAuthenticator>;
type CBORType = Parameters<typeof isoCBOR.encode>[0];

const ORIGIN = 'http://localhost:3000';
const BASE = '/api/v1/auth/passkeys';

describe('challenge store', () => {
  it('gives a challenge back once, within five minutes, and forgets the oldest beyond its size', () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const clock: Clock = { now: () => new Date(now) };
    const store = createChallengeStore(clock, 2);
    store.put('a', 'A');
    expect(store.take('a')).toBe('A');
    expect(store.take('a')).toBeUndefined();
    store.put('b', 'B');
    now += 5 * 60_000;
    expect(store.take('b')).toBeUndefined();
    store.put('c', 'C');
    store.put('d', 'D');
    store.put('e', 'E');
    expect([store.take('c'), store.take('d'), store.take('e')]).toEqual([undefined, 'D', 'E']);
  });
});

describeEachDialect('passkeys', (ctx) => {
  let now = new Date('2025-03-01T09:00:00.000Z');
  const clock: Clock = { now: () => now };
  const advance = (ms: number) => (now = new Date(now.getTime() + ms));
  let app: App;

  beforeAll(async () => {
    app = await buildApp(
      // Its own data directory: a passkey sign-in remembers the browser with the instance's throttling key.
      {
        db: ctx.db,
        config: loadConfig({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-passkeys-')) }),
        clock,
      },
      { modules: [passkeysRoutes], logger: false },
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  const signIn = (role: string, mfaSatisfied = true) => signInAs(ctx.db, role, { clock, mfaSatisfied });
  /** A second session of an existing user, as after a password sign-in (second factor not yet given). */
  const passwordSession = async (user: TestSignIn): Promise<TestSignIn> => {
    const session = await createSession(
      ctx.db.kysely,
      { userId: user.userId, method: 'password', mfaSatisfied: false },
      clock,
      loadConfig({}),
    );
    return {
      ...user,
      sessionId: session.sessionId,
      headers: { cookie: `${SESSION_COOKIE}=${session.token}`, [CSRF_HEADER]: session.csrfToken },
    };
  };
  const post = (url: string, headers: Record<string, string> | undefined, payload?: object) =>
    app.inject({
      method: 'POST',
      url,
      headers: headers ?? {},
      ...(payload === undefined ? {} : { payload }),
    });
  const get = (url: string, headers?: Record<string, string>) =>
    app.inject({ method: 'GET', url, headers: headers ?? {} });

  async function register(who: TestSignIn, authenticator: Authenticator, name = 'Laptop') {
    const options = await post(`${BASE}/registration/options`, who.headers);
    expect(options.statusCode, options.body).toBe(200);
    const verified = await post(`${BASE}/registration/verify`, who.headers, {
      response: authenticator.create(options.json()),
      name,
    });
    expect(verified.statusCode, verified.body).toBe(201);
    return verified.json<{ id: string; abilities: { remove: boolean } }>();
  }

  async function login(authenticator: Authenticator, o: Parameters<Authenticator['get']>[1] = {}) {
    const options = await post(`${BASE}/login/options`, undefined);
    expect(options.statusCode).toBe(200);
    return post(`${BASE}/login/verify`, undefined, { response: authenticator.get(options.json(), o) });
  }

  const auditOf = (action: string) =>
    ctx.db.kysely
      .selectFrom('auditEvent')
      .select(['action', 'outcome', 'actorUserId', 'resourceType', 'resourceId', 'details'])
      .where('action', '=', action)
      .orderBy('seq', 'desc')
      .execute()
      .then((rows) =>
        rows.map((r) => ({ ...r, details: JSON.parse(r.details ?? 'null') as Record<string, unknown> })),
      );

  const sessionRow = (id: string) =>
    ctx.db.kysely.selectFrom('session').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('answers 401 without a session on every route that needs one', async () => {
    const routes: Array<[string, string]> = [
      ['GET', BASE],
      ['POST', `${BASE}/registration/options`],
      ['POST', `${BASE}/registration/verify`],
      ['POST', `${BASE}/${randomBytes(16).toString('base64url')}/remove`],
      ['POST', `${BASE}/second-factor/options`],
      ['POST', `${BASE}/second-factor/verify`],
    ];
    for (const [method, url] of routes) {
      const response = await app.inject({ method: method as 'GET' | 'POST', url });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
      expect(response.json().code).toBe('UNAUTHENTICATED');
    }
  });

  it('lets someone whose role requires a second factor register a passkey as that factor', async () => {
    const practitioner = await signIn('practitioner', false);
    expect((await post(`${BASE}/registration/options`, undefined)).statusCode).toBe(401);
    expect((await get(BASE, practitioner.headers)).json()).toMatchObject({ code: 'SECOND_FACTOR_REQUIRED' });

    const optionsResponse = await post(`${BASE}/registration/options`, practitioner.headers);
    expect(optionsResponse.statusCode).toBe(200);
    const options = optionsResponse.json();
    expect(options).toMatchObject({
      rp: { id: 'localhost', name: 'Cohesion' },
      user: { id: isoBase64URL.fromUTF8String(practitioner.userId), name: expect.stringContaining('@') },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      attestation: 'none',
    });

    const authenticator = softwareAuthenticator();
    const bad = await post(`${BASE}/registration/verify`, practitioner.headers, {
      response: authenticator.create(options),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_FAILED');

    const created = await post(`${BASE}/registration/verify`, practitioner.headers, {
      response: authenticator.create(options),
      name: ' Work laptop ',
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      id: authenticator.id,
      name: 'Work laptop',
      transports: ['internal'],
      lastUsedAt: null,
      abilities: { remove: false },
    });

    expect((await sessionRow(practitioner.sessionId)).mfaSatisfied).toBe(1);
    const listed = await get(BASE, practitioner.headers);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items).toEqual([
      {
        id: authenticator.id,
        name: 'Work laptop',
        transports: ['internal'],
        createdAt: now.toISOString(),
        lastUsedAt: null,
        abilities: { remove: false },
      },
    ]);
    const stored = await ctx.db.kysely
      .selectFrom('passkey')
      .selectAll()
      .where('id', '=', authenticator.id)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ userId: practitioner.userId, counter: 0, transports: '["internal"]' });
    expect(isoBase64URL.isBase64URL(stored.publicKey)).toBe(true);

    const [registered] = await auditOf('auth.passkey.registered');
    expect(registered).toMatchObject({
      outcome: 'success',
      actorUserId: practitioner.userId,
      resourceType: 'passkey',
      resourceId: authenticator.id,
      details: { firstSecondFactor: true, deviceType: 'singleDevice', backedUp: false },
    });
  });

  it('binds a registration to its session, uses it once, and refuses one answered for another origin', async () => {
    const analyst = await signIn('analyst');
    const other = await signIn('analyst');
    const authenticator = softwareAuthenticator();
    const options = (await post(`${BASE}/registration/options`, analyst.headers)).json();

    const elsewhere = await post(`${BASE}/registration/verify`, other.headers, {
      response: authenticator.create(options),
      name: 'Stolen',
    });
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.json().errors).toEqual([{ field: 'response', reason: 'challenge_unknown' }]);

    const wrongOrigin = await post(`${BASE}/registration/verify`, analyst.headers, {
      response: authenticator.create(options, { origin: 'https://evil.example' }),
      name: 'Laptop',
    });
    expect(wrongOrigin.json().errors).toEqual([{ field: 'response', reason: 'origin_mismatch' }]);
    // The refused answer spent the challenge.
    const reused = await post(`${BASE}/registration/verify`, analyst.headers, {
      response: authenticator.create(options),
      name: 'Laptop',
    });
    expect(reused.json().errors).toEqual([{ field: 'response', reason: 'challenge_unknown' }]);

    const unverified = await post(`${BASE}/registration/verify`, analyst.headers, {
      response: authenticator.create((await post(`${BASE}/registration/options`, analyst.headers)).json(), {
        userVerified: false,
      }),
      name: 'Laptop',
    });
    expect(unverified.json().errors).toEqual([{ field: 'response', reason: 'user_not_verified' }]);

    const failures = (await auditOf('auth.passkey.registered')).filter(
      (a) => a.actorUserId === analyst.userId,
    );
    expect(failures.map((f) => [f.outcome, f.details.reason])).toEqual([
      ['failure', 'user_not_verified'],
      ['failure', 'challenge_unknown'],
      ['failure', 'origin_mismatch'],
    ]);
    expect(
      await ctx.db.kysely.selectFrom('passkey').select('id').where('userId', '=', analyst.userId).execute(),
    ).toEqual([]);
  });

  it('asks for a recent password or passkey, and the second factor, before adding another passkey', async () => {
    const coordinator = await signIn('prevention_coordinator', false);
    const first = softwareAuthenticator();
    await register(coordinator, first);

    // Without the CSRF token, a state-changing request is refused before anything else.
    const noCsrf = await post(`${BASE}/registration/options`, { cookie: coordinator.headers.cookie! });
    expect(noCsrf.json().code).toBe('CSRF_FAILED');

    // A new password session of someone who has a passkey must give it first.
    const fresh = await passwordSession(coordinator);
    expect((await post(`${BASE}/registration/options`, fresh.headers)).json().code).toBe(
      'SECOND_FACTOR_REQUIRED',
    );

    advance(5 * 60_000 + 1);
    const stale = await post(`${BASE}/registration/options`, coordinator.headers);
    expect(stale.statusCode).toBe(403);
    expect(stale.json().code).toBe('REAUTHENTICATION_REQUIRED');

    // Confirming with the passkey counts as re-authentication.
    const confirmOptions = await post(`${BASE}/second-factor/options`, coordinator.headers);
    const confirmed = await post(`${BASE}/second-factor/verify`, coordinator.headers, {
      response: first.get(confirmOptions.json()),
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const second = softwareAuthenticator();
    const added = await register(coordinator, second, 'Security key');
    expect(added.abilities.remove).toBe(true);
    expect((await get(BASE, coordinator.headers)).json().items.map((p: { name: string }) => p.name)).toEqual([
      'Laptop',
      'Security key',
    ]);
  });

  it('removes only the signed-in user’s own passkeys, never the last second factor a role requires', async () => {
    const owner = await signIn('practitioner', false);
    const mine = softwareAuthenticator();
    const spare = softwareAuthenticator();
    await register(owner, mine);
    await register(owner, spare);
    const intruder = await signIn('city_admin');

    expect((await post(`${BASE}/${mine.id}/remove`, undefined)).statusCode).toBe(401);
    expect((await post(`${BASE}/not.base64/remove`, intruder.headers)).statusCode).toBe(400);
    const foreign = await post(`${BASE}/${mine.id}/remove`, intruder.headers);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('NOT_FOUND');
    expect(
      (await post(`${BASE}/${randomBytes(16).toString('base64url')}/remove`, owner.headers)).statusCode,
    ).toBe(404);

    advance(5 * 60_000 + 1);
    expect((await post(`${BASE}/${spare.id}/remove`, owner.headers)).json().code).toBe(
      'REAUTHENTICATION_REQUIRED',
    );
    const confirmOptions = (await post(`${BASE}/second-factor/options`, owner.headers)).json();
    expect(confirmOptions.allowCredentials.map((c: { id: string }) => c.id).sort()).toEqual(
      [mine.id, spare.id].sort(),
    );
    await post(`${BASE}/second-factor/verify`, owner.headers, { response: mine.get(confirmOptions) });

    const removed = await post(`${BASE}/${spare.id}/remove`, owner.headers);
    expect(removed.statusCode, removed.body).toBe(204);
    const last = await post(`${BASE}/${mine.id}/remove`, owner.headers);
    expect(last.statusCode).toBe(409);
    expect(last.json().code).toBe('SECOND_FACTOR_MANDATORY');
    expect((await get(BASE, owner.headers)).json().items.map((p: { id: string }) => p.id)).toEqual([mine.id]);

    const [audit] = await auditOf('auth.passkey.removed');
    expect(audit).toMatchObject({
      outcome: 'success',
      actorUserId: owner.userId,
      resourceId: spare.id,
      details: { remaining: 1 },
    });

    // A role that needs no second factor may remove its only passkey.
    const analyst = await signIn('analyst');
    const only = softwareAuthenticator();
    await register(analyst, only);
    expect((await post(`${BASE}/${only.id}/remove`, analyst.headers)).statusCode).toBe(204);
  });

  it('signs in with a passkey alone: a new session, second factor satisfied, counter stored', async () => {
    const user = await signIn('practitioner', false);
    const authenticator = softwareAuthenticator();
    await register(user, authenticator);

    const options = await post(`${BASE}/login/options`, undefined);
    expect(options.json()).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    expect(options.json().allowCredentials ?? []).toEqual([]);
    expect((await post(`${BASE}/login/verify`, undefined, { response: {} })).statusCode).toBe(400);

    // The same browser, still holding an older session, signs in again: that session ends.
    const response = authenticator.get(options.json());
    const signedIn = await post(`${BASE}/login/verify`, user.headers, { response });
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    const body = signedIn.json();
    expect(body).toEqual({
      user: { id: user.userId, email: expect.stringContaining('@'), displayName: 'Test practitioner' },
      secondFactorRequired: false,
      secondFactorEnrolled: true,
      csrfToken: expect.any(String),
    });
    const cookie = signedIn.cookies.find((c) => c.name === SESSION_COOKIE)!;
    expect(cookie).toMatchObject({ path: '/', secure: true, httpOnly: true, sameSite: 'Strict' });
    expect(cookie.domain).toBeUndefined();
    expect((await sessionRow(user.sessionId)).endReason).toBe('logout');
    // The browser is now one that has fully signed in: login throttling judges it on its own failures.
    const device = signedIn.cookies.find((c) => c.name === DEVICE_COOKIE)!;
    expect(device).toMatchObject({ path: '/', secure: true, httpOnly: true, sameSite: 'Strict' });
    const known = await ctx.db.kysely
      .selectFrom('loginThrottle')
      .select('key')
      .where('key', 'like', `known:${user.userId}:%`)
      .execute();
    expect(known).toHaveLength(1);

    const headers = { cookie: `${SESSION_COOKIE}=${cookie.value}`, [CSRF_HEADER]: body.csrfToken };
    const listed = await get(BASE, headers);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items[0]).toMatchObject({ id: authenticator.id, lastUsedAt: now.toISOString() });
    const session = await ctx.db.kysely
      .selectFrom('session')
      .selectAll()
      .where('userId', '=', user.userId)
      .where('endedAt', 'is', null)
      .executeTakeFirstOrThrow();
    expect(session).toMatchObject({ method: 'passkey', mfaSatisfied: 1 });
    const stored = await ctx.db.kysely
      .selectFrom('passkey')
      .select('counter')
      .where('id', '=', authenticator.id)
      .executeTakeFirstOrThrow();
    expect(stored.counter).toBe(1);
    const account = await ctx.db.kysely
      .selectFrom('appUser')
      .select('lastLoginAt')
      .where('id', '=', user.userId)
      .executeTakeFirstOrThrow();
    expect(account.lastLoginAt).toBe(now.toISOString());
    const [audit] = await auditOf('auth.login');
    expect(audit).toMatchObject({
      outcome: 'success',
      actorUserId: user.userId,
      resourceType: 'user',
      resourceId: user.userId,
      details: {
        method: 'passkey',
        passkeyId: authenticator.id,
        sessionId: session.id,
        replacedSession: true,
      },
    });
  });

  it('refuses a lower counter, another origin, a reused or expired challenge, and no user verification', async () => {
    const user = await signIn('analyst');
    const authenticator = softwareAuthenticator();
    await register(user, authenticator);
    expect((await login(authenticator, { counter: 7 })).statusCode).toBe(200);

    const cases: Array<[string, Parameters<Authenticator['get']>[1]]> = [
      ['counter_regression', { counter: 5 }],
      ['counter_regression', { counter: 7 }],
      ['origin_mismatch', { origin: 'https://evil.example', counter: 8 }],
      ['user_not_verified', { userVerified: false, counter: 9 }],
    ];
    for (const [reason, o] of cases) {
      const refused = await login(authenticator, o);
      expect(refused.statusCode, reason).toBe(401);
      expect(refused.json().code).toBe('INVALID_CREDENTIALS');
      expect(refused.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
      const [audit] = await auditOf('auth.login');
      expect(audit).toMatchObject({
        outcome: 'failure',
        resourceType: 'user',
        resourceId: user.userId,
        details: { method: 'passkey', reason, passkeyId: authenticator.id },
      });
    }

    const options = (await post(`${BASE}/login/options`, undefined)).json();
    expect(
      (await post(`${BASE}/login/verify`, undefined, { response: authenticator.get(options) })).statusCode,
    ).toBe(200);
    const replay = await post(`${BASE}/login/verify`, undefined, { response: authenticator.get(options) });
    expect(replay.statusCode).toBe(401);
    expect((await auditOf('auth.login'))[0]!.details).toEqual({
      method: 'passkey',
      reason: 'challenge_unknown',
      passkeyId: authenticator.id,
    });

    const late = (await post(`${BASE}/login/options`, undefined)).json();
    advance(5 * 60_000);
    expect(
      (await post(`${BASE}/login/verify`, undefined, { response: authenticator.get(late) })).statusCode,
    ).toBe(401);
    expect((await auditOf('auth.login'))[0]!.details).toEqual({
      method: 'passkey',
      reason: 'challenge_unknown',
      passkeyId: authenticator.id,
    });

    const stranger = softwareAuthenticator();
    const unknown = await login(stranger);
    expect(unknown.statusCode).toBe(401);
    expect((await auditOf('auth.login'))[0]).toMatchObject({
      outcome: 'failure',
      actorUserId: null,
      resourceId: null,
      details: { method: 'passkey', reason: 'unknown_credential' },
    });
  });

  it('accepts authenticators that keep no counter, and refuses deactivated accounts', async () => {
    const user = await signIn('analyst');
    const synced = softwareAuthenticator();
    await register(user, synced);
    expect((await login(synced, { counter: 0 })).statusCode).toBe(200);
    expect((await login(synced, { counter: 0 })).statusCode).toBe(200);

    await ctx.db.kysely
      .updateTable('appUser')
      .set({ status: 'deactivated' })
      .where('id', '=', user.userId)
      .execute();
    const refused = await login(synced, { counter: 0 });
    expect(refused.statusCode).toBe(401);
    expect((await auditOf('auth.login'))[0]).toMatchObject({
      resourceId: user.userId,
      details: { method: 'passkey', reason: 'account_inactive' },
    });
  });

  it('satisfies the second factor of a password session with one of the user’s own passkeys', async () => {
    const user = await signIn('practitioner', false);
    const authenticator = softwareAuthenticator();
    await register(user, authenticator);
    const someoneElse = await signIn('analyst');
    const theirs = softwareAuthenticator();
    await register(someoneElse, theirs);

    const session = await passwordSession(user);
    expect((await get(BASE, session.headers)).json().code).toBe('SECOND_FACTOR_REQUIRED');
    expect((await post(`${BASE}/second-factor/options`, undefined)).statusCode).toBe(401);
    expect((await post(`${BASE}/second-factor/verify`, session.headers, { response: 'x' })).statusCode).toBe(
      400,
    );

    const wrongKey = await post(`${BASE}/second-factor/verify`, session.headers, {
      response: theirs.get((await post(`${BASE}/second-factor/options`, session.headers)).json()),
    });
    expect(wrongKey.statusCode).toBe(401);
    expect(wrongKey.json().code).toBe('INVALID_SECOND_FACTOR');
    const [failure] = await auditOf('auth.second_factor');
    expect(failure).toMatchObject({ outcome: 'failure', actorUserId: user.userId, resourceId: user.userId });
    expect(failure!.details).toEqual({ method: 'passkey', reason: 'unknown_credential' });

    const options = (await post(`${BASE}/second-factor/options`, session.headers)).json();
    expect(options.allowCredentials).toEqual([
      { id: authenticator.id, type: 'public-key', transports: ['internal'] },
    ]);
    const done = await post(`${BASE}/second-factor/verify`, session.headers, {
      response: authenticator.get(options),
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({
      secondFactorRequired: false,
      csrfToken: session.headers[CSRF_HEADER],
    });
    expect((await get(BASE, session.headers)).statusCode).toBe(200);
    expect((await auditOf('auth.second_factor'))[0]).toMatchObject({
      outcome: 'success',
      resourceId: user.userId,
      details: { method: 'passkey', passkeyId: authenticator.id, sessionId: session.sessionId },
    });

    const none = await signIn('analyst');
    expect((await post(`${BASE}/second-factor/options`, none.headers)).statusCode).toBe(404);
  });
});
