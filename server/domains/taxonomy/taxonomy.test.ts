import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TERMS, SHIPPED_LOCALES } from '../../../core/taxonomy/default-taxonomy.ts';
import { buildSignedInApp } from '../../test/auth.ts';
import { loadConfig } from '../../config.ts';
import { openDatabase, type Db } from '../../db/database.ts';
import type { Clock } from '../../platform/clock.ts';
import type { App } from '../../platform/http.ts';
import { createCliRunner } from '../../test/cli.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { taxonomyRoutes } from './taxonomy.routes.ts';
import {
  createTerm,
  getTerm,
  listTermStates,
  listTerms,
  retireTerm,
  seedDefaultTaxonomy,
  updateTermLabels,
} from './taxonomy.service.ts';

const movableClock = (iso: string) => {
  let now = new Date(iso);
  const clock: Clock = { now: () => now };
  return { clock, set: (next: string) => (now = new Date(next)) };
};

/** Audit entries whose action starts with `prefix`, oldest first, with their details parsed. */
async function auditEntries(db: Db, prefix: string) {
  const rows = await db.kysely
    .selectFrom('auditEvent')
    .selectAll()
    .where('action', 'like', `${prefix}%`)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ ...r, details: JSON.parse(r.details ?? 'null') as Record<string, unknown> }));
}

