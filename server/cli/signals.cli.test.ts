import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { createCliRunner } from '../test/cli.ts';

const { dataDir, cohesion, cleanup } = createCliRunner('signals');

const lastLine = (text: string) => text.trim().split('\n').at(-1);

describe('cohesion city and signals (CLI)', () => {
  afterAll(cleanup);

  it('loads the demo city pack, refuses a bad file with located errors, and rolls a batch back', async () => {
    const load = await cohesion('city', 'load', 'demo/toronto');
    expect(load.code).toBe(0);
    expect(lastLine(load.stdout)).toBe('1805 imported, 0 updated, 0 failed');

    const bad = path.join(dataDir, 'bad.csv');
    const original = fs.readFileSync(
      path.resolve(
        import.meta.dirname,
        '..',
        '..',
        'demo',
        'toronto',
        'hate_crimes_open_data_tps_2018_2024.csv',
      ),
      'utf8',
    );
    const lines = original.split('\r\n');
    lines[1] = lines[1]!.replace(',Jewish,', ',Pastafarian,');
    fs.writeFileSync(bad, lines.join('\r\n'));
    const errorsOut = path.join(dataDir, 'problems.csv');
    const refused = await cohesion(
      'signals',
      'import',
      '--source',
      'tps-hate-crimes',
      bad,
      '--errors-out',
      errorsOut,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('line: 2, column: RELIGION_BIAS, value: Pastafarian');
    expect(lastLine(refused.stdout)).toBe('0 imported, 0 updated, 1 failed');
    expect(fs.readFileSync(errorsOut, 'utf8')).toContain('2,RELIGION_BIAS,Pastafarian,');

    const missing = await cohesion('signals', 'import', '--source', 'nobody', bad);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error (NOT_FOUND): Source nobody not found');

    const batches = await cohesion('signals', 'batches');
    expect(batches.code).toBe(0);
    const batchId = batches.stdout.trim().split('\n')[0]!.split('  ')[0]!;
    const rollback = await cohesion('signals', 'rollback', batchId);
    const [rolledBack, recomputed] = rollback.stdout.trim().split('\n');
    expect(rolledBack).toBe(`Rolled back ${batchId}: 1805 signals deleted, 0 restored`);
    // With every signal gone, every standing alarm is withdrawn (kept, not deleted).
    expect(recomputed).toMatch(/^Early warning recomputed: 0 new alarms, [1-9]\d* withdrawn/);

    // Each write the commands made is in the trail, from the CLI and with no person; the refused import is not.
    const db = openDatabase({ sqlitePath: path.join(dataDir, 'cohesion.sqlite') });
    try {
      const trail = await db.kysely
        .selectFrom('auditEvent')
        .select(['action', 'actorUserId', 'outcome', 'resourceId', 'details'])
        .orderBy('seq')
        .execute();
      const ours = trail.filter((e) => /^(city|area|source|signal|taxonomy)\./.test(e.action));
      expect(
        ours.map((e) => [e.action, e.actorUserId, e.outcome, JSON.parse(e.details ?? '{}').via]),
      ).toEqual([
        ['city.load', null, 'success', 'cli'],
        ['area.import', null, 'success', 'cli'],
        ['area.attributes_import', null, 'success', 'cli'],
        ['area.attributes_import', null, 'success', 'cli'],
        ['source.create', null, 'success', 'cli'],
        ['signal.import', null, 'success', 'cli'],
        ['signal.rollback', null, 'success', 'cli'],
      ]);
      expect(ours.at(-1)!.resourceId).toBe(batchId);
    } finally {
      await db.close();
    }
  }, 120_000);
});
