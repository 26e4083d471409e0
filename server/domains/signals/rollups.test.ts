import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANY_TERM, RollupDeltas, periodsOf } from './rollups.ts';
import type { RollupRow } from './signals.repository.ts';

type Add = { day: string; area: string; labels: string[]; sign: 1 | -1 };

/** The rows written for a list of +1/−1 signals, counted the obvious way. */
function expected(adds: Add[]): RollupRow[] {
  const counts = new Map<string, number>();
  const bump = (key: string, n: number) => counts.set(key, (counts.get(key) ?? 0) + n);
  for (const a of adds) {
    for (const grain of ['week', 'month'] as const) {
      const period = periodsOf(a.day)[grain];
      bump([grain, period, a.area, ANY_TERM].join('|'), a.sign);
      for (const label of a.labels) bump([grain, period, a.area, label].join('|'), a.sign);
    }
  }
  return sorted(
    [...counts]
      .filter(([, n]) => n !== 0)
      .map(([key, count]) => {
        const [grain, period, areaKey, termCode] = key.split('|') as [string, string, string, string];
        return { grain, period, areaKey, termCode, count };
      }),
  );
}

const sortKey = (r: RollupRow) => `${r.grain}|${r.period}|${r.areaKey}|${r.termCode}`;
const sorted = (rows: RollupRow[]) =>
  rows
    .map((r) => [sortKey(r), r] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => r);

function deltasOf(adds: Add[]): RollupDeltas {
  const deltas = new RollupDeltas();
  for (const a of adds) deltas.add(a.day, a.area, a.labels, a.sign);
  return deltas;
}

describe('rollup deltas', () => {
  it('expand into the same rows as counting each signal into its periods and terms', () => {
    const add = fc.record({
      day: fc.constantFrom(
        '2023-12-31',
        '2024-01-01',
        '2024-01-07',
        '2024-01-08',
        '2024-02-29',
        '2024-03-01',
      ),
      area: fc.constantFrom('', 'A1', 'A2', 'B7'),
      labels: fc.uniqueArray(fc.constantFrom('bias.antisemitism', 'bias.anti_muslim', 'incident.crime'), {
        maxLength: 3,
      }),
      sign: fc.constantFrom<1 | -1>(1, -1),
    });
    fc.assert(
      fc.property(fc.array(add, { maxLength: 60 }), (adds) => {
        const normalised = adds.map((a) => ({ ...a, labels: [...a.labels].sort() }));
        expect(sorted([...deltasOf(normalised).rows()])).toEqual(expected(normalised));
      }),
    );
  });

  it('stay exact past the ids that pack small (70 000 label sets, 40 000 areas), and empty on clear', () => {
    const adds: Add[] = [];
    for (let i = 0; i < 70_000; i++) adds.push({ day: '2024-01-01', area: 'A1', labels: [`l${i}`], sign: 1 });
    for (let i = 0; i < 40_000; i++) {
      adds.push({ day: '2024-01-02', area: `B${i}`, labels: ['x', `l${i}`], sign: i % 3 ? 1 : -1 });
    }
    const deltas = deltasOf(adds);
    expect(deltas.pendingKeys()).toBe(110_000);
    expect(sorted([...deltas.rows()])).toEqual(expected(adds));
    deltas.clear();
    expect(deltas.pendingKeys()).toBe(0);
    expect([...deltas.rows()]).toEqual([]);
  });
});
