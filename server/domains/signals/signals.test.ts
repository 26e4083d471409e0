import { createHash } from 'node:crypto';
import * as XLSX from '@e965/xlsx';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMapping, type MappingInput } from '../../../core/contracts/mapping.ts';
import type { Db } from '../../db/database.ts';
import { fixedClock, type Clock } from '../../platform/clock.ts';
import type { AuditActor } from '../../platform/audit/audit.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { importAreas } from '../areas/areas.service.ts';
import { createSource, getSourceByCode } from '../sources/sources.service.ts';
import { retireTerm, seedDefaultTaxonomy } from '../taxonomy/taxonomy.service.ts';
import { errorsToCsv } from './errors-csv.ts';
import { selectRollups } from './signals.repository.ts';
import {
  getBatch,
  importSignals,
  listBatches,
  listSignals,
  checkRollups,
  rebuildRollups,
  rollbackBatch,
  type ImportReport,
} from './signals.service.ts';

const clock: Clock = fixedClock('2025-03-01T12:00:00Z');

const square = (code: string, x0: number, y0: number, x1: number, y1: number) => ({
  type: 'Feature',
  properties: { code, name: `Area ${code}` },
  geometry: {
    type: 'Polygon',
    coordinates: [
      [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ],
    ],
  },
});

const AREAS = JSON.stringify({
  type: 'FeatureCollection',
  features: [square('A1', -79.5, 43.6, -79.4, 43.7), square('A2', -79.4, 43.6, -79.3, 43.7)],
});

const csvMapping: MappingInput = {
  externalId: 'id',
  occurred: { column: 'date', time: { column: 'time', format: 'HH:mm' }, timezone: 'America/Toronto' },
  location: { type: 'areaCode', column: 'area', cityWideValues: ['NSA'] },
  labels: {
    rules: [
      {
        column: 'bias',
        split: ',',
        values: { Jewish: 'bias.antisemitism', Muslim: 'bias.anti_muslim', None: [] },
      },
    ],
    constant: ['incident.crime'],
  },
  severity: { column: 'severity', min: 1, max: 5 },
  description: 'notes',
  extra: ['division'],
};
const mapping = parseMapping(csvMapping);

const csv = (...rows: string[]) => ({
  name: 'incidents.csv',
  bytes: Buffer.from(['id,date,time,area,bias,severity,notes,division', ...rows].join('\r\n')),
});

const FIRST = [
  'e1,2024-01-02,10:00,A1,Jewish,2,first,D11',
  'e2,2024-01-03,,A2,"Jewish, Muslim",3,,D12',
  'e3,2024-01-10,23:30,NSA,None,,,D13',
];

async function setup(db: Db): Promise<void> {
  await seedDefaultTaxonomy(db, clock);
  await importAreas(
    db,
    { geojson: AREAS, codeProperty: 'code', nameProperty: 'name', level: 'neighbourhood' },
    clock,
    null,
  );
  await createSource(
    db,
    { code: 'reports', name: 'Reports', kind: 'community_organisation', method: 'upload', cadence: 'weekly' },
    clock,
    null,
  );
}

