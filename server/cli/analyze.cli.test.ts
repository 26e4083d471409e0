import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { createCliRunner } from '../test/cli.ts';
import { formatG17 } from './analyze.cli.ts';

const REF = path.resolve(import.meta.dirname, '../../../shared/reference');
const { dataDir, cohesion, cleanup } = createCliRunner('analyze');
const out = (name: string) => path.join(dataDir, name);
const rows = (file: string) =>
  parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;

/** Same rows and columns; numbers within `tol(ref)`, other fields equal. */
function expectLike(file: string, golden: string, tol: (ref: number) => number, columns?: string[]) {
  const mine = rows(file);
  const ref = rows(golden);
  expect(mine.length).toBe(ref.length);
  let worst = 0;
  mine.forEach((m, i) => {
    for (const c of columns ?? Object.keys(ref[i]!)) {
      const a = m[c]!;
      const b = ref[i]![c]!;
      if (a === b) continue;
      const x = Number(a);
      const y = Number(b);
      if (a === '' || b === '' || !Number.isFinite(x) || !Number.isFinite(y))
        expect(`${c}=${a}`).toBe(`${c}=${b}`);
      worst = Math.max(worst, Math.abs(x - y) / tol(y));
      expect(Math.abs(x - y)).toBeLessThanOrEqual(tol(y));
    }
  });
  return worst;
}

describe('cohesion analyze (CLI) reproduces the reference files', () => {
  afterAll(cleanup);

  it('writes numbers as R sprintf("%.17g")', () => {
    expect(formatG17(0.10000000000000001)).toBe('0.10000000000000001');
    expect(formatG17(9)).toBe('9');
    expect(formatG17(0.00064245334608099836)).toBe('0.00064245334608099836');
    expect(formatG17(3.8171815885390174e-7)).toBe('3.8171815885390174e-07');
    expect(formatG17(1.4e-16)).toBe('1.4000000000000001e-16');
    expect(formatG17(-1.8655175669361623)).toBe('-1.8655175669361623');
    expect(formatG17(null)).toBe('');
  });

  it('EARS C3 in surveillance mode, byte for byte', async () => {
    const r = await cohesion(
      'analyze',
      'ears',
      '--method',
      'C3',
      '--mode',
      'surveillance',
      '--input',
      `${REF}/ears/input.csv`,
      '--output',
      out('C3.csv'),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(out('C3.csv'), 'utf8')).toBe(fs.readFileSync(`${REF}/ears/C3.csv`, 'utf8'));
  });

  it('Gi* with FDR from the neighbour list, and the same from the boundaries', async () => {
    const r = await cohesion(
      'analyze',
      'gistar',
      '--values',
      `${REF}/gistar/values.csv`,
      '--neighbours',
      `${REF}/gistar/neighbours.csv`,
      '--output',
      out('gistar.csv'),
      '--fdr',
      out('fdr.csv'),
      '--summary',
      out('fdr_summary.csv'),
    );
    expect(r.code).toBe(0);
    expectLike(out('gistar.csv'), `${REF}/gistar/gistar.csv`, () => 1e-9);
    expectLike(out('fdr.csv'), `${REF}/gistar/fdr.csv`, (ref) => 1e-9 + 1e-6 * Math.abs(ref));
    expectLike(
      out('fdr_summary.csv'),
      `${REF}/gistar/fdr_summary.csv`,
      (ref) => 1e-12 * Math.max(1, Math.abs(ref)),
    );
    const n = await cohesion(
      'analyze',
      'neighbours',
      '--boundaries',
      path.resolve(import.meta.dirname, '../../demo/toronto/neighbourhoods_158_4326.geojson'),
      '--code-property',
      'AREA_SHORT_CODE',
      '--output',
      out('neighbours.csv'),
    );
    expect(n.code).toBe(0);
    const pairs = (f: string) =>
      rows(f)
        .map((x) => `${x.area}-${x.neighbour}`)
        .sort();
    expect(pairs(out('neighbours.csv'))).toEqual(pairs(`${REF}/gistar/neighbours.csv`));
  });

  it('Empirical Bayes, global and local', async () => {
    const r = await cohesion(
      'analyze',
      'eb',
      '--input',
      `${REF}/eb/input.csv`,
      '--neighbours',
      `${REF}/gistar/neighbours.csv`,
      '--global',
      out('global.csv'),
      '--params',
      out('global_params.csv'),
      '--local',
      out('local.csv'),
    );
    expect(r.code).toBe(0);
    const rel = (ref: number) => (ref === 0 ? 1e-20 : 1e-9 * Math.abs(ref));
    expectLike(out('global.csv'), `${REF}/eb/global.csv`, rel);
    expectLike(out('local.csv'), `${REF}/eb/local.csv`, rel);
    expectLike(out('global_params.csv'), `${REF}/eb/global_params.csv`, rel);
  });

  it('Farrington (Noufaily) on the non-fragile rows, with the same alarms and empty fields', async () => {
    const r = await cohesion(
      'analyze',
      'farrington',
      '--config',
      'noufaily',
      '--input',
      `${REF}/farrington/input.csv`,
      '--output',
      out('noufaily.csv'),
    );
    expect(r.code).toBe(0);
    const mine = rows(out('noufaily.csv'));
    const ref = rows(`${REF}/farrington/noufaily.csv`);
    expect(mine.length).toBe(ref.length);
    let compared = 0;
    ref.forEach((g, i) => {
      const m = mine[i]!;
      expect(`${m.series},${m.t}`).toBe(`${g.series},${g.t}`);
      if (g.fragile === '1') return;
      compared++;
      for (const c of ['alarm', 'trend_used', 'upperbound'])
        expect(`${g.series},${g.t},${c}=${m[c]}`).toBe(`${g.series},${g.t},${c}=${g[c]}`);
      for (const c of ['expected', 'phi']) {
        if (g[c] === '') expect(m[c]).toBe('');
        else expect(Math.abs(Number(m[c]) - Number(g[c]))).toBeLessThanOrEqual(1e-6 * Math.abs(Number(g[c])));
      }
    });
    expect(compared).toBe(ref.length - 92);
  });

  it('explains bad input instead of guessing', async () => {
    const bad = out('bad.csv');
    fs.writeFileSync(bad, 'series,t,count\na,1,3\na,3,4\n');
    const r = await cohesion('analyze', 'ears', '--input', bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/expects t = 2, found 3/);
  });
});
