/**
 * Early warning over many count series at once: which series to watch, which methods to run on which periods, and
 * the alarms and latest states they produce. Pure; the server feeds it rollup cells and stores what it returns, the
 * benchmark feeds it synthetic series.
 */
import { earsC, type EarsMethod, type EarsMode } from './ears.ts';
import { CLASSIC, NOUFAILY, farringtonFlexible, type FarringtonControl } from './farrington.ts';
import type { Grain } from './periods.ts';

export const METHODS = [
  'ears_c1',
  'ears_c2',
  'ears_c3',
  'farrington_noufaily',
  'farrington_classic',
] as const;
export type Method = (typeof METHODS)[number];

/** The whole city: the sum over every area and the signals without one. */
export const CITY = '*';

export type MonitorOptions = {
  grain: Grain;
  methods: readonly Method[];
  /** How many of the latest periods EARS evaluates for alarms (the rest is history the methods learn from). */
  windowPeriods: number;
  /**
   * The same for Farrington, whose fits cost far more: enough periods to catch late-arriving data for recent weeks
   * without refitting a quarter of history on every refresh.
   */
  farringtonWindowPeriods: number;
  /** A series is watched when it holds at least this many signals over its last two years. */
  minTotal: number;
  earsMode: EarsMode;
};

export const DEFAULT_MONITOR: Record<Grain, MonitorOptions> = {
  week: {
    grain: 'week',
    methods: METHODS,
    windowPeriods: 13,
    farringtonWindowPeriods: 4,
    minTotal: 10,
    earsMode: 'cdc',
  },
  month: {
    grain: 'month',
    methods: METHODS,
    windowPeriods: 3,
    farringtonWindowPeriods: 2,
    minTotal: 10,
    earsMode: 'cdc',
  },
};

/**
 * Farrington's control per grain. Weekly: the published configurations. Monthly: the same model with windows of
 * ±1 month around the reference months and 4 seasonal blocks (the weekly ±3 weeks and 10 blocks do not fit in 12
 * months); classic leaves out the last month, Noufaily the last 6.
 */
export function farringtonControl(
  method: 'farrington_noufaily' | 'farrington_classic',
  grain: Grain,
): FarringtonControl {
  const base = method === 'farrington_noufaily' ? NOUFAILY : CLASSIC;
  if (grain === 'week') return base;
  return method === 'farrington_noufaily'
    ? { ...base, freq: 12, w: 1, noPeriods: 4, pastWeeksNotIncluded: 6, limit54: [5, 2] }
    : { ...base, freq: 12, w: 1, noPeriods: 1, pastWeeksNotIncluded: 1, limit54: [5, 2] };
}

export type Series = { areaKey: string; termCode: string; counts: Float64Array };

/** One evaluated period of a series by one method. */
export type Evaluation = {
  method: Method;
  areaKey: string;
  termCode: string;
  /** Index into the period axis. */
  index: number;
  observed: number;
  expected: number | null;
  upperbound: number | null;
  alarm: boolean;
  converged: boolean;
  warning: string | null;
};

/**
 * Builds the count series of every (area, label) from rollup cells on a period axis, plus the whole-city series
 * (area '*') per label. Signals without an area count in the city series only.
 */
export function buildSeries(
  cells: Iterable<{ period: string; areaKey: string; termCode: string; count: number }>,
  axis: readonly string[],
): Series[] {
  const position = new Map(axis.map((p, i) => [p, i]));
  const byKey = new Map<string, Series>();
  const add = (areaKey: string, termCode: string, i: number, n: number) => {
    const key = `${areaKey}\u0000${termCode}`;
    let s = byKey.get(key);
    if (!s) byKey.set(key, (s = { areaKey, termCode, counts: new Float64Array(axis.length) }));
    s.counts[i]! += n;
  };
  for (const c of cells) {
    const i = position.get(c.period);
    if (i === undefined) continue;
    if (c.areaKey !== '') add(c.areaKey, c.termCode, i, c.count);
    add(CITY, c.termCode, i, c.count);
  }
  return [...byKey.values()].sort((a, b) =>
    a.areaKey === b.areaKey ? (a.termCode < b.termCode ? -1 : 1) : a.areaKey < b.areaKey ? -1 : 1,
  );
}

