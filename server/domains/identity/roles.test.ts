import { afterAll, beforeAll, expect, it } from 'vitest';
import { BUILTIN_ROLES, RESOURCES } from '../../platform/access/policy.ts';
import { describeEachDialect } from '../../test/databases.ts';
import type { TestSignIn } from '../../test/auth.ts';
import { organisationsRoutes } from './organisations.routes.ts';
import { rolesRoutes } from './roles.routes.ts';
import { usersRoutes } from './users.routes.ts';
import { buildHarness, organisationIdOf, type Harness } from './users.fixtures.ts';

const URL = '/api/v1/roles';

/** Manages the accounts of its own organisation and may give them the partner-member role, nothing more. */
const schoolOffice = {
  code: 'school_office',
  name: 'School office',
  description: 'Invites and looks after the school’s own accounts.',
  grants: [
    { resource: 'user', action: 'read', scope: 'organisation' },
    { resource: 'user', action: 'create', scope: 'organisation' },
    { resource: 'user', action: 'update', scope: 'organisation' },
    { resource: 'area', action: 'read', scope: 'all' },
    { resource: 'taxonomy', action: 'read', scope: 'all' },
    { resource: 'picture', action: 'read', scope: 'all' },
    { resource: 'trigger_event', action: 'read', scope: 'all' },
    { resource: 'organisation', action: 'read', scope: 'organisation' },
    { resource: 'session', action: 'read', scope: 'own' },
    { resource: 'session', action: 'end', scope: 'own' },
  ],
};

