import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { qnorm } from './distributions.ts';
import { DEFAULT_EARS_MODE, earsC, type EarsMethod } from './ears.ts';

const REFERENCE = new URL('../../../shared/reference/ears/', import.meta.url);
const METHODS: EarsMethod[] = ['C1', 'C2', 'C3'];
const Z = qnorm(1 - 0.001);

function readCsv(name: string): string[][] {
  const text = readFileSync(new URL(name, REFERENCE), 'utf8');
  const lines = text.split('\n').filter((line) => line.length > 0);
  return lines.slice(1).map((line) => line.split(','));
}

/** Counts per series, checked to be in t order 1..T. */
function loadInput(): Map<string, number[]> {
  const series = new Map<string, number[]>();
  for (const [id, t, count] of readCsv('input.csv')) {
    let ys = series.get(id!);
    if (!ys) series.set(id!, (ys = []));
    if (Number(t) !== ys.length + 1) throw new Error(`input.csv: ${id} t = ${t} out of order`);
    ys.push(Number(count));
  }
  return series;
}

type RefRows = { t: number[]; upperbound: number[]; alarm: number[] };

function loadMethod(method: EarsMethod): Map<string, RefRows> {
  const out = new Map<string, RefRows>();
  for (const [id, t, ub, alarm] of readCsv(`${method}.csv`)) {
    let rows = out.get(id!);
    if (!rows) out.set(id!, (rows = { t: [], upperbound: [], alarm: [] }));
    if (ub === '' || alarm === '')
      throw new Error(`${method}.csv: unexpected empty field for ${id} t = ${t}`);
    rows.t.push(Number(t));
    rows.upperbound.push(Number(ub));
    rows.alarm.push(Number(alarm));
  }
  return out;
}

const input = loadInput();

describe('earsC against R surveillance::earsC (reference goldens)', () => {
  it('reads the 211 reference series', () => {
    expect(input.size).toBe(211);
  });

  for (const method of METHODS) {
    it(`reproduces every ${method} row in surveillance mode`, () => {
      const ref = loadMethod(method);
      expect([...ref.keys()].sort()).toEqual([...input.keys()].sort());
      let rowsCompared = 0;
      let maxDeviation = 0;
      let alarmMismatches = 0;
      for (const [id, counts] of input) {
        const rows = ref.get(id)!;
        const r = earsC(counts, { method, mode: 'surveillance', baseline: 7, alpha: 0.001, minSigma: 0.5 });
        expect(r.firstT, id).toBe(rows.t[0]);
        expect(r.upperbound.length, id).toBe(rows.t.length);
        // Rows are t = firstT..T with nothing skipped, as in the reference.
        expect(rows.t, id).toEqual(rows.t.map((_, k) => r.firstT + k));
        expect(rows.t[rows.t.length - 1], id).toBe(counts.length);
        for (let k = 0; k < rows.t.length; k++) {
          const want = rows.upperbound[k]!;
          const deviation = Math.abs(r.upperbound[k]! - want) / Math.max(1, Math.abs(want));
          if (deviation > maxDeviation) maxDeviation = deviation;
          if (r.alarm[k] !== rows.alarm[k]) alarmMismatches++;
        }
        rowsCompared += rows.t.length;
      }
      console.info(
        `EARS ${method}: ${rowsCompared} rows, max |Δ upperbound|/max(1,|ref|) = ${maxDeviation.toExponential(2)}`,
      );
      expect(rowsCompared).toBe({ C1: 54_538, C2: 54_116, C3: 53_694 }[method]);
      expect(alarmMismatches).toBe(0);
      expect(maxDeviation).toBeLessThanOrEqual(1e-9);
    });
  }

  it('reproduces the goldens on non-integer data too (the per-week two-pass path)', () => {
    // Quartering the counts and minSigma (both exact in binary) quarters every bound and keeps every alarm.
    let maxDeviation = 0;
    for (const method of METHODS) {
      const ref = loadMethod(method);
      for (const [id, counts] of input) {
        const rows = ref.get(id)!;
        const r = earsC(
          counts.map((c) => c / 4),
          { method, mode: 'surveillance', minSigma: 0.125 },
        );
        expect(Array.from(r.alarm), id).toEqual(rows.alarm);
        for (let k = 0; k < rows.t.length; k++) {
          const want = rows.upperbound[k]!;
          maxDeviation = Math.max(
            maxDeviation,
            Math.abs(4 * r.upperbound[k]! - want) / Math.max(1, Math.abs(want)),
          );
        }
      }
    }
    console.info(`EARS non-integer path: max deviation ${maxDeviation.toExponential(2)}`);
    expect(maxDeviation).toBeLessThanOrEqual(1e-9);
  });

  it('gives identical C1 and C2 results in cdc and surveillance mode', () => {
    for (const [id, counts] of input) {
      for (const method of ['C1', 'C2'] as const) {
        const cdc = earsC(counts, { method, mode: 'cdc' });
        const surv = earsC(counts, { method, mode: 'surveillance' });
        expect(cdc.firstT, id).toBe(surv.firstT);
        expect(cdc.expected, id).toEqual(surv.expected);
        expect(cdc.upperbound, id).toEqual(surv.upperbound);
        expect(cdc.alarm, id).toEqual(surv.alarm);
      }
    }
  });
});

