import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMapping } from '../../../core/contracts/mapping.ts';
import { buildSignedInApp, signInAs } from '../../test/auth.ts';
import { loadConfig } from '../../config.ts';
import { openDatabase, type Db } from '../../db/database.ts';
import type { Clock } from '../../platform/clock.ts';
import type { App } from '../../platform/http.ts';
import { createCliRunner } from '../../test/cli.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { retireTerm, seedDefaultTaxonomy } from '../taxonomy/taxonomy.service.ts';
import { sourcesRoutes } from './sources.routes.ts';
import {
  createSource,
  findSourceByCode,
  getSourceByCode,
  listSources,
  recordDelivery,
  updateSource,
} from './sources.service.ts';
import type { NewSource } from './sources.schemas.ts';

const movableClock = (iso: string) => {
  let now = new Date(iso);
  const clock: Clock = { now: () => now };
  return { clock, set: (next: string) => (now = new Date(next)) };
};

const mapping = {
  externalId: 'EVENT_UNIQUE_ID',
  occurred: { column: 'OCCURRENCE_DATE', format: 'yyyy-MM-dd' },
  location: { type: 'areaCode', column: 'HOOD_158', cityWideValues: ['NSA'] },
  labels: {
    rules: [
      {
        column: 'RELIGION_BIAS',
        split: ',',
        values: { Jewish: 'bias.antisemitism', Muslim: 'bias.anti_muslim', None: [] },
      },
    ],
    constant: ['incident.crime'],
  },
};

/** Audit entries of one action, oldest first, with their details parsed. */
async function auditEntries(db: Db, action: string) {
  const rows = await db.kysely
    .selectFrom('auditEvent')
    .selectAll()
    .where('action', '=', action)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ ...r, details: JSON.parse(r.details ?? 'null') as Record<string, unknown> }));
}

const base = (code: string, extra: Partial<NewSource> = {}): NewSource => ({
  code,
  name: `Source ${code}`,
  kind: 'community_organisation',
  method: 'upload',
  cadence: 'monthly',
  ...extra,
});