describeEachDialect('roles API', (ctx) => {
  let h: Harness;
  let admin: TestSignIn;
  let coordinator: TestSignIn;
  let partner: TestSignIn;

  beforeAll(async () => {
    h = await buildHarness(ctx.db, [rolesRoutes, usersRoutes, organisationsRoutes]);
    admin = await h.signIn('city_admin', 'City of Testville');
    coordinator = await h.signIn('prevention_coordinator', 'City of Testville');
    partner = await h.signIn('partner_member', 'Riverside School');
  });
  afterAll(async () => h.app.close());

  it('lists built-in roles with grants, member counts and whether they need a second factor: 401 → 403 → 200', async () => {
    expect((await h.call(null, 'GET', URL)).statusCode).toBe(401);
    expect((await h.call(partner, 'GET', URL)).statusCode).toBe(403);
    const r = await h.call(admin, 'GET', URL);
    expect(r.statusCode).toBe(200);
    const items = r.json().items as Array<Record<string, unknown> & { code: string }>;
    expect(items.map((i) => i.code).sort()).toEqual(BUILTIN_ROLES.map((b) => b.code).sort());
    const byCode = Object.fromEntries(items.map((i) => [i.code, i]));
    expect(byCode.city_admin).toMatchObject({
      name: 'City administrator',
      builtin: true,
      memberCount: 1,
      requiresSecondFactor: true,
      abilities: { update: false, remove: false },
    });
    expect(byCode.city_admin!.grants).toEqual(BUILTIN_ROLES.find((b) => b.code === 'city_admin')!.grants);
    expect(byCode.partner_member).toMatchObject({ requiresSecondFactor: false, memberCount: 1 });
    expect(r.json().abilities).toEqual({ create: true });
    expect((await h.call(coordinator, 'GET', URL)).json().abilities).toEqual({ create: false });

    expect((await h.call(admin, 'GET', `${URL}/analyst`)).json()).toMatchObject({
      code: 'analyst',
      memberCount: 0,
    });
    expect((await h.call(admin, 'GET', `${URL}/nobody`)).statusCode).toBe(404);
  });

  it('serves the catalogue a role editor composes from', async () => {
    expect((await h.call(null, 'GET', '/api/v1/access/catalogue')).statusCode).toBe(401);
    expect((await h.call(partner, 'GET', '/api/v1/access/catalogue')).statusCode).toBe(403);
    const r = (await h.call(admin, 'GET', '/api/v1/access/catalogue')).json();
    expect(r.scopes).toEqual(['own', 'organisation', 'all']);
    expect(r.resources.map((x: { resource: string }) => x.resource)).toEqual([...RESOURCES]);
    const of = (name: string) => r.resources.find((x: { resource: string }) => x.resource === name);
    expect(of('session')).toEqual({
      resource: 'session',
      actions: ['read', 'end'],
      secondFactorFrom: 'organisation',
    });
    expect(of('signal').secondFactorFrom).toBe('own');
    expect(of('area').secondFactorFrom).toBeNull();
  });

  it('creates a custom role: 401 → 400 with located problems → 403 → 201 → 409, audited', async () => {
    expect((await h.call(null, 'POST', URL, schoolOffice)).statusCode).toBe(401);
    const invalid: Array<[object, string]> = [
      [{ ...schoolOffice, code: 'School Office' }, 'code'],
      [{ ...schoolOffice, grants: [] }, 'grants'],
      [{ ...schoolOffice, grants: [{ resource: 'moon', action: 'read', scope: 'all' }] }, 'grants'],
      [{ ...schoolOffice, grants: [{ resource: 'user', action: 'read', scope: 'galaxy' }] }, 'grants'],
      [{ ...schoolOffice, builtin: true }, 'builtin'],
    ];
    for (const [payload, field] of invalid) {
      const bad = await h.call(admin, 'POST', URL, payload);
      expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
      expect(JSON.stringify(bad.json().errors)).toContain(field);
    }
    const problems = await h.call(admin, 'POST', URL, {
      ...schoolOffice,
      grants: [
        { resource: 'user', action: 'read', scope: 'all' },
        { resource: 'session', action: 'import', scope: 'all' },
        { resource: 'user', action: 'read', scope: 'own' },
      ],
    });
    expect(problems.statusCode).toBe(400);
    expect(problems.json().errors).toEqual([
      { field: 'grants.1', value: 'session:import:all', reason: 'session has no action import' },
      { field: 'grants.2', value: 'user:read:own', reason: 'user read is granted more than once' },
    ]);
    expect((await h.call(coordinator, 'POST', URL, schoolOffice)).statusCode).toBe(403);

    const created = await h.call(admin, 'POST', URL, schoolOffice);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      ...schoolOffice,
      builtin: false,
      requiresSecondFactor: true,
      memberCount: 0,
      createdAt: '2026-03-02T09:00:00.000Z',
      updatedAt: '2026-03-02T09:00:00.000Z',
      abilities: { update: true, remove: true },
    });
    expect(await h.auditFor('school_office')).toEqual([
      {
        action: 'role.create',
        actorUserId: admin.userId,
        details: {
          grants: schoolOffice.grants.map((g) => `${g.resource}:${g.action}:${g.scope}`),
          requiresSecondFactor: true,
        },
      },
    ]);

    expect((await h.call(admin, 'POST', URL, schoolOffice)).statusCode).toBe(409);
    expect((await h.call(admin, 'POST', URL, { ...schoolOffice, code: 'city_admin' })).statusCode).toBe(409);
  });

  it('gives a member of a custom role exactly what its grants allow', async () => {
    const office = await h.signIn('school_office', 'Riverside School');
    const schoolId = await organisationIdOf(ctx.db, 'Riverside School');
    const cityId = await organisationIdOf(ctx.db, 'City of Testville');

    const people = (await h.call(office, 'GET', '/api/v1/users')).json();
    expect(people.items.map((u: { id: string }) => u.id).sort()).toEqual(
      [office.userId, partner.userId].sort(),
    );
    expect((await h.call(office, 'GET', `/api/v1/users/${admin.userId}`)).statusCode).toBe(404);
    expect(
      (await h.call(office, 'GET', '/api/v1/organisations')).json().items.map((o: { id: string }) => o.id),
    ).toEqual([schoolId]);

    const invite = (organisationId: string, roleCode: string, email: string) =>
      h.call(office, 'POST', '/api/v1/users', { email, displayName: 'New Parent', organisationId, roleCode });
    expect((await invite(cityId, 'partner_member', 'a@example.org')).statusCode).toBe(404);
    expect((await invite(schoolId, 'prevention_coordinator', 'b@example.org')).statusCode).toBe(403);
    expect((await invite(schoolId, 'partner_member', 'c@example.org')).statusCode).toBe(201);
    expect((await h.call(office, 'POST', `/api/v1/users/${partner.userId}/deactivate`)).statusCode).toBe(403);
    expect((await h.call(office, 'GET', URL)).statusCode).toBe(403);
    expect(
      (await h.call(office, 'POST', '/api/v1/organisations', { name: 'X', kind: 'school' })).statusCode,
    ).toBe(403);

    // Its grants reach other people's accounts, so a session without the second factor gets nowhere.
    const unconfirmed = await h.signIn('school_office', 'Riverside School', { mfaSatisfied: false });
    const blocked = await h.call(unconfirmed, 'GET', '/api/v1/users');
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('SECOND_FACTOR_REQUIRED');

    expect((await h.call(admin, 'GET', `${URL}/school_office`)).json()).toMatchObject({
      memberCount: 2,
      abilities: { update: true, remove: false },
    });
  });

  it('changes a custom role: 400 → 403 → 404 → 409 for built-in → 200, members get the new grants at once', async () => {
    const url = `${URL}/school_office`;
    expect((await h.call(null, 'PATCH', url, { name: 'X' })).statusCode).toBe(401);
    expect((await h.call(admin, 'PATCH', url, {})).statusCode).toBe(400);
    expect((await h.call(admin, 'PATCH', url, { code: 'renamed' })).statusCode).toBe(400);
    expect(
      (
        await h.call(admin, 'PATCH', url, { grants: [{ resource: 'audit', action: 'update', scope: 'all' }] })
      ).json().errors,
    ).toEqual([{ field: 'grants.0', value: 'audit:update:all', reason: 'audit has no action update' }]);
    expect((await h.call(coordinator, 'PATCH', url, { name: 'X' })).statusCode).toBe(403);
    expect((await h.call(admin, 'PATCH', `${URL}/nobody`, { name: 'X' })).statusCode).toBe(404);
    const builtin = await h.call(admin, 'PATCH', `${URL}/analyst`, { name: 'Data analyst' });
    expect(builtin.statusCode).toBe(409);
    expect(builtin.json().code).toBe('CONFLICT');

    const office = await h.signIn('school_office', 'Riverside School');
    expect((await h.call(office, 'GET', '/api/v1/users')).statusCode).toBe(200);
    const readOnly = schoolOffice.grants.filter((g) => g.resource !== 'user');
    h.time.advance(60_000);
    const r = await h.call(admin, 'PATCH', url, {
      name: 'School office (read only)',
      description: null,
      grants: readOnly,
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      name: 'School office (read only)',
      description: null,
      grants: readOnly,
      requiresSecondFactor: false,
      updatedAt: '2026-03-02T09:01:00.000Z',
    });
    expect((await h.call(office, 'GET', '/api/v1/users')).statusCode).toBe(403);
    expect((await h.auditFor('school_office')).at(-1)).toMatchObject({
      action: 'role.update',
      actorUserId: admin.userId,
      details: { changed: ['name', 'description', 'grants'], requiresSecondFactor: false },
    });
  });

  it('removes a custom role nobody holds: 403 → 404 → 409 built-in or with members → 204, audited', async () => {
    const url = `${URL}/school_office/remove`;
    expect((await h.call(null, 'POST', url)).statusCode).toBe(401);
    expect((await h.call(coordinator, 'POST', url)).statusCode).toBe(403);
    expect((await h.call(admin, 'POST', `${URL}/nobody/remove`)).statusCode).toBe(404);
    expect((await h.call(admin, 'POST', `${URL}/practitioner/remove`)).statusCode).toBe(409);
    const inUse = await h.call(admin, 'POST', url);
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().errors[0]).toMatchObject({ field: 'memberCount', value: 3 });

    await ctx.db.kysely
      .deleteFrom('session')
      .where('userId', 'in', (eb) =>
        eb.selectFrom('appUser').select('id').where('roleCode', '=', 'school_office'),
      )
      .execute();
    await ctx.db.kysely
      .updateTable('appUser')
      .set({ roleCode: 'partner_member' })
      .where('roleCode', '=', 'school_office')
      .execute();
    const removed = await h.call(admin, 'POST', url);
    expect(removed.statusCode).toBe(204);
    expect((await h.call(admin, 'GET', `${URL}/school_office`)).statusCode).toBe(404);
    expect((await h.auditFor('school_office')).map((e) => e.action)).toEqual([
      'role.create',
      'role.update',
      'role.remove',
    ]);
  });

  it('documents its endpoints', async () => {
    const doc = (await h.call(null, 'GET', '/api/v1/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/roles',
        '/api/v1/roles/{code}',
        '/api/v1/roles/{code}/remove',
        '/api/v1/access/catalogue',
      ]),
    );
  });
});
