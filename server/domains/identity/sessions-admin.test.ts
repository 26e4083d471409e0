import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock.ts';
import { describeEachDialect } from '../../test/databases.ts';
import type { TestSignIn } from '../../test/auth.ts';
import { sessionsAdminRoutes } from './sessions-admin.routes.ts';
import { buildHarness, insertRole, type Harness } from './users.fixtures.ts';

const URL = '/api/v1/sessions';
const START = '2026-03-02T09:00:00.000Z';
const MINUTE = 60_000;

describeEachDialect('sessions administration API', (ctx) => {
  let h: Harness;
  let admin: TestSignIn;
  let dpo: TestSignIn;
  let practitioner: TestSignIn;
  let partner: TestSignIn;
  let idle: TestSignIn;

  beforeAll(async () => {
    h = await buildHarness(ctx.db, [sessionsAdminRoutes], {
      start: START,
      lifetimes: { sessionIdleMs: 30 * MINUTE, sessionAbsoluteMs: 12 * 60 * MINUTE },
    });
    // Last seen 31 minutes ago: past the idle limit, though nothing has ended it yet.
    idle = await h.signIn('practitioner', 'City of Testville', {
      clock: fixedClock(new Date(Date.parse(START) - 31 * MINUTE).toISOString()),
    });
    admin = await h.signIn('city_admin', 'City of Testville');
    dpo = await h.signIn('dpo_auditor', 'City of Testville');
    practitioner = await h.signIn('practitioner', 'City of Testville');
    partner = await h.signIn('partner_member', 'Northside Mosque');
  });
  afterAll(async () => h.app.close());

  const ids = async (who: TestSignIn, query = '') =>
    (await h.call(who, 'GET', `${URL}${query}`)).json().items.map((s: { id: string }) => s.id);

  it('lists live sessions: 401 → 400 → 403 → 200, the whole instance for an administrator, one’s own otherwise', async () => {
    expect((await h.call(null, 'GET', URL)).statusCode).toBe(401);
    for (const q of ['?userId=someone', '?limit=0', '?limit=500', '?cursor=%%%']) {
      expect((await h.call(admin, 'GET', `${URL}${q}`)).statusCode, q).toBe(400);
    }
    await insertRole(ctx.db, 'no_sessions', [{ resource: 'organisation', action: 'read', scope: 'all' }]);
    const stranger = await h.signIn('no_sessions');
    expect((await h.call(stranger, 'GET', URL)).statusCode).toBe(403);
    await ctx.db.kysely
      .updateTable('session')
      .set({ endedAt: START, endReason: 'logout' })
      .where('id', '=', stranger.sessionId)
      .execute();

    h.time.advance(MINUTE);
    const r = await h.call(admin, 'GET', URL);
    expect(r.statusCode).toBe(200);
    // Most recently used first; the idle and the ended session are not live.
    const all = r.json().items as Array<Record<string, unknown> & { id: string; current: boolean }>;
    expect(all.map((s) => s.id)).toEqual([
      admin.sessionId,
      partner.sessionId,
      practitioner.sessionId,
      dpo.sessionId,
    ]);
    expect(all[0]).toEqual({
      id: admin.sessionId,
      user: {
        id: admin.userId,
        displayName: 'Test city_admin',
        email: expect.stringContaining('@test.invalid'),
      },
      organisation: { id: admin.organisationId, name: 'City of Testville' },
      method: 'password',
      secondFactorSatisfied: true,
      userAgent: null,
      createdAt: START,
      lastSeenAt: '2026-03-02T09:01:00.000Z',
      expiresAt: '2026-03-02T09:31:00.000Z',
      current: true,
      abilities: { end: true },
    });
    expect(all.filter((s) => s.current)).toHaveLength(1);
    // Neither the cookie token nor the CSRF token of anyone is in the answer.
    for (const who of [admin, practitioner, partner, dpo]) {
      const cookie = who.headers.cookie!.split('=')[1]!;
      expect(r.body).not.toContain(cookie);
      expect(r.body).not.toContain(who.headers['x-csrf-token']!);
    }
    expect(r.body).not.toMatch(/tokenHash|csrf/i);

    expect(await ids(admin, `?userId=${partner.userId}`)).toEqual([partner.sessionId]);
    expect(await ids(practitioner)).toEqual([practitioner.sessionId]);
    expect(await ids(practitioner, `?userId=${admin.userId}`)).toEqual([]);
    expect(await ids(dpo)).toHaveLength(4);

    // Reading touched the sessions above, so the order is taken again before paging through it.
    const order = await ids(admin);
    expect(order).toHaveLength(4);
    const first = (await h.call(admin, 'GET', `${URL}?limit=3`)).json();
    expect(first.items).toHaveLength(3);
    const rest = (await h.call(admin, 'GET', `${URL}?limit=3&cursor=${first.nextCursor}`)).json();
    expect([...first.items, ...rest.items].map((s: { id: string }) => s.id)).toEqual(order);
    expect(rest.nextCursor).toBeNull();
  });

  it('ends a session: 401 → 400 → 403 CSRF → 404 outside reach → 403 read-only → 204, then that session answers 401', async () => {
    const url = `${URL}/${practitioner.sessionId}/end`;
    expect((await h.call(null, 'POST', url)).statusCode).toBe(401);
    expect((await h.call(admin, 'POST', `${URL}/nope/end`)).statusCode).toBe(400);
    const noCsrf = await h.call(admin, 'POST', url, undefined, { 'x-csrf-token': 'wrong' });
    expect(noCsrf.json().code).toBe('CSRF_FAILED');
    expect((await h.call(partner, 'POST', url)).statusCode).toBe(404);
    expect((await h.call(admin, 'POST', `${URL}/0190a5c4-0000-7000-8000-000000000000/end`)).statusCode).toBe(
      404,
    );
    // The data-protection officer sees every session but may end only their own.
    const readOnly = await h.call(dpo, 'POST', url);
    expect(readOnly.statusCode).toBe(403);
    expect(readOnly.json().code).toBe('FORBIDDEN');

    h.time.advance(MINUTE);
    expect((await h.call(practitioner, 'GET', URL)).statusCode).toBe(200);
    const ended = await h.call(admin, 'POST', url);
    expect(ended.statusCode).toBe(204);
    expect((await h.call(practitioner, 'GET', URL)).statusCode).toBe(401);
    const row = await ctx.db.kysely
      .selectFrom('session')
      .select(['endedAt', 'endReason'])
      .where('id', '=', practitioner.sessionId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ endedAt: '2026-03-02T09:02:00.000Z', endReason: 'ended_by_admin' });
    expect(await h.auditFor(practitioner.sessionId)).toEqual([
      {
        action: 'session.end',
        actorUserId: admin.userId,
        details: { userId: practitioner.userId, reason: 'ended_by_admin' },
      },
    ]);

    expect((await h.call(admin, 'POST', url)).statusCode).toBe(409);
    expect((await h.call(admin, 'POST', `${URL}/${idle.sessionId}/end`)).statusCode).toBe(409);

    const own = await h.call(dpo, 'POST', `${URL}/${dpo.sessionId}/end`);
    expect(own.statusCode).toBe(204);
    expect((await h.auditFor(dpo.sessionId))[0]?.details).toEqual({
      userId: dpo.userId,
      reason: 'ended_by_user',
    });
    expect((await h.call(dpo, 'GET', URL)).statusCode).toBe(401);
    expect(await ids(admin)).toEqual([admin.sessionId, partner.sessionId]);
  });
});
