import { coverageGaps, highNeedLittleAnswer, type Gap } from '../../../core/analytics/coverage-gaps.ts';
import { ebGlobal, ebLocal } from '../../../core/analytics/eb.ts';
import { hotspots as computeHotspots } from '../../../core/analytics/gistar.ts';
import { compositeIndex, indexUncertainty } from '../../../core/analytics/indices.ts';
import { METHODS, type Method } from '../../../core/analytics/monitor.ts';
import { last52Weeks, periodEnd, periodStart, type Grain } from '../../../core/analytics/periods.ts';
import type { Db } from '../../db/database.ts';
import { appendAudit, type AuditActor } from '../../platform/audit/audit.ts';
import { isoNow, type Clock } from '../../platform/clock.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { loadAreaNeighbours, type AreaNeighbours } from '../areas/areas.service.ts';
import { DEFAULT_DENOMINATOR } from '../picture/picture.service.ts';
import {
  listRolledUpTerms,
  listRuns,
  selectAlarms,
  selectSeriesStates,
  sumRollupsByArea,
  type AlarmFilter,
} from './analytics.repository.ts';
import {
  indexSpecSchema,
  listIndexDefinitions,
  type IndexDefinition,
  type IndexSpecDefinition,
} from './index-definitions.ts';
import { decodeCursor, encodeCursor } from '../../platform/cursor.ts';

/**
 * The read side of the analytics: alarms and series states stored by the recomputation, and the spatial measures
 * (rates, Empirical Bayes, Gi* hotspots, composite indices, coverage gaps) computed from the rollups of a period,
 * which takes milliseconds for thousands of areas and so needs no stored copy that could go stale.
 */

export type Window = { grain: Grain; from: string; to: string };

/** Whole periods covering [from, to]; by default the 52 weeks ending with the last signal. */
export async function resolveWindow(
  db: Db,
  query: { from?: string | undefined; to?: string | undefined; grain?: Grain | undefined },
): Promise<Window | null> {
  const grain = query.grain ?? 'week';
  let { from, to } = query;
  if (from === undefined || to === undefined) {
    const last = await db.kysely
      .selectFrom('signal')
      .select((eb) => eb.fn.max('occurredOn').as('last'))
      .executeTakeFirst();
    if (!last?.last && to === undefined) return null;
    to ??= last!.last!;
    from ??= last52Weeks(to).from;
  }
  if (from > to)
    throw new AppError('VALIDATION_FAILED', 'from must not be after to', [
      { parameter: 'from', reason: 'after to' },
    ]);
  return { grain, from: periodStart(grain, from), to: periodEnd(grain, periodStart(grain, to)) };
}

// Alarms and series

export const ALARM_METHODS = METHODS;

export type AlarmQuery = Omit<AlarmFilter, 'before' | 'limit' | 'areas' | 'labels' | 'methods'> & {
  areas?: string[];
  labels?: string[];
  methods?: Method[];
  cursor?: string | undefined;
  limit?: number | undefined;
};

export async function listAlarms(db: Db, query: AlarmQuery) {
  const limit = Math.min(Math.max(query.limit ?? 100, 1), 500);
  const before = query.cursor ? decodeCursor(query.cursor, ['period', 'id']) : undefined;
  const rows = await selectAlarms(db.kysely, {
    ...query,
    areas: query.areas ?? [],
    labels: query.labels ?? [],
    methods: query.methods ?? [],
    before,
    limit,
  });
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const lastItem = items.at(-1);
  return {
    items: items.map((a) => ({ ...a, periodEnd: periodEnd(a.grain as Grain, a.period) })),
    nextCursor: more && lastItem ? encodeCursor({ period: lastItem.period, id: lastItem.id }) : null,
  };
}

export async function listSeriesStates(
  db: Db,
  query: { grain?: Grain | undefined; areas?: string[]; labels?: string[]; notConvergedOnly?: boolean },
) {
  return selectSeriesStates(db.kysely, {
    grain: query.grain,
    areas: query.areas ?? [],
    labels: query.labels ?? [],
    notConvergedOnly: query.notConvergedOnly ?? false,
  });
}

