import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../synthetic/random.ts';
import type { FarringtonControl, FarringtonRow } from './farrington.ts';
import { CLASSIC, NOUFAILY, earliestFarringtonT, farringtonFlexible } from './farrington.ts';

// Goldens: surveillance::farringtonFlexible 1.20.3 (README §4 of the reference folder).
const refDir = new URL('../../../shared/reference/farrington/', import.meta.url);
const readLines = (name: string) => readFileSync(new URL(name, refDir), 'utf8').trimEnd().split('\n');

/** Empty field = NA = null (Number('') would be 0). */
const num = (field: string | undefined): number | null =>
  field === undefined || field === '' ? null : Number(field);

const series = new Map<string, number[]>();
for (const line of readLines('input.csv').slice(1)) {
  const [id, t, count] = line.split(',');
  const ys = series.get(id!) ?? [];
  if (Number(t) !== ys.length + 1) throw new Error(`input.csv: ${id} is not in t order`);
  ys.push(Number(count));
  series.set(id!, ys);
}

type GoldenRow = {
  series: string;
  t: number;
  expected: number | null;
  upperbound: number | null;
  alarm: number | null;
  trendUsed: number | null;
  trendCoef: number | null;
  phi: number | null;
  pvalue: number | null;
  expectedMle: number | null;
  upperboundMle: number | null;
  phiMle: number | null;
  fragile: boolean;
};

function readGolden(name: string): GoldenRow[] {
  const [header, ...lines] = readLines(name);
  expect(header).toBe(
    'series,t,expected,upperbound,alarm,trend_used,trend_coef,phi,pvalue,expected_mle,upperbound_mle,phi_mle,fragile',
  );
  return lines.map((line) => {
    const f = line.split(',');
    return {
      series: f[0]!,
      t: Number(f[1]),
      expected: num(f[2]),
      upperbound: num(f[3]),
      alarm: num(f[4]),
      trendUsed: num(f[5]),
      trendCoef: num(f[6]),
      phi: num(f[7]),
      pvalue: num(f[8]),
      expectedMle: num(f[9]),
      upperboundMle: num(f[10]),
      phiMle: num(f[11]),
      fragile: f[12] === '1',
    };
  });
}

/** Runs every series of a golden file over exactly the golden rows' t values; one result per golden row. */
function runAll(golden: GoldenRow[], control: Partial<FarringtonControl>): FarringtonRow[] {
  const out: FarringtonRow[] = [];
  let i = 0;
  while (i < golden.length) {
    const id = golden[i]!.series;
    let j = i;
    while (j < golden.length && golden[j]!.series === id) j++;
    const rows = farringtonFlexible(
      series.get(id)!,
      golden.slice(i, j).map((g) => g.t),
      control,
    );
    out.push(...rows);
    i = j;
  }
  return out;
}

const asFlag = (b: boolean | null) => (b === null ? null : b ? 1 : 0);
const isNull = (v: unknown) => v === null;

/** Tracks the largest deviation per column and collects rows outside tolerance. */
function checker() {
  const max: Record<string, number> = {};
  const failures: string[] = [];
  return {
    max,
    failures,
    /** |a − ref| ≤ rel·|ref| + abs; records the relative deviation (abs-scaled where ref = 0). */
    close(where: string, column: string, a: number | null, ref: number | null, rel: number, abs = 0) {
      if (a === null || ref === null) {
        if (a !== ref) failures.push(`${where} ${column}: ${a} vs ${ref}`);
        return;
      }
      const dev = Math.abs(a - ref);
      const scaled = dev / Math.max(Math.abs(ref), Number.MIN_VALUE);
      max[column] = Math.max(max[column] ?? 0, ref === 0 ? dev : scaled);
      if (!(dev <= rel * Math.abs(ref) + abs)) failures.push(`${where} ${column}: ${a} vs ${ref}`);
    },
    equal(where: string, column: string, a: unknown, ref: unknown) {
      if (a !== ref) failures.push(`${where} ${column}: ${String(a)} vs ${String(ref)}`);
    },
  };
}

const CONFIGS = [
  { name: 'noufaily', file: 'noufaily.csv', control: NOUFAILY },
  { name: 'classic', file: 'classic.csv', control: CLASSIC },
] as const;

