import { describe, expect, it } from 'vitest';
import { coverageGaps, highNeedLittleAnswer, type Gap, type GapInput } from './coverage-gaps.ts';

// Four areas, two categories, worked by hand below.
const input: GapInput = {
  areas: ['north', 'east', 'south', 'west'],
  population: [10_000, 20_000, 5_000, 40_000],
  categories: ['youth', 'mediation'],
  need: {
    youth: [12, 3, 7, 7],
    mediation: [1, null, 4, 2],
  },
  provision: [
    { area: 'north', category: 'youth', capacity: 1 },
    { area: 'east', category: 'youth', capacity: 4 },
    { area: 'east', category: 'youth', capacity: 2 },
    { area: 'south', category: 'youth', capacity: 1 },
    // City-wide: 4 × 0.25 = 1 place counted in every area.
    { area: null, category: 'youth', capacity: 4 },
    { area: 'west', category: 'mediation', capacity: 2 },
    // A category not analysed: ignored.
    { area: 'north', category: 'sports', capacity: 50 },
  ],
};

const pick = (gaps: Gap[], area: string, category: string): Gap => {
  const g = gaps.find((x) => x.area === area && x.category === category);
  if (g === undefined) throw new Error(`no gap for ${area}/${category}`);
  return g;
};

describe('coverageGaps', () => {
  const gaps = coverageGaps(input);

  it('states provision per 10,000 residents, counting city-wide services at the discount', () => {
    // youth: north (1 + 1)/10k, east (6 + 1)/20k, south (1 + 1)/5k, west (0 + 1)/40k, all × 10k.
    expect(pick(gaps, 'north', 'youth').provisionPer10k).toBeCloseTo(2, 12);
    expect(pick(gaps, 'east', 'youth').provisionPer10k).toBeCloseTo(3.5, 12);
    expect(pick(gaps, 'south', 'youth').provisionPer10k).toBeCloseTo(4, 12);
    expect(pick(gaps, 'west', 'youth').provisionPer10k).toBeCloseTo(0.25, 12);
    expect(pick(gaps, 'west', 'mediation').provisionPer10k).toBeCloseTo(0.5, 12);
    expect(pick(gaps, 'north', 'mediation').provisionPer10k).toBe(0);
  });

  it('turns need and provision into mid-rank percentiles, ties sharing the average rank', () => {
    // youth need 12, 3, 7, 7 → ranks 4, 1, 2.5, 2.5 of 4.
    expect(pick(gaps, 'north', 'youth').needPercentile).toBe(1);
    expect(pick(gaps, 'east', 'youth').needPercentile).toBe(0.25);
    expect(pick(gaps, 'south', 'youth').needPercentile).toBe(0.625);
    expect(pick(gaps, 'west', 'youth').needPercentile).toBe(0.625);
    // youth provision 2, 3.5, 4, 0.25 → ranks 2, 3, 4, 1.
    expect(pick(gaps, 'north', 'youth').provisionPercentile).toBe(0.5);
    expect(pick(gaps, 'east', 'youth').provisionPercentile).toBe(0.75);
    expect(pick(gaps, 'south', 'youth').provisionPercentile).toBe(1);
    expect(pick(gaps, 'west', 'youth').provisionPercentile).toBe(0.25);
    // mediation, three areas with a known need (east has none): need 1, 4, 2 → ranks 1, 3, 2;
    // provision 0, 0, 0.5 → ranks 1.5, 1.5, 3.
    expect(pick(gaps, 'north', 'mediation').needPercentile).toBeCloseTo(1 / 3, 15);
    expect(pick(gaps, 'south', 'mediation').needPercentile).toBe(1);
    expect(pick(gaps, 'north', 'mediation').provisionPercentile).toBe(0.5);
    expect(pick(gaps, 'south', 'mediation').provisionPercentile).toBe(0.5);
    expect(pick(gaps, 'west', 'mediation').provisionPercentile).toBe(1);
  });

  it('lists only areas with a known need, sorted by gap then need, ranked within each category', () => {
    expect(gaps.map((g) => [g.area, g.category, g.gap, g.rank])).toEqual([
      ['north', 'youth', 0.5, 1], // (4 − 2)/4, need 12 beats south's 4 on the tie
      ['south', 'mediation', 0.5, 1], // (3 − 1.5)/3
      ['west', 'youth', 0.375, 2], // (2.5 − 1)/4
      ['north', 'mediation', -1 / 6, 2], // (1 − 1.5)/3
      ['west', 'mediation', -1 / 3, 3], // (2 − 3)/3
      ['south', 'youth', -0.375, 3], // (2.5 − 4)/4
      ['east', 'youth', -0.5, 4], // (1 − 3)/4
    ]);
    expect(gaps.some((g) => g.area === 'east' && g.category === 'mediation')).toBe(false);
    expect(pick(gaps, 'south', 'mediation').need).toBe(4);
  });

  it('leaves out an area without a known positive population and compares the rest among themselves', () => {
    const result = coverageGaps({ ...input, population: [10_000, null, 5_000, 0] });
    const youth = result.filter((g) => g.category === 'youth');
    expect(youth.map((g) => g.area).sort()).toEqual(['north', 'south']);
    // need 12 vs 7 → 1 and 0.5; provision 2 vs 4 → 0.5 and 1.
    expect(pick(result, 'north', 'youth')).toMatchObject({
      needPercentile: 1,
      provisionPercentile: 0.5,
      gap: 0.5,
    });
    expect(pick(result, 'south', 'youth')).toMatchObject({
      needPercentile: 0.5,
      provisionPercentile: 1,
      gap: -0.5,
    });
  });

  it('uses the given city-wide share', () => {
    const none = coverageGaps({ ...input, cityWideShare: 0 });
    expect(pick(none, 'west', 'youth').provisionPer10k).toBe(0);
    expect(pick(none, 'north', 'youth').provisionPer10k).toBeCloseTo(1, 12);
    const full = coverageGaps({ ...input, cityWideShare: 1 });
    expect(pick(full, 'west', 'youth').provisionPer10k).toBeCloseTo(1, 12);
  });

  it('keeps every percentile in (0, 1] and every gap in (−1, 1)', () => {
    for (const g of gaps) {
      for (const p of [g.needPercentile, g.provisionPercentile]) {
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThanOrEqual(1);
      }
      expect(Math.abs(g.gap)).toBeLessThan(1);
    }
  });

  it('rejects inconsistent input with a clear message', () => {
    expect(() => coverageGaps({ ...input, population: [1, 2, 3] })).toThrow(/one per area/);
    expect(() => coverageGaps({ ...input, need: { youth: [1, 2, 3, 4] } })).toThrow(/mediation/);
    expect(() =>
      coverageGaps({ ...input, provision: [{ area: 'nowhere', category: 'youth', capacity: 1 }] }),
    ).toThrow(/unknown area nowhere/);
    expect(() =>
      coverageGaps({ ...input, provision: [{ area: 'north', category: 'youth', capacity: -1 }] }),
    ).toThrow(/capacity/);
    expect(() => coverageGaps({ ...input, areas: ['a', 'a', 'b', 'c'] })).toThrow(/twice/);
  });
});

