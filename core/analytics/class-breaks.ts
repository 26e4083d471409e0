/**
 * Choropleth classes for counts and rates: zero gets a class of its own (an area with no incidents should not
 * share a colour with an area that has a few), positive values are split into quantile classes, and a missing
 * value (no denominator) is "no data", never zero.
 */

/** Inclusive bounds of one class, both taken from the data, so the legend states ranges that actually occur. */
export type ClassRange = { min: number; max: number };

export type ClassOf = 'none' | 'zero' | number;

/**
 * Up to `classes` quantile classes over the positive values (nearest-rank upper bounds). Ties can merge classes,
 * so fewer may come back; every class returned holds at least one value.
 */
export function quantileClasses(values: ReadonlyArray<number | null | undefined>, classes = 5): ClassRange[] {
  if (!Number.isInteger(classes) || classes < 1)
    throw new RangeError(`classes must be a positive integer, got ${classes}`);
  const positive = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  positive.sort((a, b) => a - b);
  const n = positive.length;
  if (n === 0) return [];
  const uppers: number[] = [];
  for (let i = 1; i <= classes; i++) {
    const upper = positive[Math.ceil((i * n) / classes) - 1]!;
    if (uppers.length === 0 || upper > uppers[uppers.length - 1]!) uppers.push(upper);
  }
  const ranges: ClassRange[] = [];
  let next = 0;
  for (const upper of uppers) {
    ranges.push({ min: positive[next]!, max: upper });
    while (next < n && positive[next]! <= upper) next++;
  }
  return ranges;
}

/** The class of one value: 'none' without a value, 'zero' for zero, otherwise the index of its range. */
export function classOf(value: number | null | undefined, ranges: readonly ClassRange[]): ClassOf {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'none';
  if (value <= 0) return 'zero';
  for (let i = 0; i < ranges.length; i++) if (value <= ranges[i]!.max) return i;
  return ranges.length - 1;
}
