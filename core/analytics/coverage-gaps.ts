/**
 * Where need is high and the answer to it is thin: for each category (youth work, mediation, victim support …)
 * every area's need is set beside the services that answer it, per 10,000 residents, both turned into percentiles
 * among the areas so that incident rates, index scores and service counts become comparable.
 *
 * Percentiles are mid-ranks: the 1-based rank in ascending order, ties sharing the average of the ranks they span,
 * divided by the number of areas compared (m). The highest area is at 1, the lowest at 1/m, and tied areas share one
 * percentile, so a tie never puts one of two equal areas ahead of the other.
 *
 * The areas compared for a category are those with a known need (a finite number) and a known positive population:
 * without a population, provision per resident cannot be stated, and leaving such an area in would rank it on a
 * number that is not there.
 */
import { averageRanks } from './indices.ts';

export type GapInput = {
  areas: readonly string[];
  population: ArrayLike<number | null>;
  categories: readonly string[];
  /** need or threat level per area and category, e.g. incidents per 10k or an index score; null = unknown */
  need: Record<string, ArrayLike<number | null>>;
  /**
   * Services by area and category. `area: null` is a city-wide service, counted for every area at `cityWideShare`
   * of its capacity (a service across town is less of an answer than one in the neighbourhood). Services of a
   * category not listed in `categories` are ignored, so a full registry can be passed for a subset of categories.
   */
  provision: ReadonlyArray<{ area: string | null; category: string; capacity: number }>;
  /** default 0.25 */
  cityWideShare?: number;
};

export type Gap = {
  area: string;
  category: string;
  need: number;
  /** 0..1 among the areas compared for this category (mid-rank / m) */
  needPercentile: number;
  provisionPer10k: number;
  provisionPercentile: number;
  /** needPercentile − provisionPercentile, in −1..1: positive where need ranks above provision */
  gap: number;
  /** 1 = the largest gap within its category (same order as the list: gap desc, then need desc, then area order) */
  rank: number;
};

export function coverageGaps(input: GapInput): Gap[] {
  const { areas, population, categories, need, provision } = input;
  const n = areas.length;
  const share = input.cityWideShare ?? 0.25;
  if (!(share >= 0) || !Number.isFinite(share))
    throw new RangeError(`cityWideShare must be a finite number ≥ 0, got ${share}`);
  if (population.length !== n)
    throw new RangeError(`population has ${population.length} values, expected ${n} (one per area)`);
  const areaIndex = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    if (areaIndex.has(areas[i]!)) throw new RangeError(`area ${areas[i]} appears twice`);
    areaIndex.set(areas[i]!, i);
  }
  const categoryIndex = new Map<string, number>();
  for (let c = 0; c < categories.length; c++) {
    const category = categories[c]!;
    if (categoryIndex.has(category)) throw new RangeError(`category ${category} appears twice`);
    categoryIndex.set(category, c);
    const column = need[category];
    if (column === undefined) throw new RangeError(`no need values for category ${category}`);
    if (column.length !== n)
      throw new RangeError(`need for ${category} has ${column.length} values, expected ${n} (one per area)`);
  }

  // capacity[c * n + i]: local capacity; cityWide[c]: capacity of the city-wide services of category c
  const capacity = new Float64Array(categories.length * n);
  const cityWide = new Float64Array(categories.length);
  for (const service of provision) {
    const c = categoryIndex.get(service.category);
    if (c === undefined) continue;
    if (!(service.capacity >= 0) || !Number.isFinite(service.capacity))
      throw new RangeError(
        `a ${service.category} service has capacity ${service.capacity}; expected a number ≥ 0`,
      );
    if (service.area === null) {
      cityWide[c] = cityWide[c]! + service.capacity;
      continue;
    }
    const i = areaIndex.get(service.area);
    if (i === undefined)
      throw new RangeError(`a ${service.category} service names unknown area ${service.area}`);
    capacity[c * n + i] = capacity[c * n + i]! + service.capacity;
  }

  const gaps: Gap[] = [];
  const needs = new Float64Array(n);
  const per10k = new Float64Array(n);
  for (let c = 0; c < categories.length; c++) {
    const category = categories[c]!;
    const column = need[category]!;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = column[i];
      const p = population[i];
      if (
        typeof v === 'number' &&
        Number.isFinite(v) &&
        typeof p === 'number' &&
        Number.isFinite(p) &&
        p > 0
      ) {
        needs[i] = v;
        per10k[i] = ((capacity[c * n + i]! + share * cityWide[c]!) / p) * 10_000;
        m++;
      } else {
        needs[i] = NaN;
        per10k[i] = NaN;
      }
    }
    if (m === 0) continue;
    const needRank = averageRanks(needs);
    const provisionRank = averageRanks(per10k);
    const start = gaps.length;
    for (let i = 0; i < n; i++) {
      const rn = needRank[i]!;
      if (rn !== rn) continue;
      const rp = provisionRank[i]!;
      gaps.push({
        area: areas[i]!,
        category,
        need: needs[i]!,
        needPercentile: rn / m,
        provisionPer10k: per10k[i]!,
        provisionPercentile: rp / m,
        // From the ranks, so equal rank differences give exactly equal gaps.
        gap: (rn - rp) / m,
        rank: 0,
      });
    }
    const own = gaps.slice(start).sort(byGapThenNeed);
    for (let r = 0; r < own.length; r++) own[r]!.rank = r + 1;
  }
  // Array.prototype.sort is stable, so equal gap and need keep category order, then area order.
  return gaps.sort(byGapThenNeed);
}

function byGapThenNeed(a: Gap, b: Gap): number {
  return b.gap - a.gap || b.need - a.need;
}

/** The gaps where need is in the top quarter and provision in the bottom quarter (both bounds inclusive). */
export function highNeedLittleAnswer(
  gaps: Gap[],
  options?: { minNeedPercentile?: number; maxProvisionPercentile?: number },
): Gap[] {
  const minNeed = options?.minNeedPercentile ?? 0.75;
  const maxProvision = options?.maxProvisionPercentile ?? 0.25;
  return gaps.filter((g) => g.needPercentile >= minNeed && g.provisionPercentile <= maxProvision);
}
