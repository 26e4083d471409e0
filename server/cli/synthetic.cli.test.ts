import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { PACK_FILES, SYNTHETIC_SOURCE_CODE } from '../../core/synthetic/city-pack.ts';
import { loadCityPack } from '../demo/load-city-pack.ts';
import { fixedClock } from '../platform/clock.ts';
import { describeEachDialect } from '../test/databases.ts';
import { writeSyntheticCityPack } from './synthetic.cli.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-synthetic-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const options = {
  seed: 42,
  areas: 60,
  signals: 6000,
  from: '2024-01-01',
  to: '2024-12-31',
  timezone: 'Europe/Rome',
};

it('writes the same files for the same seed', async () => {
  const a = tempDir();
  const b = tempDir();
  await writeSyntheticCityPack(a, options);
  await writeSyntheticCityPack(b, options);
  for (const file of Object.values(PACK_FILES)) {
    expect(fs.readFileSync(path.join(b, file), 'utf8'), file).toBe(
      fs.readFileSync(path.join(a, file), 'utf8'),
    );
  }
  const csv = fs.readFileSync(path.join(a, PACK_FILES.signals), 'utf8').split('\r\n');
  expect(csv[0]).toBe('id,occurred_at,longitude,latitude,labels,severity');
  expect(csv.filter((line) => line !== '')).toHaveLength(6001);
});

describeEachDialect('synthetic city pack loads through loadCityPack', (ctx) => {
  it('imports districts, neighbourhoods, population and every signal, and the spikes show in the rollups', async () => {
    const dir = tempDir();
    const summary = await writeSyntheticCityPack(dir, options);
    const report = await loadCityPack(ctx.db, dir, fixedClock('2025-03-01T12:00:00Z'), 'cli');
    expect(report.areas.imported).toBe(summary.areas + summary.districts);
    expect(report.sources.created).toEqual([SYNTHETIC_SOURCE_CODE]);
    expect(report.signals[0]?.inserted).toBe(6000);

    const db = ctx.db.kysely;
    const levels = await db
      .selectFrom('area')
      .select(['level'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .groupBy('level')
      .execute();
    expect(Object.fromEntries(levels.map((l) => [l.level, Number(l.n)]))).toEqual({
      district: summary.districts,
      neighbourhood: 60,
    });
    const orphans = await db
      .selectFrom('area')
      .select('code')
      .where('level', '=', 'neighbourhood')
      .where('parentId', 'is', null)
      .execute();
    expect(orphans).toEqual([]);

    for (const spike of summary.spikes) {
      const row = await db
        .selectFrom('signalRollup')
        .select('count')
        .where('grain', '=', 'week')
        .where('period', '=', spike.week)
        .where('areaKey', '=', spike.areaCode)
        .where('termCode', '=', spike.label)
        .executeTakeFirst();
      expect(Number(row?.count ?? 0)).toBeGreaterThanOrEqual(spike.extra);
    }
    // Outside points are kept city-wide by the mapping, not rejected.
    const cityWide = await db
      .selectFrom('signal')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('areaId', 'is', null)
      .executeTakeFirst();
    expect(Number(cityWide?.n)).toBeGreaterThan(0);
  });
});