describeEachDialect('sources freshness', (ctx) => {
  // Registered 2025-01-31 10:00Z; grace: weekly 2 d, monthly 7 d, quarterly 14 d, yearly 30 d.
  const time = movableClock('2025-01-31T10:00:00.000Z');

  beforeAll(async () => {
    await seedDefaultTaxonomy(ctx.db, time.clock);
    for (const cadence of ['weekly', 'monthly', 'quarterly', 'yearly', 'ad_hoc'] as const) {
      await createSource(ctx.db, base(`c-${cadence}`, { cadence }), time.clock, null);
    }
  });

  const overdueCodes = async () =>
    (await listSources(ctx.db, { overdue: true }, time.clock)).map((s) => s.code);

  it('makes never-delivered sources overdue one cadence plus grace after registration', async () => {
    const all = await listSources(ctx.db, {}, time.clock);
    expect(Object.fromEntries(all.map((s) => [s.code, s.nextDueAt]))).toEqual({
      'c-ad_hoc': null,
      'c-monthly': '2025-03-07T10:00:00.000Z', // 28 Feb (31 Jan + 1 month, clamped) + 7 d
      'c-quarterly': '2025-05-14T10:00:00.000Z', // 30 Apr + 14 d
      'c-weekly': '2025-02-09T10:00:00.000Z', // 7 Feb + 2 d
      'c-yearly': '2026-03-02T10:00:00.000Z', // 31 Jan 2026 + 30 d
    });
    time.set('2025-02-09T10:00:00.000Z');
    expect(await overdueCodes()).toEqual([]);
    time.set('2025-02-09T10:00:00.001Z');
    expect(await overdueCodes()).toEqual(['c-weekly']);
    time.set('2025-03-08T00:00:00.000Z');
    expect(await overdueCodes()).toEqual(['c-monthly', 'c-weekly']);
    time.set('2025-05-15T00:00:00.000Z');
    expect(await overdueCodes()).toEqual(['c-monthly', 'c-quarterly', 'c-weekly']);
    time.set('2026-03-03T00:00:00.000Z');
    expect(await overdueCodes()).toEqual(['c-monthly', 'c-quarterly', 'c-weekly', 'c-yearly']);
    expect((await listSources(ctx.db, { overdue: false }, time.clock)).map((s) => s.code)).toEqual([
      'c-ad_hoc',
    ]);
  });

  it('restarts the clock from each delivery, recorded inside the import transaction', async () => {
    const weekly = await getSourceByCode(ctx.db, 'c-weekly');
    time.set('2026-03-03T12:00:00.000Z');
    await ctx.db.kysely.transaction().execute((trx) => recordDelivery(trx, weekly.id, time.clock));
    const [after] = (await listSources(ctx.db, {}, time.clock)).filter((s) => s.code === 'c-weekly');
    expect(after).toMatchObject({
      lastDeliveredAt: '2026-03-03T12:00:00.000Z',
      nextDueAt: '2026-03-12T12:00:00.000Z',
      overdue: false,
    });

    // A delivery whose import rolls back never happened.
    time.set('2026-03-04T00:00:00.000Z');
    await expect(
      ctx.db.kysely.transaction().execute(async (trx) => {
        await recordDelivery(trx, weekly.id, time.clock);
        throw new Error('import failed');
      }),
    ).rejects.toThrow('import failed');
    expect((await getSourceByCode(ctx.db, 'c-weekly')).lastDeliveredAt).toBe('2026-03-03T12:00:00.000Z');

    await expect(recordDelivery(ctx.db, 'no-such-id', time.clock)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('never counts ad hoc or archived sources as overdue, and hides archived ones unless asked', async () => {
    time.set('2030-01-01T00:00:00.000Z');
    expect(await overdueCodes()).not.toContain('c-ad_hoc');
    await updateSource(ctx.db, 'c-monthly', { archived: true }, time.clock, null);
    expect(await overdueCodes()).toEqual(['c-quarterly', 'c-weekly', 'c-yearly']);
    const withArchived = await listSources(ctx.db, { includeArchived: true }, time.clock);
    expect(withArchived.find((s) => s.code === 'c-monthly')).toMatchObject({
      archivedAt: '2030-01-01T00:00:00.000Z',
      nextDueAt: null,
      overdue: false,
    });
    await updateSource(ctx.db, 'c-monthly', { archived: false }, time.clock, null);
    expect(await overdueCodes()).toContain('c-monthly');
  });
});

describeEachDialect('sources API', (ctx) => {
  const time = movableClock('2025-05-01T08:00:00.000Z');
  let app: App;
  beforeAll(async () => {
    await seedDefaultTaxonomy(ctx.db, time.clock);
    app = await buildSignedInApp(
      { db: ctx.db, config: loadConfig({}), clock: time.clock },
      { modules: [sourcesRoutes], logger: false },
    );
  });
  afterAll(async () => app.close());

  const valid = {
    code: 'tps-hate-crimes',
    name: 'Toronto Police Service — hate crimes',
    kind: 'police',
    method: 'upload',
    cadence: 'yearly',
    licence: 'Open Government Licence – Toronto',
    contactName: 'Analytics & Innovation',
    contactEmail: 'analytics@example.org',
    mapping,
    notes: 'Published yearly on the Public Safety Data Portal.',
  };

  it('documents its endpoints in the OpenAPI document', async () => {
    const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/sources', '/api/v1/sources/{code}']),
    );
  });

  it('registers a source: 400 for each invalid field, then 201, then 409 for the same code', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ ...valid, contactEmail: 'not-an-email' }, /contactEmail/],
      [{ ...valid, method: 'url' }, /url/],
      [{ ...valid, method: 'url', url: 'ftp://example.org/a.csv' }, /url/],
      [{ ...valid, url: 'https://example.org/a.csv' }, /only used with method url/],
      [{ ...valid, cadence: 'fortnightly' }, /cadence/],
      [{ ...valid, kind: 'newspaper' }, /kind/],
      [{ ...valid, code: 'TPS Hate' }, /code/],
      [{ ...valid, name: '' }, /name/],
      [{ ...valid, lastDeliveredAt: '2025-01-01' }, /lastDeliveredAt/],
    ];
    for (const [payload, field] of cases) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/sources', payload });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.json().code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(r.json().errors), JSON.stringify(payload)).toMatch(field);
    }

    const created = await app.inject({ method: 'POST', url: '/api/v1/sources', payload: valid });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      code: 'tps-hate-crimes',
      name: 'Toronto Police Service — hate crimes',
      kind: 'police',
      method: 'upload',
      cadence: 'yearly',
      licence: 'Open Government Licence – Toronto',
      lastDeliveredAt: null,
      nextDueAt: '2026-05-31T08:00:00.000Z',
      overdue: false,
      archived: false,
      contactName: 'Analytics & Innovation',
      contactEmail: 'analytics@example.org',
      url: null,
      // Normalised: shorthands expanded and defaults filled, so the console shows what imports will do.
      mapping: parseMapping(mapping),
      notes: 'Published yearly on the Public Safety Data Portal.',
      createdAt: '2025-05-01T08:00:00.000Z',
      updatedAt: '2025-05-01T08:00:00.000Z',
      archivedAt: null,
    });

    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      payload: { ...valid, name: 'Other' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('CONFLICT');
  });

  it('gives imports the parsed mapping with defaults filled', async () => {
    const source = await getSourceByCode(ctx.db, 'tps-hate-crimes');
    expect(source.mapping?.format).toMatchObject({ type: 'csv', delimiter: 'auto' });
    expect(source.mapping?.labels.rules[0]?.values.Jewish).toEqual(['bias.antisemitism']);
    await expect(getSourceByCode(ctx.db, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses mappings that do not parse or name unknown or retired terms (422), and stores none of them', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      payload: { ...valid, code: 'bad-mapping', mapping: { externalId: '', occurred: {} } },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().code).toBe('MAPPING_INVALID');
    expect(bad.json().errors.length).toBeGreaterThan(1);

    await retireTerm(ctx.db, 'bias.anti_muslim', time.clock, null);
    const withTerms = {
      ...mapping,
      labels: { ...mapping.labels, constant: ['incident.crime', 'incident.nonexistent'] },
    };
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      payload: { ...valid, code: 'retired-terms', mapping: withTerms },
    });
    expect(r.statusCode).toBe(422);
    expect(r.json().errors).toEqual([
      {
        path: 'labels.rules[0].values.Muslim',
        value: 'bias.anti_muslim',
        reason: 'this taxonomy term is retired',
      },
      { path: 'labels.constant[1]', value: 'incident.nonexistent', reason: 'no taxonomy term has this code' },
    ]);
    const list = (await app.inject({ url: '/api/v1/sources' })).json();
    expect(list.items.map((s: { code: string }) => s.code)).toEqual(['tps-hate-crimes']);
  });

  it('reads one source: 404 then 200', async () => {
    const missing = await app.inject({ url: '/api/v1/sources/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
    const r = await app.inject({ url: '/api/v1/sources/tps-hate-crimes' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      code: 'tps-hate-crimes',
      contactEmail: 'analytics@example.org',
      mapping: parseMapping(mapping),
    });
  });

  it('changes a source: 400 → 404 → 200, never its code', async () => {
    const patch = (code: string, payload: object) =>
      app.inject({ method: 'PATCH', url: `/api/v1/sources/${code}`, payload });

    expect((await patch('tps-hate-crimes', { contactEmail: 'nope' })).statusCode).toBe(400);
    expect((await patch('tps-hate-crimes', { code: 'renamed' })).statusCode).toBe(400);
    expect((await patch('tps-hate-crimes', { cadence: 'daily' })).statusCode).toBe(400);
    // Switching to url without a URL is caught against the stored state, not only the body.
    const noUrl = await patch('tps-hate-crimes', { method: 'url' });
    expect(noUrl.statusCode).toBe(400);
    expect(noUrl.json().errors[0].field).toBe('url');
    expect((await patch('nope', { name: 'x' })).statusCode).toBe(404);

    time.set('2025-06-01T00:00:00.000Z');
    const toUrl = await patch('tps-hate-crimes', {
      method: 'url',
      url: 'https://data.example.org/hate-crimes.csv',
      cadence: 'monthly',
      contactName: null,
      notes: '',
    });
    expect(toUrl.statusCode).toBe(200);
    expect(toUrl.json()).toMatchObject({
      code: 'tps-hate-crimes',
      method: 'url',
      url: 'https://data.example.org/hate-crimes.csv',
      cadence: 'monthly',
      contactName: null,
      notes: null,
      contactEmail: 'analytics@example.org',
      updatedAt: '2025-06-01T00:00:00.000Z',
      nextDueAt: '2025-06-08T08:00:00.000Z',
    });

    const back = await patch('tps-hate-crimes', { method: 'upload', mapping: null });
    expect(back.json()).toMatchObject({ method: 'upload', url: null, mapping: null });
    expect((await getSourceByCode(ctx.db, 'tps-hate-crimes')).mapping).toBeNull();
  });

  it('lists sources with freshness and filters overdue ones', async () => {
    await app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      payload: { ...valid, code: 'youth-centre', cadence: 'weekly', kind: 'ngo', mapping: null },
    });
    time.set('2025-06-12T00:00:00.000Z');
    const all = await app.inject({ url: '/api/v1/sources' });
    expect(all.statusCode).toBe(200);
    expect(all.json().items).toEqual([
      {
        code: 'tps-hate-crimes',
        name: 'Toronto Police Service — hate crimes',
        kind: 'police',
        method: 'upload',
        cadence: 'monthly',
        licence: 'Open Government Licence – Toronto',
        lastDeliveredAt: null,
        nextDueAt: '2025-06-08T08:00:00.000Z',
        overdue: true,
        archived: false,
      },
      expect.objectContaining({ code: 'youth-centre', nextDueAt: '2025-06-10T00:00:00.000Z', overdue: true }),
    ]);
    time.set('2025-06-09T00:00:00.000Z');
    const overdue = (await app.inject({ url: '/api/v1/sources?overdue=true' })).json();
    expect(overdue.items.map((s: { code: string }) => s.code)).toEqual(['tps-hate-crimes']);
    expect((await app.inject({ url: '/api/v1/sources?overdue=maybe' })).statusCode).toBe(400);

    await app.inject({ method: 'PATCH', url: '/api/v1/sources/youth-centre', payload: { archived: true } });
    const visible = (await app.inject({ url: '/api/v1/sources' }))
      .json()
      .items.map((s: { code: string }) => s.code);
    expect(visible).toEqual(['tps-hate-crimes']);
    const archived = (await app.inject({ url: '/api/v1/sources?includeArchived=true' })).json().items;
    expect(archived.find((s: { code: string }) => s.code === 'youth-centre')).toMatchObject({
      archived: true,
      overdue: false,
    });
  });
});

