import { parseMapping } from '../../../core/contracts/mapping.ts';
import { addDays } from '../../../core/analytics/periods.ts';
import { createRandom } from '../../../core/synthetic/random.ts';
import type { Db } from '../../db/database.ts';
import type { Clock } from '../../platform/clock.ts';
import { importAreaAttributes, importAreas } from '../areas/areas.service.ts';
import { importSignals } from '../signals/signals.service.ts';
import { createSource } from '../sources/sources.service.ts';
import { seedDefaultTaxonomy } from '../taxonomy/taxonomy.service.ts';
import { seedIndexDefinitions } from './index-definitions.ts';

/**
 * A small city for the analytics tests: a 5 × 5 grid of square areas (rows A–E, columns 1–5), 300 weeks of seeded
 * Poisson signals with a cluster of high rates around C3, and population and attributes per area. The outbreak —
 * 25 extra signals in A1 in the last week — is a separate batch so it can be rolled back.
 */
export const GRID_ROWS = ['A', 'B', 'C', 'D', 'E'];
export const FIRST_WEEK = '2019-01-07';
export const WEEKS = 300;
export const LAST_WEEK = addDays(FIRST_WEEK, 7 * (WEEKS - 1));

export const gridCodes = GRID_ROWS.flatMap((r) => [1, 2, 3, 4, 5].map((c) => `${r}${c}`));

function square(code: string, row: number, col: number) {
  const x0 = -79.5 + col * 0.01;
  const y0 = 43.6 + row * 0.01;
  return {
    type: 'Feature',
    properties: { code, name: `Area ${code}` },
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [x0, y0],
          [x0 + 0.01, y0],
          [x0 + 0.01, y0 + 0.01],
          [x0, y0 + 0.01],
          [x0, y0],
        ],
      ],
    },
  };
}

export const mapping = parseMapping({
  externalId: 'id',
  occurred: { column: 'date' },
  location: { type: 'areaCode', column: 'area', cityWideValues: ['NSA'] },
  labels: { rules: [{ column: 'label', values: { A: 'bias.antisemitism', M: 'bias.anti_muslim', N: [] } }] },
});

/** Mean signals per week in an area: high at C3, raised in its eight neighbours, low elsewhere. */
export function weeklyMean(code: string): number {
  const row = GRID_ROWS.indexOf(code[0]!);
  const col = Number(code.slice(1)) - 1;
  const d = Math.max(Math.abs(row - 2), Math.abs(col - 2));
  return d === 0 ? 1.6 : d === 1 ? 0.9 : 0.25;
}

function poisson(random: ReturnType<typeof createRandom>, mean: number): number {
  let k = 0;
  let p = Math.exp(-mean);
  let cdf = p;
  const u = random.next();
  while (u > cdf && k < 1000) {
    k++;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

export async function seedAnalyticsCity(db: Db, clock: Clock): Promise<{ outbreakBatchId: string }> {
  await seedDefaultTaxonomy(db, clock);
  await seedIndexDefinitions(db, clock);
  const features = GRID_ROWS.flatMap((r, row) => [1, 2, 3, 4, 5].map((c) => square(`${r}${c}`, row, c - 1)));
  await importAreas(
    db,
    {
      geojson: JSON.stringify({ type: 'FeatureCollection', features }),
      codeProperty: 'code',
      nameProperty: 'name',
      level: 'neighbourhood',
    },
    clock,
    null,
  );
  // Every area has 10,000 residents but B2, which has 800: one signal there must not top the smoothed map.
  const attributes = [
    'code,population_2021,low_income_lim_at_pct,unemployment_rate_pct',
    ...gridCodes.map((c, i) => `${c},${c === 'B2' ? 800 : 10000},${10 + (i % 7)},${5 + (i % 5)}`),
  ];
  await importAreaAttributes(
    db,
    {
      csv: Buffer.from(attributes.join('\n')),
      codeColumn: 'code',
      columns: ['population_2021', 'low_income_lim_at_pct', 'unemployment_rate_pct'],
    },
    clock,
    null,
  );
  await createSource(
    db,
    { code: 'reports', name: 'Reports', kind: 'community_organisation', method: 'upload', cadence: 'weekly' },
    clock,
    null,
  );
  const random = createRandom(20261125);
  const lines = ['id,date,area,label'];
  let id = 0;
  for (let w = 0; w < WEEKS; w++) {
    const monday = addDays(FIRST_WEEK, 7 * w);
    for (const code of gridCodes) {
      const n = poisson(random, weeklyMean(code));
      for (let k = 0; k < n; k++)
        lines.push(
          `s${id++},${addDays(monday, k % 7)},${code},${k % 3 === 0 ? 'A' : k % 3 === 1 ? 'M' : 'N'}`,
        );
    }
    if (w % 10 === 0) lines.push(`s${id++},${monday},NSA,N`);
  }
  await importSignals(
    db,
    { sourceCode: 'reports', mapping, file: { name: 'history.csv', bytes: Buffer.from(lines.join('\n')) } },
    clock,
    null,
  );
  const outbreak = ['id,date,area,label'];
  for (let k = 0; k < 25; k++) outbreak.push(`o${k},${addDays(LAST_WEEK, k % 5)},A1,A`);
  const report = await importSignals(
    db,
    {
      sourceCode: 'reports',
      mapping,
      file: { name: 'outbreak.csv', bytes: Buffer.from(outbreak.join('\n')) },
    },
    clock,
    null,
  );
  return { outbreakBatchId: report.batchId! };
}
