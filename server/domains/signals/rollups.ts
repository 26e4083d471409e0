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

  rows(): RollupRow[] {
    const counts = new Map(this.direct);
    const bump = (key: string, n: number) => counts.set(key, (counts.get(key) ?? 0) + n);
    for (const [occurredOn, byArea] of this.perDay) {
      const { week, month } = periodsOf(occurredOn);
      for (const [areaKey, byLabels] of byArea) {
        for (const [labelsKey, n] of byLabels) {
          if (n === 0) continue;
          const labels = labelsKey === '' ? [] : labelsKey.split(',');
          for (const prefix of [`week\u0000${week}\u0000${areaKey}`, `month\u0000${month}\u0000${areaKey}`]) {
            bump(`${prefix}\u0000${ANY_TERM}`, n);
            for (const label of labels) bump(`${prefix}\u0000${label}`, n);
          }
        }
      }
    }
    const out: RollupRow[] = [];
    for (const [key, count] of counts) {
      if (count === 0) continue;
      const [grain, period, areaKey, termCode] = key.split('\u0000') as [string, string, string, string];
      out.push({ grain, period, areaKey, termCode, count });
    }
    return out;
  }
}