export async function listAnalyticsRuns(db: Db, limit = 20) {
  const rows = await listRuns(db.kysely, Math.min(Math.max(limit, 1), 100));
  return rows.map((r) => ({ ...r, summary: r.summary ? (JSON.parse(r.summary) as unknown) : null }));
}

// Spatial measures

type AreaValues = {
  window: Window;
  areas: AreaNeighbours;
  /** Per term code: count per area (code order). */
  counts: Map<string, Float64Array>;
  population: Float64Array;
  denominator: string;
};

async function readAttribute(db: Db, codes: readonly string[], key: string): Promise<Array<number | null>> {
  const rows = await db.kysely
    .selectFrom('areaAttribute as aa')
    .innerJoin('area as a', 'a.id', 'aa.areaId')
    .select(['a.code', 'aa.value'])
    .where('aa.key', '=', key)
    .execute();
  const byCode = new Map(rows.map((r) => [r.code, Number(r.value)]));
  return codes.map((c) => byCode.get(c) ?? null);
}

async function loadAreaValues(
  db: Db,
  query: { from?: string | undefined; to?: string | undefined; denominator?: string | undefined },
  terms: readonly string[],
): Promise<AreaValues | null> {
  const window = await resolveWindow(db, { ...query, grain: 'week' });
  if (!window) return null;
  const areas = await loadAreaNeighbours(db);
  if (areas.codes.length === 0) return null;
  const position = new Map(areas.codes.map((c, i) => [c, i]));
  const counts = new Map(terms.map((t) => [t, new Float64Array(areas.codes.length)]));
  for (const r of await sumRollupsByArea(db.kysely, 'week', window.from, window.to, terms)) {
    const i = position.get(r.areaKey);
    if (i !== undefined) counts.get(r.termCode)![i]! += r.count;
  }
  const denominator = query.denominator ?? DEFAULT_DENOMINATOR;
  const population = Float64Array.from(await readAttribute(db, areas.codes, denominator), (v) => v ?? 0);
  return { window, areas, counts, population, denominator };
}

/** Every label filter must name a taxonomy term (signals only ever carry taxonomy codes), or '*'. */
async function checkLabels(db: Db, labels: readonly string[]): Promise<void> {
  const asked = labels.filter((l) => l !== '*');
  if (asked.length === 0) return;
  const terms = await db.kysely
    .selectFrom('taxonomyTerm')
    .select('code')
    .where('code', 'in', asked)
    .execute();
  const exists = new Set(terms.map((t) => t.code));
  const unknown = asked.filter((l) => !exists.has(l));
  if (unknown.length > 0) {
    throw new AppError(
      'NOT_FOUND',
      `Category not found: ${unknown.join(', ')}`,
      unknown.map((value) => ({ parameter: 'label', value, reason: 'no such category' })),
    );
  }
}

/**
 * Keeps only the requested areas in an answer. The statistics themselves are always computed over every area (a
 * hotspot or a smoothed rate depends on the neighbours and the whole city); this only narrows what is returned.
 */
export async function onlyAreas<T extends { code: string } | { area: string }>(
  db: Db,
  rows: T[],
  areas: readonly string[],
): Promise<T[]> {
  if (areas.length === 0) return rows;
  const found = await db.kysely
    .selectFrom('area')
    .select('code')
    .where('code', 'in', [...areas])
    .execute();
  const known = new Set(found.map((a) => a.code));
  const unknown = areas.filter((a) => !known.has(a));
  if (unknown.length > 0) {
    throw new AppError(
      'NOT_FOUND',
      `Area not found: ${unknown.join(', ')}`,
      unknown.map((value) => ({ parameter: 'area', value, reason: 'no such area' })),
    );
  }
  return rows.filter((r) => known.has('code' in r ? r.code : r.area));
}

const PER_10K = 10_000;