describe('highNeedLittleAnswer', () => {
  it('keeps areas in the top need quarter and the bottom provision quarter', () => {
    // Need rises with the area number; provision: area 4 has least, area 3 has the second least.
    const gaps = coverageGaps({
      areas: ['a1', 'a2', 'a3', 'a4'],
      population: [10_000, 10_000, 10_000, 10_000],
      categories: ['victim-support'],
      need: { 'victim-support': [1, 2, 3, 4] },
      provision: [
        { area: 'a1', category: 'victim-support', capacity: 4 },
        { area: 'a2', category: 'victim-support', capacity: 3 },
        { area: 'a3', category: 'victim-support', capacity: 2 },
        { area: 'a4', category: 'victim-support', capacity: 1 },
      ],
    });
    // a4: need 1, provision 0.25 (both bounds inclusive); a3: need 0.75 but provision 0.5.
    expect(highNeedLittleAnswer(gaps).map((g) => g.area)).toEqual(['a4']);
    expect(
      highNeedLittleAnswer(gaps, { minNeedPercentile: 0.75, maxProvisionPercentile: 0.5 }).map((g) => g.area),
    ).toEqual(['a4', 'a3']);
  });

  it('applies its thresholds to the hand-worked city', () => {
    const gaps = coverageGaps(input);
    expect(highNeedLittleAnswer(gaps)).toEqual([]);
    expect(
      highNeedLittleAnswer(gaps, { minNeedPercentile: 0.6, maxProvisionPercentile: 0.5 }).map((g) => [
        g.area,
        g.category,
      ]),
    ).toEqual([
      ['north', 'youth'],
      ['south', 'mediation'],
      ['west', 'youth'],
    ]);
  });
});
