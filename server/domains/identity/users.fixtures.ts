/** Test harness shared by the identity route tests: an app on a movable clock and people signed in as any role. */
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import type { Grant } from '../../platform/access/policy.ts';
import type { SessionLifetimes } from '../../platform/auth/sessions.ts';
import type { Clock } from '../../platform/clock.ts';
import type { App, RouteModule } from '../../platform/http.ts';
import { signInAs, type TestSignIn } from '../../test/auth.ts';

export type MovableClock = { clock: Clock; set(iso: string): void; advance(ms: number): void };

export function movableClock(iso: string): MovableClock {
  let now = new Date(iso);
  return {
    clock: { now: () => now },
    set: (next) => (now = new Date(next)),
    advance: (ms) => (now = new Date(now.getTime() + ms)),
  };
}

/** Sessions that never idle or expire, for suites that move the clock by days. */
export const FOREVER: SessionLifetimes = {
  sessionIdleMs: 100 * 365 * 24 * 3_600_000,
  sessionAbsoluteMs: 100 * 365 * 24 * 3_600_000,
};

type Method = 'GET' | 'POST' | 'PATCH';

export type Harness = {
  app: App;
  time: MovableClock;
  /** A new active account with a live, second-factor-satisfied session, in the named organisation. */
  signIn(
    roleCode: string,
    organisation?: string,
    options?: { mfaSatisfied?: boolean; clock?: Clock },
  ): Promise<TestSignIn>;
  /** A request as `who` (cookie and CSRF header), or without a session when `who` is null. */
  call(
    who: TestSignIn | null,
    method: Method,
    url: string,
    payload?: object,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** Audit entries about one record, oldest first. */
  auditFor(
    resourceId: string,
  ): Promise<Array<{ action: string; actorUserId: string | null; details: unknown }>>;
};

export async function buildHarness(
  db: Db,
  modules: RouteModule[],
  options: { start?: string; lifetimes?: SessionLifetimes } = {},
): Promise<Harness> {
  const time = movableClock(options.start ?? '2026-03-02T09:00:00.000Z');
  const lifetimes = options.lifetimes ?? FOREVER;
  const app = await buildApp(
    { db, clock: time.clock, config: { ...loadConfig({}), ...lifetimes } },
    { modules, logger: false },
  );
  return {
    app,
    time,
    signIn: (roleCode, organisation = 'City of Testville', o = {}) =>
      signInAs(db, roleCode, {
        organisation,
        clock: o.clock ?? time.clock,
        lifetimes,
        mfaSatisfied: o.mfaSatisfied,
      }),
    call: (who, method, url, payload, headers = {}) =>
      app.inject({
        method,
        url,
        ...(payload && { payload }),
        headers: { ...(who?.headers ?? {}), ...headers },
      }),
    auditFor: async (resourceId) =>
      (
        await db.kysely
          .selectFrom('auditEvent')
          .select(['action', 'actorUserId', 'details'])
          .where('resourceId', '=', resourceId)
          .orderBy('seq')
          .execute()
      ).map((r) => ({ ...r, details: r.details === null ? null : (JSON.parse(r.details) as unknown) })),
  };
}

/** A custom role straight in the database, for suites about something other than the role editor. */
export async function insertRole(db: Db, code: string, grants: Grant[]): Promise<void> {
  const now = new Date().toISOString();
  await db.kysely
    .insertInto('role')
    .values({
      code,
      name: code,
      description: null,
      grants: JSON.stringify(grants),
      builtin: 0,
      createdAt: now,
      updatedAt: now,
    })
    .execute();
}

export async function organisationIdOf(db: Db, name: string): Promise<string> {
  const row = await db.kysely
    .selectFrom('organisation')
    .select('id')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.id;
}
