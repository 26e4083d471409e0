import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSignedInApp } from '../../test/auth.ts';
import { loadConfig } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import { fixedClock } from '../../platform/clock.ts';
import type { App } from '../../platform/http.ts';
import { newId } from '../../platform/ids.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { pictureRoutes } from './picture.routes.ts';
import { ratePer10k, type AreaPicture } from './picture.service.ts';

const T = '2024-01-01T00:00:00.000Z';
const square = JSON.stringify({
  type: 'Polygon',
  coordinates: [
    [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
      [0, 0],
    ],
  ],
});

type Fixture = {
  areaIds: Record<string, string>;
  sourceIds: Record<string, string>;
  batchIds: Record<string, string>;
};

async function seed(db: Db): Promise<Fixture> {
  const k = db.kysely;
  const areaIds: Record<string, string> = {};
  for (const [code, name] of [
    ['001', 'Alpha'],
    ['002', 'Bravo'],
    ['003', 'Charlie'],
    ['004', 'Delta'],
  ] as const) {
    areaIds[code] = newId();
    await k
      .insertInto('area')
      .values({
        id: areaIds[code],
        code,
        name,
        level: 'neighbourhood',
        parentId: null,
        geometry: square,
        minLon: 0,
        minLat: 0,
        maxLon: 1,
        maxLat: 1,
        createdAt: T,
        updatedAt: T,
      })
      .execute();
  }
  // Charlie has no population: its rate must be null, not zero.
  await k
    .insertInto('areaAttribute')
    .values([
      { areaId: areaIds['001']!, key: 'population_2021', value: 20_000, source: 'census', updatedAt: T },
      { areaId: areaIds['002']!, key: 'population_2021', value: 5_000, source: 'census', updatedAt: T },
      { areaId: areaIds['004']!, key: 'population_2021', value: 10_000, source: 'census', updatedAt: T },
      { areaId: areaIds['001']!, key: 'households', value: 8_000, source: 'census', updatedAt: T },
    ])
    .execute();

  const terms: Array<[string, string | null]> = [
    ['bias.racism', null],
    ['bias.racism.anti_black', 'bias.racism'],
    ['bias.racism.anti_east_southeast_asian', 'bias.racism'],
    ['bias.antisemitism', null],
    ['bias.anti_muslim', null],
    ['bias.anti_roma', null],
    // Would match 'bias.anti_roma.%' if '_' were left as a LIKE wildcard.
    ['bias.antixroma', null],
    ['bias.antixroma.sub', 'bias.antixroma'],
  ];
  for (const [code, parentCode] of terms) {
    await k
      .insertInto('taxonomyTerm')
      .values({
        code,
        parentCode,
        facet: 'bias',
        sortOrder: 0,
        custom: 0,
        retiredAt: null,
        createdAt: T,
        updatedAt: T,
      })
      .execute();
  }

  const sourceIds: Record<string, string> = {};
  for (const code of ['police', 'community']) {
    sourceIds[code] = newId();
    await k
      .insertInto('source')
      .values({
        id: sourceIds[code],
        code,
        name: code,
        kind: 'police',
        contactName: null,
        contactEmail: null,
        licence: null,
        method: 'upload',
        url: null,
        cadence: 'monthly',
        mapping: null,
        notes: null,
        lastDeliveredAt: null,
        createdAt: T,
        updatedAt: T,
        archivedAt: null,
      })
      .execute();
  }

  const batchIds: Record<string, string> = {};
  for (const [name, source, createdAt, rolledBackAt] of [
    ['b1', 'police', '2024-01-10T09:00:00.000Z', null],
    ['b2', 'community', '2024-03-01T09:00:00.000Z', null],
    ['b3', 'police', '2024-06-01T09:00:00.000Z', '2024-06-02T09:00:00.000Z'],
  ] as const) {
    batchIds[name] = newId();
    await k
      .insertInto('importBatch')
      .values({
        id: batchIds[name],
        sourceId: sourceIds[source]!,
        fileName: `${name}.csv`,
        fileHash: name,
        format: 'csv',
        status: rolledBackAt ? 'rolled_back' : 'committed',
        totalRows: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        failed: 0,
        createdAt,
        rolledBackAt,
      })
      .execute();
  }

  const signals: Array<[string, string | null, string, string, string[]]> = [
    [
      's1',
      '001',
      '2023-01-05',
      'police',
      ['bias.racism.anti_black', 'bias.racism.anti_east_southeast_asian'],
    ],
    ['s2', '001', '2023-06-30', 'police', ['bias.antisemitism']],
    ['s3', '001', '2024-02-01', 'community', ['bias.racism']],
    ['s4', '002', '2023-03-03', 'police', ['bias.anti_muslim', 'bias.antisemitism']],
    ['s5', '002', '2023-12-31', 'community', ['bias.racism.anti_black']],
    ['s6', '003', '2023-07-01', 'police', ['bias.antisemitism']],
    ['s7', null, '2023-02-02', 'police', ['bias.racism.anti_black']],
    ['s8', null, '2022-12-31', 'community', []],
    ['s9', '001', '2023-05-05', 'police', ['bias.antixroma.sub']],
  ];
  for (const [externalId, area, occurredOn, source, labels] of signals) {
    const id = newId();
    await k
      .insertInto('signal')
      .values({
        id,
        sourceId: sourceIds[source]!,
        externalId,
        batchId: source === 'police' ? batchIds['b1']! : batchIds['b2']!,
        occurredAt: occurredOn,
        occurredOn,
        areaId: area === null ? null : areaIds[area]!,
        lon: null,
        lat: null,
        severity: null,
        description: null,
        extra: null,
        contentHash: externalId,
        createdAt: T,
        updatedAt: T,
      })
      .execute();
    for (const termCode of labels)
      await k.insertInto('signalLabel').values({ signalId: id, termCode }).execute();
  }
  return { areaIds, sourceIds, batchIds };
}

