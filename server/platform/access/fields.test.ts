/**
 * Field-level access, checked from the policy's FIELD_RULES: each rule shown to a role that has it and left out for
 * one that has not; then, generated, every principal × resource with field rules through real HTTP requests, the
 * keys of each presented record equal to the presenter's schema minus what visibleFields() withholds on that record.
 * Also: list queries take a scope issued by the policy, and a scope that reaches nothing runs no query.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { Executor } from '../../db/database.ts';
import { auditFacts, auditEventSchema } from '../../domains/audit/audit.presenter.ts';
import { selectAuditEventPage } from '../../domains/audit/audit.repository.ts';
import { auditRoutes } from '../../domains/audit/audit.routes.ts';
import { organisationSchema } from '../../domains/identity/organisations.presenter.ts';
import { selectOrganisations } from '../../domains/identity/organisations.repository.ts';
import { organisationsRoutes } from '../../domains/identity/organisations.routes.ts';
import { roleSchema } from '../../domains/identity/roles.presenter.ts';
import { selectRoles } from '../../domains/identity/roles.repository.ts';
import { rolesRoutes } from '../../domains/identity/roles.routes.ts';
import { ROLE_FACTS } from '../../domains/identity/roles.service.ts';
import { adminSessionSchema } from '../../domains/identity/sessions-admin.presenter.ts';
import { selectLiveSessionPage } from '../../domains/identity/sessions-admin.repository.ts';
import { sessionsAdminRoutes } from '../../domains/identity/sessions-admin.routes.ts';
import { buildHarness, insertRole, type Harness } from '../../domains/identity/users.fixtures.ts';
import { presentUser, userDetailSchema, userSchema } from '../../domains/identity/users.presenter.ts';
import { countUsers, selectUserPage } from '../../domains/identity/users.repository.ts';
import { usersRoutes } from '../../domains/identity/users.routes.ts';
import { getUser } from '../../domains/identity/users.service.ts';
import { sourceSchema, sourceSummarySchema } from '../../domains/sources/sources.presenter.ts';
import { sourcesRoutes } from '../../domains/sources/sources.routes.ts';
import { createSource } from '../../domains/sources/sources.service.ts';
import { describeEachDialect } from '../../test/databases.ts';
import type { TestSignIn } from '../../test/auth.ts';
import { appendAudit } from '../audit/audit.ts';
import {
  BUILTIN_ROLES,
  FIELD_RULES,
  RESOURCES,
  fieldRules,
  listScope,
  pick,
  scopeFor,
  visibleFields,
  type Actor,
  type Grant,
  type GuardedField,
  type ListScope,
  type RecordFacts,
} from './policy.ts';

type Guarded = keyof typeof FIELD_RULES;
type Item = Record<string, unknown>;

const actor = (grants: Grant[], who: Partial<Actor> = {}): Actor => ({
  userId: 'u1',
  organisationId: 'o1',
  roleCode: 'custom',
  grants,
  sessionId: 's1',
  ...who,
});

const CUSTOM_ROLES: ReadonlyArray<{ code: string; grants: Grant[] }> = [
  {
    // Sees the sessions of their organisation, but no one's account beyond their own.
    code: 'session_watch',
    grants: [
      { resource: 'session', action: 'read', scope: 'organisation' },
      { resource: 'user', action: 'read', scope: 'own' },
    ],
  },
  {
    // Reviews their organisation's part of the audit trail.
    code: 'org_auditor',
    grants: [
      { resource: 'audit', action: 'read', scope: 'organisation' },
      { resource: 'audit', action: 'export', scope: 'organisation' },
    ],
  },
  {
    // Reads every account, manages those of their own organisation.
    code: 'account_delegate',
    grants: [
      { resource: 'user', action: 'read', scope: 'all' },
      { resource: 'user', action: 'update', scope: 'organisation' },
      { resource: 'organisation', action: 'read', scope: 'all' },
    ],
  },
];
const ROLES: ReadonlyArray<{ code: string; grants: readonly Grant[] }> = [...BUILTIN_ROLES, ...CUSTOM_ROLES];

const CITY = 'City of Testville';
const SCHOOL = 'Riverside School';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0';

describe('field rules in the policy', () => {
  it('describes every guarded field with a reason and grants that exist', () => {
    for (const resource of Object.keys(FIELD_RULES) as Guarded[]) {
      expect(RESOURCES).toContain(resource);
      for (const [field, rule] of Object.entries(fieldRules(resource))) {
        expect(rule.why.length, `${resource}.${field}`).toBeGreaterThan(20);
        expect(rule.owner || rule.grants.length > 0, `${resource}.${field} is visible to someone`).toBe(true);
      }
    }
  });

  it('shows a field to the owner, and to a grant wide enough that reaches the record', () => {
    const colleague = { ownerUserId: 'u2', organisationId: 'o1' };
    const stranger = { ownerUserId: 'u3', organisationId: 'o2' };
    const mine = { ownerUserId: 'u1', organisationId: 'o1' };
    const delegate = actor([
      { resource: 'user', action: 'read', scope: 'all' },
      { resource: 'user', action: 'update', scope: 'organisation' },
    ]);
    expect([...visibleFields(delegate, 'user', colleague).visible].sort()).toEqual([
      'email',
      'invitationExpiresAt',
      'lastLoginAt',
      'totpEnabled',
    ]);
    // The update grant is wide enough (organisation) but does not reach another organisation's account.
    expect([...visibleFields(delegate, 'user', stranger).withheld].sort()).toEqual([
      'invitationExpiresAt',
      'totpEnabled',
    ]);
    const self = actor([{ resource: 'user', action: 'read', scope: 'own' }]);
    expect(visibleFields(self, 'user', mine).withheld.size).toBe(0);
    expect([...visibleFields(self, 'user', colleague).visible]).toEqual([]);
    // Without a record, owner rules cannot apply and grant rules need only the scope.
    expect([...visibleFields(self, 'user').visible]).toEqual([]);
    expect([...visibleFields(delegate, 'user').visible].sort()).toEqual([
      'email',
      'invitationExpiresAt',
      'lastLoginAt',
      'totpEnabled',
    ]);
    // A state does not change what may be seen of a record.
    expect(visibleFields(delegate, 'user', { ...colleague, state: 'deactivated' }).withheld.size).toBe(0);
    // Resources without rules withhold nothing.
    expect(visibleFields(self, 'area', stranger)).toEqual({
      resource: 'area',
      visible: new Set(),
      withheld: new Set(),
    });
  });

  it('leaves withheld fields out of a view, never nulls them, and keeps the rest in order', () => {
    const view = {
      id: 'u2',
      email: 'a@example.org',
      lastLoginAt: null,
      totpEnabled: false,
      displayName: 'A',
    };
    const allowed = visibleFields(actor([]), 'user', { ownerUserId: 'u2', organisationId: 'o1' });
    const out = pick(view, allowed);
    expect(Object.keys(out)).toEqual(['id', 'displayName']);
    expect('lastLoginAt' in out).toBe(false);
  });

  it('marks every guarded field optional in the response schema of its presenter', () => {
    const schemas: Record<Guarded, z.ZodObject> = {
      user: userDetailSchema,
      session: adminSessionSchema,
      organisation: organisationSchema,
      role: roleSchema,
      audit: auditEventSchema,
      source: sourceSchema,
    };
    for (const resource of Object.keys(FIELD_RULES) as Guarded[]) {
      const shape = schemas[resource].shape as Record<string, z.ZodType>;
      for (const field of Object.keys(fieldRules(resource))) {
        expect(shape[field], `${resource}.${field} is presented`).toBeDefined();
        expect(shape[field]!.safeParse(undefined).success, `${resource}.${field} is optional`).toBe(true);
        expect(shape[field]!.description, `${resource}.${field} says why`).toContain(
          fieldRules(resource)[field]!.why,
        );
      }
    }
    expect(
      (adminSessionSchema.shape.user.shape.email as z.ZodType).safeParse(undefined).success,
      'a session’s user email follows the account rule',
    ).toBe(true);
  });
});

describe('list queries', () => {
  // Any use of this executor throws: a scope that reaches nothing must answer without a query.
  const unusable = new Proxy(
    {},
    {
      get: () => {
        throw new Error('a list query ran for a scope that reaches nothing');
      },
    },
  ) as Executor;
  const nobody = actor([]);

  it('answer an empty list without a query when the scope reaches nothing', async () => {
    expect(await selectUserPage(unusable, listScope(nobody, 'user'), {}, { limit: 10 })).toEqual([]);
    expect(await countUsers(unusable, listScope(nobody, 'user'), {})).toBe(0);
    expect(
      await selectLiveSessionPage(unusable, listScope(nobody, 'session'), {
        now: '2026-03-02T09:00:00.000Z',
        seenSince: '2026-03-02T08:30:00.000Z',
        limit: 10,
      }),
    ).toEqual([]);
    expect(
      await selectOrganisations(unusable, listScope(nobody, 'organisation'), { includeArchived: true }),
    ).toEqual([]);
    expect(await selectRoles(unusable, listScope(nobody, 'role'))).toEqual([]);
    expect(await selectAuditEventPage(unusable, listScope(nobody, 'audit'), {}, { limit: 10 })).toEqual([]);
    // Organisations and roles have no owner: a scope of one's own reaches none of them either.
    const own = actor([
      { resource: 'organisation', action: 'read', scope: 'own' },
      { resource: 'role', action: 'read', scope: 'organisation' },
    ]);
    expect(
      await selectOrganisations(unusable, listScope(own, 'organisation'), { includeArchived: true }),
    ).toEqual([]);
    expect(await selectRoles(unusable, listScope(own, 'role'))).toEqual([]);
  });

  it('take their scope from the policy, for one resource and action', () => {
    const coordinator = actor(BUILTIN_ROLES.find((r) => r.code === 'prevention_coordinator')!.grants);
    expect(listScope(coordinator, 'user')).toEqual({
      kind: 'organisation',
      organisationId: 'o1',
      userId: 'u1',
      resource: 'user',
    });
    expect(listScope(coordinator, 'session')).toEqual({ kind: 'own', userId: 'u1', resource: 'session' });
    expect(listScope(coordinator, 'audit', 'export')).toEqual({ kind: 'none', resource: 'audit' });
  });
});

/** Never run: `tsc` (npm run typecheck) fails if any call below compiles, i.e. if a list query can skip its scope. */
export function listQueriesCannotSkipTheScope(ex: Executor, sessions: ListScope<'session'>): void {
  // @ts-expect-error -- no scope at all
  void selectUserPage(ex, {}, { limit: 1 });
  // @ts-expect-error -- a hand-written filter is not a scope issued by the policy
  void countUsers(ex, { kind: 'all' }, {});
  // @ts-expect-error -- another resource's scope
  void selectUserPage(ex, sessions, {}, { limit: 1 });
  // @ts-expect-error -- a hand-written filter is not a scope issued by the policy
  void selectLiveSessionPage(ex, { kind: 'all' }, { now: '', seenSince: '', limit: 1 });
  // @ts-expect-error -- no scope at all
  void selectOrganisations(ex, { includeArchived: true });
  // @ts-expect-error -- no scope at all
  void selectRoles(ex);
  // @ts-expect-error -- a hand-written filter is not a scope issued by the policy
  void selectAuditEventPage(ex, { kind: 'all' }, {}, { limit: 1 });
}

