import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ebGlobal, ebLocal } from '../../../core/analytics/eb.ts';
import { earsC } from '../../../core/analytics/ears.ts';
import { farringtonFlexible } from '../../../core/analytics/farrington.ts';
import { hotspots } from '../../../core/analytics/gistar.ts';
import { CITY, buildSeries } from '../../../core/analytics/monitor.ts';
import { periodAxis } from '../../../core/analytics/periods.ts';
import { fixedClock } from '../../platform/clock.ts';
import { DEMO_CITY_DIR, loadCityPack } from '../../demo/load-city-pack.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { loadAreaNeighbours } from '../areas/areas.service.ts';
import { listRollupCells, sumRollupsByArea } from './analytics.repository.ts';

/**
 * The reference outputs of R (../shared/reference), reproduced from what each database's rollups hold after the
 * Toronto demo city is loaded through the product's own import: the weekly series, the counts per neighbourhood, the
 * neighbours from the stored boundaries, and the methods run on those.
 */
const REF = path.resolve(import.meta.dirname, '../../../../shared/reference');

function csv(file: string): Array<Record<string, string>> {
  const [header, ...lines] = fs.readFileSync(path.join(REF, file), 'utf8').trimEnd().split('\n');
  const names = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i]!, v])));
}

function goldenSeries(file: string, prefix: string): Map<string, number[]> {
  const series = new Map<string, number[]>();
  for (const r of csv(file)) {
    if (!r.series!.startsWith(prefix)) continue;
    const counts = series.get(r.series!) ?? [];
    counts.push(Number(r.count));
    series.set(r.series!, counts);
  }
  return series;
}

describeEachDialect("R's reference outputs from the stored rollups", (ctx) => {
  let weekly = new Map<string, Float64Array>();
  beforeAll(async () => {
    await loadCityPack(ctx.db, DEMO_CITY_DIR, fixedClock('2025-03-01T12:00:00Z'), 'cli');
    // t = 1 is the week of Monday 2018-01-01; t = 365 the week of 2024-12-23 (README §1).
    const axis = periodAxis('week', '2018-01-01', '2024-12-23');
    const cells = (await listRollupCells(ctx.db, 'week')).filter((c) => c.termCode === '*');
    weekly = new Map(buildSeries(cells, axis).map((s) => [s.areaKey, s.counts]));
  });

  it('holds exactly the weekly series of the EARS and Farrington inputs, and EARS reproduces C1–C3 on them', () => {
    const golden = goldenSeries('ears/input.csv', 'tor_');
    expect(golden.size).toBe(11);
    const bounds = { C1: csv('ears/C1.csv'), C2: csv('ears/C2.csv'), C3: csv('ears/C3.csv') };
    for (const [name, counts] of golden) {
      const area = name === 'tor_city' ? CITY : name.slice('tor_hood_'.length);
      const mine = weekly.get(area)!;
      expect(Array.from(mine), name).toEqual(counts);
      for (const method of ['C1', 'C2', 'C3'] as const) {
        const r = earsC(mine, { method, mode: 'surveillance' });
        const rows = bounds[method].filter((b) => b.series === name);
        expect(rows.length).toBe(r.upperbound.length);
        rows.forEach((row, i) => {
          expect(Math.abs(r.upperbound[i]! - Number(row.upperbound))).toBeLessThanOrEqual(
            1e-9 * Math.max(1, Math.abs(Number(row.upperbound))),
          );
          expect(r.alarm[i]).toBe(Number(row.alarm));
        });
      }
    }
    const city = goldenSeries('farrington/input.csv', 'tor_city').get('tor_city')!;
    expect(Array.from(weekly.get(CITY)!)).toEqual(city);
    const noufaily = csv('farrington/noufaily.csv').filter(
      (r) => r.series === 'tor_city' && r.fragile === '0',
    );
    const rows = farringtonFlexible(
      weekly.get(CITY)!,
      noufaily.map((r) => Number(r.t)),
    );
    rows.forEach((r, i) => {
      const g = noufaily[i]!;
      expect(r.alarm === null ? '' : r.alarm ? '1' : '0').toBe(g.alarm);
      expect(r.upperbound === null ? '' : String(r.upperbound)).toBe(g.upperbound);
      if (g.expected !== '')
        expect(Math.abs(r.expected! - Number(g.expected))).toBeLessThanOrEqual(1e-6 * Number(g.expected));
    });
  });

  it('holds the counts per neighbourhood behind Gi* and EB, and reproduces both on the stored boundaries', async () => {
    const { codes, nb } = await loadAreaNeighbours(ctx.db);
    const sums = await sumRollupsByArea(ctx.db.kysely, 'week', '1900-01-01', '2100-01-01', ['*']);
    const byCode = new Map(sums.map((s) => [s.areaKey, s.count]));
    const values = csv('gistar/values.csv');
    expect(codes).toEqual(values.map((v) => v.area));
    const cases = codes.map((c) => byCode.get(c) ?? 0);
    expect(cases).toEqual(values.map((v) => Number(v.value)));

    const h = hotspots(cases, nb);
    csv('gistar/fdr.csv').forEach((g, i) => {
      expect(Math.abs(h.z[i]! - Number(g.z))).toBeLessThanOrEqual(1e-9);
      expect(h.significant[i]).toBe(Number(g.significant_bh));
    });

    const stored = await ctx.db.kysely
      .selectFrom('areaAttribute as aa')
      .innerJoin('area as a', 'a.id', 'aa.areaId')
      .select(['a.code', 'aa.value'])
      .where('aa.key', '=', 'population_2021')
      .execute();
    const populationOf = new Map(stored.map((r) => [r.code, Number(r.value)]));
    const population = codes.map((c) => populationOf.get(c)!);
    expect(population).toEqual(csv('eb/input.csv').map((r) => Number(r.population)));
    const global = ebGlobal(cases, population);
    const local = ebLocal(cases, population, nb);
    csv('eb/global.csv').forEach((g, i) =>
      expect(Math.abs(global.eb[i]! - Number(g.eb))).toBeLessThanOrEqual(1e-9 * Number(g.eb)),
    );
    csv('eb/local.csv').forEach((g, i) =>
      expect(Math.abs(local.eb[i]! - Number(g.eb))).toBeLessThanOrEqual(1e-9 * Number(g.eb)),
    );
  });
});