describeEachDialect('sources audit trail', (ctx) => {
  const time = movableClock('2025-05-01T08:00:00.000Z');
  let app: Awaited<ReturnType<typeof buildSignedInApp>>;
  beforeAll(async () => {
    await seedDefaultTaxonomy(ctx.db, time.clock);
    app = await buildSignedInApp(
      { db: ctx.db, config: loadConfig({}), clock: time.clock },
      { modules: [sourcesRoutes], logger: false },
    );
  });
  afterAll(async () => app.close());

  const byActor = () => ({
    actorUserId: app.signedIn.userId,
    actorOrganisationId: app.signedIn.organisationId,
    actorRole: 'prevention_coordinator',
  });

  it('records who created, changed, archived and restored a source, in UTC, and nothing for refused writes', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      payload: { ...base('audited'), contactEmail: 'someone@example.org' },
    });
    expect(created.statusCode).toBe(201);
    const { id } = await getSourceByCode(ctx.db, 'audited');
    expect(await auditEntries(ctx.db, 'source.create')).toEqual([
      expect.objectContaining({
        ...byActor(),
        occurredAt: '2025-05-01T08:00:00.000Z',
        outcome: 'success',
        resourceType: 'source',
        resourceId: id,
        purpose: null,
        details: { via: 'api', code: 'audited' },
      }),
    ]);

    // Refused before or inside the transaction: no entry claims a change that did not happen.
    const taken = await app.inject({ method: 'POST', url: '/api/v1/sources', payload: base('audited') });
    expect(taken.statusCode).toBe(409);
    const badMapping = await app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      payload: { ...base('unmapped'), mapping: { externalId: '' } },
    });
    expect(badMapping.statusCode).toBe(422);
    expect(await auditEntries(ctx.db, 'source.create')).toHaveLength(1);

    const patch = (payload: object) =>
      app.inject({ method: 'PATCH', url: '/api/v1/sources/audited', payload });
    expect((await patch({ method: 'url' })).statusCode).toBe(400);
    expect(await auditEntries(ctx.db, 'source.update')).toEqual([]);

    time.set('2025-05-02T09:30:00.000Z');
    expect((await patch({ name: 'Audited source', contactEmail: 'other@example.org' })).statusCode).toBe(200);
    expect((await patch({ archived: true })).statusCode).toBe(200);
    expect((await patch({ archived: false, cadence: 'weekly' })).statusCode).toBe(200);
    const changes = [
      ...(await auditEntries(ctx.db, 'source.update')),
      ...(await auditEntries(ctx.db, 'source.archive')),
      ...(await auditEntries(ctx.db, 'source.restore')),
    ].sort((a, b) => a.seq - b.seq);
    expect(changes).toEqual(
      [
        ['source.update', ['contactEmail', 'name']],
        ['source.archive', ['archived']],
        ['source.restore', ['archived', 'cadence']],
      ].map(([action, fields]) =>
        expect.objectContaining({
          ...byActor(),
          action,
          occurredAt: '2025-05-02T09:30:00.000Z',
          resourceId: id,
          // Which fields changed, never their values: contact details are about people.
          details: { via: 'api', code: 'audited', fields },
        }),
      ),
    );
  });

  it('fails closed: when the audit entry cannot be written, the change is not made either', async () => {
    await createSource(ctx.db, base('kept'), time.clock, null);
    await sql`alter table audit_event rename to audit_event_away`.execute(ctx.db.kysely);
    try {
      await expect(createSource(ctx.db, base('unaudited'), time.clock, null)).rejects.toThrow(/audit_event/);
      await expect(
        updateSource(ctx.db, 'kept', { name: 'Renamed', archived: true }, time.clock, null),
      ).rejects.toThrow(/audit_event/);
    } finally {
      await sql`alter table audit_event_away rename to audit_event`.execute(ctx.db.kysely);
    }
    expect(await findSourceByCode(ctx.db, 'unaudited')).toBeUndefined();
    expect(await getSourceByCode(ctx.db, 'kept')).toMatchObject({ name: 'Source kept', archivedAt: null });
  });
});