/** Series worth watching: enough signals over the last two years to say anything. */
export function watchedSeries(
  series: readonly Series[],
  options: Pick<MonitorOptions, 'grain' | 'minTotal'>,
): Series[] {
  const span = options.grain === 'week' ? 104 : 24;
  return series.filter((s) => {
    let total = 0;
    for (let i = Math.max(0, s.counts.length - span); i < s.counts.length; i++) total += s.counts[i]!;
    return total >= options.minTotal;
  });
}

const EARS: Record<'ears_c1' | 'ears_c2' | 'ears_c3', EarsMethod> = {
  ears_c1: 'C1',
  ears_c2: 'C2',
  ears_c3: 'C3',
};

/** The first period index each method evaluates, for a series of T periods. */
export function firstEvaluatedIndex(method: Method, T: number, options: MonitorOptions): number {
  const window = method.startsWith('farrington') ? options.farringtonWindowPeriods : options.windowPeriods;
  return Math.max(0, T - window);
}

/** Runs every method on its window of latest periods of one series. */
export function evaluateSeries(series: Series, options: MonitorOptions): Evaluation[] {
  const out: Evaluation[] = [];
  const y = series.counts;
  const T = y.length;
  for (const method of options.methods) {
    const firstIndex = firstEvaluatedIndex(method, T, options);
    if (method === 'ears_c1' || method === 'ears_c2' || method === 'ears_c3') {
      const r = earsC(y, { method: EARS[method], mode: options.earsMode });
      for (let row = 0; row < r.upperbound.length; row++) {
        const index = r.firstT - 1 + row;
        if (index < firstIndex) continue;
        out.push({
          method,
          areaKey: series.areaKey,
          termCode: series.termCode,
          index,
          observed: y[index]!,
          expected: r.expected[row]!,
          upperbound: r.upperbound[row]!,
          alarm: r.alarm[row] === 1,
          converged: true,
          warning: null,
        });
      }
      continue;
    }
    const control = farringtonControl(method, options.grain);
    const firstT = control.b * control.freq + control.w + 1;
    const range: number[] = [];
    for (let t = Math.max(firstT, firstIndex + 1); t <= T; t++) {
      // Below the limit54 rule no bound is reported and nothing can alarm: skip the fit.
      let recent = 0;
      for (let k = t - control.limit54[1] + 1; k <= t; k++) recent += y[k - 1]!;
      if (recent < control.limit54[0]) {
        out.push({
          method,
          areaKey: series.areaKey,
          termCode: series.termCode,
          index: t - 1,
          observed: y[t - 1]!,
          expected: null,
          upperbound: null,
          alarm: false,
          converged: true,
          warning: null,
        });
      } else range.push(t);
    }
    if (range.length === 0) continue;
    for (const r of farringtonFlexible(y, range, control)) {
      out.push({
        method,
        areaKey: series.areaKey,
        termCode: series.termCode,
        index: r.t - 1,
        observed: y[r.t - 1]!,
        expected: r.expected,
        upperbound: r.upperbound,
        alarm: r.alarm === true,
        converged: r.converged,
        warning: r.warning,
      });
    }
  }
  return out;
}

/** Evaluates many series; the alarms, and each series' latest evaluation per method. */
export function monitor(
  series: readonly Series[],
  options: MonitorOptions,
): { alarms: Evaluation[]; latest: Evaluation[]; notConverged: number } {
  const alarms: Evaluation[] = [];
  const latest: Evaluation[] = [];
  let notConverged = 0;
  for (const s of series) {
    const last = new Map<Method, Evaluation>();
    for (const e of evaluateSeries(s, options)) {
      if (e.alarm) alarms.push(e);
      if (!e.converged) notConverged++;
      const prev = last.get(e.method);
      if (!prev || prev.index < e.index) last.set(e.method, e);
    }
    latest.push(...last.values());
  }
  return { alarms, latest, notConverged };
}