async function failure(run: Promise<unknown>): Promise<AppError> {
  try {
    await run;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

async function counts(db: Db) {
  const one = async (table: 'signal' | 'signalLabel' | 'importBatch' | 'signalRevision') =>
    Number(
      (
        await db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    signals: await one('signal'),
    labels: await one('signalLabel'),
    batches: await one('importBatch'),
    revisions: await one('signalRevision'),
  };
}

/** Incremental rollups must always equal a full recount. */
async function expectRollupsConsistent(db: Db): Promise<void> {
  const incremental = await selectRollups(db.kysely);
  expect(await checkRollups(db)).toMatchObject({ differences: 0, examples: [] });
  expect(await rebuildRollups(db, clock, null)).toMatchObject({ differences: 0 });
  expect(await selectRollups(db.kysely)).toEqual(incremental);
}

describeEachDialect('signal imports', (ctx) => {
  beforeAll(async () => setup(ctx.db));

  it('dry-runs a bad file: every problem located, nothing written', async () => {
    const before = await counts(ctx.db);
    const report = await importSignals(
      ctx.db,
      {
        sourceCode: 'reports',
        mapping,
        dryRun: true,
        file: csv(
          'e1,2024-01-02,10:00,A1,Jewish,2,,D11',
          'e2,2024-02-30,10:00,A9,Sikh,9,,D11',
          'e1,2024-01-02,10:00,A1,Jewish,2,,D11',
          'e4,2024-01-02,10:00,A1',
        ),
      },
      clock,
      null,
    );
    expect(report).toMatchObject({ batchId: null, dryRun: true, totalRows: 4, inserted: 1, failed: 3 });
    expect(report.fileHash).toMatch(/^[0-9a-f]{64}$/);
    expect(report.errors).toEqual([
      { line: 3, column: 'date', value: '2024-02-30', reason: 'not a date in the format yyyy-MM-dd' },
      { line: 3, column: 'area', value: 'A9', reason: 'no area has this code (see the boundaries imported)' },
      {
        line: 3,
        column: 'bias',
        value: 'Sikh',
        reason: 'no label is mapped for this value (add it to the mapping, or set unknownValue)',
      },
      { line: 3, column: 'severity', value: '9', reason: 'not a whole number from 1 to 5' },
      {
        line: 4,
        column: 'id',
        value: 'e1',
        reason: 'the same id as line 2: each id may appear once per file',
      },
      {
        line: 5,
        column: null,
        value: null,
        reason: 'the row has 4 fields but the header has 8 (a missing or extra delimiter or quote?)',
      },
    ]);
    expect(await counts(ctx.db)).toEqual(before);
  });

  it('commits nothing when any row is bad, and lists the problems', async () => {
    const before = await counts(ctx.db);
    const e = await failure(
      importSignals(
        ctx.db,
        { sourceCode: 'reports', mapping, file: csv(...FIRST, 'e9,2024-01-02,,ZZ,None,,,D1') },
        clock,
        null,
      ),
    );
    expect(e.code).toBe('IMPORT_INVALID');
    expect(e.message).toBe('1 of 4 rows have problems; nothing was imported');
    expect(e.details).toEqual([
      { line: 5, column: 'area', value: 'ZZ', reason: 'no area has this code (see the boundaries imported)' },
    ]);
    expect(await counts(ctx.db)).toEqual(before);
    expect((await getSourceByCode(ctx.db, 'reports')).lastDeliveredAt).toBeNull();
  });

  it('refuses a file whose header lacks mapped columns, naming them', async () => {
    const e = await failure(
      importSignals(
        ctx.db,
        {
          sourceCode: 'reports',
          mapping,
          file: { name: 'x.csv', bytes: Buffer.from('id,date\n1,2024-01-01\n') },
        },
        clock,
        null,
      ),
    );
    expect(e.details.map((d) => d.column)).toEqual(['time', 'area', 'bias', 'severity', 'notes', 'division']);
    expect(e.details[0]).toMatchObject({
      line: 1,
      reason: expect.stringMatching(/^no such column in the header/),
    });
  });

  it('refuses a mapping naming a retired or unknown term before reading the file', async () => {
    await retireTerm(ctx.db, 'bias.anti_roma', clock, null);
    const e = await failure(
      importSignals(
        ctx.db,
        {
          sourceCode: 'reports',
          mapping: parseMapping({
            ...csvMapping,
            labels: { rules: [], constant: ['bias.anti_roma', 'bias.martian'] },
          }),
          file: csv(...FIRST),
        },
        clock,
        null,
      ),
    );
    expect(e.code).toBe('MAPPING_INVALID');
    expect(e.details).toEqual([
      { path: 'labels.constant[0]', value: 'bias.anti_roma', reason: 'this taxonomy term is retired' },
      { path: 'labels.constant[1]', value: 'bias.martian', reason: 'no taxonomy term has this code' },
    ]);
  });

  let first: ImportReport;
  let second: ImportReport;

  it('commits a good file as one batch, with labels, local dates, delivery and rollups', async () => {
    first = await importSignals(ctx.db, { sourceCode: 'reports', mapping, file: csv(...FIRST) }, clock, null);
    expect(first).toMatchObject({
      dryRun: false,
      totalRows: 3,
      inserted: 3,
      updated: 0,
      unchanged: 0,
      failed: 0,
      errors: [],
    });
    const batch = await getBatch(ctx.db, first.batchId!);
    expect(batch).toMatchObject({
      sourceCode: 'reports',
      fileHash: first.fileHash,
      format: 'csv',
      inserted: 3,
      totalRows: 3,
    });
    expect((await getSourceByCode(ctx.db, 'reports')).lastDeliveredAt).toBe('2025-03-01T12:00:00.000Z');

    const { items, total } = await listSignals(ctx.db, { areaCodes: [], labels: [], sourceCodes: [] });
    expect(total).toBe(3);
    const byId = new Map(items.map((s) => [s.externalId, s]));
    expect(byId.get('e1')).toMatchObject({
      occurredAt: '2024-01-02T15:00:00.000Z',
      occurredOn: '2024-01-02',
      areaCode: 'A1',
      severity: 2,
      labels: ['bias.antisemitism', 'incident.crime'],
    });
    expect(byId.get('e2')).toMatchObject({
      occurredAt: '2024-01-03',
      labels: ['bias.anti_muslim', 'bias.antisemitism', 'incident.crime'],
    });
    // 23:30 in Toronto is the next day in UTC, but the signal happened on the 10th.
    expect(byId.get('e3')).toMatchObject({
      occurredAt: '2024-01-11T04:30:00.000Z',
      occurredOn: '2024-01-10',
      areaCode: null,
    });

    const rollups = await selectRollups(ctx.db.kysely);
    expect(rollups).toEqual(
      expect.arrayContaining([
        { grain: 'week', period: '2024-01-01', areaKey: 'A1', termCode: '*', count: 1 },
        { grain: 'week', period: '2024-01-01', areaKey: 'A2', termCode: 'bias.anti_muslim', count: 1 },
        { grain: 'week', period: '2024-01-08', areaKey: '', termCode: '*', count: 1 },
        { grain: 'month', period: '2024-01-01', areaKey: '', termCode: 'incident.crime', count: 1 },
        { grain: 'month', period: '2024-01-01', areaKey: 'A1', termCode: 'bias.antisemitism', count: 1 },
      ]),
    );
    await expectRollupsConsistent(ctx.db);
  });

  it('changes nothing when the same file comes again', async () => {
    const before = await counts(ctx.db);
    const again = await importSignals(
      ctx.db,
      { sourceCode: 'reports', mapping, file: csv(...FIRST) },
      clock,
      null,
    );
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, fileHash: first.fileHash });
    expect(await counts(ctx.db)).toEqual({ ...before, batches: before.batches + 1 });
  });

  it('updates changed rows of an updated file, keeping their previous state', async () => {
    second = await importSignals(
      ctx.db,
      {
        sourceCode: 'reports',
        mapping,
        file: csv(
          'e1,2024-01-02,10:00,A2,Muslim,2,first,D11',
          'e2,2024-01-03,,A2,"Jewish, Muslim",3,,D12',
          'e3,2024-01-10,23:30,NSA,None,,,D13',
          'e4,2024-02-01,08:00,A1,None,1,new,D11',
        ),
      },
      clock,
      null,
    );
    expect(second).toMatchObject({ inserted: 1, updated: 1, unchanged: 2 });
    const { items } = await listSignals(ctx.db, { areaCodes: [], labels: [], sourceCodes: [] });
    expect(items).toHaveLength(4);
    expect(items.find((s) => s.externalId === 'e1')).toMatchObject({
      areaCode: 'A2',
      labels: ['bias.anti_muslim', 'incident.crime'],
    });
    expect((await counts(ctx.db)).revisions).toBe(1);
    await expectRollupsConsistent(ctx.db);
  });

  it('refuses to roll back a batch a later one changed, then rolls back in order', async () => {
    const conflict = await failure(rollbackBatch(ctx.db, first.batchId!, clock, null));
    expect(conflict.code).toBe('ROLLBACK_CONFLICT');
    expect(conflict.details).toEqual([
      { batchId: second.batchId, externalId: 'e1', reason: 'changed later by this import' },
    ]);

    expect(await rollbackBatch(ctx.db, second.batchId!, clock, null)).toEqual({
      batchId: second.batchId,
      deleted: 1,
      restored: 1,
    });
    const afterSecond = await listSignals(ctx.db, { areaCodes: [], labels: [], sourceCodes: [] });
    expect(afterSecond.items.map((s) => s.externalId).sort()).toEqual(['e1', 'e2', 'e3']);
    expect(afterSecond.items.find((s) => s.externalId === 'e1')).toMatchObject({
      areaCode: 'A1',
      labels: ['bias.antisemitism', 'incident.crime'],
    });
    await expectRollupsConsistent(ctx.db);
    expect((await failure(rollbackBatch(ctx.db, second.batchId!, clock, null))).code).toBe(
      'ROLLBACK_CONFLICT',
    );

    expect(await rollbackBatch(ctx.db, first.batchId!, clock, null)).toEqual({
      batchId: first.batchId,
      deleted: 3,
      restored: 0,
    });
    expect((await counts(ctx.db)).signals).toBe(0);
    expect(await selectRollups(ctx.db.kysely)).toEqual([]);
    const batches = await listBatches(ctx.db, { sourceCode: 'reports' });
    expect(
      batches.items
        .filter((b) => b.rolledBackAt !== null)
        .map((b) => b.id)
        .sort(),
    ).toEqual([first.batchId, second.batchId].sort());
    expect(
      (await failure(rollbackBatch(ctx.db, '01900000-0000-7000-8000-000000000000', clock, null))).code,
    ).toBe('NOT_FOUND');
  });

  it('imports points by longitude/latitude from a spreadsheet, assigning areas', async () => {
    const ws = XLSX.utils.aoa_to_sheet([
      ['ref', 'when', 'x', 'y', 'kind'],
      ['p1', 45300.5, -79.45, 43.65, 'Muslim'],
      ['p2', 45301, -79.35, 43.65, 'Jewish'],
      ['p3', 45302, -79.4, 43.65, 'None'],
      ['p4', 45303, -78, 43, 'None'],
    ]);
    const wb = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(wb, ws, 'Sheet1');
    const report = await importSignals(
      ctx.db,
      {
        sourceCode: 'reports',
        mapping: parseMapping({
          format: { type: 'xlsx' },
          externalId: 'ref',
          occurred: { column: 'when', format: 'excel', timezone: 'America/Toronto' },
          location: { type: 'lonLat', lon: 'x', lat: 'y' },
          unknownArea: 'cityWide',
          labels: {
            rules: [
              {
                column: 'kind',
                values: { Jewish: 'bias.antisemitism', Muslim: 'bias.anti_muslim', None: [] },
              },
            ],
          },
        }),
        file: { name: 'points.xlsx', bytes: XLSX.write(wb, { type: 'buffer', bookType: 'xlsx' }) as Buffer },
      },
      clock,
      null,
    );
    expect(report).toMatchObject({ inserted: 4, failed: 0 });
    const { items } = await listSignals(ctx.db, { areaCodes: [], labels: [], sourceCodes: [] });
    const area = Object.fromEntries(items.map((s) => [s.externalId, s.areaCode]));
    // p3 lies on the shared edge: the smaller code wins.
    expect(area).toEqual({ p1: 'A1', p2: 'A2', p3: 'A1', p4: null });
    expect(items.find((s) => s.externalId === 'p1')).toMatchObject({
      occurredOn: '2024-01-09',
      occurredAt: '2024-01-09T17:00:00.000Z',
    });
    await expectRollupsConsistent(ctx.db);
    await rollbackBatch(ctx.db, report.batchId!, clock, null);
  });

  it('imports GeoJSON points', async () => {
    const geojson = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { id: 'g1', date: '2024-06-01' },
          geometry: { type: 'Point', coordinates: [-79.31, 43.61] },
        },
        {
          type: 'Feature',
          properties: { id: 'g2', date: '2024-06-02' },
          geometry: { type: 'Point', coordinates: [-79.49, 43.69] },
        },
      ],
    };
    const report = await importSignals(
      ctx.db,
      {
        sourceCode: 'reports',
        mapping: parseMapping({
          format: { type: 'geojson' },
          externalId: 'id',
          occurred: { column: 'date' },
          location: { type: 'geometry' },
        }),
        file: { name: 'p.geojson', bytes: Buffer.from(JSON.stringify(geojson)) },
      },
      clock,
      null,
    );
    expect(report.inserted).toBe(2);
    const { items } = await listSignals(ctx.db, { areaCodes: ['A2'], labels: [], sourceCodes: [] });
    expect(items.map((s) => s.externalId)).toEqual(['g1']);
    await rollbackBatch(ctx.db, report.batchId!, clock, null);
  });

  it('imports a large file on the bulk path, all or nothing, with every index back afterwards', async () => {
    const indexes = async () =>
      ctx.dialect === 'sqlite'
        ? (
            await sql<{
              name: string;
            }>`select name from sqlite_master where type = 'index' and tbl_name in ('signal', 'signal_label', 'signal_revision') order by name`.execute(
              ctx.db.kysely,
            )
          ).rows.map((r) => r.name)
        : [];
    const before = await indexes();
    const rows = (n: number, bad: boolean) =>
      Array.from({ length: n }, (_, i) =>
        bad && i === n - 1
          ? `b${i},2024-02-30,,A1,None,,,D1`
          : `b${i},2024-0${(i % 9) + 1}-1${i % 10},,${i % 3 ? 'A1' : 'A2'},${i % 2 ? 'Jewish' : 'None'},,,D1`,
      );
    const failed = await failure(
      importSignals(
        ctx.db,
        { sourceCode: 'reports', mapping, file: csv(...rows(60_000, true)), readIn: 'worker' },
        clock,
        null,
      ),
    );
    expect(failed.details).toEqual([
      { line: 60_001, column: 'date', value: '2024-02-30', reason: 'not a date in the format yyyy-MM-dd' },
    ]);
    expect((await counts(ctx.db)).signals).toBe(0);
    expect(await indexes()).toEqual(before);

    const report = await importSignals(
      ctx.db,
      // A tiny flush bound makes the rollups reach the table in many partial flushes inside the transaction.
      {
        sourceCode: 'reports',
        mapping,
        file: csv(...rows(60_000, false)),
        readIn: 'worker',
        rollupFlushKeys: 50,
      },
      clock,
      null,
    );
    expect(report).toMatchObject({ inserted: 60_000, failed: 0 });
    expect(await indexes()).toEqual(before);
    expect(
      (await listSignals(ctx.db, { areaCodes: ['A2'], labels: ['bias.antisemitism'], sourceCodes: [] }))
        .total,
    ).toBe(10_000);
    await expectRollupsConsistent(ctx.db);
    await rollbackBatch(ctx.db, report.batchId!, clock, null);
    expect((await counts(ctx.db)).signals).toBe(0);
  }, 120_000);

  it('reads in a worker thread exactly as in the importing thread', async () => {
    const file = csv(
      'w1,2024-01-02,10:00,A1,Jewish,2,,D11',
      'w2,2024-02-30,10:00,A9,Sikh,9,,D11',
      'w1,2024-01-02,10:00,A1,Jewish,2,,D11',
      'w4,2024-01-02,10:00,A1',
    );
    const inThread = await importSignals(
      ctx.db,
      { sourceCode: 'reports', mapping, file, dryRun: true, readIn: 'thread' },
      clock,
      null,
    );
    const inWorker = await importSignals(
      ctx.db,
      { sourceCode: 'reports', mapping, file, dryRun: true, readIn: 'worker' },
      clock,
      null,
    );
    expect(inWorker).toEqual(inThread);
    expect(inWorker.errors).toHaveLength(6);

    const empty = await importSignals(
      ctx.db,
      {
        sourceCode: 'reports',
        mapping,
        file: { name: 'e.csv', bytes: Buffer.alloc(0) },
        dryRun: true,
        readIn: 'worker',
      },
      clock,
      null,
    );
    expect(empty.errors).toEqual([{ line: 1, column: null, value: null, reason: 'the file is empty' }]);
    const missing = await failure(
      importSignals(
        ctx.db,
        {
          sourceCode: 'reports',
          mapping,
          file: { name: 'x.csv', path: '/nonexistent/x.csv' },
          readIn: 'worker',
        },
        clock,
        null,
      ),
    );
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('reports every id repeated within a long file, in a dry run and a commit, read in the thread or a worker', async () => {
    await createSource(
      ctx.db,
      {
        code: 'repeats',
        name: 'Repeats',
        kind: 'community_organisation',
        method: 'upload',
        cadence: 'weekly',
      },
      clock,
      null,
    );
    // 7 000 rows make four chunks of 2 000 valid rows: chunk 1 is rows 0–1999, chunk 2 rows 2000–3999, chunk 3
    // rows 4000–6000 (row 4500 is invalid and not handed over), chunk 4 the rest. Line = row + 2 (header).
    const ids = Array.from({ length: 7_000 }, (_, i) => `r${i}`);
    ids[2500] = 'r7'; // first seen in an earlier chunk, while a commit still writes
    ids[2600] = 'r2550'; // first seen in the same chunk
    ids[4700] = 'r3900'; // first seen in a chunk a commit wrote, after it is lost (to the repeats above)
    ids[6500] = 'r4900'; // first seen after the commit is lost, in an earlier chunk
    const file = csv(
      ...ids.map((id, i) => `${id},${i === 4500 ? '2024-02-30' : '2024-01-02'},,A1,None,,,D1`),
    );
    const repeat = (line: number, value: string, first: number | null) => ({
      line,
      column: 'id',
      value,
      reason: `the same id as ${first === null ? 'an earlier line' : `line ${first}`}: each id may appear once per file`,
    });
    const badDate = {
      line: 4502,
      column: 'date',
      value: '2024-02-30',
      reason: 'not a date in the format yyyy-MM-dd',
    };
    const leftovers = async () =>
      ctx.dialect === 'sqlite'
        ? (await sql<{ name: string }>`select name from sqlite_temp_master`.execute(ctx.db.kysely)).rows
        : (
            await sql<{
              name: string;
            }>`select tablename as name from pg_tables where tablename like 'import_ids_%'`.execute(
              ctx.db.kysely,
            )
          ).rows;

    for (const readIn of ['thread', 'worker'] as const) {
      const dry = await importSignals(
        ctx.db,
        { sourceCode: 'repeats', mapping, file, dryRun: true, readIn },
        clock,
        null,
      );
      expect(dry).toMatchObject({ totalRows: 7_000, inserted: 6_995, failed: 5 });
      // A dry run names every first occurrence: it records the ids it has seen with their lines.
      expect(dry.errors).toEqual([
        repeat(2502, 'r7', 9),
        repeat(2602, 'r2550', 2552),
        badDate,
        repeat(4702, 'r3900', 3902),
        repeat(6502, 'r4900', 4902),
      ]);
      expect(await leftovers()).toEqual([]);

      // Once with nothing stored for the source (repeats caught by the insert), once with a signal stored
      // (caught by the lookup of stored ids that precedes it).
      for (const stored of [false, true]) {
        let batchId: string | null = null;
        if (stored) {
          batchId = (
            await importSignals(
              ctx.db,
              { sourceCode: 'repeats', mapping, file: csv('other,2024-01-02,,A1,None,,,D1') },
              clock,
              null,
            )
          ).batchId;
        }
        const before = await counts(ctx.db);
        const e = await failure(
          importSignals(ctx.db, { sourceCode: 'repeats', mapping, file, readIn }, clock, null),
        );
        expect(e.code).toBe('IMPORT_INVALID');
        expect(e.message).toBe('5 of 7000 rows have problems; nothing was imported');
        // A commit knows the first line only when the first occurrence is in the same chunk or arrived after
        // the commit was lost: the signal table keeps no lines.
        expect(e.details).toEqual([
          repeat(2502, 'r7', null),
          repeat(2602, 'r2550', 2552),
          badDate,
          repeat(4702, 'r3900', null),
          repeat(6502, 'r4900', 4902),
        ]);
        expect(await counts(ctx.db)).toEqual(before);
        expect(await leftovers()).toEqual([]);
        if (batchId) await rollbackBatch(ctx.db, batchId, clock, null);
      }
    }
    expect((await listSignals(ctx.db, { areaCodes: [], labels: [], sourceCodes: ['repeats'] })).total).toBe(
      0,
    );
  }, 60_000);

  it('pages signals by keyset and filters by label prefix, area, city-wide and period', async () => {
    const rows = Array.from(
      { length: 7 },
      (_, i) => `k${i},2024-03-0${i + 1},,${i % 2 ? 'A1' : 'NSA'},${i % 3 ? 'Jewish' : 'None'},,,D1`,
    );
    const r = await importSignals(
      ctx.db,
      { sourceCode: 'reports', mapping, file: csv(...rows) },
      clock,
      null,
    );
    const all = { areaCodes: [], labels: [], sourceCodes: ['reports'] };
    const page1 = await listSignals(ctx.db, all, { limit: 3 });
    const page2 = await listSignals(ctx.db, all, { limit: 3, cursor: page1.nextCursor! });
    const page3 = await listSignals(ctx.db, all, { limit: 3, cursor: page2.nextCursor! });
    expect([...page1.items, ...page2.items, ...page3.items].map((s) => s.externalId)).toEqual([
      'k6',
      'k5',
      'k4',
      'k3',
      'k2',
      'k1',
      'k0',
    ]);
    expect(page3.nextCursor).toBeNull();
    expect(page1.total).toBe(7);
    expect((await listSignals(ctx.db, { ...all, labels: ['bias'] })).total).toBe(4);
    expect((await listSignals(ctx.db, { ...all, areaCodes: ['A1'] })).total).toBe(3);
    expect((await listSignals(ctx.db, { ...all, cityWide: true })).total).toBe(4);
    expect((await listSignals(ctx.db, { ...all, from: '2024-03-02', to: '2024-03-04' })).total).toBe(3);
    await rollbackBatch(ctx.db, r.batchId!, clock, null);
  });
});

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

