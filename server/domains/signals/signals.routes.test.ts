import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MappingInput } from '../../../core/contracts/mapping.ts';
import { buildSignedInApp } from '../../test/auth.ts';
import { loadConfig } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import { fixedClock } from '../../platform/clock.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { importAreas } from '../areas/areas.service.ts';
import { createSource } from '../sources/sources.service.ts';
import { seedDefaultTaxonomy } from '../taxonomy/taxonomy.service.ts';
import { signalsRoutes } from './signals.routes.ts';

const clock = fixedClock('2025-03-01T12:00:00Z');

const AREAS = JSON.stringify({
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      properties: { code: 'N1', name: 'North' },
      geometry: {
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
      },
    },
  ],
});

const mapping: MappingInput = {
  externalId: 'id',
  occurred: { column: 'date' },
  location: { type: 'areaCode', column: 'area', cityWideValues: ['NSA'] },
  labels: { rules: [{ column: 'bias', values: { Jewish: 'bias.antisemitism', None: [] } }] },
  description: 'notes',
  extra: ['division'],
};

function multipart(fields: Record<string, string>, file?: { name: string; content: string }) {
  const boundary = '----cohesion-signals-boundary';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  }
  if (file) {
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n`,
    );
  }
  parts.push(`--${boundary}--\r\n`);
  return {
    payload: parts.join(''),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

const GOOD =
  'id,date,area,bias,notes,division\r\nx1,2024-05-01,N1,Jewish,graffiti at the door,D1\r\nx2,2024-05-02,NSA,None,,D2\r\n';
const BAD =
  'id,date,area,bias,notes,division\r\nx1,2024-05-01,N1,=cmd(),,D1\r\nx2,2024-05-40,N1,None,,D2\r\n';

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

describeEachDialect('signals endpoints', (ctx) => {
  let app: Awaited<ReturnType<typeof buildSignedInApp>>;
  let server: http.Server;
  let feedUrl = '';
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: [{ id: 'u1', date: '2024-04-01', area: 'N1', bias: 'None' }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    feedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.json`;

    await seedDefaultTaxonomy(ctx.db, clock);
    await importAreas(ctx.db, { geojson: AREAS, codeProperty: 'code', nameProperty: 'name' }, clock, null);
    await createSource(
      ctx.db,
      {
        code: 'hotline',
        name: 'Hotline',
        kind: 'ngo',
        method: 'upload',
        cadence: 'monthly',
        mapping: mapping as Record<string, unknown>,
      },
      clock,
      null,
    );
    await createSource(
      ctx.db,
      { code: 'bare', name: 'No mapping', kind: 'ngo', method: 'upload', cadence: 'monthly' },
      clock,
      null,
    );
    await createSource(
      ctx.db,
      {
        code: 'feed',
        name: 'Open data feed',
        kind: 'municipal_department',
        method: 'url',
        url: feedUrl,
        cadence: 'weekly',
        mapping: { ...mapping, format: { type: 'json', recordsPath: 'data' } } as Record<string, unknown>,
      },
      clock,
      null,
    );
    app = await buildSignedInApp(
      { db: ctx.db, config: loadConfig({}), clock },
      { modules: [signalsRoutes], logger: false },
    );
  });
  afterAll(async () => {
    await app.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  let batchId = '';
  const byActor = () => ({
    actorUserId: app.signedIn.userId,
    actorOrganisationId: app.signedIn.organisationId,
    actorRole: 'prevention_coordinator',
    occurredAt: '2025-03-01T12:00:00.000Z',
  });

  it('POST /sources/:code/imports: 415, 400, 404, 422, then a dry run (JSON and CSV) and a commit', async () => {
    const url = '/api/v1/sources/hotline/imports';
    expect((await app.inject({ method: 'POST', url, payload: { file: 'x' } })).statusCode).toBe(415);
    const noFile = await app.inject({ method: 'POST', url, ...multipart({}) });
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json().errors).toEqual([{ path: '/file', reason: 'a file is required' }]);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `${url}?dryRun=maybe`,
          ...multipart({}, { name: 'a.csv', content: GOOD }),
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/sources/nobody/imports',
          ...multipart({}, { name: 'a.csv', content: GOOD }),
        })
      ).statusCode,
    ).toBe(404);
    const noMapping = await app.inject({
      method: 'POST',
      url: '/api/v1/sources/bare/imports',
      ...multipart({}, { name: 'a.csv', content: GOOD }),
    });
    expect(noMapping.statusCode).toBe(422);
    expect(noMapping.json().code).toBe('MAPPING_INVALID');
    const badMapping = await app.inject({
      method: 'POST',
      url,
      ...multipart({ mapping: '{"externalId": 3}' }, { name: 'a.csv', content: GOOD }),
    });
    expect(badMapping.statusCode).toBe(422);
    expect(badMapping.json().errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['externalId', 'occurred', 'location']),
    );

    const dry = await app.inject({
      method: 'POST',
      url: `${url}?dryRun=true`,
      ...multipart({}, { name: 'bad.csv', content: BAD }),
    });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ batchId: null, dryRun: true, totalRows: 2, failed: 2 });
    expect(dry.json().errors).toHaveLength(2);

    const csv = await app.inject({
      method: 'POST',
      url: `${url}?dryRun=true`,
      headers: { accept: 'text/csv', ...multipart({}, { name: 'bad.csv', content: BAD }).headers },
      payload: multipart({}, { name: 'bad.csv', content: BAD }).payload,
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.slice(1).split('\r\n').slice(0, 3)).toEqual([
      'line,column,value,reason',
      `2,bias,'=cmd(),"no label is mapped for this value (add it to the mapping, or set unknownValue)"`,
      '3,date,2024-05-40,not a date in the format yyyy-MM-dd',
    ]);

    const rejected = await app.inject({
      method: 'POST',
      url,
      ...multipart({}, { name: 'bad.csv', content: BAD }),
    });
    expect(rejected.statusCode).toBe(422);
    expect(rejected.json()).toMatchObject({ code: 'IMPORT_INVALID', errors: [{ line: 2 }, { line: 3 }] });

    const committed = await app.inject({
      method: 'POST',
      url,
      ...multipart({}, { name: 'good.csv', content: GOOD }),
    });
    expect(committed.statusCode).toBe(201);
    expect(committed.json()).toMatchObject({ dryRun: false, inserted: 2, failed: 0 });
    batchId = committed.json().batchId;

    // Refusals before the service (415, 400, 404, a missing or unreadable mapping) and dry runs write nothing.
    const entries = await auditEntries(ctx.db, 'signal.');
    expect(entries).toEqual([
      expect.objectContaining({
        ...byActor(),
        action: 'signal.import',
        outcome: 'failure',
        resourceType: 'import_batch',
        resourceId: null,
        details: { via: 'api', source: 'hotline', origin: 'file', code: 'IMPORT_INVALID' },
      }),
      expect.objectContaining({
        ...byActor(),
        action: 'signal.import',
        outcome: 'success',
        resourceType: 'import_batch',
        resourceId: batchId,
        details: {
          via: 'api',
          source: 'hotline',
          origin: 'file',
          batchId,
          fileHash: createHash('sha256').update(GOOD).digest('hex'),
          totalRows: 2,
          inserted: 2,
          updated: 0,
          unchanged: 0,
          failed: 0,
        },
      }),
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/graffiti|good\.csv|bad\.csv/);
  });

  it('GET /signals: 400 on bad filters, 404 on unknown codes, then a filtered page without free text', async () => {
    expect((await app.inject({ url: '/api/v1/signals?from=2024-13-01' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/v1/signals?limit=0' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/v1/signals?from=2024-06-01&to=2024-05-01' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/v1/signals?cursor=garbage' })).statusCode).toBe(400);
    const unknown = await app.inject({ url: '/api/v1/signals?area=ZZ&label=bias.nope&source=nobody' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().errors.map((e: { field: string }) => e.field)).toEqual(['source', 'area', 'label']);

    const all = await app.inject({ url: '/api/v1/signals?source=hotline&limit=1' });
    expect(all.statusCode).toBe(200);
    const page = all.json();
    expect(page.total).toBe(2);
    expect(page.items).toEqual([
      {
        id: expect.any(String),
        externalId: 'x2',
        source: { code: 'hotline', name: 'Hotline' },
        occurredAt: '2024-05-02',
        occurredOn: '2024-05-02',
        area: null,
        labels: [],
        severity: null,
      },
    ]);
    const next = await app.inject({
      url: `/api/v1/signals?source=hotline&limit=1&cursor=${page.nextCursor}`,
    });
    expect(next.json().items.map((s: { externalId: string }) => s.externalId)).toEqual(['x1']);
    expect(next.json().nextCursor).toBeNull();

    const filtered = await app.inject({
      url: '/api/v1/signals?label=bias&area=N1&area=N1&from=2024-05-01&to=2024-05-31',
    });
    expect(filtered.json().items.map((s: { area: { code: string } }) => s.area.code)).toEqual(['N1']);
    expect((await app.inject({ url: '/api/v1/signals?cityWide=true' })).json().total).toBe(1);
  });

  it('GET /signals/:id: 400, 404, then the signal with its free text, the read audited with its purpose', async () => {
    const why = 'purpose=follow-up+of+the+hotline+report';
    expect((await app.inject({ url: `/api/v1/signals/not-a-uuid?${why}` })).statusCode).toBe(400);
    const list = (await app.inject({ url: '/api/v1/signals?area=N1' })).json();
    const noPurpose = await app.inject({ url: `/api/v1/signals/${list.items[0].id}` });
    expect(noPurpose.statusCode).toBe(400);
    expect(
      (await app.inject({ url: `/api/v1/signals/01900000-0000-7000-8000-000000000000?${why}` })).statusCode,
    ).toBe(404);
    const one = await app.inject({ url: `/api/v1/signals/${list.items[0].id}?${why}` });
    expect(one.statusCode).toBe(200);
    const reads = await ctx.db.kysely
      .selectFrom('auditEvent')
      .selectAll()
      .where('action', '=', 'signal.read')
      .execute();
    expect(reads.map((r) => [r.resourceId, r.purpose, r.actorUserId, r.outcome])).toEqual([
      [list.items[0].id, 'follow-up of the hotline report', app.signedIn.userId, 'success'],
    ]);
    expect(one.json()).toMatchObject({
      externalId: 'x1',
      area: { code: 'N1', name: 'North' },
      labels: ['bias.antisemitism'],
      description: 'graffiti at the door',
      extra: { division: 'D1' },
      batchId,
    });
  });

  it('GET /imports and /imports/:id: 400, 404, 200', async () => {
    expect((await app.inject({ url: '/api/v1/imports?limit=1000' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/v1/imports?source=nobody' })).statusCode).toBe(404);
    const list = await app.inject({ url: '/api/v1/imports?source=hotline' });
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([
      expect.objectContaining({
        id: batchId,
        source: { code: 'hotline', name: 'Hotline' },
        fileName: 'good.csv',
        status: 'committed',
        inserted: 2,
      }),
    ]);
    expect((await app.inject({ url: '/api/v1/imports/nope' })).statusCode).toBe(400);
    expect(
      (await app.inject({ url: '/api/v1/imports/01900000-0000-7000-8000-000000000000' })).statusCode,
    ).toBe(404);
    expect((await app.inject({ url: `/api/v1/imports/${batchId}` })).json()).toMatchObject({
      id: batchId,
      fileHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('POST /sources/:code/pull: 404, 400 for upload sources, then fetches and imports', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/v1/sources/nobody/pull' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/api/v1/sources/hotline/pull' })).statusCode).toBe(400);
    const dry = await app.inject({ method: 'POST', url: '/api/v1/sources/feed/pull?dryRun=true' });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ dryRun: true, inserted: 1 });
    const pulled = await app.inject({ method: 'POST', url: '/api/v1/sources/feed/pull' });
    expect(pulled.statusCode).toBe(201);
    expect(pulled.json()).toMatchObject({ inserted: 1, failed: 0 });
    const [entry, ...none] = (await auditEntries(ctx.db, 'signal.import')).filter(
      (e) => e.details.source === 'feed',
    );
    expect(none).toEqual([]);
    expect(entry).toMatchObject({
      ...byActor(),
      outcome: 'success',
      resourceId: pulled.json().batchId,
      details: { via: 'api', origin: 'url', batchId: pulled.json().batchId, inserted: 1 },
    });
    // A URL may carry an access token: the source code says where the file came from.
    expect(JSON.stringify(entry)).not.toContain('127.0.0.1');
  });

  it('POST /imports/:id/rollback: 400, 404, 200, then 409 the second time', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/v1/imports/nope/rollback' })).statusCode).toBe(400);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/imports/01900000-0000-7000-8000-000000000000/rollback',
        })
      ).statusCode,
    ).toBe(404);
    const done = await app.inject({ method: 'POST', url: `/api/v1/imports/${batchId}/rollback` });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toEqual({ batchId, deleted: 2, restored: 0 });
    expect((await app.inject({ url: '/api/v1/signals?source=hotline' })).json().total).toBe(0);
    const again = await app.inject({ method: 'POST', url: `/api/v1/imports/${batchId}/rollback` });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('ROLLBACK_CONFLICT');
    expect(await auditEntries(ctx.db, 'signal.rollback')).toEqual([
      expect.objectContaining({
        ...byActor(),
        outcome: 'success',
        resourceType: 'import_batch',
        resourceId: batchId,
        details: { via: 'api', batchId, source: 'hotline', deleted: 2, restored: 0 },
      }),
      expect.objectContaining({
        ...byActor(),
        outcome: 'failure',
        resourceId: batchId,
        details: { via: 'api', batchId, code: 'ROLLBACK_CONFLICT' },
      }),
    ]);
  });

  it('documents the endpoints in OpenAPI', async () => {
    const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/signals',
        '/api/v1/signals/{id}',
        '/api/v1/imports',
        '/api/v1/imports/{id}',
        '/api/v1/imports/{id}/rollback',
        '/api/v1/sources/{code}/imports',
        '/api/v1/sources/{code}/pull',
      ]),
    );
  });
});