/** Rates per 10,000 residents with global and local (spatial) Empirical Bayes smoothing. */
export async function getRates(
  db: Db,
  query: {
    from?: string | undefined;
    to?: string | undefined;
    label?: string | undefined;
    denominator?: string | undefined;
  },
) {
  const label = query.label ?? '*';
  await checkLabels(db, [label]);
  const v = await loadAreaValues(db, query, [label]);
  if (!v) return null;
  const cases = v.counts.get(label)!;
  const global = ebGlobal(cases, v.population);
  const local = ebLocal(cases, v.population, v.areas.nb);
  const known = (i: number) => v.population[i]! > 0;
  return {
    window: v.window,
    label,
    denominator: v.denominator,
    prior: { mean: global.priorMean * PER_10K, variance: global.priorVar * PER_10K * PER_10K },
    areas: v.areas.codes.map((code, i) => ({
      code,
      name: v.areas.names[i]!,
      count: cases[i]!,
      population: known(i) ? v.population[i]! : null,
      ratePer10k: known(i) ? global.raw[i]! * PER_10K : null,
      ebGlobalPer10k: known(i) ? global.eb[i]! * PER_10K : null,
      ebLocalPer10k: known(i) ? local.eb[i]! * PER_10K : null,
      localPriorPer10k: local.priorMean[i]! * PER_10K,
    })),
  };
}

export type HotspotMeasure = 'count' | 'rate' | 'eb_rate';

/** Getis-Ord Gi* on queen contiguity, with two-sided p-values, Benjamini–Hochberg FDR and optional permutations. */
export async function getHotspots(
  db: Db,
  query: {
    from?: string | undefined;
    to?: string | undefined;
    label?: string | undefined;
    measure?: HotspotMeasure | undefined;
    denominator?: string | undefined;
    alpha?: number | undefined;
    permutations?: number | undefined;
    seed?: number | undefined;
  },
) {
  const label = query.label ?? '*';
  await checkLabels(db, [label]);
  const v = await loadAreaValues(db, query, [label]);
  if (!v) return null;
  const cases = v.counts.get(label)!;
  const measure = query.measure ?? 'eb_rate';
  const values =
    measure === 'count'
      ? cases
      : measure === 'rate'
        ? ebGlobal(cases, v.population).raw.map((r) => r * PER_10K)
        : ebLocal(cases, v.population, v.areas.nb).eb.map((r) => r * PER_10K);
  const h = computeHotspots(values, v.areas.nb, {
    alpha: query.alpha ?? 0.05,
    ...(query.permutations ? { permutations: query.permutations, seed: query.seed ?? 1 } : {}),
  });
  return {
    window: v.window,
    label,
    measure,
    summary: h.summary,
    areas: v.areas.codes.map((code, i) => ({
      code,
      name: v.areas.names[i]!,
      value: values[i]!,
      neighbours: v.areas.nb.offsets[i + 1]! - v.areas.nb.offsets[i]!,
      z: h.z[i]!,
      p: h.p[i]!,
      pBh: h.pBh[i]!,
      permutationP: h.permutationP ? h.permutationP[i]! : null,
      significant: h.significant[i] === 1,
      direction: h.direction[i] === 1 ? ('hot' as const) : h.direction[i] === -1 ? ('cold' as const) : null,
    })),
  };
}

/** The indicator columns of an index for the window: signal measures from the rollups, attributes as imported. */
async function indicatorColumns(db: Db, spec: IndexSpecDefinition, v: AreaValues) {
  const columns: Record<string, Array<number | null>> = {};
  const unavailable: Array<{ key: string; reason: string }> = [];
  const ebLocalCache = new Map<string, Float64Array>();
  for (const ind of spec.indicators) {
    if (ind.source.kind === 'attribute') {
      const values = await readAttribute(db, v.areas.codes, ind.source.key);
      if (values.every((x) => x === null))
        unavailable.push({ key: ind.key, reason: `no area attribute ${ind.source.key}` });
      else columns[ind.key] = values;
      continue;
    }
    const { label, measure } = ind.source;
    const cases = v.counts.get(label);
    if (!cases) {
      unavailable.push({ key: ind.key, reason: `no signals labelled ${label}` });
      continue;
    }
    if (measure === 'count') {
      columns[ind.key] = Array.from(cases);
      continue;
    }
    let rates = measure === 'rate' ? ebGlobal(cases, v.population).raw : ebLocalCache.get(label);
    if (!rates) {
      rates = ebLocal(cases, v.population, v.areas.nb).eb;
      ebLocalCache.set(label, rates);
    }
    const r = rates;
    columns[ind.key] = v.areas.codes.map((_, i) => (v.population[i]! > 0 ? r[i]! * PER_10K : null));
  }
  return { columns, unavailable };
}

