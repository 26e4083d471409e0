import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { createCliRunner } from '../test/cli.ts';
import { torontoFile } from '../../core/geo/toronto-fixture.ts';

const { dataDir, cohesion, cleanup } = createCliRunner('areas');

const lastLine = (text: string) => text.trim().split('\n').at(-1);

describe('cohesion areas (CLI)', () => {
  afterAll(cleanup);

  it('imports boundaries and population, then lists them', async () => {
    const boundaries = await cohesion(
      'areas',
      'import',
      torontoFile('neighbourhoods_158_4326.geojson'),
      '--code-property',
      'AREA_SHORT_CODE',
      '--name-property',
      'AREA_NAME',
      '--level',
      'neighbourhood',
    );
    expect(boundaries.stderr).toBe('');
    expect(boundaries.code).toBe(0);
    expect(lastLine(boundaries.stdout)).toBe('158 imported, 0 updated, 0 failed');

    const population = await cohesion(
      'areas',
      'attributes',
      'import',
      torontoFile('neighbourhood_population_2021_158.csv'),
      '--code-column',
      'HOOD_158',
      '--columns',
      'population_2021',
    );
    expect(population.code).toBe(0);
    expect(lastLine(population.stdout)).toBe('158 imported, 0 updated, 0 failed');

    const list = await cohesion('areas', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^174\tneighbourhood\t-\tSouth Eglinton-Davisville\tpopulation_2021=\d+$/m);
    expect(lastLine(list.stdout)).toBe('158 areas');

    const db = openDatabase({ sqlitePath: path.join(dataDir, 'cohesion.sqlite') });
    try {
      const trail = await db.kysely
        .selectFrom('auditEvent')
        .select(['action', 'actorUserId', 'outcome', 'details'])
        .where('action', 'like', 'area.%')
        .orderBy('seq')
        .execute();
      expect(trail.map((e) => [e.action, e.actorUserId, e.outcome, JSON.parse(e.details ?? '{}')])).toEqual([
        ['area.import', null, 'success', expect.objectContaining({ via: 'cli', imported: 158 })],
        ['area.attributes_import', null, 'success', expect.objectContaining({ via: 'cli', imported: 158 })],
      ]);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('exits non-zero with located messages on a bad file', async () => {
    const file = path.join(dataDir, 'bad.geojson');
    fs.writeFileSync(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: { code: 'A', name: 'a' }, geometry: null },
          {
            type: 'Feature',
            properties: { code: 'B', name: 'b' },
            geometry: {
              type: 'Polygon',
              coordinates: [
                [
                  [0, 0],
                  [1, 0],
                  [1, 1],
                  [0, 0],
                ],
              ],
            },
          },
        ],
      }),
    );
    const r = await cohesion('areas', 'import', file, '--code-property', 'code', '--name-property', 'name');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error (GEOJSON_INVALID): 1 of 2 features are invalid; nothing was imported');
    expect(r.stderr).toContain('feature: 1, code: A, reason: missing geometry');
    expect(lastLine(r.stdout)).toBe('0 imported, 0 updated, 1 failed');
  }, 60_000);
});