describeEachDialect('field-level access through the API', (ctx) => {
  let h: Harness;
  const who = new Map<string, TestSignIn>();
  let colleague: TestSignIn;
  let stranger: TestSignIn;
  let invitedId: string;

  const signed = (code: string): TestSignIn => who.get(code)!;
  const actorFor = (code: string): Actor => {
    const s = signed(code);
    return {
      userId: s.userId,
      organisationId: s.organisationId,
      roleCode: code,
      grants: ROLES.find((r) => r.code === code)!.grants,
      sessionId: s.sessionId,
    };
  };
  const get = async (code: string, url: string) => {
    const r = await h.call(signed(code), 'GET', url);
    expect(r.statusCode, `${code} GET ${url}: ${r.body.slice(0, 200)}`).toBe(200);
    return r.json() as Item & { items: Item[] };
  };

  beforeAll(async () => {
    for (const role of CUSTOM_ROLES) await insertRole(ctx.db, role.code, role.grants);
    h = await buildHarness(ctx.db, [
      usersRoutes,
      sessionsAdminRoutes,
      organisationsRoutes,
      rolesRoutes,
      auditRoutes,
      sourcesRoutes,
    ]);
    await createSource(
      ctx.db,
      {
        code: 'hotline',
        name: 'Community hotline',
        kind: 'community_organisation',
        method: 'upload',
        cadence: 'monthly',
        contactName: 'Sam Contact',
        contactEmail: 'sam@hotline.example',
      },
      h.time.clock,
      null,
    );
    // Everyone in the city department, a practitioner colleague there, and a stranger at the school.
    for (const role of ROLES) who.set(role.code, await h.signIn(role.code, CITY));
    colleague = await h.signIn('practitioner', CITY);
    stranger = await h.signIn('partner_member', SCHOOL);
    await ctx.db.kysely.updateTable('session').set({ userAgent: FIREFOX }).execute();
    await ctx.db.kysely
      .updateTable('appUser')
      .set({ lastLoginAt: '2026-03-01T08:00:00.000Z', totpEnabledAt: '2026-02-01T00:00:00.000Z' })
      .execute();
    const invited = await h.call(signed('city_admin'), 'POST', '/api/v1/users', {
      email: 'new.teacher@example.org',
      displayName: 'New Teacher',
      organisationId: stranger.organisationId,
      roleCode: 'practitioner',
    });
    expect(invited.statusCode).toBe(201);
    invitedId = invited.json().user.id;
    await ctx.db.kysely.transaction().execute(async (trx) => {
      await appendAudit(
        trx,
        {
          action: 'signal.read',
          outcome: 'success',
          actor: {
            userId: stranger.userId,
            organisationId: stranger.organisationId,
            roleCode: 'partner_member',
          },
          resourceType: 'signal',
          resourceId: 'sig-1',
          purpose: 'follow-up of a case at the school',
          details: { labels: ['bullying'] },
        },
        h.time.clock,
      );
      await appendAudit(
        trx,
        {
          action: 'signal.read',
          outcome: 'success',
          actor: {
            userId: colleague.userId,
            organisationId: colleague.organisationId,
            roleCode: 'practitioner',
          },
          resourceType: 'signal',
          resourceId: 'sig-2',
          purpose: 'home visit next week',
          details: { labels: ['housing'] },
        },
        h.time.clock,
      );
      await appendAudit(trx, { action: 'system.start', outcome: 'success', details: { v: 1 } }, h.time.clock);
    });
  });
  afterAll(async () => h.app.close());

  /**
   * For each guarded field: a record as seen by someone who may see the field, and the same kind of record as seen
   * by someone who may not. Keyed by every guarded field, so a new rule without its case does not typecheck.
   */
  const cases: {
    [R in Guarded]: Record<GuardedField<R>, { shown: () => Promise<Item>; hidden: () => Promise<Item> }>;
  } = {
    user: {
      email: {
        shown: () => get('prevention_coordinator', `/api/v1/users/${colleague.userId}`),
        // Sessions of the organisation, but not the accounts behind them.
        hidden: async () =>
          (await get('session_watch', `/api/v1/sessions?userId=${colleague.userId}`)).items[0]!.user as Item,
      },
      lastLoginAt: {
        shown: () => get('dpo_auditor', `/api/v1/users/${colleague.userId}`),
        // No route shows another person's account to a role that cannot read accounts beyond its own; the
        // presenter withholds the field all the same.
        hidden: async () =>
          presentUser(
            await getUser(ctx.db, actorFor('city_admin'), colleague.userId),
            actorFor('session_watch'),
          ),
      },
      totpEnabled: {
        shown: () => get('city_admin', `/api/v1/users/${colleague.userId}`),
        hidden: () => get('prevention_coordinator', `/api/v1/users/${colleague.userId}`),
      },
      invitationExpiresAt: {
        shown: () => get('city_admin', `/api/v1/users/${invitedId}`),
        hidden: () => get('dpo_auditor', `/api/v1/users/${invitedId}`),
      },
    },
    session: {
      userAgent: {
        shown: async () =>
          (await get('dpo_auditor', `/api/v1/sessions?userId=${colleague.userId}`)).items[0]!,
        hidden: async () =>
          (await get('session_watch', `/api/v1/sessions?userId=${colleague.userId}`)).items[0]!,
      },
    },
    organisation: {
      memberCount: {
        shown: () => get('prevention_coordinator', `/api/v1/organisations/${colleague.organisationId}`),
        hidden: () => get('practitioner', `/api/v1/organisations/${colleague.organisationId}`),
      },
    },
    role: {
      memberCount: {
        shown: () => get('dpo_auditor', '/api/v1/roles/practitioner'),
        hidden: () => get('prevention_coordinator', '/api/v1/roles/practitioner'),
      },
    },
    source: {
      contactName: {
        shown: () => get('city_admin', '/api/v1/sources/hotline'),
        hidden: () => get('practitioner', '/api/v1/sources/hotline'),
      },
      contactEmail: {
        shown: () => get('prevention_coordinator', '/api/v1/sources/hotline'),
        hidden: () => get('analyst', '/api/v1/sources/hotline'),
      },
    },
    audit: {
      details: {
        shown: async () => (await get('dpo_auditor', '/api/v1/audit?action=signal.read')).items[0]!,
        hidden: async () => (await get('org_auditor', '/api/v1/audit?action=signal.read')).items[0]!,
      },
      purpose: {
        shown: async () => (await get('dpo_auditor', '/api/v1/audit?action=signal.read')).items[0]!,
        hidden: async () => (await get('org_auditor', '/api/v1/audit?action=signal.read')).items[0]!,
      },
    },
  };

  it('has a case for every field rule', () => {
    for (const resource of Object.keys(FIELD_RULES) as Guarded[])
      expect(Object.keys(cases[resource]).sort()).toEqual(Object.keys(fieldRules(resource)).sort());
  });

  it('shows each guarded field to a role that has it and leaves it out for one that has not', async () => {
    for (const resource of Object.keys(cases) as Guarded[]) {
      for (const [field, c] of Object.entries(cases[resource]) as Array<
        [string, (typeof cases.user)['email']]
      >) {
        const shown = await c.shown();
        const hidden = await c.hidden();
        expect(shown, `${resource}.${field} shown`).toHaveProperty([field]);
        expect(shown[field], `${resource}.${field} shown with its value`).not.toBeUndefined();
        expect(Object.keys(hidden), `${resource}.${field} left out`).not.toContain(field);
      }
    }
  });

  it('shows the values themselves where the rule allows, on one’s own record too', async () => {
    const own = await get('practitioner', `/api/v1/users/${signed('practitioner').userId}`);
    expect(own).toMatchObject({
      email: expect.stringContaining('@test.invalid'),
      lastLoginAt: '2026-03-01T08:00:00.000Z',
      totpEnabled: true,
      invitationExpiresAt: null,
    });
    const ownSession = (
      await get('session_watch', `/api/v1/sessions?userId=${signed('session_watch').userId}`)
    ).items[0]!;
    expect(ownSession.userAgent).toBe(FIREFOX);
    expect((ownSession.user as Item).email).toEqual(expect.stringContaining('@test.invalid'));
    // A delegate managing their own organisation's accounts sees who has a second factor there, not elsewhere.
    expect((await get('account_delegate', `/api/v1/users/${colleague.userId}`)).totpEnabled).toBe(true);
    expect(await get('account_delegate', `/api/v1/users/${stranger.userId}`)).not.toHaveProperty(
      'totpEnabled',
    );
    const signalReads = (await get('dpo_auditor', '/api/v1/audit?action=signal.read')).items;
    expect(signalReads.map((e) => [e.purpose, e.details])).toEqual([
      ['home visit next week', { labels: ['housing'] }],
      ['follow-up of a case at the school', { labels: ['bullying'] }],
    ]);
  });

  it('scopes the audit trail to the organisation of an organisation reviewer, list and export alike', async () => {
    const reviewer = signed('org_auditor');
    const seen = (await get('org_auditor', '/api/v1/audit?limit=500')).items;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((e) => e.actorOrganisationId === reviewer.organisationId)).toBe(true);
    expect(seen.map((e) => e.resourceId)).toContain('sig-2');
    expect(seen.map((e) => e.resourceId)).not.toContain('sig-1');
    expect(seen.map((e) => e.action)).not.toContain('system.start');
    const csv = await h.call(reviewer, 'GET', '/api/v1/audit/export.csv?action=signal.read');
    expect(csv.statusCode).toBe(200);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'seq,occurredAt,actorUserId,actorOrganisationId,actorRole,action,resourceType,resourceId,outcome,hash',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('sig-2');
    expect(csv.body).not.toContain('home visit');
    const full = await h.call(signed('dpo_auditor'), 'GET', '/api/v1/audit/export.csv?action=signal.read');
    const fullLines = full.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(fullLines[0]).toContain(',purpose,details,hash');
    expect(fullLines).toHaveLength(3);
    expect(full.body).toContain('home visit next week');
  });

  /** Where each resource with field rules is listed, its presenter's schema, and the facts of one listed record. */
  const listed: Record<Guarded, { url: string; schema: z.ZodObject; facts: (item: Item) => RecordFacts }> = {
    user: {
      url: '/api/v1/users?limit=200',
      schema: userSchema,
      facts: (u) => ({ ownerUserId: u.id as string, organisationId: (u.organisation as Item).id as string }),
    },
    session: {
      url: '/api/v1/sessions?limit=200',
      schema: adminSessionSchema,
      facts: (s) => ({
        ownerUserId: (s.user as Item).id as string,
        organisationId: (s.organisation as Item).id as string,
      }),
    },
    organisation: {
      url: '/api/v1/organisations?includeArchived=true',
      schema: organisationSchema,
      facts: (o) => ({ organisationId: o.id as string, ownerUserId: null }),
    },
    role: { url: '/api/v1/roles', schema: roleSchema, facts: () => ROLE_FACTS },
    // The list shows no contact; each source's own page is checked per role below.
    source: { url: '/api/v1/sources', schema: sourceSummarySchema, facts: () => ({}) },
    audit: {
      url: '/api/v1/audit?limit=500',
      schema: auditEventSchema,
      facts: (e) =>
        auditFacts({
          actorUserId: e.actorUserId as string | null,
          actorOrganisationId: e.actorOrganisationId as string | null,
        }),
    },
  };

  it('presents exactly the fields the policy allows, for every role × resource with field rules', async () => {
    const expectedKeys = (schema: z.ZodObject, withheld: ReadonlySet<string>) =>
      Object.keys(schema.shape)
        .filter((k) => !withheld.has(k))
        .sort();
    const tally = { records: 0, withheld: 0, violations: [] as string[] };
    const check = (cell: string, item: Item, schema: z.ZodObject, withheld: ReadonlySet<string>) => {
      tally.records++;
      tally.withheld += withheld.size;
      const got = Object.keys(item).sort();
      const want = expectedKeys(schema, withheld);
      if (JSON.stringify(got) !== JSON.stringify(want))
        tally.violations.push(`${cell}: got ${got.join(',')}; expected ${want.join(',')}`);
    };

    for (const role of ROLES) {
      const me = actorFor(role.code);
      for (const resource of Object.keys(listed) as Guarded[]) {
        const { url, schema, facts } = listed[resource];
        const r = await h.call(signed(role.code), 'GET', url);
        if (scopeFor(me, resource, 'read') === null) {
          expect(r.statusCode, `${role.code} × ${resource}`).toBe(403);
          continue;
        }
        expect(r.statusCode, `${role.code} × ${resource}`).toBe(200);
        const items = r.json().items as Item[];
        expect(items.length, `${role.code} × ${resource} lists something`).toBeGreaterThan(0);
        for (const item of items) {
          const on = facts(item);
          check(
            `${role.code} × ${resource} ${JSON.stringify(on)}`,
            item,
            schema,
            visibleFields(me, resource, on).withheld,
          );
          if (resource === 'session')
            check(
              `${role.code} × session's user ${JSON.stringify(on)}`,
              item.user as Item,
              adminSessionSchema.shape.user,
              visibleFields(me, 'user', on).withheld,
            );
          if (resource === 'source') {
            const detail = (await get(role.code, `/api/v1/sources/${item.code as string}`)) as Item;
            check(`${role.code} × one source`, detail, sourceSchema, visibleFields(me, 'source').withheld);
          }
          if (resource === 'user') {
            const detail = (await get(role.code, `/api/v1/users/${item.id as string}`)) as Item;
            check(
              `${role.code} × one user ${JSON.stringify(on)}`,
              detail,
              userDetailSchema,
              visibleFields(me, 'user', on).withheld,
            );
          }
        }
      }
    }
    console.info(
      `field access [${ctx.dialect}]: ${ROLES.length} roles, ${tally.records} records, ${tally.withheld} fields withheld, ${tally.violations.length} violations`,
    );
    expect(tally.violations).toEqual([]);
    // Not vacuous: some fields were withheld somewhere, and the rules are not all-or-nothing per role.
    expect(tally.withheld).toBeGreaterThan(0);
  });
});