describe('sources CLI', () => {
  const { dataDir, cohesion: cli, cleanup } = createCliRunner('sources');
  afterAll(cleanup);

  it('adds a source with a mapping file, lists it as a table, and exits non-zero with a located error', async () => {
    const mappingFile = path.join(dataDir, 'tps.mapping.json');
    fs.writeFileSync(mappingFile, JSON.stringify(mapping));
    const added = await cli(
      'sources',
      'add',
      '--code',
      'tps',
      '--name',
      'Toronto Police Service',
      '--kind',
      'police',
      '--method',
      'upload',
      '--cadence',
      'ad_hoc',
      '--licence',
      'OGL-Toronto',
      '--mapping',
      mappingFile,
    );
    expect(added.stdout).toMatch(/Added source tps \(Toronto Police Service\)/);
    // No person the app knows ran the command: the entry names none, and says it came from the CLI.
    const db = openDatabase({ sqlitePath: path.join(dataDir, 'cohesion.sqlite') });
    try {
      expect(await auditEntries(db, 'source.create')).toEqual([
        expect.objectContaining({
          actorUserId: null,
          actorOrganisationId: null,
          actorRole: null,
          outcome: 'success',
          resourceType: 'source',
          details: { via: 'cli', code: 'tps' },
        }),
      ]);
    } finally {
      await db.close();
    }

    const listed = await cli('sources', 'list');
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^CODE\s+NAME\s+KIND\s+CADENCE\s+LAST DELIVERED\s+NEXT DUE\s+STATUS$/);
    expect(lines[1]).toMatch(/^tps\s+Toronto Police Service\s+police\s+ad_hoc\s+never\s+-\s+ad hoc$/);
    expect((await cli('sources', 'list', '--overdue')).stdout).toMatch(/No source is overdue/);

    const failed = await cli(
      'sources',
      'add',
      '--code',
      'x',
      '--name',
      'X',
      '--kind',
      'ngo',
      '--method',
      'url',
      '--cadence',
      'weekly',
      '--contact-email',
      'nope',
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/VALIDATION_FAILED/);
    expect(failed.stderr).toMatch(/field: url/);
    expect(failed.stderr).toMatch(/field: contactEmail/);
  });
});

