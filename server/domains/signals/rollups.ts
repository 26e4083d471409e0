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
 * An (area, label set) pair as one number: below 2^31 (stored inline by V8, no allocation) while both ids are
 * small, above it otherwise; exact either way while both stay under 2^26.
 */
const INLINE_LIMIT = 2 ** 31;
const ID_LIMIT = 2 ** 26;

function pairKey(area: number, labelSet: number): number {
  if (area < 32_768 && labelSet < 65_536) return area * 65_536 + labelSet;
  if (area >= ID_LIMIT || labelSet >= ID_LIMIT)
    throw new Error('Too many pending rollup keys; flush more often');
  return INLINE_LIMIT + area * ID_LIMIT + labelSet;
}

function unpairKey(key: number): [area: number, labelSet: number] {
  if (key < INLINE_LIMIT) return [Math.floor(key / 65_536), key % 65_536];
  const k = key - INLINE_LIMIT;
  return [Math.floor(k / ID_LIMIT), k % ID_LIMIT];
}

/**
 * Accumulates +1/−1 per signal in memory; written at the end of an import or rollback, or earlier when it grows.
 * Signals are first counted per (day, area, label set) and only expanded into periods and terms when written.
 * Areas and label sets are numbered, so a pending key costs a few dozen bytes: a real file has nearly as many
 * (day, area, label set) keys as rows, and a nested map of strings per day and area took about 220 bytes a key.
 */
export class RollupDeltas {
  /** day → pairKey(area, label set) → count */
  private readonly perDay = new Map<string, Map<number, number>>();
  private readonly areaIds = new Map<string, number>();
  private readonly areaKeys: string[] = [];
  /** Label sets by their labels joined with ',' (term codes hold no commas). */
  private readonly labelSetIds = new Map<string, number>();
  private readonly labelSets: Array<readonly string[]> = [];
  private readonly direct = new Map<string, number>();
  private perDayKeys = 0;

  add(occurredOn: string, areaKey: string, labels: readonly string[], sign: 1 | -1): void {
    let byPair = this.perDay.get(occurredOn);
    if (!byPair) this.perDay.set(occurredOn, (byPair = new Map()));
    let area = this.areaIds.get(areaKey);
    if (area === undefined) {
      area = this.areaKeys.push(areaKey) - 1;
      this.areaIds.set(areaKey, area);
    }
    const joined = labels.length === 0 ? '' : labels.length === 1 ? labels[0]! : labels.join(',');
    let labelSet = this.labelSetIds.get(joined);
    if (labelSet === undefined) {
      labelSet = this.labelSets.push(labels.slice()) - 1;
      this.labelSetIds.set(joined, labelSet);
    }
    const key = pairKey(area, labelSet);
    const before = byPair.get(key);
    if (before === undefined) this.perDayKeys++;
    byPair.set(key, (before ?? 0) + sign);
  }

  /** How many keys are held: the caller flushes past a bound to keep memory flat. */
  pendingKeys(): number {
    return this.perDayKeys + this.direct.size;
  }

  clear(): void {
    this.perDay.clear();
    this.areaIds.clear();
    this.areaKeys.length = 0;
    this.labelSetIds.clear();
    this.labelSets.length = 0;
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
          for (const [key, n] of this.perDay.get(day)!) {
            if (n === 0) continue;
            const [area, labelSet] = unpairKey(key);
            const areaKey = this.areaKeys[area]!;
            bump(`${areaKey}\u0000${ANY_TERM}`, n);
            for (const label of this.labelSets[labelSet]!) bump(`${areaKey}\u0000${label}`, n);
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
