import type { Position } from 'geojson';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TERMS } from '../taxonomy/default-taxonomy.ts';
import { generateCity } from './city.ts';
import { classifyPoint, geometryBBox } from './geometry.ts';
import { generateSignals, weekStart, type SyntheticSignal } from './signals.ts';

const city = generateCity({ seed: 3, areas: 120 });
const options = { seed: 5, city, count: 40_000, from: '2023-01-01', to: '2024-12-31' } as const;
const rows: SyntheticSignal[] = [...generateSignals(options)];
const areaByCode = new Map(city.areas.map((a) => [a.code, a]));

describe('generateSignals', () => {
  it('replays the same rows for the same seed, and other rows for another seed', () => {
    const stream = generateSignals(options);
    expect([...stream]).toEqual(rows);
    expect([...stream].slice(0, 50)).toEqual(rows.slice(0, 50));
    const other = [...generateSignals({ ...options, seed: 6, count: 50 })];
    expect(other.map((r) => r.lon)).not.toEqual(rows.slice(0, 50).map((r) => r.lon));
  });

  it('streams lazily: the first rows of a ten-million-row stream arrive at once', () => {
    const t0 = performance.now();
    const iterator = generateSignals({ ...options, count: 10_000_000 })[Symbol.iterator]();
    const first = iterator.next().value as SyntheticSignal;
    expect(first.externalId).toBe('S00000001');
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('emits unique ids, dates in range, severities 1–5 and only default taxonomy codes, several per row', () => {
    const codes = new Set(DEFAULT_TERMS.map((t) => t.code));
    expect(new Set(rows.map((r) => r.externalId)).size).toBe(rows.length);
    const problems: string[] = [];
    for (const row of rows) {
      const bad =
        !(row.occurredOn >= '2023-01-01' && row.occurredOn <= '2024-12-31') ||
        !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(row.occurredAt) ||
        row.occurredAt.slice(0, 10) !== row.occurredOn ||
        !(row.severity >= 1 && row.severity <= 5) ||
        row.labels.length < 3 ||
        new Set(row.labels).size !== row.labels.length ||
        row.labels.some((label) => !codes.has(label));
      if (bad) problems.push(JSON.stringify(row));
    }
    expect(problems).toEqual([]);
    const mixed = rows.filter((r) => r.labels.filter((l) => l.startsWith('bias.')).length >= 2).length;
    expect(mixed / rows.length).toBeGreaterThan(0.08);
  });

  it('places points inside their area, exactly on shared vertices and segments, and outside the city', () => {
    const vertices = new Set(city.sharedEdges.flatMap((e) => e.coordinates.map((p) => `${p[0]},${p[1]}`)));
    const counts = { interior: 0, vertex: 0, edge: 0, outside: 0, unlocated: 0 };
    for (const row of rows.slice(0, 8000)) {
      counts[row.placement]++;
      const x = row.lon as number;
      const y = row.lat as number;
      if (row.placement === 'interior') {
        expect(classifyPoint(areaByCode.get(row.areaCode as string)?.geometry as never, x, y)).not.toBe(
          'outside',
        );
      } else if (row.placement === 'vertex') {
        expect(vertices.has(`${x},${y}`)).toBe(true);
      } else if (row.placement === 'edge') {
        // Interpolated, so within rounding of a shared segment: it must be within a hair of some vertex pair.
        const near = city.sharedEdges.some((e) =>
          e.coordinates.some((p, i) => {
            const q = e.coordinates[i + 1] as Position | undefined;
            if (!q) return false;
            const [ax, ay] = p as [number, number];
            const [bx, by] = q as [number, number];
            const cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
            const len = Math.hypot(bx - ax, by - ay);
            const inBox =
              x >= Math.min(ax, bx) - 1e-12 &&
              x <= Math.max(ax, bx) + 1e-12 &&
              y >= Math.min(ay, by) - 1e-12 &&
              y <= Math.max(ay, by) + 1e-12;
            return inBox && Math.abs(cross / len) < 1e-12;
          }),
        );
        expect(near).toBe(true);
      } else if (row.placement === 'outside') {
        for (const area of city.areas) expect(classifyPoint(area.geometry, x, y)).toBe('outside');
      }
    }
    expect(counts.vertex).toBeGreaterThan(100);
    expect(counts.edge).toBeGreaterThan(100);
    expect(counts.outside).toBeGreaterThan(40);
    expect(counts.unlocated).toBe(0);
    const unlocated = [...generateSignals({ ...options, count: 2000, unlocatedRate: 0.1 })].filter(
      (r) => r.placement === 'unlocated',
    );
    expect(unlocated.length).toBeGreaterThan(100);
    for (const row of unlocated) expect([row.lon, row.lat]).toEqual([null, null]);
  });

  it('varies intensity in space and follows weekly and yearly seasonality', () => {
    const perCapita = new Map<string, number>();
    for (const row of rows)
      if (row.areaCode) perCapita.set(row.areaCode, (perCapita.get(row.areaCode) ?? 0) + 1);
    const rates = city.areas.map((a) => (perCapita.get(a.code) ?? 0) / a.population).sort((p, q) => p - q);
    expect(
      (rates[Math.floor(rates.length * 0.9)] as number) / (rates[Math.floor(rates.length * 0.1)] as number),
    ).toBeGreaterThan(1.5);

    const byDow = new Array<number>(7).fill(0);
    const byMonth = new Array<number>(12).fill(0);
    for (const row of rows) {
      if (row.spike !== null) continue;
      const date = new Date(`${row.occurredOn}T00:00:00Z`);
      byDow[date.getUTCDay()] = (byDow[date.getUTCDay()] as number) + 1;
      byMonth[date.getUTCMonth()] = (byMonth[date.getUTCMonth()] as number) + 1;
    }
    expect(byDow[6] as number).toBeGreaterThan((byDow[2] as number) * 1.2);
    expect(byMonth[6] as number).toBeGreaterThan((byMonth[0] as number) * 1.3);
  });

  it('injects the documented spikes and they stand out in the output', () => {
    const stream = generateSignals(options);
    expect(stream.spikes.length).toBe(5);
    for (const spike of stream.spikes) {
      expect(spike.week).toBe(weekStart(spike.week));
      let inSpikeWeek = 0;
      const otherWeeks = new Map<string, number>();
      for (const row of rows) {
        if (row.areaCode !== spike.areaCode || !row.labels.includes(spike.label)) continue;
        const week = weekStart(row.occurredOn);
        if (week === spike.week) inSpikeWeek++;
        else otherWeeks.set(week, (otherWeeks.get(week) ?? 0) + 1);
      }
      expect(inSpikeWeek).toBeGreaterThanOrEqual(spike.extra);
      const typical = Math.max(1, ...otherWeeks.values());
      expect(inSpikeWeek).toBeGreaterThan(typical * 1.5);
      expect(spike.factor).toBeGreaterThan(1.5);
      const [minLon, minLat, maxLon, maxLat] = geometryBBox(
        areaByCode.get(spike.areaCode)?.geometry as never,
      );
      for (const row of rows.filter((r) => r.spike === stream.spikes.indexOf(spike))) {
        expect(row.lon as number).toBeGreaterThanOrEqual(minLon);
        expect(row.lon as number).toBeLessThanOrEqual(maxLon);
        expect(row.lat as number).toBeGreaterThanOrEqual(minLat);
        expect(row.lat as number).toBeLessThanOrEqual(maxLat);
      }
    }
    expect(rows.filter((r) => r.spike !== null)).toHaveLength(stream.spikes.reduce((s, x) => s + x.extra, 0));
  });

  it('rejects bad ranges and rates', () => {
    expect(() => generateSignals({ ...options, from: '2024-13-01' })).toThrow(/date/);
    expect(() => generateSignals({ ...options, to: '2022-01-01' })).toThrow(/before/);
    expect(() => generateSignals({ ...options, vertexRate: 0.9, edgeRate: 0.2 })).toThrow(/more than 1/);
  });
});