function signalLabelsOf(definitions: readonly IndexDefinition[]): string[] {
  const labels = new Set<string>();
  for (const d of definitions)
    for (const ind of d.spec.indicators) if (ind.source.kind === 'signals') labels.add(ind.source.label);
  return [...labels];
}

/**
 * Every composite index for the window, traceable to its indicators: raw values, normalised values and each
 * indicator's contribution per area, with the Monte Carlo rank band over normalisation, aggregation, outlier
 * treatment and weights.
 */
export async function getIndices(
  db: Db,
  query: {
    from?: string | undefined;
    to?: string | undefined;
    key?: string | undefined;
    runs?: number | undefined;
    seed?: number | undefined;
    denominator?: string | undefined;
  },
) {
  const all = await listIndexDefinitions(db);
  const definitions = query.key ? all.filter((d) => d.key === query.key) : all;
  if (query.key && definitions.length === 0) throw notFound('Index');
  const labels = signalLabelsOf(definitions);
  const v = await loadAreaValues(db, query, labels.length ? labels : ['*']);
  if (!v) return null;
  const indices = [];
  for (const d of definitions) {
    const { columns, unavailable } = await indicatorColumns(db, d.spec, v);
    const indicators = d.spec.indicators.filter((i) => i.key in columns);
    // An area with no value for any indicator (no population, no attribute) is left out, and listed.
    const keep = v.areas.codes.map((_, i) => indicators.some((ind) => columns[ind.key]![i] != null));
    const at = keep.flatMap((k, i) => (k ? [i] : []));
    const excludedAreas = v.areas.codes.filter((_, i) => !keep[i]);
    if (indicators.length === 0 || at.length === 0) {
      indices.push({ key: d.key, name: d.name, spec: d.spec, unavailable, excludedAreas, areas: null });
      continue;
    }
    const kept: Record<string, Array<number | null>> = {};
    for (const ind of indicators) kept[ind.key] = at.map((i) => columns[ind.key]![i] ?? null);
    const spec = {
      key: d.key,
      indicators: indicators.map((i) => ({
        key: i.key,
        label: i.label,
        weight: i.weight,
        direction: i.direction,
      })),
      outliers: d.spec.outliers,
      normalisation: d.spec.normalisation,
      aggregation: d.spec.aggregation,
    };
    const result = compositeIndex(kept, spec);
    const band = indexUncertainty(kept, spec, { runs: query.runs ?? 500, seed: query.seed ?? 20261125 });
    indices.push({
      key: d.key,
      name: d.name,
      spec: d.spec,
      unavailable,
      excludedAreas,
      areas: at.map((i, j) => ({
        code: v.areas.codes[i]!,
        name: v.areas.names[i]!,
        score: result.score[j]!,
        rank: result.rank[j]!,
        medianRank: band.medianRank[j]!,
        p05Rank: band.p05Rank[j]!,
        p95Rank: band.p95Rank[j]!,
        missing: result.missing[j] === 1,
        indicators: indicators.map((ind) => {
          const normalised = result.normalised[ind.key]![j]!;
          return {
            key: ind.key,
            value: kept[ind.key]![j] ?? null,
            normalised: Number.isNaN(normalised) ? null : normalised,
            contribution: result.contribution[ind.key]![j]!,
          };
        }),
      })),
    });
  }
  return { window: v.window, runs: query.runs ?? 500, indices };
}

