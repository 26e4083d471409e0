import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../db/database.ts';
import { fixedClock } from '../platform/clock.ts';
import { AppError } from '../platform/errors.ts';
import { describeEachDialect } from '../test/databases.ts';
import { selectRollups } from '../domains/signals/signals.repository.ts';
import { CITY_TIMEZONE_KEY, listSignals, rebuildRollups } from '../domains/signals/signals.service.ts';
import { getSourceByCode } from '../domains/sources/sources.service.ts';
import { CITY_NAME_KEY, DEMO_CITY_DIR, loadCityPack, loadDemoCityIfEmpty, type CityPackReport } from './load-city-pack.ts';

const clock = fixedClock('2025-06-01T09:00:00Z');
const noFilter = { areaCodes: [], labels: [], sourceCodes: [] };

/** Every audit entry, oldest first, as [action, actor, outcome, details]. */
async function auditTrail(db: Db) {
  const rows = await db.kysely.selectFrom('auditEvent').selectAll().orderBy('seq').execute();
  return rows.map((r) => [r.action, r.actorUserId, r.outcome, JSON.parse(r.details ?? 'null')]);
}

describeEachDialect('Toronto demo city pack', (ctx) => {
  let report: CityPackReport;
  beforeAll(async () => {
    report = (await loadDemoCityIfEmpty(ctx.db, { enabled: true, clock }))!;
  }, 120_000);

  it('records the load and every write it made, with no person behind them', async () => {
    const batchId = report.signals[0]!.batchId;
    expect(await auditTrail(ctx.db)).toEqual([
      [
        'city.load',
        null,
        'success',
        {
          via: 'demo',
          name: 'Toronto',
          timezone: 'America/Toronto',
          defaultLocale: 'en',
          boundaryFiles: 1,
          attributeFiles: 2,
          sources: 1,
          signalFiles: 1,
        },
      ],
      ['area.import', null, 'success', expect.objectContaining({ via: 'demo', imported: 158, updated: 0 })],
      ['area.attributes_import', null, 'success', expect.objectContaining({ via: 'demo', imported: 158 })],
      ['area.attributes_import', null, 'success', expect.objectContaining({ via: 'demo', imported: 158 })],
      ['source.create', null, 'success', { via: 'demo', code: 'tps-hate-crimes' }],
      [
        'signal.import',
        null,
        'success',
        expect.objectContaining({ via: 'demo', batchId, source: 'tps-hate-crimes', inserted: 1805 }),
      ],
    ]);
  });

  it('imports the 158 neighbourhoods with their 2021 population', async () => {
    expect(report.areas).toEqual({ imported: 158, updated: 0 });
    const rows = await ctx.db.kysely
      .selectFrom('areaAttribute')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('value').as('total')])
      .where('key', '=', 'population_2021')
      .executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(158);
    expect(Number(rows.total)).toBe(2_761_290);
  });

  it('registers the TPS source with its mapping, and the city time zone', async () => {
    const source = await getSourceByCode(ctx.db, 'tps-hate-crimes');
    expect(source).toMatchObject({ kind: 'police', method: 'upload', cadence: 'yearly', lastDeliveredAt: '2025-06-01T09:00:00.000Z' });
    expect(source.mapping?.externalId.columns).toEqual(['EVENT_UNIQUE_ID']);
    const tz = await ctx.db.kysely.selectFrom('meta').select('value').where('key', '=', CITY_TIMEZONE_KEY).executeTakeFirst();
    expect(tz?.value).toBe('America/Toronto');
  });

  it('imports all 1,805 hate-crime occurrences, 31 of them city-wide, with no errors', async () => {
    expect(report.signals).toEqual([
      expect.objectContaining({ source: 'tps-hate-crimes', inserted: 1805, updated: 0, unchanged: 0 }),
    ]);
    expect((await listSignals(ctx.db, noFilter)).total).toBe(1805);
    expect((await listSignals(ctx.db, { ...noFilter, cityWide: true })).total).toBe(31);
    // Every row is a hate crime; 665 + 4 + 1 name Jewish as the religion targeted.
    expect((await listSignals(ctx.db, { ...noFilter, labels: ['incident.crime'] })).total).toBe(1805);
    expect((await listSignals(ctx.db, { ...noFilter, labels: ['bias.antisemitism'] })).total).toBe(670);
    expect((await listSignals(ctx.db, { ...noFilter, labels: ['bias.racism'] })).total).toBe(540);
    expect((await listSignals(ctx.db, { ...noFilter, labels: ['incident.crime.property'] })).total).toBe(948);
  });

  it('reads unpadded TPS times in Toronto time', async () => {
    const { items } = await listSignals(ctx.db, { ...noFilter, from: '2014-08-01', to: '2014-08-01' });
    // GO-2020813480: OCCURRENCE_DATE 2014-08-01, OCCURRENCE_TIME 1200 (EDT, UTC-4).
    expect(items).toEqual([
      expect.objectContaining({ externalId: 'GO-2020813480', occurredAt: '2014-08-01T16:00:00.000Z', areaCode: '053' }),
    ]);
  });

  it('keeps rollups equal to a recount', async () => {
    const incremental = await selectRollups(ctx.db.kysely);
    expect(incremental.find((r) => r.grain === 'month' && r.period === '2024-01-01' && r.areaKey === '' && r.termCode === '*')).toBeUndefined();
    await rebuildRollups(ctx.db, clock, null);
    expect(await selectRollups(ctx.db.kysely)).toEqual(incremental);
  });

  it('loads again without changing anything, and the demo loader leaves a city with areas alone', async () => {
    const again = await loadCityPack(ctx.db, DEMO_CITY_DIR, clock, 'demo');
    expect(again.areas).toEqual({ imported: 0, updated: 158 });
    expect(again.sources).toEqual({ created: [], existing: ['tps-hate-crimes'] });
    expect(again.signals[0]).toMatchObject({ inserted: 0, updated: 0, unchanged: 1805 });
    expect(await loadDemoCityIfEmpty(ctx.db, { enabled: true, clock })).toBeNull();
  });
});

describeEachDialect('city pack problems', (ctx) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-pack-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails closed: when the audit entry cannot be written, the city settings are not either', async () => {
    await sql`alter table audit_event rename to audit_event_away`.execute(ctx.db.kysely);
    try {
      await expect(loadCityPack(ctx.db, DEMO_CITY_DIR, clock, 'cli')).rejects.toThrow(/audit_event/);
    } finally {
      await sql`alter table audit_event_away rename to audit_event`.execute(ctx.db.kysely);
    }
    expect(await ctx.db.kysely.selectFrom('meta').selectAll().where('key', '=', CITY_NAME_KEY).execute()).toEqual([]);
    expect(await ctx.db.kysely.selectFrom('area').selectAll().execute()).toEqual([]);
  });

  it('lists every problem in city.json', async () => {
    fs.writeFileSync(path.join(dir, 'city.json'), JSON.stringify({ name: '', boundaries: { file: '../etc/passwd' } }));
    let error: unknown;
    try {
      await loadCityPack(ctx.db, dir, clock, 'cli');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).details.map((d) => d.path)).toEqual(
      expect.arrayContaining(['name', 'timezone', 'boundaries.0.file', 'boundaries.0.codeProperty']),
    );
  });
});