/** Plain restatement of the definitions, week by week with arrays, to check the fast single-pass code. */
function naiveC2(counts: readonly number[], t: number): { mean: number; sigma: number; stat: number } {
  const base = counts.slice(t - 10, t - 3); // weeks t−9 .. t−3 (1-based)
  const mean = base.reduce((a, b) => a + b, 0) / base.length;
  const sd = Math.sqrt(base.reduce((a, b) => a + (b - mean) ** 2, 0) / (base.length - 1));
  const sigma = Math.max(sd, 0.5);
  return { mean, sigma, stat: (counts[t - 1]! - mean) / sigma };
}

describe('earsC cdc C3 (CDC definition, current week included)', () => {
  it('matches a direct restatement of the three-week sum on every reference series', () => {
    let rows = 0;
    let maxDeviation = 0;
    let forced = 0;
    for (const [id, counts] of input) {
      const r = earsC(counts, { method: 'C3', mode: 'cdc' });
      expect(r.firstT).toBe(12);
      expect(r.upperbound.length).toBe(counts.length - 11);
      for (let t = 12; t <= counts.length; t++) {
        const k = t - 12;
        const terms = [t - 2, t - 1, t].map((u) => Math.max(0, naiveC2(counts, u).stat - 1));
        const sum = terms[0]! + terms[1]! + terms[2]!;
        const prevSum = terms[0]! + terms[1]!;
        const { mean, sigma } = naiveC2(counts, t);
        expect(r.alarm[k], `${id} t=${t}`).toBe(sum > Z ? 1 : 0);
        expect(r.expected[k]).toBeCloseTo(mean, 12);
        if (prevSum > Z) {
          forced++;
          expect(r.upperbound[k]).toBe(0);
        } else {
          const want = mean + sigma * (1 + Z - prevSum);
          maxDeviation = Math.max(maxDeviation, Math.abs(r.upperbound[k]! - want) / Math.max(1, want));
          // Outside the forced case the bound is the exact alarm threshold.
          expect(r.alarm[k]).toBe(counts[t - 1]! > r.upperbound[k]! ? 1 : 0);
        }
        rows++;
      }
    }
    console.info(
      `EARS cdc C3: ${rows} rows (${forced} alarmed by the two previous weeks), max deviation ${maxDeviation.toExponential(2)}`,
    );
    expect(rows).toBe(53_694);
    expect(forced).toBeGreaterThan(0);
    expect(maxDeviation).toBeLessThanOrEqual(1e-12);
  });

  it('reports the C2 baseline mean as expected for C3 in both modes', () => {
    const counts = input.get('tor_city')!;
    for (const mode of ['cdc', 'surveillance'] as const) {
      const r = earsC(counts, { method: 'C3', mode });
      for (let t = 12; t <= counts.length; t++)
        expect(r.expected[t - 12]).toBeCloseTo(naiveC2(counts, t).mean, 12);
    }
  });
});