describe.each(CONFIGS)('farringtonFlexible against surveillance ($name)', ({ name, file, control }) => {
  const golden = readGolden(file);
  const integerBound = control.thresholdMethod === 'nbPlugin';

  it('loads every golden row', () => {
    expect(golden.length).toBe(5252);
    expect(new Set(golden.map((g) => g.series)).size).toBe(101);
  });

  it("reproduces R's IRLS path: every non-fragile row within 1e-6, flags and empty fields exact", () => {
    const ours = runAll(golden, { ...control, fit: 'r-path' });
    const check = checker();
    let compared = 0;
    golden.forEach((g, i) => {
      const o = ours[i]!;
      expect(o.t).toBe(g.t);
      if (g.fragile) return;
      compared++;
      const at = `${g.series} t=${g.t}`;
      // the pattern of empty fields
      for (const [column, a, ref] of [
        ['expected', o.expected, g.expected],
        ['upperbound', o.upperbound, g.upperbound],
        ['alarm', o.alarm, g.alarm],
        ['trend_used', o.trendUsed, g.trendUsed],
        ['trend_coef', o.trendCoef, g.trendCoef],
        ['phi', o.phi, g.phi],
        ['pvalue', o.pvalue, g.pvalue],
      ] as const) {
        check.equal(at, `${column} empty`, isNull(a), isNull(ref));
      }
      check.equal(at, 'alarm', asFlag(o.alarm), g.alarm);
      check.equal(at, 'trend_used', asFlag(o.trendUsed), g.trendUsed);
      check.equal(at, 'converged', o.converged, g.alarm !== null);
      check.close(at, 'expected', o.expected, g.expected, 1e-6);
      if (integerBound) check.equal(at, 'upperbound', o.upperbound, g.upperbound);
      else check.close(at, 'upperbound', o.upperbound, g.upperbound, 1e-6);
      check.close(at, 'phi', o.phi, g.phi, 1e-6);
      if (g.trendCoef !== null) check.close(at, 'trend_coef', o.trendCoef, g.trendCoef, 1e-6, 1e-12);
      if (g.pvalue !== null) check.close(at, 'pvalue', o.pvalue, g.pvalue, 1e-6, 1e-12);
    });
    console.log(`${name} r-path: ${compared} non-fragile rows, max relative deviation`, check.max);
    expect(compared).toBe(name === 'noufaily' ? 5252 - 92 : 5252 - 93);
    expect(check.failures.slice(0, 20)).toEqual([]);
  });

  it('fully converged fits (fit: mle) match the *_mle columns within 1e-6', () => {
    const ours = runAll(golden, { ...control, fit: 'mle' });
    const check = checker();
    golden.forEach((g, i) => {
      if (g.fragile) return;
      const o = ours[i]!;
      const at = `${g.series} t=${g.t}`;
      check.equal(at, 'alarm', asFlag(o.alarm), g.alarm);
      check.equal(at, 'trend_used', asFlag(o.trendUsed), g.trendUsed);
      check.close(at, 'expected_mle', o.expected, g.expectedMle, 1e-6);
      if (integerBound) check.equal(at, 'upperbound_mle', o.upperbound, g.upperboundMle);
      else check.close(at, 'upperbound_mle', o.upperbound, g.upperboundMle, 1e-6);
      check.close(at, 'phi_mle', o.phi, g.phiMle, 1e-6);
    });
    console.log(`${name} mle: max relative deviation`, check.max);
    expect(check.failures.slice(0, 20)).toEqual([]);
  });

  it('fragile rows run without error and never alarm on a zero count', () => {
    const ours = runAll(golden, control);
    let fragile = 0;
    golden.forEach((g, i) => {
      if (!g.fragile) return;
      fragile++;
      const o = ours[i]!;
      const y = series.get(g.series)![g.t - 1]!;
      if (y === 0) expect(o.alarm === true, `${g.series} t=${g.t}`).toBe(false);
      if (o.alarm === null) expect(o.converged).toBe(false);
    });
    expect(fragile).toBe(name === 'noufaily' ? 92 : 93);
  });
});