type PictureBody = AreaPicture;

const countsOf = (body: PictureBody): Record<string, number> =>
  Object.fromEntries([
    ...body.areas.map((a) => [a.code, a.count] as const),
    ['city-wide', body.cityWide.count] as const,
  ]);

describe('ratePer10k', () => {
  it('scales to 10,000 residents and refuses to invent a rate without a population', () => {
    expect(ratePer10k(3, 20_000)).toBe(1.5);
    expect(ratePer10k(0, 20_000)).toBe(0);
    expect(ratePer10k(3, null)).toBeNull();
    expect(ratePer10k(3, 0)).toBeNull();
  });
});

describeEachDialect('picture API', (ctx) => {
  let app: App;
  beforeAll(async () => {
    await seed(ctx.db);
    app = await buildSignedInApp(
      { db: ctx.db, config: loadConfig({}), clock: fixedClock('2025-01-01T00:00:00Z') },
      { logger: false, modules: [pictureRoutes] },
    );
  });
  afterAll(async () => app.close());

  const get = async (query: string) => app.inject({ url: `/api/v1/picture/areas${query}` });

  it.each([
    ['?from=2023-13-01', /from/],
    ['?to=2023-02-30', /to/],
    ['?from=yesterday', /from/],
    ['?from=2024-01-01&to=2023-01-01', /from/],
    ['?label=', /label/],
  ])('rejects %s with a problem', async (query, path) => {
    const r = await get(query);
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.json().code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(r.json().errors)).toMatch(path);
  });

  it.each([
    ['?label=bias.nothing', 'bias.nothing'],
    ['?source=nope', 'nope'],
    ['?denominator=no_such_attribute', 'no_such_attribute'],
  ])('answers 404 for an unknown reference %s', async (query, value) => {
    const r = await get(query);
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('NOT_FOUND');
    expect(r.json().errors).toEqual([expect.objectContaining({ value })]);
  });

  it('counts every signal per area, with city-wide ones apart, and rates per 10,000 residents', async () => {
    const r = await get('');
    expect(r.statusCode).toBe(200);
    const body = r.json() as PictureBody;
    expect(body.from).toBeNull();
    expect(body.to).toBeNull();
    expect(body.denominator).toBe('population_2021');
    // b3 was rolled back, so the latest batch in force is b2.
    expect(body.dataAsOf).toBe('2024-03-01T09:00:00.000Z');
    expect(body.areas).toEqual([
      { code: '001', name: 'Alpha', count: 4, population: 20_000, ratePer10k: 2 },
      { code: '002', name: 'Bravo', count: 2, population: 5_000, ratePer10k: 4 },
      { code: '003', name: 'Charlie', count: 1, population: null, ratePer10k: null },
      { code: '004', name: 'Delta', count: 0, population: 10_000, ratePer10k: 0 },
    ]);
    expect(body.cityWide).toEqual({ count: 2 });
  });

  it('matches a category and its descendants, counting a signal with several matching labels once', async () => {
    const body = (await get('?label=bias.racism')).json() as PictureBody;
    expect(countsOf(body)).toEqual({ '001': 2, '002': 1, '003': 0, '004': 0, 'city-wide': 1 });
    expect(body.areas[0]!.ratePer10k).toBe(1);

    const leaf = (await get('?label=bias.racism.anti_black')).json() as PictureBody;
    expect(countsOf(leaf)).toEqual({ '001': 1, '002': 1, '003': 0, '004': 0, 'city-wide': 1 });
  });

  it('treats underscores in codes literally, not as wildcards', async () => {
    const body = (await get('?label=bias.anti_roma')).json() as PictureBody;
    expect(countsOf(body)).toEqual({ '001': 0, '002': 0, '003': 0, '004': 0, 'city-wide': 0 });
  });

  it('ORs repeated labels and still counts each signal once', async () => {
    const body = (await get('?label=bias.antisemitism&label=bias.anti_muslim')).json() as PictureBody;
    expect(countsOf(body)).toEqual({ '001': 1, '002': 1, '003': 1, '004': 0, 'city-wide': 0 });
  });

  it('limits to the period, both ends included', async () => {
    const body = (await get('?from=2023-01-01&to=2023-12-31')).json() as PictureBody;
    expect(body.from).toBe('2023-01-01');
    expect(body.to).toBe('2023-12-31');
    expect(countsOf(body)).toEqual({ '001': 3, '002': 2, '003': 1, '004': 0, 'city-wide': 1 });

    const combined = (
      await get('?from=2023-06-30&to=2023-07-01&label=bias.antisemitism')
    ).json() as PictureBody;
    expect(countsOf(combined)).toEqual({ '001': 1, '002': 0, '003': 1, '004': 0, 'city-wide': 0 });
  });

  it('limits to a source, with the data date of that source', async () => {
    const community = (await get('?source=community')).json() as PictureBody;
    expect(countsOf(community)).toEqual({ '001': 1, '002': 1, '003': 0, '004': 0, 'city-wide': 1 });
    expect(community.dataAsOf).toBe('2024-03-01T09:00:00.000Z');

    const police = (await get('?source=police')).json() as PictureBody;
    expect(countsOf(police)).toEqual({ '001': 3, '002': 1, '003': 1, '004': 0, 'city-wide': 1 });
    expect(police.dataAsOf).toBe('2024-01-10T09:00:00.000Z');

    const both = (await get('?source=police&source=community')).json() as PictureBody;
    expect(countsOf(both)).toEqual({ '001': 4, '002': 2, '003': 1, '004': 0, 'city-wide': 2 });
  });

  it('uses another area attribute as denominator on request', async () => {
    const body = (await get('?denominator=households')).json() as PictureBody;
    expect(body.denominator).toBe('households');
    expect(body.areas.map((a) => [a.code, a.population, a.ratePer10k])).toEqual([
      ['001', 8_000, 5],
      ['002', null, null],
      ['003', null, null],
      ['004', null, null],
    ]);
  });

  it('reports the extent of the data', async () => {
    const r = await app.inject({ url: '/api/v1/picture/extent' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ from: '2022-12-31', to: '2024-02-01', dataAsOf: '2024-03-01T09:00:00.000Z' });
  });

  it('documents both endpoints in the OpenAPI document', async () => {
    const app2 = await buildSignedInApp(
      { db: ctx.db, config: loadConfig({}), clock: fixedClock('2025-01-01T00:00:00Z') },
      { logger: false, modules: [pictureRoutes] },
    );
    const doc = (await app2.inject({ url: '/api/v1/openapi.json' })).json();
    await app2.close();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/picture/areas', '/api/v1/picture/extent']),
    );
  });
});

describeEachDialect('picture API on an empty instance', (ctx) => {
  let app: App;
  beforeAll(async () => {
    app = await buildSignedInApp(
      { db: ctx.db, config: loadConfig({}), clock: fixedClock('2025-01-01T00:00:00Z') },
      { logger: false, modules: [pictureRoutes] },
    );
  });
  afterAll(async () => app.close());

  it('answers with nothing rather than failing', async () => {
    expect((await app.inject({ url: '/api/v1/picture/extent' })).json()).toEqual({
      from: null,
      to: null,
      dataAsOf: null,
    });
    const body = (await app.inject({ url: '/api/v1/picture/areas' })).json();
    expect(body).toEqual({
      from: null,
      to: null,
      dataAsOf: null,
      denominator: 'population_2021',
      cityWide: { count: 0 },
      areas: [],
    });
  });
});
