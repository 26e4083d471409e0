import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyPassword } from '../../platform/auth/passwords.ts';
import { describeEachDialect } from '../../test/databases.ts';
import type { TestSignIn } from '../../test/auth.ts';
import { invitationsRoutes } from './invitations.routes.ts';
import { usersRoutes } from './users.routes.ts';
import { buildHarness, organisationIdOf, type Harness } from './users.fixtures.ts';

const URL = '/api/v1/invitations';
const GOOD_PASSWORD = 'correct horse battery staple';
const MINUTE = 60_000;

describeEachDialect('invitations API', (ctx) => {
  let h: Harness;
  let admin: TestSignIn;
  let schoolId: string;

  beforeAll(async () => {
    h = await buildHarness(ctx.db, [usersRoutes, invitationsRoutes]);
    admin = await h.signIn('city_admin', 'City of Testville');
    await h.signIn('partner_member', 'Riverside School');
    schoolId = await organisationIdOf(ctx.db, 'Riverside School');
  });
  afterAll(async () => h.app.close());

  /** Invites someone and returns the token from the one-time link. */
  async function invited(
    email: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ token: string; userId: string; invitationId: string }> {
    const r = await h.call(admin, 'POST', '/api/v1/users', {
      email,
      displayName: 'Jonas Weber',
      organisationId: schoolId,
      roleCode: 'partner_member',
      ...extra,
    });
    expect(r.statusCode).toBe(201);
    const token = (r.json().invitation.link as string).split('#token=')[1]!;
    return { token, userId: r.json().user.id, invitationId: r.json().invitation.id };
  }

  const accept = (token: string, body: object) => h.call(null, 'POST', `${URL}/${token}/accept`, body);

  it('shows what a link is for, to anyone holding it, and 404 for anything else', async () => {
    const { token } = await invited('jonas.weber@example.org');
    const r = await h.call(null, 'GET', `${URL}/${token}`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      email: 'jonas.weber@example.org',
      displayName: 'Jonas Weber',
      organisation: { id: schoolId, name: 'Riverside School' },
      role: { code: 'partner_member', name: 'Partner organisation member', requiresSecondFactor: false },
      expiresAt: '2026-03-05T09:00:00.000Z',
    });
    for (const other of ['unknown-token', token.slice(0, -1), token.toUpperCase()]) {
      const missing = await h.call(null, 'GET', `${URL}/${other}`);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().code).toBe('NOT_FOUND');
    }
  });

  it('accepts once: 400 → 400 weak password → 200 without signing in → 404 the second time, audited', async () => {
    const { token, userId, invitationId } = await invited('lea.martin@example.org', {
      displayName: 'Léa Martin',
    });
    expect((await accept(token, {})).statusCode).toBe(400);
    expect((await accept(token, { password: GOOD_PASSWORD, email: 'x@example.org' })).statusCode).toBe(400);
    expect((await accept('unknown', { password: GOOD_PASSWORD })).statusCode).toBe(404);

    const weak = await accept(token, { password: 'x7Qp!w' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().code).toBe('WEAK_PASSWORD');
    expect(weak.json().errors).toEqual([{ field: 'password', reason: 'too_short' }]);
    const personal = await accept(token, { password: 'LeaMartin-is-my-name' });
    expect(personal.json().errors).toEqual([
      { field: 'password', reason: 'contains_email' },
      { field: 'password', reason: 'contains_name' },
    ]);
    // A refused password spends nothing.
    expect((await h.call(null, 'GET', `${URL}/${token}`)).statusCode).toBe(200);

    h.time.advance(MINUTE);
    const ok = await accept(token, { password: GOOD_PASSWORD });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ email: 'lea.martin@example.org', secondFactorRequired: false });
    expect(ok.headers['set-cookie']).toBeUndefined();

    const user = await ctx.db.kysely
      .selectFrom('appUser')
      .select(['status', 'passwordHash', 'passwordChangedAt'])
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(user.status).toBe('active');
    expect(user.passwordChangedAt).toBe(h.time.clock.now().toISOString());
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(user.passwordHash!, GOOD_PASSWORD)).toBe(true);
    const sessions = await ctx.db.kysely
      .selectFrom('session')
      .select('id')
      .where('userId', '=', userId)
      .execute();
    expect(sessions).toEqual([]);

    expect((await accept(token, { password: GOOD_PASSWORD })).statusCode).toBe(404);
    expect((await h.call(null, 'GET', `${URL}/${token}`)).statusCode).toBe(404);

    expect(await h.auditFor(invitationId)).toEqual([
      { action: 'invitation.accept', actorUserId: userId, details: { userId, otherInvitationsRevoked: 0 } },
    ]);
    const audit = await ctx.db.kysely.selectFrom('auditEvent').select('details').execute();
    expect(JSON.stringify(audit)).not.toContain(GOOD_PASSWORD);
  });

  it('lets exactly one of two simultaneous accepts through', async () => {
    const { token } = await invited('twice@example.org');
    const results = await Promise.all([
      accept(token, { password: GOOD_PASSWORD }),
      accept(token, { password: `${GOOD_PASSWORD}!` }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 404]);
  });

  it('expires on the clock: works until the last millisecond, then 404 for reading and accepting', async () => {
    const { token } = await invited('late@example.org', { expiresInHours: 1 });
    h.time.advance(60 * MINUTE - 1);
    expect((await h.call(null, 'GET', `${URL}/${token}`)).statusCode).toBe(200);
    h.time.advance(1);
    expect((await h.call(null, 'GET', `${URL}/${token}`)).statusCode).toBe(404);
    expect((await accept(token, { password: GOOD_PASSWORD })).statusCode).toBe(404);
  });

  it('stops working when re-issued or when the account is deactivated', async () => {
    const { token, userId } = await invited('revoked@example.org');
    const again = await h.call(admin, 'POST', `/api/v1/users/${userId}/invitations`, { expiresInHours: 2 });
    expect(again.statusCode).toBe(201);
    expect((await accept(token, { password: GOOD_PASSWORD })).statusCode).toBe(404);

    const fresh = (again.json().invitation.link as string).split('#token=')[1]!;
    expect((await h.call(admin, 'POST', `/api/v1/users/${userId}/deactivate`)).statusCode).toBe(200);
    expect((await accept(fresh, { password: GOOD_PASSWORD })).statusCode).toBe(404);
  });

  it('tells people whose role needs a second factor to enrol one', async () => {
    const { token } = await invited('coordinator@example.org', { roleCode: 'prevention_coordinator' });
    expect((await h.call(null, 'GET', `${URL}/${token}`)).json().role.requiresSecondFactor).toBe(true);
    expect((await accept(token, { password: GOOD_PASSWORD })).json().secondFactorRequired).toBe(true);
  });
});