describeEachDialect('signal import audit trail', (ctx) => {
  beforeAll(async () => setup(ctx.db));
  const actor: AuditActor = { userId: newId(), organisationId: newId(), roleCode: 'prevention_coordinator' };
  const byActor = {
    actorUserId: actor.userId,
    actorOrganisationId: actor.organisationId,
    actorRole: 'prevention_coordinator',
  };
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it('records each commit inside its transaction, on both read paths, and never a dry run', async () => {
    const file = csv(...FIRST);
    await importSignals(ctx.db, { sourceCode: 'reports', mapping, file, dryRun: true }, clock, actor);
    expect(await auditEntries(ctx.db, 'signal.')).toEqual([]);

    const inThread = await importSignals(
      ctx.db,
      { sourceCode: 'reports', mapping, file, readIn: 'thread' },
      clock,
      actor,
    );
    const inWorker = await importSignals(
      ctx.db,
      {
        sourceCode: 'reports',
        mapping,
        file: csv(...FIRST, 'e4,2024-01-11,,A1,None,,,D1'),
        readIn: 'worker',
      },
      clock,
      null,
    );
    const entries = await auditEntries(ctx.db, 'signal.import');
    expect(entries).toEqual([
      expect.objectContaining({
        ...byActor,
        outcome: 'success',
        occurredAt: '2025-03-01T12:00:00.000Z',
        resourceType: 'import_batch',
        resourceId: inThread.batchId,
        purpose: null,
        details: {
          via: 'api',
          source: 'reports',
          origin: 'file',
          batchId: inThread.batchId,
          fileHash: sha256(file.bytes),
          totalRows: 3,
          inserted: 3,
          updated: 0,
          unchanged: 0,
          failed: 0,
        },
      }),
      expect.objectContaining({
        actorUserId: null,
        actorOrganisationId: null,
        actorRole: null,
        resourceId: inWorker.batchId,
        details: expect.objectContaining({ via: 'cli', totalRows: 4, inserted: 1, unchanged: 3 }),
      }),
    ]);
    // Counts, codes and a hash: nothing a row said (free text, labels, places) reaches the trail.
    expect(JSON.stringify(entries)).not.toMatch(/first|Jewish|A1|D11|incidents\.csv/);

    expect(await rollbackBatch(ctx.db, inWorker.batchId!, clock, actor)).toMatchObject({ deleted: 1 });
    expect(await auditEntries(ctx.db, 'signal.rollback')).toEqual([
      expect.objectContaining({
        ...byActor,
        outcome: 'success',
        resourceType: 'import_batch',
        resourceId: inWorker.batchId,
        details: { via: 'api', batchId: inWorker.batchId, source: 'reports', deleted: 1, restored: 0 },
      }),
    ]);

    await rebuildRollups(ctx.db, clock, null);
    expect(await auditEntries(ctx.db, 'signal.rollups_rebuild')).toEqual([
      expect.objectContaining({
        actorUserId: null,
        details: { via: 'cli', rows: expect.any(Number), differences: 0 },
      }),
    ]);
  });

  it("records a signed-in person's refused commit and rollback with the error code, in a transaction of their own", async () => {
    const before = (await auditEntries(ctx.db, 'signal.')).length;
    const bad = csv('e9,2024-01-02,,ZZ,None,,,D1');
    expect(
      (await failure(importSignals(ctx.db, { sourceCode: 'reports', mapping, file: bad }, clock, null))).code,
    ).toBe('IMPORT_INVALID');
    expect(
      (
        await failure(
          importSignals(
            ctx.db,
            { sourceCode: 'reports', mapping, file: bad, readIn: 'worker' },
            clock,
            actor,
          ),
        )
      ).code,
    ).toBe('IMPORT_INVALID');
    // A later batch changes e1, so the first batch can no longer be rolled back.
    const [first] = (await listBatches(ctx.db, { sourceCode: 'reports' })).items.slice(-1);
    await importSignals(
      ctx.db,
      { sourceCode: 'reports', mapping, file: csv(FIRST[0]!.replace(',2,', ',4,'), ...FIRST.slice(1)) },
      clock,
      null,
    );
    expect((await failure(rollbackBatch(ctx.db, first!.id, clock, actor))).code).toBe('ROLLBACK_CONFLICT');
    // Unknown batches are not refusals of a write: nothing to attach an entry to.
    expect(
      (await failure(rollbackBatch(ctx.db, '01900000-0000-7000-8000-000000000000', clock, actor))).code,
    ).toBe('NOT_FOUND');

    // The command's refusal (no actor) is not among them; the update import between is a success.
    expect(
      (await auditEntries(ctx.db, 'signal.')).slice(before).filter((e) => e.outcome !== 'success'),
    ).toEqual([
      expect.objectContaining({
        ...byActor,
        action: 'signal.import',
        outcome: 'failure',
        resourceType: 'import_batch',
        resourceId: null,
        details: { via: 'api', source: 'reports', origin: 'file', code: 'IMPORT_INVALID' },
      }),
      expect.objectContaining({
        ...byActor,
        action: 'signal.rollback',
        outcome: 'failure',
        resourceId: first!.id,
        details: { via: 'api', batchId: first!.id, code: 'ROLLBACK_CONFLICT' },
      }),
    ]);
  });

  it('fails closed on the bulk path: when the audit entry cannot be written, nothing of the import is', async () => {
    const indexes = async () =>
      ctx.dialect === 'sqlite'
        ? (
            await sql<{
              name: string;
            }>`select name from sqlite_master where type = 'index' order by name`.execute(ctx.db.kysely)
          ).rows.map((r) => r.name)
        : [];
    const rows = Array.from(
      { length: 60_000 },
      (_, i) =>
        `f${i},2024-0${(i % 9) + 1}-1${i % 10},,${i % 3 ? 'A1' : 'A2'},${i % 2 ? 'Jewish' : 'None'},,,D1`,
    );
    const before = {
      counts: await counts(ctx.db),
      rollups: await selectRollups(ctx.db.kysely),
      indexes: await indexes(),
      source: await getSourceByCode(ctx.db, 'reports'),
    };
    const batchId = (await listBatches(ctx.db, { sourceCode: 'reports' })).items[0]!.id;

    await sql`alter table audit_event rename to audit_event_away`.execute(ctx.db.kysely);
    try {
      await expect(
        importSignals(
          ctx.db,
          { sourceCode: 'reports', mapping, file: csv(...rows), readIn: 'worker' },
          clock,
          actor,
        ),
      ).rejects.toThrow(/audit_event/);
      await expect(rollbackBatch(ctx.db, batchId, clock, actor)).rejects.toThrow(/audit_event/);
    } finally {
      await sql`alter table audit_event_away rename to audit_event`.execute(ctx.db.kysely);
    }

    expect(await counts(ctx.db)).toEqual(before.counts);
    expect(await selectRollups(ctx.db.kysely)).toEqual(before.rollups);
    expect(await indexes()).toEqual(before.indexes);
    expect(await getSourceByCode(ctx.db, 'reports')).toEqual(before.source);
    expect((await getBatch(ctx.db, batchId)).rolledBackAt).toBeNull();
  }, 120_000);
});

describe('errors CSV', () => {
  it('escapes formula injection and starts with a BOM', () => {
    const text = errorsToCsv([
      { line: 2, column: 'name', value: '=HYPERLINK("http://evil")', reason: 'bad' },
      { line: 3, column: null, value: '+1', reason: '-x' },
      { line: 0, column: null, value: null, reason: '@file' },
    ]);
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text.slice(1).split('\r\n')).toEqual([
      'line,column,value,reason',
      `2,name,"'=HYPERLINK(""http://evil"")",bad`,
      "3,,'+1,'-x",
      ",,,'@file",
      '',
    ]);
  });
});