describe('earsC on a jump from 5 to 60', () => {
  // R: y <- c(5, 4, 6, 5, 5, 4, 6, 5, 5, 6, 4, 5, 5, 60, 5)
  //    earsC(sts(observed = matrix(y, ncol = 1)), control = list(method = m, baseline = 7, alpha = 0.001, minSigma = 0.5))
  const y = [5, 4, 6, 5, 5, 4, 6, 5, 5, 6, 4, 5, 5, 60, 5];
  const JUMP_T = 14;

  it('raises C1 and C2 alarms in the jump week only, with the bounds R gives', () => {
    const c1 = earsC(y, { method: 'C1' });
    expect(c1.firstT).toBe(8);
    expect(Array.from(c1.alarm)).toEqual([0, 0, 0, 0, 0, 0, 1, 0]);
    expect(c1.upperbound[JUMP_T - 8]).toBeCloseTo(7.2753200277106487, 12);
    expect(c1.upperbound[JUMP_T - 8 + 1]).toBeCloseTo(77.121805176206195, 12);
    const c2 = earsC(y, { method: 'C2' });
    expect(c2.firstT).toBe(10);
    expect(Array.from(c2.alarm)).toEqual([0, 0, 0, 0, 1, 0]);
    expect(c2.upperbound[JUMP_T - 10]).toBeCloseTo(7.5231641122584207, 12);
  });

  it('raises the C3 alarm in the jump week in cdc mode but not in surveillance mode', () => {
    const surv = earsC(y, { method: 'C3', mode: 'surveillance' });
    expect(surv.firstT).toBe(12);
    // R: upperbound 6.9773741894673433 7.1324628848535054 62.523164112258421 0; alarms F F F T
    expect(Array.from(surv.upperbound)).toEqual(
      [6.9773741894673433, 7.1324628848535054, 62.523164112258421, 0].map((v) => expect.closeTo(v, 12)),
    );
    expect(Array.from(surv.alarm)).toEqual([0, 0, 0, 1]);

    const cdc = earsC(y, { method: 'C3', mode: 'cdc' });
    expect(cdc.mode).toBe('cdc');
    expect(cdc.firstT).toBe(12);
    expect(cdc.alarm[JUMP_T - 12]).toBe(1);
    expect(cdc.alarm[JUMP_T - 12 - 1]).toBe(0);
    // The jump week's bound is mean + s·(1 + z) with nothing carried from earlier weeks.
    const { mean, sigma } = naiveC2(y, JUMP_T);
    expect(cdc.upperbound[JUMP_T - 12]).toBeCloseTo(mean + sigma * (1 + Z), 12);
    // The week after stays alarmed because the jump's term is still inside the three-week sum.
    expect(cdc.alarm[JUMP_T - 12 + 1]).toBe(1);
    expect(cdc.upperbound[JUMP_T - 12 + 1]).toBe(0);
  });

  it('defaults to the CDC definition', () => {
    expect(DEFAULT_EARS_MODE).toBe('cdc');
    expect(earsC(y, { method: 'C3' })).toEqual(earsC(y, { method: 'C3', mode: 'cdc' }));
  });
});

