import { createHash } from 'node:crypto';
import fs from 'node:fs';
import iconv from 'iconv-lite';
import type { Position } from 'geojson';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signedArea } from '../../../core/geo/geojson.ts';
import { torontoFile } from '../../../core/geo/toronto-fixture.ts';
import { buildSignedInApp } from '../../test/auth.ts';
import { loadConfig } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import { fixedClock } from '../../platform/clock.ts';
import { isAppError, type AppError } from '../../platform/errors.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { areasRoutes } from './areas.routes.ts';
import {
  getArea,
  getBoundaries,
  importAreaAttributes,
  importAreas,
  listAreas,
  loadAreaIndex,
} from './areas.service.ts';

const clock = fixedClock('2025-03-01T12:00:00Z');
const torontoGeojson = fs.readFileSync(torontoFile('neighbourhoods_158_4326.geojson'));
const populationCsv = fs.readFileSync(torontoFile('neighbourhood_population_2021_158.csv'));
const toronto = { codeProperty: 'AREA_SHORT_CODE', nameProperty: 'AREA_NAME', level: 'neighbourhood' };

const square = (x: number, y: number, size = 1): Position[] => [
  [x, y],
  [x + size, y],
  [x + size, y + size],
  [x, y + size],
  [x, y],
];
const feature = (properties: Record<string, unknown>, coordinates: unknown, type = 'Polygon') => ({
  type: 'Feature',
  properties,
  geometry: coordinates === null ? null : { type, coordinates },
});
const collection = (...features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });

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

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return e;
    throw e;
  }
  throw new Error('expected the promise to reject');
}

