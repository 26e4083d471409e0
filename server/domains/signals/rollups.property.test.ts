import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { parseMapping } from '../../../core/contracts/mapping.ts';
import { fixedClock } from '../../platform/clock.ts';
import { isAppError } from '../../platform/errors.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { importAreas } from '../areas/areas.service.ts';
import { createSource } from '../sources/sources.service.ts';
import { seedDefaultTaxonomy } from '../taxonomy/taxonomy.service.ts';
import { checkRollups, importSignals, rollbackBatch } from './signals.service.ts';

const clock = fixedClock('2025-03-01T12:00:00Z');

const square = (code: string, x0: number, x1: number) => ({
  type: 'Feature',
  properties: { code, name: code },
  geometry: {
    type: 'Polygon',
    coordinates: [
      [
        [x0, 43.6],
        [x1, 43.6],
        [x1, 43.7],
        [x0, 43.7],
        [x0, 43.6],
      ],
    ],
  },
});

const mapping = parseMapping({
  externalId: 'id',
  occurred: { column: 'date' },
  location: { type: 'areaCode', column: 'area', cityWideValues: ['NSA'] },
  labels: {
    rules: [{ column: 'bias', split: ',', values: { J: 'bias.antisemitism', M: 'bias.anti_muslim', N: [] } }],
  },
});

// Days around ISO-week and month boundaries, so one signal moves between periods when an upsert changes its date.
const row = fc.record({
  id: fc.integer({ min: 1, max: 12 }),
  date: fc.constantFrom('2023-12-31', '2024-01-01', '2024-01-07', '2024-01-31', '2024-02-01', '2024-02-29'),
  area: fc.constantFrom('P1', 'P2', 'NSA'),
  bias: fc.constantFrom('J', 'M', 'N', '"J,M"'),
});

const operation = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('import' as const),
      rows: fc.array(row, { minLength: 1, maxLength: 8 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rollback' as const), pick: fc.nat() }) },
);

describeEachDialect('rollups under any sequence of imports and rollbacks', (ctx) => {
  beforeAll(async () => {
    await seedDefaultTaxonomy(ctx.db, clock);
    await importAreas(
      ctx.db,
      {
        geojson: JSON.stringify({
          type: 'FeatureCollection',
          features: [square('P1', -79.5, -79.4), square('P2', -79.4, -79.3)],
        }),
        codeProperty: 'code',
        nameProperty: 'name',
        level: 'neighbourhood',
      },
      clock,
      null,
    );
  });

  it('equal a full recount after every step', async () => {
    let run = 0;
    let imported = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 6 }), async (operations) => {
        // Each run gets its own source, so external ids repeat within a run (upserts) but not across runs.
        const sourceCode = `prop-${run++}`;
        await createSource(
          ctx.db,
          {
            code: sourceCode,
            name: sourceCode,
            kind: 'community_organisation',
            method: 'upload',
            cadence: 'weekly',
          },
          clock,
          null,
        );
        const batches: string[] = [];
        for (const op of operations) {
          if (op.kind === 'import') {
            // An id repeated within one file is an error the import reports; keep the last row per id.
            const byId = new Map(op.rows.map((r) => [r.id, r]));
            const lines = [...byId.values()].map((r) => `s${r.id},${r.date},${r.area},${r.bias}`);
            const report = await importSignals(
              ctx.db,
              {
                sourceCode,
                mapping,
                file: { name: 'rows.csv', bytes: Buffer.from(['id,date,area,bias', ...lines].join('\n')) },
              },
              clock,
              null,
            );
            expect(report.errors).toEqual([]);
            if (report.batchId) batches.push(report.batchId);
            imported += report.inserted + report.updated;
          } else if (batches.length > 0) {
            const batchId = batches[op.pick % batches.length]!;
            try {
              await rollbackBatch(ctx.db, batchId, clock, null);
            } catch (e) {
              // A batch changed later, or already rolled back, is refused whole; the rollups must still hold.
              if (!isAppError(e) || !['ROLLBACK_CONFLICT', 'CONFLICT'].includes(e.code)) throw e;
            }
          }
          const check = await checkRollups(ctx.db);
          expect(check.examples).toEqual([]);
          expect(check.differences).toBe(0);
        }
      }),
      { numRuns: 15, seed: 20241125 },
    );
    // The sequences did write (a property that holds because nothing ran would prove nothing).
    expect(imported).toBeGreaterThan(50);
  });
});