describe('earsC options and edge cases', () => {
  it('honours baseline, alpha and minSigma as R does', () => {
    // R: y <- c(3, 0, 2, 7, 1, 4, 4, 2, 9, 0, 3, 5, 12, 2, 1, 6)
    //    earsC(sts(observed = matrix(y, ncol = 1)), control = list(method = m, baseline = 4, alpha = 0.05, minSigma = 1))
    const y = [3, 0, 2, 7, 1, 4, 4, 2, 9, 0, 3, 5, 12, 2, 1, 6];
    const options = { baseline: 4, alpha: 0.05, minSigma: 1, mode: 'surveillance' } as const;
    const want = {
      C1: {
        firstT: 5,
        ub: [
          7.8423179644491432, 7.614057755141439, 7.851873640016203, 8.0290520875973375, 5.2172804404272073,
          9.661662562956737, 10.102770250601166, 9.8704907041319174, 10.459186276869104, 13.38714074082942,
          12.917055810760765, 13.169255690352301,
        ],
        alarm: [0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0],
      },
      C2: {
        firstT: 7,
        ub: [
          7.8423179644491432, 7.614057755141439, 7.851873640016203, 8.0290520875973375, 5.2172804404272073,
          9.661662562956737, 10.102770250601166, 9.8704907041319174, 10.459186276869104, 13.38714074082942,
        ],
        alarm: [0, 0, 1, 0, 0, 0, 1, 0, 0, 0],
      },
      C3: {
        firstT: 9,
        ub: [
          13.351873640016203, 1.386531281631483, 3.849073538101083, 9.911662562956737, 18.352770250601168,
          3.9704614533364984, 2.9205682550044236, 14.38714074082942,
        ],
        alarm: [0, 0, 0, 0, 0, 0, 0, 0],
      },
    };
    for (const method of METHODS) {
      const r = earsC(y, { method, ...options });
      expect(r.firstT).toBe(want[method].firstT);
      expect(Array.from(r.upperbound)).toEqual(want[method].ub.map((v) => expect.closeTo(v, 12)));
      expect(Array.from(r.alarm)).toEqual(want[method].alarm);
    }
  });

  it('returns no rows, but the first testable t, when the series is too short', () => {
    for (const [method, firstT] of [
      ['C1', 8],
      ['C2', 10],
      ['C3', 12],
    ] as const) {
      for (const mode of ['cdc', 'surveillance'] as const) {
        for (const counts of [[], [1, 2, 3], new Array<number>(firstT - 1).fill(2)]) {
          const r = earsC(counts, { method, mode });
          expect(r).toMatchObject({ method, mode, firstT });
          expect(r.expected.length).toBe(0);
          expect(r.upperbound.length).toBe(0);
          expect(r.alarm.length).toBe(0);
        }
        // Exactly long enough: one row, for week firstT.
        expect(earsC(new Array<number>(firstT).fill(2), { method, mode }).upperbound.length).toBe(1);
      }
    }
  });

  it('keeps an all-zero series quiet, with bounds set by minSigma', () => {
    const zeros = new Float64Array(30);
    for (const mode of ['cdc', 'surveillance'] as const) {
      for (const method of ['C1', 'C2'] as const) {
        const r = earsC(zeros, { method, mode });
        expect(Array.from(r.upperbound).every((v) => v === 0.5 * Z)).toBe(true);
        expect(Array.from(r.expected).every((v) => v === 0)).toBe(true);
        expect(Array.from(r.alarm).every((a) => a === 0)).toBe(true);
      }
      const c3 = earsC(zeros, { method: 'C3', mode });
      expect(c3.upperbound.length).toBe(19);
      // surveillance: y_t + s·z; cdc: mean + s·(1 + z).
      const bound = mode === 'cdc' ? 0.5 * (1 + Z) : 0.5 * Z;
      expect(Array.from(c3.upperbound).every((v) => Math.abs(v - bound) < 1e-15)).toBe(true);
      expect(Array.from(c3.alarm).every((a) => a === 0)).toBe(true);
    }
  });

  it('rejects NaN, negative and infinite counts with a message naming the week', () => {
    expect(() => earsC([1, 2, NaN, 4], { method: 'C1' })).toThrow(
      /finite and non-negative: week t = 3 has NaN/,
    );
    expect(() => earsC([1, -2, 3], { method: 'C2' })).toThrow(/week t = 2 has -2/);
    expect(() => earsC([Infinity], { method: 'C3' })).toThrow(/week t = 1 has Infinity/);
    // Rejected even when the series is too short to test.
    expect(() => earsC([-1], { method: 'C3', mode: 'surveillance' })).toThrow(RangeError);
  });

  it('rejects invalid options', () => {
    const y = [1, 2, 3];
    expect(() => earsC(y, { method: 'C4' as EarsMethod })).toThrow(/method must be C1, C2 or C3/);
    expect(() => earsC(y, { method: 'C1', mode: 'r' as 'cdc' })).toThrow(/mode must be/);
    expect(() => earsC(y, { method: 'C1', baseline: 2 })).toThrow(
      /baseline must be an integer of at least 3/,
    );
    expect(() => earsC(y, { method: 'C1', baseline: 6.5 })).toThrow(/baseline/);
    expect(() => earsC(y, { method: 'C1', alpha: 0 })).toThrow(/alpha/);
    expect(() => earsC(y, { method: 'C1', alpha: 1 })).toThrow(/alpha/);
    expect(() => earsC(y, { method: 'C1', minSigma: 0 })).toThrow(/minSigma/);
    expect(() => earsC(y, { method: 'C1', minSigma: NaN })).toThrow(/minSigma/);
  });

  it('accepts any array-like of counts without modifying it', () => {
    const counts = new Int32Array([5, 4, 6, 5, 5, 4, 6, 5, 5, 6, 4, 5, 5, 60, 5]);
    const copy = counts.slice();
    const r = earsC(counts, { method: 'C3' });
    expect(counts).toEqual(copy);
    expect(r).toEqual(earsC(Array.from(counts), { method: 'C3' }));
  });
});
