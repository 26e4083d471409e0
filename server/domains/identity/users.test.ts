import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../../test/databases.ts';
import type { TestSignIn } from '../../test/auth.ts';
import { invitationsRoutes } from './invitations.routes.ts';
import { organisationsRoutes } from './organisations.routes.ts';
import { usersRoutes } from './users.routes.ts';
import { buildHarness, insertRole, organisationIdOf, type Harness } from './users.fixtures.ts';

const URL = '/api/v1/users';
const UNKNOWN_ID = '0190a5c4-0000-7000-8000-000000000000';
const HOUR = 3_600_000;

const tokenOf = (link: string): string => {
  const match = /^\/accept-invitation#token=([A-Za-z0-9_-]{43})$/.exec(link);
  if (!match?.[1]) throw new Error(`not an invitation link: ${link}`);
  return match[1];
};

describeEachDialect('users API', (ctx) => {
  let h: Harness;
  let admin: TestSignIn;
  let coordinator: TestSignIn;
  let practitioner: TestSignIn;
  let partner: TestSignIn;
  let cityId: string;
  let schoolId: string;

  const invite = (who: TestSignIn, body: Record<string, unknown>) => h.call(who, 'POST', URL, body);
  const valid = () => ({
    email: 'Amira.Haddad@Example.org',
    displayName: 'Amira Haddad',
    organisationId: schoolId,
    roleCode: 'practitioner',
  });

  beforeAll(async () => {
    h = await buildHarness(ctx.db, [usersRoutes, invitationsRoutes, organisationsRoutes]);
    admin = await h.signIn('city_admin', 'City of Testville');
    coordinator = await h.signIn('prevention_coordinator', 'City of Testville');
    practitioner = await h.signIn('practitioner', 'City of Testville');
    partner = await h.signIn('partner_member', 'Riverside School');
    cityId = await organisationIdOf(ctx.db, 'City of Testville');
    schoolId = await organisationIdOf(ctx.db, 'Riverside School');
  });
  afterAll(async () => h.app.close());

  it('invites someone: 401 → 400 → 403 → 404 → 201 with a one-time link stored only as a hash → 409', async () => {
    expect((await h.call(null, 'POST', URL, valid())).statusCode).toBe(401);
    const invalid: Array<Record<string, unknown>> = [
      { ...valid(), email: 'not-an-email' },
      { ...valid(), displayName: '' },
      { ...valid(), organisationId: 'x' },
      { ...valid(), locale: 'not a locale!' },
      { ...valid(), expiresInHours: 0 },
      { ...valid(), expiresInHours: 14 * 24 + 1 },
      { ...valid(), status: 'active' },
    ];
    for (const payload of invalid) {
      const r = await invite(admin, payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().code).toBe('VALIDATION_FAILED');
    }
    expect((await invite(practitioner, valid())).statusCode).toBe(403);
    expect((await invite(partner, valid())).json().code).toBe('FORBIDDEN');
    const noOrg = await invite(admin, { ...valid(), organisationId: UNKNOWN_ID });
    expect(noOrg.statusCode).toBe(404);
    const noRole = await invite(admin, { ...valid(), roleCode: 'wizard' });
    expect(noRole.statusCode).toBe(404);
    expect(noRole.json().errors).toEqual([{ field: 'roleCode', value: 'wizard' }]);

    const r = await invite(admin, valid());
    expect(r.statusCode).toBe(201);
    const { user, invitation } = r.json();
    expect(user).toEqual({
      id: expect.any(String),
      email: 'amira.haddad@example.org',
      displayName: 'Amira Haddad',
      locale: 'en',
      status: 'invited',
      role: { code: 'practitioner', name: 'Practitioner' },
      organisation: { id: schoolId, name: 'Riverside School' },
      lastLoginAt: null,
      totpEnabled: false,
      createdAt: '2026-03-02T09:00:00.000Z',
      updatedAt: '2026-03-02T09:00:00.000Z',
      deactivatedAt: null,
      abilities: { update: true, deactivate: true, reactivate: false, reinvite: true },
    });
    expect(invitation.expiresAt).toBe(
      new Date(Date.parse('2026-03-02T09:00:00.000Z') + 72 * HOUR).toISOString(),
    );
    const token = tokenOf(invitation.link);

    const stored = await ctx.db.kysely
      .selectFrom('invitation')
      .selectAll()
      .where('userId', '=', user.id)
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored[0]!.invitedBy).toBe(admin.userId);

    expect(await h.auditFor(user.id)).toEqual([
      {
        action: 'user.invite',
        actorUserId: admin.userId,
        details: {
          organisationId: schoolId,
          roleCode: 'practitioner',
          invitationId: stored[0]!.id,
          expiresAt: invitation.expiresAt,
        },
      },
    ]);
    const details = await ctx.db.kysely.selectFrom('auditEvent').select('details').execute();
    expect(JSON.stringify(details)).not.toMatch(/amira|token=/i);

    const again = await invite(admin, {
      ...valid(),
      email: 'AMIRA.haddad@example.org',
      displayName: 'Someone',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0].field).toBe('email');

    const long = await invite(admin, {
      ...valid(),
      email: 'long@example.org',
      displayName: 'Lena Long',
      expiresInHours: 14 * 24,
      locale: 'fr-ca',
    });
    expect(long.json().invitation.expiresAt).toBe(
      new Date(Date.parse('2026-03-02T09:00:00.000Z') + 14 * 24 * HOUR).toISOString(),
    );
    expect(long.json().user.locale).toBe('fr-CA');
  });

  it('refuses to invite into an archived organisation (409)', async () => {
    const org = await h.call(admin, 'POST', '/api/v1/organisations', {
      name: 'Closed Youth Club',
      kind: 'ngo',
    });
    expect((await h.call(admin, 'POST', `/api/v1/organisations/${org.json().id}/archive`)).statusCode).toBe(
      200,
    );
    const r = await invite(admin, { ...valid(), email: 'late@example.org', organisationId: org.json().id });
    expect(r.statusCode).toBe(409);
    expect(r.json().errors[0]).toMatchObject({ field: 'organisationId', reason: 'archived' });
  });

  it('lists people: 401 → 400 → 403 → 200, filtered, paged and scoped to the organisation for a coordinator', async () => {
    expect((await h.call(null, 'GET', URL)).statusCode).toBe(401);
    for (const q of ['status=gone', 'limit=0', 'limit=201', 'organisation=x', 'sort=name']) {
      expect((await h.call(admin, 'GET', `${URL}?${q}`)).statusCode, q).toBe(400);
    }
    expect((await h.call(admin, 'GET', `${URL}?cursor=garbage`)).json().errors[0].field).toBe('cursor');
    await insertRole(ctx.db, 'no_people', [{ resource: 'organisation', action: 'read', scope: 'all' }]);
    const outsider = await h.signIn('no_people', 'City of Testville');
    expect((await h.call(outsider, 'GET', URL)).statusCode).toBe(403);
    await ctx.db.kysely.deleteFrom('session').where('userId', '=', outsider.userId).execute();
    await ctx.db.kysely.deleteFrom('appUser').where('id', '=', outsider.userId).execute();
    // A member with only self-service grants sees their own account and nobody else's.
    const own = await h.call(partner, 'GET', URL);
    expect(own.json().items.map((u: { id: string }) => u.id)).toEqual([partner.userId]);
    expect(own.json().total).toBe(1);

    const all = await h.call(admin, 'GET', URL);
    expect(all.statusCode).toBe(200);
    expect(all.json().total).toBe(6);
    expect(all.json().abilities).toEqual({ invite: true });
    // Listing people is a read of personal data: recorded with its filters, never the names it showed.
    const listed = await ctx.db.kysely
      .selectFrom('auditEvent')
      .select(['actorUserId', 'details'])
      .where('action', '=', 'user.list')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    expect(listed.actorUserId).toBe(admin.userId);
    expect(JSON.parse(listed.details!)).toEqual({ shown: 6 });
    const ids = all.json().items.map((u: { id: string }) => u.id);

    // Pages of two follow each other without gaps or repeats.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; nextCursor: string | null; total: number } = (
        await h.call(admin, 'GET', `${URL}?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      expect(page.total).toBe(6);
      seen.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);

    const names = async (q: string, who = admin) =>
      (await h.call(who, 'GET', `${URL}?${q}`)).json().items.map((u: { email: string }) => u.email);
    expect(await names('q=HADDAD')).toEqual(['amira.haddad@example.org']);
    expect(await names('q=example.ORG')).toEqual(['amira.haddad@example.org', 'long@example.org']);
    // LIKE wildcards in the search text are taken literally.
    const underscored = await names('q=_');
    expect(underscored).toHaveLength(3);
    expect(underscored.every((e: string) => e.includes('_'))).toBe(true);
    expect(await names('q=%25')).toEqual([]);
    expect(await names(`organisation=${schoolId}&status=invited`)).toHaveLength(2);
    expect(await names('role=city_admin')).toHaveLength(1);
    expect(await names('status=deactivated')).toEqual([]);

    // A coordinator reads people of their own organisation only: the school's accounts do not exist for them.
    const scoped = await h.call(coordinator, 'GET', URL);
    expect(scoped.json().items.map((u: { organisation: { id: string } }) => u.organisation.id)).toEqual([
      cityId,
      cityId,
      cityId,
    ]);
    expect(scoped.json().total).toBe(3);
    expect(scoped.json().abilities).toEqual({ invite: false });
    expect(await names(`organisation=${schoolId}`, coordinator)).toEqual([]);
  });

  it('reads one account: 400 → 404 (unknown, or outside the organisation) → 200 without any secret', async () => {
    expect((await h.call(null, 'GET', `${URL}/${partner.userId}`)).statusCode).toBe(401);
    expect((await h.call(admin, 'GET', `${URL}/nope`)).statusCode).toBe(400);
    expect((await h.call(admin, 'GET', `${URL}/${UNKNOWN_ID}`)).statusCode).toBe(404);
    expect((await h.call(coordinator, 'GET', `${URL}/${partner.userId}`)).statusCode).toBe(404);
    expect((await h.call(coordinator, 'GET', `${URL}/${practitioner.userId}`)).statusCode).toBe(200);

    await ctx.db.kysely
      .updateTable('appUser')
      .set({
        passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0c2FsdA$SECRETHASHVALUE',
        totpSecret: 'JBSWY3DPEHPK3PXPSECRET',
        pendingTotpSecret: 'PENDINGSECRETVALUE',
        totpEnabledAt: '2026-03-01T00:00:00.000Z',
        lastLoginAt: '2026-03-02T08:00:00.000Z',
      })
      .where('id', '=', practitioner.userId)
      .execute();
    const r = await h.call(admin, 'GET', `${URL}/${practitioner.userId}`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      totpEnabled: true,
      lastLoginAt: '2026-03-02T08:00:00.000Z',
      invitationExpiresAt: null,
    });
    expect(r.body).not.toMatch(/SECRET|argon2|passwordHash|totpSecret|tokenHash/);
    // Looking at someone else's account is recorded; the refused and unknown reads above are not reads.
    const reads = (await h.auditFor(practitioner.userId)).filter((e) => e.action === 'user.read');
    expect(reads.map((e) => e.actorUserId)).toEqual([coordinator.userId, admin.userId]);
    const ownBefore = (await h.auditFor(admin.userId)).filter((e) => e.action === 'user.read').length;
    expect((await h.call(admin, 'GET', `${URL}/${admin.userId}`)).statusCode).toBe(200);
    expect((await h.auditFor(admin.userId)).filter((e) => e.action === 'user.read')).toHaveLength(ownBefore);
    const list = await h.call(admin, 'GET', URL);
    expect(list.body).not.toMatch(/SECRET|argon2|passwordHash|totpSecret|tokenHash/);

    const invited = (await h.call(admin, 'GET', `${URL}?q=amira`)).json().items[0];
    const detail = await h.call(admin, 'GET', `${URL}/${invited.id}`);
    expect(detail.json().invitationExpiresAt).toBe(
      new Date(Date.parse('2026-03-02T09:00:00.000Z') + 72 * HOUR).toISOString(),
    );
  });

  it('changes an account: 400 → 403 → 404 → 200; never one’s own role; a practitioner may rename only themselves', async () => {
    const url = `${URL}/${practitioner.userId}`;
    expect((await h.call(null, 'PATCH', url, { displayName: 'X' })).statusCode).toBe(401);
    expect((await h.call(admin, 'PATCH', url, { email: 'new@example.org' })).statusCode).toBe(400);
    expect((await h.call(admin, 'PATCH', url, {})).statusCode).toBe(400);
    expect((await h.call(partner, 'PATCH', url, { displayName: 'X' })).statusCode).toBe(404);
    expect((await h.call(coordinator, 'PATCH', url, { displayName: 'X' })).statusCode).toBe(403);
    expect((await h.call(admin, 'PATCH', `${URL}/${UNKNOWN_ID}`, { displayName: 'X' })).statusCode).toBe(404);
    expect((await h.call(admin, 'PATCH', url, { roleCode: 'wizard' })).statusCode).toBe(404);
    expect((await h.call(admin, 'PATCH', url, { organisationId: UNKNOWN_ID })).statusCode).toBe(404);

    h.time.advance(60_000);
    const moved = await h.call(admin, 'PATCH', url, {
      displayName: 'Sam Okafor',
      roleCode: 'analyst',
      organisationId: schoolId,
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({
      displayName: 'Sam Okafor',
      role: { code: 'analyst', name: 'Analyst' },
      organisation: { id: schoolId, name: 'Riverside School' },
      updatedAt: '2026-03-02T09:01:00.000Z',
    });
    expect((await h.auditFor(practitioner.userId)).at(-1)).toEqual({
      action: 'user.update',
      actorUserId: admin.userId,
      details: {
        changed: ['displayName', 'roleCode', 'organisationId'],
        roleCode: 'analyst',
        previousRoleCode: 'practitioner',
        organisationId: schoolId,
        previousOrganisationId: cityId,
      },
    });

    // Their own name they may change; their own role they may not, whatever their grants.
    const self = `${URL}/${partner.userId}`;
    expect((await h.call(partner, 'PATCH', self, { displayName: 'Pat Member' })).statusCode).toBe(200);
    const promote = await h.call(partner, 'PATCH', self, { roleCode: 'city_admin' });
    expect(promote.statusCode).toBe(409);
    expect((await h.call(admin, 'PATCH', `${URL}/${admin.userId}`, { roleCode: 'analyst' })).statusCode).toBe(
      409,
    );
    expect((await h.call(admin, 'GET', self)).json().role.code).toBe('partner_member');
  });

  it('deactivates an account: every session ends at once and its next request answers 401', async () => {
    const victim = await h.signIn('practitioner', 'City of Testville');
    const second = await h.signIn('practitioner', 'City of Testville');
    await ctx.db.kysely
      .updateTable('session')
      .set({ userId: victim.userId })
      .where('id', '=', second.sessionId)
      .execute();
    expect((await h.call(victim, 'GET', '/api/v1/organisations')).statusCode).toBe(200);

    const url = `${URL}/${victim.userId}/deactivate`;
    expect((await h.call(null, 'POST', url)).statusCode).toBe(401);
    expect((await h.call(admin, 'POST', `${URL}/nope/deactivate`)).statusCode).toBe(400);
    expect((await h.call(coordinator, 'POST', url)).statusCode).toBe(403);
    expect((await h.call(admin, 'POST', `${URL}/${UNKNOWN_ID}/deactivate`)).statusCode).toBe(404);
    const self = await h.call(admin, 'POST', `${URL}/${admin.userId}/deactivate`);
    expect(self.statusCode).toBe(409);

    h.time.advance(60_000);
    const r = await h.call(admin, 'POST', url);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      status: 'deactivated',
      deactivatedAt: '2026-03-02T09:02:00.000Z',
      abilities: { update: false, deactivate: false, reactivate: true, reinvite: false },
    });
    const sessions = await ctx.db.kysely
      .selectFrom('session')
      .select(['endedAt', 'endReason'])
      .where('userId', '=', victim.userId)
      .execute();
    expect(sessions).toEqual([
      { endedAt: '2026-03-02T09:02:00.000Z', endReason: 'deactivated' },
      { endedAt: '2026-03-02T09:02:00.000Z', endReason: 'deactivated' },
    ]);
    expect((await h.call(victim, 'GET', '/api/v1/organisations')).statusCode).toBe(401);
    expect((await h.call(second, 'GET', '/api/v1/organisations')).statusCode).toBe(401);
    expect((await h.auditFor(victim.userId)).at(-1)).toEqual({
      action: 'user.deactivate',
      actorUserId: admin.userId,
      details: { previousStatus: 'active', sessionsEnded: 2, invitationsRevoked: 0 },
    });

    expect((await h.call(admin, 'POST', url)).statusCode).toBe(409);
    expect((await h.call(admin, 'PATCH', `${URL}/${victim.userId}`, { displayName: 'X' })).statusCode).toBe(
      409,
    );
  });

  it('deactivating an invited account revokes its link', async () => {
    const invited = (await invite(admin, { ...valid(), email: 'soon.gone@example.org' })).json();
    const token = tokenOf(invited.invitation.link);
    expect((await h.call(null, 'GET', `/api/v1/invitations/${token}`)).statusCode).toBe(200);
    const r = await h.call(admin, 'POST', `${URL}/${invited.user.id}/deactivate`);
    expect(r.statusCode).toBe(200);
    expect((await h.auditFor(invited.user.id)).at(-1)?.details).toEqual({
      previousStatus: 'invited',
      sessionsEnded: 0,
      invitationsRevoked: 1,
    });
    expect((await h.call(null, 'GET', `/api/v1/invitations/${token}`)).statusCode).toBe(404);

    // Reactivated without ever having accepted: invited again, and only a new link works.
    const back = await h.call(admin, 'POST', `${URL}/${invited.user.id}/reactivate`);
    expect(back.json().status).toBe('invited');
    expect((await h.call(null, 'GET', `/api/v1/invitations/${token}`)).statusCode).toBe(404);
  });

  it('reactivates: 401 → 400 → 403 → 404 → 409 when not deactivated → 200 active again', async () => {
    const person = await h.signIn('analyst', 'City of Testville');
    await ctx.db.kysely
      .updateTable('appUser')
      .set({ passwordHash: 'x' })
      .where('id', '=', person.userId)
      .execute();
    const url = `${URL}/${person.userId}/reactivate`;
    expect((await h.call(null, 'POST', url)).statusCode).toBe(401);
    expect((await h.call(admin, 'POST', `${URL}/x/reactivate`)).statusCode).toBe(400);
    expect((await h.call(coordinator, 'POST', url)).statusCode).toBe(403);
    expect((await h.call(admin, 'POST', `${URL}/${UNKNOWN_ID}/reactivate`)).statusCode).toBe(404);
    expect((await h.call(admin, 'POST', url)).statusCode).toBe(409);
    expect((await h.call(admin, 'POST', `${URL}/${person.userId}/deactivate`)).statusCode).toBe(200);
    const r = await h.call(admin, 'POST', url);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'active', deactivatedAt: null });
    expect((await h.auditFor(person.userId)).map((e) => [e.action, e.details])).toEqual([
      ['user.deactivate', { previousStatus: 'active', sessionsEnded: 1, invitationsRevoked: 0 }],
      ['user.reactivate', { status: 'active' }],
    ]);
    // Sessions ended by the deactivation stay ended.
    expect((await h.call(person, 'GET', '/api/v1/organisations')).statusCode).toBe(401);
  });

  it('re-invites: only accounts that have not accepted, and older links stop working', async () => {
    const first = (await invite(admin, { ...valid(), email: 'twice@example.org' })).json();
    const url = `${URL}/${first.user.id}/invitations`;
    expect((await h.call(null, 'POST', url)).statusCode).toBe(401);
    expect((await h.call(admin, 'POST', url, { expiresInHours: 0 })).statusCode).toBe(400);
    expect((await h.call(coordinator, 'POST', url)).statusCode).toBe(403);
    expect((await h.call(admin, 'POST', `${URL}/${UNKNOWN_ID}/invitations`)).statusCode).toBe(404);
    expect((await h.call(admin, 'POST', `${URL}/${admin.userId}/invitations`)).statusCode).toBe(409);

    const second = await h.call(admin, 'POST', url, { expiresInHours: 24 });
    expect(second.statusCode).toBe(201);
    expect(second.json().invitation.expiresAt).toBe(
      new Date(h.time.clock.now().getTime() + 24 * HOUR).toISOString(),
    );
    const withoutBody = await h.call(admin, 'POST', url);
    expect(withoutBody.statusCode).toBe(201);
    expect(withoutBody.json().invitation.expiresAt).toBe(
      new Date(h.time.clock.now().getTime() + 72 * HOUR).toISOString(),
    );

    const status = async (link: string) =>
      (await h.call(null, 'GET', `/api/v1/invitations/${tokenOf(link)}`)).statusCode;
    expect(await status(first.invitation.link)).toBe(404);
    expect(await status(second.json().invitation.link)).toBe(404);
    expect(await status(withoutBody.json().invitation.link)).toBe(200);
    expect((await h.auditFor(first.user.id)).map((e) => e.action)).toEqual([
      'user.invite',
      'user.reinvite',
      'user.reinvite',
    ]);
    expect((await h.auditFor(first.user.id)).at(-1)?.details).toMatchObject({ invitationsRevoked: 1 });
  });

  it('documents its endpoints, the invitation link among the 201 fields', async () => {
    const doc = (await h.call(null, 'GET', '/api/v1/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/users',
        '/api/v1/users/{id}',
        '/api/v1/users/{id}/deactivate',
        '/api/v1/users/{id}/reactivate',
        '/api/v1/users/{id}/invitations',
        '/api/v1/invitations/{token}',
        '/api/v1/invitations/{token}/accept',
      ]),
    );
    const created = doc.paths['/api/v1/users'].post.responses['201'].content['application/json'].schema;
    expect(Object.keys(created.properties.invitation.properties)).toEqual(['id', 'expiresAt', 'link']);
    expect(JSON.stringify(doc.paths['/api/v1/users/{id}'])).not.toMatch(/passwordHash|totpSecret/);
  });
});

describeEachDialect('users API — delegated account management and the last administrator', (ctx) => {
  let h: Harness;
  beforeAll(async () => {
    h = await buildHarness(ctx.db, [usersRoutes]);
  });
  afterAll(async () => h.app.close());

  it('keeps at least one active city administrator', async () => {
    await insertRole(ctx.db, 'people_admin', [
      { resource: 'user', action: 'read', scope: 'all' },
      { resource: 'user', action: 'update', scope: 'all' },
      { resource: 'user', action: 'archive', scope: 'all' },
    ]);
    const peopleAdmin = await h.signIn('people_admin');
    const onlyAdmin = await h.signIn('city_admin');
    const last = await h.call(peopleAdmin, 'POST', `${URL}/${onlyAdmin.userId}/deactivate`);
    expect(last.statusCode).toBe(409);
    expect(last.json().title).toMatch(/last active city administrator/);
    expect(
      (await h.call(peopleAdmin, 'PATCH', `${URL}/${onlyAdmin.userId}`, { roleCode: 'analyst' })).statusCode,
    ).toBe(409);

    // An invited or deactivated administrator does not count.
    const invited = await h.signIn('city_admin');
    await ctx.db.kysely
      .updateTable('appUser')
      .set({ status: 'invited' })
      .where('id', '=', invited.userId)
      .execute();
    expect((await h.call(peopleAdmin, 'POST', `${URL}/${onlyAdmin.userId}/deactivate`)).statusCode).toBe(409);

    await h.signIn('city_admin');
    expect((await h.call(peopleAdmin, 'POST', `${URL}/${onlyAdmin.userId}/deactivate`)).statusCode).toBe(200);
  });

  it('lets an organisation-scoped manager manage only people of its organisation, with roles within its own grants', async () => {
    await insertRole(ctx.db, 'school_office', [
      { resource: 'user', action: 'read', scope: 'organisation' },
      { resource: 'user', action: 'create', scope: 'organisation' },
      { resource: 'user', action: 'update', scope: 'organisation' },
      { resource: 'user', action: 'archive', scope: 'organisation' },
      { resource: 'organisation', action: 'read', scope: 'organisation' },
    ]);
    await insertRole(ctx.db, 'school_member', [
      { resource: 'organisation', action: 'read', scope: 'organisation' },
    ]);
    const office = await h.signIn('school_office', 'Riverside School');
    const colleague = await h.signIn('school_member', 'Riverside School');
    const outsider = await h.signIn('school_member', 'Hillside School');
    const principal = await h.signIn('city_admin', 'Riverside School');
    const schoolId = await organisationIdOf(ctx.db, 'Riverside School');
    const otherId = await organisationIdOf(ctx.db, 'Hillside School');

    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { displayName: 'X' }],
      ['POST', '/deactivate', undefined],
      ['POST', '/reactivate', undefined],
    ] as const) {
      expect(
        (await h.call(office, method, `${URL}/${outsider.userId}${suffix}`, body)).statusCode,
        method + suffix,
      ).toBe(404);
    }
    const listed = (await h.call(office, 'GET', URL)).json().items.map((u: { id: string }) => u.id);
    expect(listed.sort()).toEqual([office.userId, colleague.userId, principal.userId].sort());

    const into = (organisationId: string, roleCode: string, email: string) =>
      h.call(office, 'POST', URL, { email, displayName: 'New Teacher', organisationId, roleCode });
    expect((await into(otherId, 'school_member', 'a@example.org')).statusCode).toBe(404);
    const escalate = await into(schoolId, 'city_admin', 'b@example.org');
    expect(escalate.statusCode).toBe(403);
    expect(escalate.json().errors[0]).toMatchObject({ field: 'roleCode', value: 'city_admin' });
    expect((await into(schoolId, 'school_member', 'c@example.org')).statusCode).toBe(201);

    expect(
      (await h.call(office, 'PATCH', `${URL}/${colleague.userId}`, { roleCode: 'school_office' })).statusCode,
    ).toBe(200);
    expect(
      (await h.call(office, 'PATCH', `${URL}/${colleague.userId}`, { organisationId: otherId })).statusCode,
    ).toBe(404);
    // Their city administrator is theirs to see, not theirs to manage.
    expect((await h.call(office, 'POST', `${URL}/${principal.userId}/deactivate`)).statusCode).toBe(403);
    expect(
      (await h.call(office, 'PATCH', `${URL}/${principal.userId}`, { roleCode: 'school_member' })).statusCode,
    ).toBe(403);
    expect((await h.call(office, 'POST', `${URL}/${colleague.userId}/deactivate`)).statusCode).toBe(200);
  });
});

describe('invitation links', () => {
  it('are 256-bit base64url tokens', () => {
    expect(() => tokenOf('/accept-invitation#token=short')).toThrow();
    expect(tokenOf(`/accept-invitation#token=${'A'.repeat(43)}`)).toHaveLength(43);
  });
});

describeEachDialect('inviting without reading others', (ctx) => {
  it('hands the one-time link to a role that may invite but reads no account beyond its own', async () => {
    await insertRole(ctx.db, 'enrolment_clerk', [
      { resource: 'user', action: 'create', scope: 'all' },
      { resource: 'user', action: 'read', scope: 'own' },
      { resource: 'organisation', action: 'read', scope: 'all' },
    ]);
    const h = await buildHarness(ctx.db, [usersRoutes]);
    try {
      const clerk = await h.signIn('enrolment_clerk');
      const r = await h.call(clerk, 'POST', URL, {
        email: 'new.youth.worker@example.org',
        displayName: 'New Youth Worker',
        organisationId: clerk.organisationId,
        roleCode: 'analyst',
      });
      expect(r.statusCode).toBe(201);
      expect(tokenOf(r.json().invitation.link)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // What the clerk may not see of the account is still left out.
      expect(r.json().user).not.toHaveProperty('email');
      expect((await h.call(clerk, 'GET', `${URL}/${r.json().user.id}`)).statusCode).toBe(404);
    } finally {
      await h.app.close();
    }
  });
});