describe('farringtonFlexible: no result where R cannot fit', () => {
  it("reports exactly the time points listed in warnings.txt, with R's message", () => {
    const reference = readLines('warnings.txt').map((line) => {
      const m = /^(\w+) (\w+): The model could not converge .* timepoint\s+(\d+)\s+so no result/.exec(line);
      if (!m) throw new Error(`unexpected warning line: ${line}`);
      return `${m[1]} ${m[2]} ${m[3]}`;
    });
    const ours: string[] = [];
    for (const { name, control } of CONFIGS) {
      for (const [id, y] of series) {
        const range = Array.from({ length: 52 }, (_, k) => y.length - 51 + k);
        for (const row of farringtonFlexible(y, range, control)) {
          if (row.converged) continue;
          ours.push(`${name} ${id} ${row.t}`);
          expect(row.warning).toBe(
            `The model could not converge with nor without time trend at timepoint ${row.t} ` +
              `so no result can be given for timepoint ${row.t}.`,
          );
          expect([row.expected, row.upperbound, row.alarm, row.phi, row.pvalue, row.trendUsed]).toEqual([
            null,
            null,
            null,
            null,
            null,
            null,
          ]);
        }
      }
    }
    expect(ours.sort()).toEqual(reference.sort());
  });
});

describe('farringtonFlexible: API', () => {
  /** Poisson(mean) counts by inversion, seeded. */
  function poissonSeries(length: number, mean: number, seed: number): number[] {
    const random = createRandom(seed);
    return Array.from({ length }, () => {
      let k = 0;
      let p = Math.exp(-mean);
      let cdf = p;
      const u = random.next();
      while (u > cdf) {
        k++;
        p *= mean / k;
        cdf += p;
      }
      return k;
    });
  }

  it('needs b·freq + w + 1 weeks of history', () => {
    expect(earliestFarringtonT()).toBe(264);
    expect(earliestFarringtonT(CLASSIC)).toBe(264);
    expect(earliestFarringtonT({ b: 3 })).toBe(160);
    const y = poissonSeries(300, 5, 1);
    expect(() => farringtonFlexible(y, [263])).toThrow(RangeError);
    expect(() => farringtonFlexible(y, [301])).toThrow(RangeError);
    expect(() => farringtonFlexible(y, [280.5])).toThrow(RangeError);
    expect(farringtonFlexible(y, [264, 300]).map((r) => r.t)).toEqual([264, 300]);
  });

  it('rejects counts that are negative or not finite', () => {
    const y = poissonSeries(300, 5, 2);
    y[10] = -1;
    expect(() => farringtonFlexible(y, [300])).toThrow(RangeError);
    y[10] = Number.NaN;
    expect(() => farringtonFlexible(y, [300])).toThrow(RangeError);
  });

  it('defaults to the Noufaily configuration', () => {
    const y = poissonSeries(320, 6, 3);
    expect(farringtonFlexible(y, [310, 320])).toEqual(farringtonFlexible(y, [310, 320], NOUFAILY));
    expect(farringtonFlexible(y, [310])).not.toEqual(farringtonFlexible(y, [310], CLASSIC));
  });

  it('alarms on a clear spike with both configurations, and not on the week before', () => {
    const y = poissonSeries(320, 6, 4);
    y[319] = 40;
    for (const control of [NOUFAILY, CLASSIC]) {
      const [before, spike] = farringtonFlexible(y, [319, 320], control);
      expect(spike!.alarm).toBe(true);
      expect(spike!.upperbound!).toBeLessThan(40);
      expect(spike!.pvalue!).toBeLessThan(1e-6);
      expect(before!.alarm).toBe(false);
    }
  });

  it('suppresses bounds below the limit54 case count but still reports the fit', () => {
    const y = poissonSeries(320, 0.5, 5);
    y[316] = 0;
    y[317] = 0;
    y[318] = 1;
    y[319] = 3; // 4 cases in the last 4 weeks, below 5
    const [row] = farringtonFlexible(y, [320]);
    expect(row!.expected).toBeNull();
    expect(row!.upperbound).toBeNull();
    expect(row!.alarm).toBe(false);
    expect(row!.phi).not.toBeNull();
    expect(row!.converged).toBe(true);
    const [relaxed] = farringtonFlexible(y, [320], { limit54: [4, 4] });
    expect(relaxed!.upperbound).not.toBeNull();
  });
});