describeEachDialect('taxonomy seeding', (ctx) => {
  const time = movableClock('2025-01-01T00:00:00Z');

  const counts = async () => ({
    terms: (
      await ctx.db.kysely
        .selectFrom('taxonomyTerm')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
    labels: (
      await ctx.db.kysely
        .selectFrom('taxonomyLabel')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  });

  it('inserts every shipped term and translation, and seeding again changes nothing', async () => {
    await seedDefaultTaxonomy(ctx.db, time.clock);
    expect(await counts()).toEqual({
      terms: DEFAULT_TERMS.length,
      labels: DEFAULT_TERMS.length * SHIPPED_LOCALES.length,
    });
    const before = await ctx.db.kysely.selectFrom('taxonomyTerm').selectAll().orderBy('code').execute();

    time.set('2025-06-01T00:00:00Z');
    await seedDefaultTaxonomy(ctx.db, time.clock);
    expect(await counts()).toEqual({
      terms: DEFAULT_TERMS.length,
      labels: DEFAULT_TERMS.length * SHIPPED_LOCALES.length,
    });
    expect(await ctx.db.kysely.selectFrom('taxonomyTerm').selectAll().orderBy('code').execute()).toEqual(
      before,
    );

    const racism = await getTerm(ctx.db, 'bias.racism.anti_black', 'fr');
    expect(racism).toMatchObject({
      parentCode: 'bias.racism',
      facet: 'bias',
      custom: false,
      label: 'Racisme anti-Noirs',
      labelLocale: 'fr',
    });
  });

  it("keeps a city's renamed label across re-seeding, and refreshes shipped text the city left alone", async () => {
    await updateTermLabels(ctx.db, 'bias.anti_lgbti', { en: { label: 'Anti-2SLGBTQI+' } }, time.clock, null);
    // An older release's wording, never touched by the city: an upgrade may improve it.
    await ctx.db.kysely
      .updateTable('taxonomyLabel')
      .set({ label: 'Old wording' })
      .where('termCode', '=', 'bias.age')
      .where('locale', '=', 'fr')
      .execute();
    // A translation that an older release did not ship yet.
    await ctx.db.kysely
      .deleteFrom('taxonomyLabel')
      .where('termCode', '=', 'need.housing')
      .where('locale', '=', 'ar')
      .execute();

    await seedDefaultTaxonomy(ctx.db, time.clock);

    const lgbti = await getTerm(ctx.db, 'bias.anti_lgbti', 'en');
    expect(lgbti.label).toBe('Anti-2SLGBTQI+');
    expect(lgbti.labels.en).toMatchObject({ label: 'Anti-2SLGBTQI+', edited: true });
    // The description was not part of the rename, so the shipped one stays.
    expect(lgbti.description).toBe(
      DEFAULT_TERMS.find((t) => t.code === 'bias.anti_lgbti')!.text.en.description,
    );
    expect((await getTerm(ctx.db, 'bias.age', 'fr')).label).toBe('Âge');
    expect((await getTerm(ctx.db, 'need.housing', 'ar')).label).toBe('السكن');
  });

  it('keeps a retired shipped term retired when seeding again', async () => {
    await ctx.db.kysely
      .updateTable('taxonomyTerm')
      .set({ retiredAt: '2025-02-01T00:00:00.000Z' })
      .where('code', '=', 'channel.online')
      .execute();
    await seedDefaultTaxonomy(ctx.db, time.clock);
    expect((await listTermStates(ctx.db)).get('channel.online')).toEqual({ retired: true, facet: 'channel' });
  });
});

describeEachDialect('taxonomy service', (ctx) => {
  const time = movableClock('2025-03-01T00:00:00Z');
  beforeAll(async () => seedDefaultTaxonomy(ctx.db, time.clock));

  it('lists terms depth-first in facet order, with a child added later shown under its parent', async () => {
    await createTerm(
      ctx.db,
      {
        code: 'bias.racism.anti_jewish_ethnic',
        facet: 'bias',
        parentCode: 'bias.racism',
        label: 'Anti-Jewish (ethnic)',
      },
      time.clock,
      null,
    );
    const codes = (await listTerms(ctx.db, 'en')).map((t) => t.code);
    expect(codes.slice(0, 2)).toEqual(['bias.racism', 'bias.racism.anti_black']);
    expect(codes.indexOf('bias.racism.anti_jewish_ethnic')).toBe(codes.indexOf('bias.racism.other') + 1);
    expect(codes.indexOf('bias.xenophobia')).toBe(codes.indexOf('bias.racism.anti_jewish_ethnic') + 1);
    expect(codes.at(-1)).toBe('protective.youth_programmes');
    expect((await listTerms(ctx.db, 'en', { facet: 'channel' })).map((t) => t.code)).toEqual([
      'channel.offline',
      'channel.online',
    ]);
  });

  it('refuses to list an unknown facet rather than answering nothing', async () => {
    await expect(listTerms(ctx.db, 'en', { facet: 'hatred' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(listTerms(ctx.db, 'en_GB')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('accepts a transaction for term states, as import commits do', async () => {
    const states = await ctx.db.kysely.transaction().execute((trx) => listTermStates(trx));
    expect(states.get('bias.unclear')).toEqual({ retired: false, facet: 'bias' });
    expect(states.get('bias.racism.anti_jewish_ethnic')).toEqual({ retired: false, facet: 'bias' });
    expect(states.has('bias')).toBe(false);
  });

  it('falls back to any stored label for a term written only in another language', async () => {
    await createTerm(
      ctx.db,
      { code: 'need.arabic_tutoring', facet: 'need', locale: 'ar', label: 'دروس تقوية', description: 'وصف' },
      time.clock,
      null,
    );
    const term = await getTerm(ctx.db, 'need.arabic_tutoring', 'fr');
    expect(term).toMatchObject({ label: 'دروس تقوية', labelLocale: 'ar', description: 'وصف', custom: true });
  });

  it('lists every problem of an invalid term at once', async () => {
    await expect(
      createTerm(ctx.db, { code: 'Bad Code', facet: 'bias', locale: 'xx_YY', label: ' ' }, time.clock, null),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [
        expect.objectContaining({ field: 'code' }),
        expect.objectContaining({ field: 'locale' }),
        expect.objectContaining({ field: 'label' }),
      ],
    });
  });
});

describeEachDialect('taxonomy API', (ctx) => {
  const time = movableClock('2025-04-01T00:00:00Z');
  let app: App;
  beforeAll(async () => {
    await seedDefaultTaxonomy(ctx.db, time.clock);
    app = await buildSignedInApp(
      { db: ctx.db, config: loadConfig({}), clock: time.clock },
      { modules: [taxonomyRoutes], logger: false },
    );
  });
  afterAll(async () => app.close());

  const post = (url: string, payload?: object) => app.inject({ method: 'POST', url, payload });

  it('documents its endpoints in the OpenAPI document', async () => {
    const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/taxonomy',
        '/api/v1/taxonomy/terms',
        '/api/v1/taxonomy/terms/{code}',
        '/api/v1/taxonomy/terms/{code}/retire',
        '/api/v1/taxonomy/terms/{code}/restore',
      ]),
    );
  });

  it('serves the taxonomy in a locale and says when a label fell back', async () => {
    const fr = await app.inject({ url: '/api/v1/taxonomy?locale=fr-CA' });
    expect(fr.statusCode).toBe(200);
    const body = fr.json();
    expect(body.locale).toBe('fr-CA');
    expect(body.terms).toHaveLength(DEFAULT_TERMS.length);
    expect(body.terms.find((t: { code: string }) => t.code === 'bias.unclear')).toEqual({
      code: 'bias.unclear',
      parentCode: null,
      facet: 'bias',
      label: 'Mixte ou incertain',
      description: expect.stringMatching(/^Un préjugé est soupçonné/),
      retired: false,
      custom: false,
      labelLocale: 'fr',
    });
    expect(body.facets[0]).toEqual({ code: 'bias', name: 'Motif de préjugé', nameLocale: 'fr' });

    const nl = (await app.inject({ url: '/api/v1/taxonomy?locale=nl' })).json();
    expect(nl.locale).toBe('nl');
    expect(nl.terms[0]).toMatchObject({ code: 'bias.racism', label: 'Racism', labelLocale: 'en' });
    expect(nl.facets[0]).toMatchObject({ nameLocale: 'en' });

    const ar = (await app.inject({ url: '/api/v1/taxonomy?locale=ar&facet=channel' })).json();
    expect(ar.terms.map((t: { label: string }) => t.label)).toEqual(['وجهًا لوجه', 'عبر الإنترنت']);

    const bad = await app.inject({ url: '/api/v1/taxonomy?locale=en_US' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_FAILED');
  });

  it('adds a city term: 400 for bad codes, facets and parents, 409 for a taken code, then 201', async () => {
    const cases: Array<[object, number, RegExp]> = [
      [{ code: 'bias.Anti-Refugee', facet: 'bias', label: 'x' }, 400, /lowercase dotted/],
      [{ code: 'bias.anti_refugee', facet: 'hatred', label: 'x' }, 400, /facet/],
      [{ code: 'need.anti_refugee', facet: 'bias', label: 'x' }, 400, /bias\.<name>/],
      [
        { code: 'bias.nope.anti_refugee', facet: 'bias', parentCode: 'bias.nope', label: 'x' },
        400,
        /no term has this code/,
      ],
      [
        { code: 'need.housing.x', facet: 'bias', parentCode: 'need.housing', label: 'x' },
        400,
        /bias\.<name>|another facet/,
      ],
      [{ code: 'bias.anti_refugee', facet: 'bias', label: '' }, 400, /label/],
      [{ code: 'bias.anti_refugee', facet: 'bias', label: 'x', locale: 'not a locale' }, 400, /locale/],
      [{ code: 'bias.antisemitism', facet: 'bias', label: 'Duplicate' }, 409, /never reused/],
    ];
    for (const [payload, status, message] of cases) {
      const r = await post('/api/v1/taxonomy/terms', payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(status);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(JSON.stringify(r.json()), JSON.stringify(payload)).toMatch(message);
    }

    const ok = await post('/api/v1/taxonomy/terms', {
      code: 'bias.anti_refugee',
      facet: 'bias',
      label: 'Anti-refugee',
      description: 'Hostility to people because they are refugees or asylum seekers.',
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({
      code: 'bias.anti_refugee',
      custom: true,
      retired: false,
      labelLocale: 'en',
      labels: { en: { edited: true } },
    });

    const listed = (await app.inject({ url: '/api/v1/taxonomy?locale=es' })).json();
    expect(listed.terms.find((t: { code: string }) => t.code === 'bias.anti_refugee')).toMatchObject({
      label: 'Anti-refugee',
      labelLocale: 'en',
    });
  });

  it('rejects a child under a parent of another facet', async () => {
    // Codes for this case cannot be well-formed in both facets, so the service reports the facet mismatch itself.
    await expect(
      createTerm(
        ctx.db,
        { code: 'need.housing.bias_x', facet: 'need', parentCode: 'need.housing', label: 'x' },
        time.clock,
        null,
      ),
    ).resolves.toMatchObject({ parentCode: 'need.housing' });
    await expect(
      createTerm(
        ctx.db,
        { code: 'bias.racism.y', facet: 'need', parentCode: 'bias.racism', label: 'y' },
        time.clock,
        null,
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('renames and translates: 400 → 404 → 200, keeping or clearing the description as asked', async () => {
    expect(
      (
        await app.inject({
          method: 'PATCH',
          url: '/api/v1/taxonomy/terms/bias.anti_refugee',
          payload: { labels: {} },
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await app.inject({
          method: 'PATCH',
          url: '/api/v1/taxonomy/terms/bias.anti_refugee',
          payload: { labels: { fr_FR: { label: 'x' } } },
        })
      ).statusCode,
    ).toBe(400);
    const missing = await app.inject({
      method: 'PATCH',
      url: '/api/v1/taxonomy/terms/bias.nothing',
      payload: { labels: { fr: { label: 'x' } } },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');

    const fr = await app.inject({
      method: 'PATCH',
      url: '/api/v1/taxonomy/terms/bias.anti_refugee',
      payload: {
        labels: {
          fr: { label: 'Anti-réfugiés', description: 'Hostilité envers les réfugiés.' },
          'es-mx': { label: 'Antirrefugiados' },
        },
      },
    });
    expect(fr.statusCode).toBe(200);
    expect(fr.json()).toMatchObject({
      label: 'Anti-réfugiés',
      labelLocale: 'fr',
      labels: { 'es-MX': { label: 'Antirrefugiados', description: null } },
    });

    const renamed = await app.inject({
      method: 'PATCH',
      url: '/api/v1/taxonomy/terms/bias.anti_refugee',
      payload: { labels: { en: { label: 'Anti-refugee bias' } } },
    });
    expect(renamed.json()).toMatchObject({
      label: 'Anti-refugee bias',
      description: 'Hostility to people because they are refugees or asylum seekers.',
    });
    const cleared = await app.inject({
      method: 'PATCH',
      url: '/api/v1/taxonomy/terms/bias.anti_refugee',
      payload: { labels: { en: { label: 'Anti-refugee bias', description: null } } },
    });
    expect(cleared.json().labels.en.description).toBeNull();
    // A label without a description borrows the nearest description along the fallback chain, never another language's.
    await app.inject({
      method: 'PATCH',
      url: '/api/v1/taxonomy/terms/bias.anti_refugee',
      payload: { labels: { 'fr-CA': { label: 'Anti-réfugiés (CA)' } } },
    });
    const frCa = (await app.inject({ url: '/api/v1/taxonomy/terms/bias.anti_refugee?locale=fr-CA' })).json();
    expect(frCa).toMatchObject({
      label: 'Anti-réfugiés (CA)',
      labelLocale: 'fr-CA',
      description: 'Hostilité envers les réfugiés.',
    });
    expect(
      (await app.inject({ url: '/api/v1/taxonomy/terms/bias.anti_refugee?locale=en' })).json().description,
    ).toBeNull();
  });

  it('retires and restores: 404 for unknown codes, hidden from the default list, rejected as a new code', async () => {
    expect((await post('/api/v1/taxonomy/terms/bias.nothing/retire')).statusCode).toBe(404);
    expect((await post('/api/v1/taxonomy/terms/bias.nothing/restore')).statusCode).toBe(404);

    const retired = await post('/api/v1/taxonomy/terms/bias.anti_refugee/retire');
    expect(retired.statusCode).toBe(200);
    expect(retired.json()).toMatchObject({ retired: true, retiredAt: '2025-04-01T00:00:00.000Z' });
    // Retiring twice keeps the first date.
    time.set('2025-05-01T00:00:00Z');
    expect((await post('/api/v1/taxonomy/terms/bias.anti_refugee/retire')).json().retiredAt).toBe(
      '2025-04-01T00:00:00.000Z',
    );

    const codes = (q: string) =>
      app
        .inject({ url: `/api/v1/taxonomy${q}` })
        .then((r) => r.json().terms.map((t: { code: string }) => t.code));
    expect(await codes('')).not.toContain('bias.anti_refugee');
    expect(await codes('?includeRetired=true')).toContain('bias.anti_refugee');
    expect((await listTermStates(ctx.db)).get('bias.anti_refugee')).toEqual({ retired: true, facet: 'bias' });

    const again = await post('/api/v1/taxonomy/terms', {
      code: 'bias.anti_refugee',
      facet: 'bias',
      label: 'Something else',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0].reason).toMatch(/retired term/);
    const child = await post('/api/v1/taxonomy/terms', {
      code: 'bias.anti_refugee.x',
      facet: 'bias',
      parentCode: 'bias.anti_refugee',
      label: 'x',
    });
    expect(child.statusCode).toBe(409);

    // Renaming a retired term is allowed: its meaning does not change.
    expect(
      (
        await app.inject({
          method: 'PATCH',
          url: '/api/v1/taxonomy/terms/bias.anti_refugee',
          payload: { labels: { en: { label: 'Anti-refugee (old)' } } },
        })
      ).statusCode,
    ).toBe(200);

    const restored = await post('/api/v1/taxonomy/terms/bias.anti_refugee/restore');
    expect(restored.statusCode).toBe(200);
    expect(restored.json()).toMatchObject({ retired: false, retiredAt: null, label: 'Anti-refugee (old)' });
    expect(await codes('')).toContain('bias.anti_refugee');
  });

  it('answers 404 for an unknown term and refuses any attempt to change a code', async () => {
    expect((await app.inject({ url: '/api/v1/taxonomy/terms/bias.nothing' })).statusCode).toBe(404);
    const r = await app.inject({
      method: 'PATCH',
      url: '/api/v1/taxonomy/terms/bias.age',
      payload: { code: 'bias.elderly', labels: { en: { label: 'Age' } } },
    });
    expect(r.statusCode).toBe(400);
    expect(JSON.stringify(r.json().errors)).toMatch(/code/);
    expect((await app.inject({ url: '/api/v1/taxonomy/terms/bias.age' })).json().code).toBe('bias.age');
    expect((await app.inject({ url: '/api/v1/taxonomy/terms/bias.elderly' })).statusCode).toBe(404);
  });
});

describeEachDialect('taxonomy audit trail', (ctx) => {
  const time = movableClock('2025-04-01T00:00:00Z');
  let app: Awaited<ReturnType<typeof buildSignedInApp>>;
  beforeAll(async () => {
    await seedDefaultTaxonomy(ctx.db, time.clock);
    app = await buildSignedInApp(
      { db: ctx.db, config: loadConfig({}), clock: time.clock },
      { modules: [taxonomyRoutes], logger: false },
    );
  });
  afterAll(async () => app.close());

  const entry = (action: string, code: string, details: Record<string, unknown>) =>
    expect.objectContaining({
      action,
      outcome: 'success',
      actorUserId: app.signedIn.userId,
      actorOrganisationId: app.signedIn.organisationId,
      actorRole: 'prevention_coordinator',
      resourceType: 'taxonomy_term',
      resourceId: code,
      occurredAt: '2025-04-01T00:00:00.000Z',
      details: { via: 'api', ...details },
    });

  it('records adding, renaming, retiring and restoring terms, but neither seeding nor refused writes', async () => {
    // Seeding ships the release's words: no user wrote anything.
    await seedDefaultTaxonomy(ctx.db, time.clock);
    expect(await auditEntries(ctx.db, 'taxonomy.')).toEqual([]);

    const term = { code: 'bias.anti_refugee', facet: 'bias', label: 'Anti-refugee' };
    const post = (url: string, payload?: object) => app.inject({ method: 'POST', url, payload });
    expect((await post('/api/v1/taxonomy/terms', term)).statusCode).toBe(201);
    expect((await post('/api/v1/taxonomy/terms', term)).statusCode).toBe(409);
    expect((await post('/api/v1/taxonomy/terms', { ...term, code: 'BAD' })).statusCode).toBe(400);
    const rename = (code: string) =>
      app.inject({
        method: 'PATCH',
        url: `/api/v1/taxonomy/terms/${code}`,
        payload: { labels: { fr: { label: 'Anti-réfugiés' }, 'ar-EG': { label: 'ضد اللاجئين' } } },
      });
    expect((await rename('bias.anti_refugee')).statusCode).toBe(200);
    expect((await rename('bias.nothing')).statusCode).toBe(404);
    expect((await post('/api/v1/taxonomy/terms/bias.anti_refugee/retire')).statusCode).toBe(200);
    expect((await post('/api/v1/taxonomy/terms/bias.anti_refugee/retire')).statusCode).toBe(200);
    expect((await post('/api/v1/taxonomy/terms/bias.anti_refugee/restore')).statusCode).toBe(200);
    expect((await post('/api/v1/taxonomy/terms/bias.nothing/restore')).statusCode).toBe(404);

    expect(await auditEntries(ctx.db, 'taxonomy.')).toEqual([
      entry('taxonomy.term_create', 'bias.anti_refugee', { facet: 'bias', parentCode: null, locale: 'en' }),
      // Which translations were written, never the words.
      entry('taxonomy.term_update', 'bias.anti_refugee', { locales: ['fr', 'ar-EG'] }),
      entry('taxonomy.term_retire', 'bias.anti_refugee', { changed: true }),
      entry('taxonomy.term_retire', 'bias.anti_refugee', { changed: false }),
      entry('taxonomy.term_restore', 'bias.anti_refugee', { changed: true }),
    ]);
  });

  it('fails closed: when the audit entry cannot be written, the term is left as it was', async () => {
    await sql`alter table audit_event rename to audit_event_away`.execute(ctx.db.kysely);
    try {
      await expect(
        createTerm(ctx.db, { code: 'bias.unaudited', facet: 'bias', label: 'Unaudited' }, time.clock, null),
      ).rejects.toThrow(/audit_event/);
      await expect(
        updateTermLabels(ctx.db, 'bias.anti_refugee', { en: { label: 'Renamed' } }, time.clock, null),
      ).rejects.toThrow(/audit_event/);
      await expect(retireTerm(ctx.db, 'bias.anti_refugee', time.clock, null)).rejects.toThrow(/audit_event/);
    } finally {
      await sql`alter table audit_event_away rename to audit_event`.execute(ctx.db.kysely);
    }
    expect((await listTermStates(ctx.db)).has('bias.unaudited')).toBe(false);
    expect(await getTerm(ctx.db, 'bias.anti_refugee')).toMatchObject({
      label: 'Anti-refugee',
      retiredAt: null,
    });
  });
});

describe('docs/taxonomy.md', () => {
  it('documents every shipped code', () => {
    const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../../docs/taxonomy.md'), 'utf8');
    const missing = DEFAULT_TERMS.filter((t) => !doc.includes(`\`${t.code}\``)).map((t) => t.code);
    expect(missing).toEqual([]);
  });
});

describe('taxonomy CLI', () => {
  const { dataDir, cohesion: cli, cleanup } = createCliRunner('taxonomy');
  afterAll(cleanup);

  it('adds a term and lists the facet in French, marking labels that fell back to another language', async () => {
    await cli('taxonomy', 'add', '--code', 'channel.phone', '--facet', 'channel', '--label', 'By phone');
    await cli('taxonomy', 'retire', 'channel.phone');
    await cli('taxonomy', 'restore', 'channel.phone');
    const db = openDatabase({ sqlitePath: path.join(dataDir, 'cohesion.sqlite') });
    try {
      expect(
        (await auditEntries(db, 'taxonomy.')).map((e) => [
          e.action,
          e.actorUserId,
          e.resourceId,
          e.details.via,
        ]),
      ).toEqual([
        ['taxonomy.term_create', null, 'channel.phone', 'cli'],
        ['taxonomy.term_retire', null, 'channel.phone', 'cli'],
        ['taxonomy.term_restore', null, 'channel.phone', 'cli'],
      ]);
    } finally {
      await db.close();
    }
    const { stdout } = await cli('taxonomy', 'list', '--locale', 'fr-CA', '--facet', 'channel');
    expect(stdout.trim().split('\n')).toEqual([
      '[channel]',
      expect.stringMatching(/^channel\.offline\s+En personne$/),
      expect.stringMatching(/^channel\.online\s+En ligne$/),
      expect.stringMatching(/^channel\.phone\s+By phone \(en\)$/),
    ]);
  });
});