describeEachDialect('sources: archiving is its own grant', (ctx) => {
  it('lets a role with update but not archive edit a source, not archive it', async () => {
    const now = new Date().toISOString();
    await ctx.db.kysely
      .insertInto('role')
      .values({
        code: 'source_editor',
        name: 'Source editor',
        description: null,
        grants: JSON.stringify([
          { resource: 'source', action: 'read', scope: 'all' },
          { resource: 'source', action: 'create', scope: 'all' },
          { resource: 'source', action: 'update', scope: 'all' },
        ]),
        builtin: 0,
        createdAt: now,
        updatedAt: now,
      })
      .execute();
    const app = await buildSignedInApp(
      { db: ctx.db, config: loadConfig({}), clock: { now: () => new Date() } },
      { modules: [sourcesRoutes], logger: false },
      'source_editor',
    );
    try {
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/sources',
        payload: { code: 'editor-src', name: 'E', kind: 'police', method: 'upload', cadence: 'monthly' },
      });
      expect(created.statusCode).toBe(201);
      const renamed = await app.inject({
        method: 'PATCH',
        url: '/api/v1/sources/editor-src',
        payload: { name: 'Renamed' },
      });
      expect(renamed.statusCode).toBe(200);
      const archived = await app.inject({
        method: 'PATCH',
        url: '/api/v1/sources/editor-src',
        payload: { archived: true },
      });
      expect(archived.statusCode).toBe(403);
      const coordinator = await signInAs(ctx.db, 'prevention_coordinator');
      const byCoordinator = await app.inject({
        method: 'PATCH',
        url: '/api/v1/sources/editor-src',
        payload: { archived: true },
        headers: coordinator.headers,
      });
      expect(byCoordinator.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
