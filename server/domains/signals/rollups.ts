import { startOfISOWeek } from 'date-fns/startOfISOWeek';
import { isoDay } from './mapping/dates.ts';
import type { RollupRow } from './signals.repository.ts';

/**
 * Signal counts per period, kept current as imports and rollbacks happen so that maps and charts never count a
 * million rows on the fly. Grains: `week` (ISO weeks, keyed by their Monday) and `month` (keyed by its first day).
 * Area key: the area's code, '' for city-wide signals. Term code: '*' for every signal, plus one row per label the
 * signal carries (the label itself, not its ancestors; a parent's count is a query over its children's rows).
 */

export const ANY_TERM = '*';
export const CITY_WIDE_KEY = '';

const periodCache = new Map<string, { week: string; month: string }>();

export function periodsOf(occurredOn: string): { week: string; month: string } {
  let p = periodCache.get(occurredOn);
  if (!p) {
    const [y, m, d] = occurredOn.split('-').map(Number) as [number, number, number];
    // Noon keeps the local Date clear of any midnight daylight-saving gap.
    const monday = startOfISOWeek(new Date(y, m - 1, d, 12));
    p = {
      week: isoDay(monday.getFullYear(), monday.getMonth() + 1, monday.getDate()),
      month: isoDay(y, m, 1),
    };
    if (periodCache.size > 100_000) periodCache.clear();
    periodCache.set(occurredOn, p);
  }
  return p;
}

/**
 * Accumulates +1/−1 per signal in memory; written at the end of an import or rollback, or earlier when it grows. Signals are first counted per
 * (day, area, label set), a handful of keys for thousands of rows, and only expanded into periods and terms at
 * the end.
 */
export class RollupDeltas {
  /** day → area → labels joined by ',' (term codes hold no commas) → count */
  private readonly perDay = new Map<string, Map<string, Map<string, number>>>();
  private readonly direct = new Map<string, number>();

  add(occurredOn: string, areaKey: string, labels: readonly string[], sign: 1 | -1): void {
    let byArea = this.perDay.get(occurredOn);
    if (!byArea) this.perDay.set(occurredOn, (byArea = new Map()));
    let byLabels = byArea.get(areaKey);
    if (!byLabels) byArea.set(areaKey, (byLabels = new Map()));
    const key = labels.length === 0 ? '' : labels.length === 1 ? labels[0]! : labels.join(',');
    const before = byLabels.get(key);
    if (before === undefined) this.perDayKeys++;
    byLabels.set(key, (before ?? 0) + sign);
  }

  private perDayKeys = 0;

  /** How many keys are held: the caller flushes past a bound to keep memory flat. */
  pendingKeys(): number {
    return this.perDayKeys + this.direct.size;
  }

  clear(): void {
    this.perDay.clear();
    this.direct.clear();
    this.perDayKeys = 0;
  }

  addCount(grain: string, period: string, areaKey: string, termCode: string, count: number): void {
    const key = `${grain}\u0000${period}\u0000${areaKey}\u0000${termCode}`;
    this.direct.set(key, (this.direct.get(key) ?? 0) + count);
  }

  /**
   * The deltas as rows, produced one (grain, period) at a time: only one period's expansion is in memory at once,
   * however many areas × periods × labels the deltas span.
   */
  *rows(): Generator<RollupRow> {
    for (const [key, count] of this.direct) {
      if (count === 0) continue;
      const [grain, period, areaKey, termCode] = key.split('\u0000') as [string, string, string, string];
      yield { grain, period, areaKey, termCode, count };
    }
    for (const grain of ['week', 'month'] as const) {
      const daysByPeriod = new Map<string, string[]>();
      for (const day of this.perDay.keys()) {
        const period = periodsOf(day)[grain];
        const days = daysByPeriod.get(period);
        if (days) days.push(day);
        else daysByPeriod.set(period, [day]);
      }
      for (const [period, days] of daysByPeriod) {
        const counts = new Map<string, number>();
        const bump = (key: string, n: number) => counts.set(key, (counts.get(key) ?? 0) + n);
        for (const day of days) {
          for (const [areaKey, byLabels] of this.perDay.get(day)!) {
            for (const [labelsKey, n] of byLabels) {
              if (n === 0) continue;
              bump(`${areaKey}\u0000${ANY_TERM}`, n);
              if (labelsKey !== '')
                for (const label of labelsKey.split(',')) bump(`${areaKey}\u0000${label}`, n);
            }
          }
        }
        for (const [key, count] of counts) {
          if (count === 0) continue;
          const [areaKey, termCode] = key.split('\u0000') as [string, string];
          yield { grain, period, areaKey, termCode, count };
        }
      }
    }
  }
}
