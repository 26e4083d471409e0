import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../../test/databases.ts';
import type { TestSignIn } from '../../test/auth.ts';
import { organisationsRoutes } from './organisations.routes.ts';
import { buildHarness, insertRole, organisationIdOf, type Harness } from './users.fixtures.ts';

const URL = '/api/v1/organisations';

describeEachDialect('organisations API', (ctx) => {
  let h: Harness;
  let admin: TestSignIn;
  let partner: TestSignIn;
  let practitioner: TestSignIn;
  let cityId: string;
  let mosqueId: string;

  beforeAll(async () => {
    h = await buildHarness(ctx.db, [organisationsRoutes]);
    admin = await h.signIn('city_admin', 'City of Testville');
    practitioner = await h.signIn('practitioner', 'City of Testville');
    partner = await h.signIn('partner_member', 'Northside Mosque');
    cityId = await organisationIdOf(ctx.db, 'City of Testville');
    mosqueId = await organisationIdOf(ctx.db, 'Northside Mosque');
  });
  afterAll(async () => h.app.close());

  it('lists organisations: 401 → 400 → 200, a partner member seeing only their own', async () => {
    expect((await h.call(null, 'GET', URL)).statusCode).toBe(401);
    const bad = await h.call(admin, 'GET', `${URL}?kind=bakery`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_FAILED');

    const all = await h.call(admin, 'GET', URL);
    expect(all.statusCode).toBe(200);
    expect(all.json().items.map((o: { name: string }) => o.name)).toEqual([
      'City of Testville',
      'Northside Mosque',
    ]);
    expect(all.json().abilities).toEqual({ create: true });
    expect(all.json().items[0]).toEqual({
      id: cityId,
      name: 'City of Testville',
      kind: 'city_department',
      state: 'active',
      memberCount: 2,
      createdAt: '2026-03-02T09:00:00.000Z',
      updatedAt: '2026-03-02T09:00:00.000Z',
      archivedAt: null,
      abilities: { read: true, update: true, archive: true },
    });

    const own = await h.call(partner, 'GET', URL);
    expect(own.json().items.map((o: { id: string }) => o.id)).toEqual([mosqueId]);
    expect(own.json().items[0].abilities).toEqual({ read: true, update: false, archive: false });
    expect(own.json().abilities).toEqual({ create: false });

    expect(
      (await h.call(practitioner, 'GET', `${URL}?q=MOSQ`)).json().items.map((o: { id: string }) => o.id),
    ).toEqual([mosqueId]);
    expect((await h.call(practitioner, 'GET', `${URL}?q=%25`)).json().items).toEqual([]);
  });

  it('creates an organisation: 401 → 400 → 403 → 201 → 409 for the same name in another case, audited', async () => {
    const body = { name: 'Riverside Secondary School', kind: 'school' };
    expect((await h.call(null, 'POST', URL, body)).statusCode).toBe(401);
    const noCsrf = await h.call(admin, 'POST', URL, body, { 'x-csrf-token': '' });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().code).toBe('CSRF_FAILED');
    for (const payload of [
      { ...body, kind: 'bakery' },
      { ...body, name: ' ' },
      { ...body, archivedAt: null },
      {},
    ]) {
      expect((await h.call(admin, 'POST', URL, payload)).statusCode, JSON.stringify(payload)).toBe(400);
    }
    const denied = await h.call(practitioner, 'POST', URL, body);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('FORBIDDEN');

    const created = await h.call(admin, 'POST', URL, body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'Riverside Secondary School',
      kind: 'school',
      state: 'active',
      memberCount: 0,
    });
    const id = created.json().id as string;
    expect(await h.auditFor(id)).toEqual([
      { action: 'organisation.create', actorUserId: admin.userId, details: { kind: 'school' } },
    ]);

    const again = await h.call(admin, 'POST', URL, { name: 'riverside SECONDARY school', kind: 'ngo' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('CONFLICT');
    expect(again.json().errors[0].field).toBe('name');
  });

  it('reads one: 400 → 404 outside the actor’s organisation or unknown → 200', async () => {
    expect((await h.call(null, 'GET', `${URL}/${cityId}`)).statusCode).toBe(401);
    expect((await h.call(admin, 'GET', `${URL}/not-an-id`)).statusCode).toBe(400);
    expect((await h.call(partner, 'GET', `${URL}/${cityId}`)).statusCode).toBe(404);
    expect((await h.call(admin, 'GET', `${URL}/0190a5c4-0000-7000-8000-000000000000`)).statusCode).toBe(404);
    const own = await h.call(partner, 'GET', `${URL}/${mosqueId}`);
    expect(own.statusCode).toBe(200);
    expect(own.json().name).toBe('Northside Mosque');
  });

  it('changes one: 400 → 403 → 404 → 200 → 409 for a taken name, audited only when something changed', async () => {
    const url = `${URL}/${mosqueId}`;
    expect((await h.call(null, 'PATCH', url, { kind: 'faith_group' })).statusCode).toBe(401);
    expect((await h.call(admin, 'PATCH', url, {})).statusCode).toBe(400);
    expect((await h.call(admin, 'PATCH', url, { kind: 'church' })).statusCode).toBe(400);
    expect((await h.call(practitioner, 'PATCH', url, { kind: 'faith_group' })).statusCode).toBe(403);
    expect(
      (await h.call(admin, 'PATCH', `${URL}/0190a5c4-0000-7000-8000-000000000000`, { kind: 'ngo' }))
        .statusCode,
    ).toBe(404);

    h.time.advance(60_000);
    const changed = await h.call(admin, 'PATCH', url, {
      kind: 'faith_group',
      name: 'Northside Mosque Association',
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({
      kind: 'faith_group',
      name: 'Northside Mosque Association',
      updatedAt: '2026-03-02T09:01:00.000Z',
    });
    // Same values again: nothing to record.
    expect((await h.call(admin, 'PATCH', url, { kind: 'faith_group' })).statusCode).toBe(200);
    expect(await h.auditFor(mosqueId)).toEqual([
      {
        action: 'organisation.update',
        actorUserId: admin.userId,
        details: { changed: ['name', 'kind'], kind: 'faith_group' },
      },
    ]);

    const taken = await h.call(admin, 'PATCH', url, { name: 'CITY OF TESTVILLE' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('CONFLICT');
  });

  it('scopes a custom organisation-level role: its own organisation answers, another one is 404', async () => {
    await insertRole(ctx.db, 'mosque_secretary', [
      { resource: 'organisation', action: 'read', scope: 'organisation' },
      { resource: 'organisation', action: 'update', scope: 'organisation' },
    ]);
    const secretary = await h.signIn('mosque_secretary', 'Northside Mosque Association');
    expect((await h.call(secretary, 'PATCH', `${URL}/${cityId}`, { kind: 'other' })).statusCode).toBe(404);
    expect(
      (await h.call(secretary, 'PATCH', `${URL}/${mosqueId}`, { kind: 'community_group' })).statusCode,
    ).toBe(200);
    // Reading every organisation but updating only one's own: another organisation is visible, so 403.
    await insertRole(ctx.db, 'liaison', [
      { resource: 'organisation', action: 'read', scope: 'all' },
      { resource: 'organisation', action: 'update', scope: 'organisation' },
    ]);
    const liaison = await h.signIn('liaison', 'Northside Mosque Association');
    const forbidden = await h.call(liaison, 'PATCH', `${URL}/${cityId}`, { kind: 'other' });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('FORBIDDEN');
  });

  it('archives an organisation once it has no people: 409 → 200 → 409, hidden from the list unless asked', async () => {
    const school = (await h.call(admin, 'GET', `${URL}?kind=school`)).json().items[0];
    const url = `${URL}/${school.id}/archive`;
    expect((await h.call(null, 'POST', url)).statusCode).toBe(401);
    expect((await h.call(admin, 'POST', `${URL}/nope/archive`)).statusCode).toBe(400);
    expect((await h.call(practitioner, 'POST', url)).statusCode).toBe(403);
    expect((await h.call(partner, 'POST', `${URL}/${cityId}/archive`)).statusCode).toBe(403);

    const withPeople = await h.call(admin, 'POST', `${URL}/${cityId}/archive`);
    expect(withPeople.statusCode).toBe(409);
    expect(withPeople.json().errors[0]).toMatchObject({ field: 'memberCount', value: 2 });

    const archived = await h.call(admin, 'POST', url);
    expect(archived.statusCode).toBe(200);
    expect(archived.json()).toMatchObject({
      state: 'archived',
      abilities: { update: false, archive: false },
    });
    expect(archived.json().archivedAt).toBe(h.time.clock.now().toISOString());
    expect((await h.auditFor(school.id)).map((e) => e.action)).toEqual([
      'organisation.create',
      'organisation.archive',
    ]);

    expect((await h.call(admin, 'POST', url)).statusCode).toBe(409);
    expect((await h.call(admin, 'PATCH', `${URL}/${school.id}`, { name: 'Renamed' })).statusCode).toBe(409);
    const names = async (q: string) =>
      (await h.call(admin, 'GET', `${URL}${q}`)).json().items.map((o: { name: string }) => o.name);
    expect(await names('')).not.toContain('Riverside Secondary School');
    expect(await names('?includeArchived=true')).toContain('Riverside Secondary School');
  });

  it('documents its endpoints', async () => {
    const doc = (await h.call(null, 'GET', '/api/v1/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/organisations',
        '/api/v1/organisations/{id}',
        '/api/v1/organisations/{id}/archive',
      ]),
    );
  });
});