export async function updateIndexDefinition(
  db: Db,
  key: string,
  input: { name: string; spec: unknown },
  clock: Clock,
  actor: AuditActor | null,
): Promise<IndexDefinition> {
  const parsed = indexSpecSchema.safeParse(input.spec);
  if (!parsed.success) {
    throw new AppError(
      'VALIDATION_FAILED',
      'The index definition is not valid',
      parsed.error.issues.map((i) => ({ parameter: `spec.${i.path.join('.')}`, reason: i.message })),
    );
  }
  const now = isoNow(clock);
  return db.kysely.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('indexDefinition')
      .select('key')
      .where('key', '=', key)
      .executeTakeFirst();
    const values = { name: input.name, spec: JSON.stringify(parsed.data), updatedAt: now };
    if (before) await trx.updateTable('indexDefinition').set(values).where('key', '=', key).execute();
    else
      await trx
        .insertInto('indexDefinition')
        .values({ key, ...values })
        .execute();
    await appendAudit(
      trx,
      {
        action: before ? 'analytics.index_update' : 'analytics.index_create',
        outcome: 'success',
        actor,
        resourceType: 'index_definition',
        resourceId: key,
        details: { indicators: parsed.data.indicators.map((i) => i.key) },
      },
      clock,
    );
    return { key, name: input.name, spec: parsed.data, updatedAt: now };
  });
}

/** Provision per area and category: area attributes named `provision.<category>` (services or places). */
async function readProvision(db: Db, codes: readonly string[], categories: readonly string[]) {
  const rows = await db.kysely
    .selectFrom('areaAttribute as aa')
    .innerJoin('area as a', 'a.id', 'aa.areaId')
    .select(['a.code', 'aa.key', 'aa.value'])
    .where(
      'aa.key',
      'in',
      categories.map((c) => `provision.${c}`),
    )
    .execute();
  const known = new Set(codes);
  return rows
    .filter((r) => known.has(r.code))
    .map((r) => ({ area: r.code, category: r.key.slice('provision.'.length), capacity: Number(r.value) }));
}

/**
 * Coverage gaps: for each area and category, the level of need (smoothed signal rate) against what answers it
 * (provision per 10,000 residents), as percentiles among the areas; the list "high need, little answering it".
 */
export async function getGaps(
  db: Db,
  query: {
    from?: string | undefined;
    to?: string | undefined;
    labels?: string[] | undefined;
    denominator?: string | undefined;
    limit?: number | undefined;
    areas?: string[] | undefined;
  },
) {
  const terms = query.labels?.length
    ? query.labels
    : (await listRolledUpTerms(db.kysely))
        .filter((t) => t.termCode !== '*' && t.count > 0)
        .map((t) => t.termCode);
  if (query.labels?.length) await checkLabels(db, query.labels);
  const v = await loadAreaValues(db, query, terms.length ? terms : ['*']);
  if (!v) return null;
  const need: Record<string, Array<number | null>> = {};
  for (const term of terms) {
    const local = ebLocal(v.counts.get(term)!, v.population, v.areas.nb).eb;
    need[term] = v.areas.codes.map((_, i) => (v.population[i]! > 0 ? local[i]! * PER_10K : null));
  }
  const provision = await readProvision(db, v.areas.codes, terms);
  const gaps: Gap[] = coverageGaps({
    areas: v.areas.codes,
    population: Array.from(v.population, (p) => (p > 0 ? p : null)),
    categories: terms,
    need,
    provision,
  });
  const nameOf = new Map(v.areas.codes.map((c, i) => [c, v.areas.names[i]!]));
  const withName = (g: Gap) => ({ ...g, name: nameOf.get(g.area) ?? g.area });
  return {
    window: v.window,
    provisionCategories: [...new Set(provision.map((p) => p.category))].sort(),
    gaps: (await onlyAreas(db, gaps, query.areas ?? [])).slice(0, query.limit ?? 200).map(withName),
    highNeedLittleAnswer: (await onlyAreas(db, highNeedLittleAnswer(gaps), query.areas ?? [])).map(withName),
  };
}
