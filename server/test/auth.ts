import type { InjectOptions } from 'fastify';
import { buildApp } from '../app.ts';
import type { Db } from '../db/database.ts';
import type { App, AppDeps } from '../platform/http.ts';
import { systemClock, type Clock } from '../platform/clock.ts';
import { newId } from '../platform/ids.ts';
import { CSRF_HEADER, SESSION_COOKIE, createSession } from '../platform/auth/sessions.ts';

export type TestSignIn = {
  userId: string;
  organisationId: string;
  sessionId: string;
  /** Headers for app.inject(): the session cookie and the CSRF token. */
  headers: Record<string, string>;
};

const LIFETIMES = { sessionIdleMs: 30 * 60_000, sessionAbsoluteMs: 12 * 3_600_000 };

export type TestUserOptions = {
  organisation?: string;
  email?: string;
  displayName?: string;
  passwordHash?: string | null;
  status?: string;
  totpSecret?: string | null;
  clock?: Clock;
};

/** An organisation (reused by name) and an account in it with the role, written straight to the database. */
export async function createTestUser(
  db: Db,
  roleCode: string,
  options: TestUserOptions = {},
): Promise<{ userId: string; organisationId: string; email: string }> {
  const now = (options.clock ?? systemClock).now().toISOString();
  const orgName = options.organisation ?? 'Test city department';
  let org = await db.kysely
    .selectFrom('organisation')
    .select('id')
    .where('name', '=', orgName)
    .executeTakeFirst();
  if (!org) {
    org = { id: newId() };
    await db.kysely
      .insertInto('organisation')
      .values({
        id: org.id,
        name: orgName,
        kind: 'city_department',
        createdAt: now,
        updatedAt: now,
        archivedAt: null,
      })
      .execute();
  }
  const userId = newId();
  const email = options.email ?? `${roleCode}.${userId}@test.invalid`;
  const status = options.status ?? 'active';
  await db.kysely
    .insertInto('appUser')
    .values({
      id: userId,
      organisationId: org.id,
      roleCode,
      email,
      displayName: options.displayName ?? `Test ${roleCode}`,
      locale: 'en',
      passwordHash: options.passwordHash ?? null,
      passwordChangedAt: options.passwordHash ? now : null,
      totpSecret: options.totpSecret ?? null,
      pendingTotpSecret: null,
      totpEnabledAt: options.totpSecret ? now : null,
      totpLastStep: null,
      status,
      lastLoginAt: null,
      createdAt: now,
      updatedAt: now,
      deactivatedAt: status === 'deactivated' ? now : null,
    })
    .execute();
  return { userId, organisationId: org.id, email };
}

/**
 * Creates an organisation (or reuses one by name), an active user with the role and a live session whose second
 * factor is satisfied, straight in the database: for tests of routes other than sign-in itself.
 */
export async function signInAs(
  db: Db,
  roleCode: string,
  options: {
    organisation?: string;
    clock?: Clock;
    mfaSatisfied?: boolean;
    lifetimes?: { sessionIdleMs: number; sessionAbsoluteMs: number };
  } = {},
): Promise<TestSignIn> {
  const clock = options.clock ?? systemClock;
  const { userId, organisationId } = await createTestUser(db, roleCode, {
    clock,
    ...(options.organisation === undefined ? {} : { organisation: options.organisation }),
  });
  const session = await createSession(
    db.kysely,
    { userId, method: 'password', mfaSatisfied: options.mfaSatisfied ?? true },
    clock,
    options.lifetimes ?? LIFETIMES,
  );
  return {
    userId,
    organisationId,
    sessionId: session.sessionId,
    headers: { cookie: `${SESSION_COOKIE}=${session.token}`, [CSRF_HEADER]: session.csrfToken },
  };
}

/**
 * buildApp() whose inject() carries a signed-in session by default (a prevention coordinator unless told
 * otherwise), for route tests about something other than access. The session never idles out: several suites move
 * their clock by days. Pass `headers: { cookie: '' }` in a request to send it without the session.
 */
export async function buildSignedInApp(
  deps: AppDeps,
  options: Parameters<typeof buildApp>[1] = {},
  roleCode = 'prevention_coordinator',
): Promise<App & { signedIn: TestSignIn }> {
  const forever = 100 * 365 * 24 * 3_600_000;
  const lifetimes = { sessionIdleMs: forever, sessionAbsoluteMs: forever };
  const app = await buildApp({ ...deps, config: { ...deps.config, ...lifetimes } }, options);
  const signedIn = await signInAs(deps.db, roleCode, { clock: deps.clock, lifetimes });
  const inject = app.inject.bind(app);
  const withSession = (opts: InjectOptions | string): InjectOptions =>
    typeof opts === 'string'
      ? { url: opts, headers: signedIn.headers }
      : {
          ...opts,
          headers: { ...signedIn.headers, ...(opts.headers as Record<string, string> | undefined) },
        };
  Object.assign(app, {
    signedIn,
    inject: (opts: InjectOptions | string) => inject(withSession(opts)),
  });
  return app as App & { signedIn: TestSignIn };
}
