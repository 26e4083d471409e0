import { describe, expect, it } from 'vitest';
import { earsC } from './ears.ts';
import { CITY, DEFAULT_MONITOR, buildSeries, evaluateSeries, monitor, watchedSeries } from './monitor.ts';
import { periodAxis } from './periods.ts';

describe('monitoring many series', () => {
  const axis = periodAxis('week', '2024-01-01', '2024-03-31');

  it('builds area series and the whole-city series, which also counts signals without an area', () => {
    const series = buildSeries(
      [
        { period: '2024-01-01', areaKey: 'A', termCode: '*', count: 2 },
        { period: '2024-01-08', areaKey: 'B', termCode: '*', count: 3 },
        { period: '2024-01-08', areaKey: '', termCode: '*', count: 4 },
        { period: '2023-12-25', areaKey: 'A', termCode: '*', count: 9 }, // outside the axis
      ],
      axis,
    );
    expect(series.map((s) => `${s.areaKey}|${s.termCode}`)).toEqual([`${CITY}|*`, 'A|*', 'B|*']);
    const city = series[0]!;
    expect(Array.from(city.counts.slice(0, 3))).toEqual([2, 7, 0]);
    expect(axis.length).toBe(13);
  });

  it('watches only series with enough signals over the last two years', () => {
    const counts = (n: number) => Float64Array.from({ length: 120 }, (_, i) => (i >= 120 - n ? 1 : 0));
    const series = [
      { areaKey: 'A', termCode: '*', counts: counts(10) },
      { areaKey: 'B', termCode: '*', counts: counts(9) },
    ];
    expect(watchedSeries(series, { grain: 'week', minTotal: 10 }).map((s) => s.areaKey)).toEqual(['A']);
  });

  it('evaluates the latest periods with each method, as the methods themselves do', () => {
    const y = Float64Array.from({ length: 320 }, (_, i) => 4 + (i % 3) + (i === 319 ? 20 : 0));
    const options = { ...DEFAULT_MONITOR.week, windowPeriods: 4 };
    const out = evaluateSeries({ areaKey: 'A', termCode: '*', counts: y }, options);
    const c1 = earsC(y, { method: 'C1', mode: 'cdc' });
    const mine = out.filter((e) => e.method === 'ears_c1');
    expect(mine.map((e) => e.index)).toEqual([316, 317, 318, 319]);
    for (const e of mine) expect(e.upperbound).toBe(c1.upperbound[e.index - (c1.firstT - 1)]);
    expect(out.filter((e) => e.method === 'farrington_noufaily').map((e) => e.index)).toEqual([
      316, 317, 318, 319,
    ]);
    const result = monitor([{ areaKey: 'A', termCode: '*', counts: y }], options);
    expect(new Set(result.alarms.filter((a) => a.index === 319).map((a) => a.method))).toEqual(
      new Set(['ears_c1', 'ears_c2', 'ears_c3', 'farrington_noufaily', 'farrington_classic']),
    );
    expect(result.latest.every((e) => e.index === 319)).toBe(true);
  });

  it('skips the Farrington fit below the 5-in-4-weeks rule and reports no bound instead', () => {
    const y = Float64Array.from({ length: 300 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const out = evaluateSeries(
      { areaKey: 'A', termCode: '*', counts: y },
      { ...DEFAULT_MONITOR.week, windowPeriods: 2, farringtonWindowPeriods: 2 },
    );
    const farr = out.filter((e) => e.method.startsWith('farrington'));
    expect(farr.length).toBe(4);
    expect(farr.every((e) => e.expected === null && e.upperbound === null && !e.alarm && e.converged)).toBe(
      true,
    );
  });
});