describeEachDialect('areas import', (ctx) => {
  const count = async (table: 'area' | 'areaAttribute') =>
    Number(
      (
        await ctx.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('dry-runs the Toronto file without writing anything', async () => {
    const report = await importAreas(
      ctx.db,
      { geojson: torontoGeojson, ...toronto, dryRun: true },
      clock,
      null,
    );
    expect(report).toEqual({ imported: 158, updated: 0, failed: 0, errors: [] });
    expect(await count('area')).toBe(0);
  });

  it('imports the 158 Toronto neighbourhoods with their names, rewound counter-clockwise', async () => {
    const report = await importAreas(ctx.db, { geojson: torontoGeojson, ...toronto }, clock, null);
    expect(report).toEqual({ imported: 158, updated: 0, failed: 0, errors: [] });
    const areas = await listAreas(ctx.db);
    expect(areas).toHaveLength(158);
    expect(areas.every((a) => a.level === 'neighbourhood' && a.parentCode === null)).toBe(true);
    const source = JSON.parse(torontoGeojson.toString('utf8')) as {
      features: Array<{ properties: { AREA_SHORT_CODE: string; AREA_NAME: string } }>;
    };
    const expectedNames = new Map(
      source.features.map((f) => [f.properties.AREA_SHORT_CODE, f.properties.AREA_NAME]),
    );
    for (const a of areas) expect(a.name).toBe(expectedNames.get(a.code));
    const davisville = await getArea(ctx.db, '174');
    expect(davisville.name).toBe('South Eglinton-Davisville');
    expect(davisville.geometry.type).toBe('MultiPolygon');
    const ring = (davisville.geometry.coordinates as Position[][][])[0]![0]!;
    expect(signedArea(ring)).toBeGreaterThan(0);
    expect(davisville.minLon).toBeLessThan(-79.38);
    expect(davisville.maxLat).toBeGreaterThan(43.69);
  });

  it('updates areas with the same code on re-import and recomputes the cached boundaries', async () => {
    const before = await getBoundaries(ctx.db, 'topojson');
    expect((await getBoundaries(ctx.db, 'topojson')).etag).toBe(before.etag);
    const renamed = torontoGeojson
      .toString('utf8')
      .replace('"South Eglinton-Davisville"', '"Davisville Village South"');
    const report = await importAreas(
      ctx.db,
      { geojson: renamed, codeProperty: 'AREA_SHORT_CODE', nameProperty: 'AREA_NAME' },
      clock,
      null,
    );
    expect(report).toEqual({ imported: 0, updated: 158, failed: 0, errors: [] });
    expect((await getArea(ctx.db, '174')).name).toBe('Davisville Village South');
    expect((await getArea(ctx.db, '174')).level).toBe('neighbourhood');
    const after = await getBoundaries(ctx.db, 'topojson');
    expect(after.etag).not.toBe(before.etag);
    expect(after.body).toContain('Davisville Village South');
    await importAreas(ctx.db, { geojson: torontoGeojson, ...toronto }, clock, null);
  });

  it('reports every invalid feature and writes nothing', async () => {
    const file = collection(
      feature({ code: 'X1', name: 'Good' }, [square(0, 0)]),
      feature({ code: 'X2', name: 'No geometry' }, null),
      feature(
        { code: 'X3', name: 'Line' },
        [
          [0, 0],
          [1, 1],
        ],
        'LineString',
      ),
      feature({ code: 'X4', name: 'Open' }, [
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
          [0, 0.5],
        ],
      ]),
      feature({ code: 'X5', name: 'Bow tie' }, [
        [
          [0, 0],
          [2, 2],
          [2, 0],
          [0, 2],
          [0, 0],
        ],
      ]),
      feature({ code: 'X6', name: 'Projected' }, [square(631234, 4835012, 100)]),
      feature({ name: 'No code' }, [square(0, 0)]),
      feature({ code: 'X1', name: 'Duplicate' }, [square(3, 3)]),
      feature({ code: '174', name: 'Three' }, [square(0, 0).slice(0, 3)]),
    );
    const areasBefore = await listAreas(ctx.db);
    const dry = await importAreas(
      ctx.db,
      { geojson: file, codeProperty: 'code', nameProperty: 'name', dryRun: true },
      clock,
      null,
    );
    expect(dry.imported).toBe(1);
    expect(dry.failed).toBe(8);
    const error = await rejection(
      importAreas(ctx.db, { geojson: file, codeProperty: 'code', nameProperty: 'name' }, clock, null),
    );
    expect(error.code).toBe('GEOJSON_INVALID');
    expect(error.message).toBe('8 of 9 features are invalid; nothing was imported');
    expect(error.details).toEqual(dry.errors);
    const reasons = new Map(error.details.map((d) => [d.feature, d.reason as string]));
    expect(reasons.get(2)).toBe('missing geometry');
    expect(reasons.get(3)).toMatch(/unsupported geometry type LineString/);
    expect(reasons.get(4)).toMatch(/not closed/);
    expect(reasons.get(5)).toMatch(/intersects itself/);
    expect(reasons.get(6)).toMatch(/631234, 4835012 look like metres/);
    expect(reasons.get(7)).toMatch(/missing code/);
    expect(reasons.get(8)).toMatch(/duplicate code "X1"/);
    expect(reasons.get(9)).toMatch(/at least 4/);
    // Commands run on the server print their refusals; only a signed-in person's refused import is recorded.
    expect((await auditEntries(ctx.db, 'area.')).filter((e) => e.outcome !== 'success')).toEqual([]);
    expect(error.details.find((d) => d.feature === 9)?.code).toBe('174');
    expect(await listAreas(ctx.db)).toEqual(areasBefore);
  });

  it('links parents from the same file or the database, and rejects unknown parents and cycles', async () => {
    const districts = collection(
      feature({ code: 'D-B', name: 'Ward B', parent: 'R' }, [square(10, 0, 2)]),
      feature({ code: 'R', name: 'Region' }, [square(10, 0, 4)]),
    );
    const first = await importAreas(
      ctx.db,
      {
        geojson: districts,
        codeProperty: 'code',
        nameProperty: 'name',
        parentCodeProperty: 'parent',
        level: 'ward',
      },
      clock,
      null,
    );
    expect(first).toMatchObject({ imported: 2, failed: 0 });
    expect((await getArea(ctx.db, 'D-B')).parentCode).toBe('R');

    const bad = collection(
      feature({ code: 'N1', name: 'Orphan', parent: 'NOPE' }, [square(10, 0)]),
      feature({ code: 'N2', name: 'Child of ward', parent: 'D-B' }, [square(11, 0)]),
      feature({ code: 'C1', name: 'Cycle 1', parent: 'C2' }, [square(12, 0)]),
      feature({ code: 'C2', name: 'Cycle 2', parent: 'C1' }, [square(13, 0)]),
    );
    const error = await rejection(
      importAreas(
        ctx.db,
        { geojson: bad, codeProperty: 'code', nameProperty: 'name', parentCodeProperty: 'parent' },
        clock,
        null,
      ),
    );
    expect(error.details).toEqual([
      { feature: 1, code: 'N1', reason: 'parent code "NOPE" is neither in this file nor an existing area' },
      { feature: 3, code: 'C1', reason: 'parent links form a cycle through "C1"' },
      { feature: 4, code: 'C2', reason: 'parent links form a cycle through "C2"' },
    ]);
    await expect(getArea(ctx.db, 'N2')).rejects.toThrow(/not found/);
  });

  it('builds the point index over leaf areas only, with ties on shared vertices going to the smallest code', async () => {
    const { index, idByCode } = await loadAreaIndex(ctx.db);
    expect(index.size).toBe(158 + 1);
    expect(idByCode.size).toBe(158 + 2);
    expect(index.locate(10.5, 0.5)).toBe(idByCode.get('D-B'));
    expect(index.locate(13, 3)).toBeNull();
    const source = JSON.parse(torontoGeojson.toString('utf8')) as {
      features: Array<{ properties: { AREA_SHORT_CODE: string }; geometry: { coordinates: Position[][][] } }>;
    };
    const owners = new Map<string, Set<string>>();
    for (const f of source.features) {
      for (const p of f.geometry.coordinates.flat(2)) {
        const key = `${p[0]},${p[1]}`;
        owners.set(key, (owners.get(key) ?? new Set()).add(f.properties.AREA_SHORT_CODE));
      }
    }
    const [vertex, codes] = [...owners].find(([, c]) => c.size >= 3)!;
    const [x, y] = vertex.split(',').map(Number) as [number, number];
    const sharing = [...codes].sort();
    expect(index.locate(x, y)).toBe(idByCode.get(sharing[0]!));
    expect(index.locate(-79.3957, 43.6629)).not.toBeNull();
    expect(index.locate(-80.5, 43.6)).toBeNull();
  });

  it('attaches the 2021 population to all 158 neighbourhoods, then updates it', async () => {
    const report = await importAreaAttributes(
      ctx.db,
      { csv: populationCsv, codeColumn: 'HOOD_158', columns: ['population_2021'], source: 'Census 2021' },
      clock,
      null,
    );
    expect(report).toEqual({ imported: 158, updated: 0, failed: 0, errors: [] });
    const areas = (await listAreas(ctx.db, { level: 'neighbourhood' })).filter(
      (a) => a.attributes.population_2021,
    );
    expect(areas).toHaveLength(158);
    expect(areas.reduce((s, a) => s + a.attributes.population_2021!, 0)).toBe(2_761_290);
    const again = await importAreaAttributes(
      ctx.db,
      { csv: populationCsv, codeColumn: 'HOOD_158', columns: ['population_2021'] },
      clock,
      null,
    );
    expect(again).toMatchObject({ imported: 0, updated: 158, failed: 0 });
    expect(await count('areaAttribute')).toBe(158);
  });

  it('reads Windows-1252, semicolon-separated attribute files', async () => {
    const csv = iconv.encode(
      'Quartier;Ménages;Superficie km²\r\n001;12000;3.5\r\n002;9000;.75\r\n',
      'windows-1252',
    );
    const report = await importAreaAttributes(
      ctx.db,
      { csv, codeColumn: 'Quartier', columns: ['Ménages', 'Superficie km²'] },
      clock,
      null,
    );
    expect(report).toEqual({ imported: 2, updated: 0, failed: 0, errors: [] });
    expect((await getArea(ctx.db, '002')).attributes).toMatchObject({
      Ménages: 9000,
      'Superficie km²': 0.75,
    });
  });

  it('reports bad attribute rows by line, column and value, and writes nothing', async () => {
    const before = await count('areaAttribute');
    const csv = Buffer.from(
      'HOOD_158,households,population_2021\n001,100,33300\n999,1,2\n002,"33,300",5\n003,,7\n001,4,5\n,1,1\n',
    );
    const input = { csv, codeColumn: 'HOOD_158', columns: ['households', 'population_2021'] };
    const error = await rejection(importAreaAttributes(ctx.db, input, clock, null));
    expect(error.code).toBe('IMPORT_INVALID');
    expect(error.message).toBe('5 of 6 rows are invalid; nothing was imported');
    expect(error.details).toEqual([
      { line: 3, column: 'HOOD_158', value: '999', reason: 'unknown area code "999"' },
      {
        line: 4,
        column: 'households',
        value: '33,300',
        reason: 'not a number: write plain digits with "." for decimals, no thousands separators',
      },
      { line: 5, column: 'households', reason: 'empty value: every named column needs a number' },
      { line: 6, column: 'HOOD_158', value: '001', reason: 'area code "001" already appeared on line 2' },
      { line: 7, column: 'HOOD_158', reason: 'missing area code' },
    ]);
    expect(await importAreaAttributes(ctx.db, { ...input, dryRun: true }, clock, null)).toEqual({
      imported: 0,
      updated: 1,
      failed: 5,
      errors: error.details,
    });
    expect(await count('areaAttribute')).toBe(before);
  });

  it('records each committed import with its counts and file hash, never a dry run', async () => {
    expect(
      (await auditEntries(ctx.db, 'area.')).map((e) => [e.action, e.actorUserId, e.outcome, e.details]),
    ).toEqual([
      [
        'area.import',
        null,
        'success',
        { via: 'cli', fileHash: sha256(torontoGeojson), imported: 158, updated: 0 },
      ],
      ['area.import', null, 'success', expect.objectContaining({ via: 'cli', imported: 0, updated: 158 })],
      [
        'area.import',
        null,
        'success',
        expect.objectContaining({ fileHash: sha256(torontoGeojson), imported: 0, updated: 158 }),
      ],
      ['area.import', null, 'success', expect.objectContaining({ imported: 2, updated: 0 })],
      [
        'area.attributes_import',
        null,
        'success',
        {
          via: 'cli',
          fileHash: sha256(populationCsv),
          keys: ['population_2021'],
          imported: 158,
          updated: 0,
        },
      ],
      ['area.attributes_import', null, 'success', expect.objectContaining({ imported: 0, updated: 158 })],
      [
        'area.attributes_import',
        null,
        'success',
        expect.objectContaining({ keys: ['Ménages', 'Superficie km²'] }),
      ],
    ]);
  });

  it('fails closed: when the audit entry cannot be written, no boundary or figure is written either', async () => {
    const before = await listAreas(ctx.db);
    await sql`alter table audit_event rename to audit_event_away`.execute(ctx.db.kysely);
    try {
      await expect(
        importAreas(
          ctx.db,
          {
            geojson: collection(feature({ code: 'NEW', name: 'New' }, [square(5, 5)])),
            codeProperty: 'code',
            nameProperty: 'name',
          },
          clock,
          null,
        ),
      ).rejects.toThrow(/audit_event/);
      await expect(
        importAreaAttributes(
          ctx.db,
          {
            csv: Buffer.from('HOOD_158,population_2021\n001,1\n'),
            codeColumn: 'HOOD_158',
            columns: ['population_2021'],
          },
          clock,
          null,
        ),
      ).rejects.toThrow(/audit_event/);
    } finally {
      await sql`alter table audit_event_away rename to audit_event`.execute(ctx.db.kysely);
    }
    expect(await listAreas(ctx.db)).toEqual(before);
  });

  it('explains an empty file, a header without rows and missing columns', async () => {
    const run = (csv: string, columns = ['population_2021']) =>
      rejection(
        importAreaAttributes(ctx.db, { csv: Buffer.from(csv), codeColumn: 'HOOD_158', columns }, clock, null),
      );
    expect((await run('')).details).toEqual([{ line: 1, reason: 'the file is empty' }]);
    expect((await run('HOOD_158,population_2021\n')).details).toEqual([
      { line: 1, reason: 'the file has a header but no rows' },
    ]);
    expect((await run('HOOD_158;pop\n001;5\n', ['population_2021', 'households'])).details).toEqual([
      {
        line: 1,
        column: 'population_2021',
        reason: 'column "population_2021" is not in the header (found: HOOD_158, pop)',
      },
      {
        line: 1,
        column: 'households',
        reason: 'column "households" is not in the header (found: HOOD_158, pop)',
      },
    ]);
  });
});

function multipart(fields: Record<string, string>, file?: { name: string; content: Buffer | string }) {
  const boundary = '----cohesion-test-boundary';
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

describeEachDialect('areas endpoints', (ctx) => {
  let app: Awaited<ReturnType<typeof buildSignedInApp>>;
  beforeAll(async () => {
    app = await buildSignedInApp(
      { db: ctx.db, config: loadConfig({}), clock },
      { modules: [areasRoutes], logger: false },
    );
  });
  afterAll(async () => app.close());

  const byActor = () => ({
    actorUserId: app.signedIn.userId,
    actorOrganisationId: app.signedIn.organisationId,
    actorRole: 'prevention_coordinator',
    occurredAt: '2025-03-01T12:00:00.000Z',
  });

  it('GET /areas/:code walks 400 → 404', async () => {
    const bad = await app.inject({ method: 'GET', url: `/api/v1/areas/${'x'.repeat(65)}` });
    expect(bad.statusCode).toBe(400);
    const missing = await app.inject({ method: 'GET', url: '/api/v1/areas/174' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('POST /areas/import rejects a missing file or fields (400), non-multipart (415) and invalid features (422)', async () => {
    const noFile = await app.inject({
      method: 'POST',
      url: '/api/v1/areas/import',
      ...multipart({ codeProperty: 'c' }),
    });
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json().errors).toEqual(
      expect.arrayContaining([
        { path: '/file', reason: 'a file is required' },
        expect.objectContaining({ path: '/nameProperty' }),
      ]),
    );
    const json = await app.inject({
      method: 'POST',
      url: '/api/v1/areas/import',
      payload: { codeProperty: 'x' },
    });
    expect(json.statusCode).toBe(415);
    const invalid = await app.inject({
      method: 'POST',
      url: '/api/v1/areas/import',
      ...multipart(
        { codeProperty: 'code', nameProperty: 'name' },
        { name: 'bad.geojson', content: collection(feature({ code: 'A', name: 'a' }, null)) },
      ),
    });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json()).toMatchObject({
      code: 'GEOJSON_INVALID',
      errors: [{ feature: 1, code: 'A', reason: 'missing geometry' }],
    });
    // A refusal that reached the service is visible to an auditor; requests refused before it (400, 415) are not.
    expect(await auditEntries(ctx.db, 'area.')).toEqual([
      expect.objectContaining({
        ...byActor(),
        action: 'area.import',
        outcome: 'failure',
        resourceType: 'area',
        resourceId: null,
        details: {
          via: 'api',
          fileHash: sha256(collection(feature({ code: 'A', name: 'a' }, null))),
          code: 'GEOJSON_INVALID',
        },
      }),
    ]);
  });

  it('POST /areas/import dry-runs then imports Toronto (200)', async () => {
    const form = (dryRun: string) =>
      multipart(
        { codeProperty: 'AREA_SHORT_CODE', nameProperty: 'AREA_NAME', level: 'neighbourhood', dryRun },
        { name: 'toronto.geojson', content: torontoGeojson },
      );
    const dry = await app.inject({ method: 'POST', url: '/api/v1/areas/import', ...form('true') });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toEqual({ dryRun: true, imported: 158, updated: 0, failed: 0, errors: [] });
    expect((await app.inject({ method: 'GET', url: '/api/v1/areas' })).json().items).toEqual([]);
    expect(await auditEntries(ctx.db, 'area.import')).toHaveLength(1);
    const real = await app.inject({ method: 'POST', url: '/api/v1/areas/import', ...form('false') });
    expect(real.json()).toEqual({ dryRun: false, imported: 158, updated: 0, failed: 0, errors: [] });
    expect((await auditEntries(ctx.db, 'area.import')).slice(1)).toEqual([
      expect.objectContaining({
        ...byActor(),
        outcome: 'success',
        details: { via: 'api', fileHash: sha256(torontoGeojson), imported: 158, updated: 0 },
      }),
    ]);
  });

  it('POST /areas/attributes/import: 400 without columns, 422 on bad rows, 200 on the population file', async () => {
    const url = '/api/v1/areas/attributes/import';
    const missing = await app.inject({
      method: 'POST',
      url,
      ...multipart({ codeColumn: 'HOOD_158' }, { name: 'p.csv', content: populationCsv }),
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toEqual([expect.objectContaining({ path: '/columns' })]);
    const bad = await app.inject({
      method: 'POST',
      url,
      ...multipart(
        { codeColumn: 'HOOD_158', columns: 'population_2021' },
        { name: 'p.csv', content: 'HOOD_158,population_2021\n001,1 234\n' },
      ),
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual([
      expect.objectContaining({ line: 2, column: 'population_2021', value: '1 234' }),
    ]);
    const ok = await app.inject({
      method: 'POST',
      url,
      ...multipart(
        { codeColumn: 'HOOD_158', columns: 'population_2021, ' },
        { name: 'p.csv', content: populationCsv },
      ),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ dryRun: false, imported: 158, updated: 0, failed: 0, errors: [] });
    expect(await auditEntries(ctx.db, 'area.attributes_import')).toEqual([
      expect.objectContaining({
        ...byActor(),
        outcome: 'failure',
        resourceType: 'area_attribute',
        details: {
          via: 'api',
          fileHash: sha256('HOOD_158,population_2021\n001,1 234\n'),
          code: 'IMPORT_INVALID',
        },
      }),
      expect.objectContaining({
        ...byActor(),
        outcome: 'success',
        resourceType: 'area_attribute',
        details: {
          via: 'api',
          fileHash: sha256(populationCsv),
          keys: ['population_2021'],
          imported: 158,
          updated: 0,
        },
      }),
    ]);
  });

  it('GET /areas lists every area with attributes; GET /areas/:code adds the geometry', async () => {
    const list = await app.inject({ method: 'GET', url: '/api/v1/areas?level=neighbourhood' });
    expect(list.statusCode).toBe(200);
    const items = list.json().items as Array<Record<string, unknown>>;
    expect(items).toHaveLength(158);
    expect(items.find((a) => a.code === '174')).toEqual({
      code: '174',
      name: 'South Eglinton-Davisville',
      level: 'neighbourhood',
      parentCode: null,
      attributes: { population_2021: expect.any(Number) },
    });
    const one = await app.inject({ method: 'GET', url: '/api/v1/areas/174' });
    expect(one.statusCode).toBe(200);
    expect(Object.keys(one.json()).sort()).toEqual(
      [
        'attributes',
        'bbox',
        'code',
        'createdAt',
        'geometry',
        'level',
        'name',
        'parentCode',
        'updatedAt',
      ].sort(),
    );
    expect(one.json().geometry.type).toBe('MultiPolygon');
  });

  it('GET /areas/boundaries serves TopoJSON and GeoJSON with an ETag and answers 304 when unchanged', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/areas/boundaries?format=kml' })).statusCode).toBe(
      400,
    );
    const topo = await app.inject({ method: 'GET', url: '/api/v1/areas/boundaries' });
    expect(topo.statusCode).toBe(200);
    expect(topo.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(topo.headers['cache-control']).toBe('public, no-cache');
    const body = topo.json();
    expect(body.type).toBe('Topology');
    expect(body.objects.areas.geometries).toHaveLength(158);
    expect(body.objects.areas.geometries[0].properties).toEqual({
      code: '001',
      name: expect.any(String),
      level: 'neighbourhood',
      parentCode: null,
    });
    expect(topo.body.length).toBeLessThan(torontoGeojson.length / 5);
    const again = await app.inject({
      method: 'GET',
      url: '/api/v1/areas/boundaries',
      headers: { 'if-none-match': topo.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const geo = await app.inject({ method: 'GET', url: '/api/v1/areas/boundaries?format=geojson' });
    expect(geo.statusCode).toBe(200);
    expect(geo.headers['content-type']).toMatch(/application\/geo\+json/);
    expect(geo.json().features).toHaveLength(158);
    expect(geo.headers.etag).not.toBe(topo.headers.etag);
  });

  it('documents the multipart imports in OpenAPI', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const op = doc.paths['/api/v1/areas/import'].post;
    const schema = op.requestBody.content['multipart/form-data'].schema;
    expect(schema.properties.file).toMatchObject({ type: 'string', format: 'binary' });
    expect(schema.required).toEqual(expect.arrayContaining(['codeProperty', 'nameProperty', 'file']));
    expect(doc.paths['/api/v1/areas/boundaries'].get).toBeDefined();
  });
});
