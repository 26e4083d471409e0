import { z } from 'zod';
import type { Actor } from '../../platform/access/policy.ts';
import { can } from '../../platform/access/policy.ts';
import { API_PREFIX } from '../../platform/http.ts';
import type { AnalyticsAlarmTable, AnalyticsSeriesTable, TriggerEventTable } from '../../db/schema.ts';

const windowSchema = z
  .object({ grain: z.enum(['week', 'month']), from: z.string(), to: z.string() })
  .describe(
    'The whole periods the figures cover (from the first day of the first to the last day of the last)',
  );

export const alarmSchema = z.object({
  id: z.string(),
  method: z.string().describe('ears_c1 | ears_c2 | ears_c3 | farrington_noufaily | farrington_classic'),
  grain: z.string(),
  area: z.string().describe("Area code, or '*' for the whole city"),
  label: z.string().describe("Term code, or '*' for every signal"),
  period: z.string().describe('First day of the week or month'),
  periodEnd: z.string(),
  observed: z.number(),
  expected: z.number(),
  upperbound: z.number(),
  firstRaisedAt: z.string(),
  lastComputedAt: z.string(),
  withdrawnAt: z.string().nullable().describe('Set when recomputation on changed data no longer raises it'),
  signalsHref: z
    .string()
    .nullable()
    .describe('The signal list behind the count; null when the role may not read individual signals'),
});

export const alarmPageSchema = z.object({ items: z.array(alarmSchema), nextCursor: z.string().nullable() });

function signalsHref(a: { period: string; periodEnd: string; areaKey: string; termCode: string }): string {
  const q = new URLSearchParams({ from: a.period, to: a.periodEnd });
  if (a.areaKey !== '*') q.append('area', a.areaKey);
  if (a.termCode !== '*') q.append('label', a.termCode);
  return `${API_PREFIX}/signals?${q.toString()}`;
}

export function presentAlarm(
  a: AnalyticsAlarmTable & { periodEnd: string },
  actor: Actor,
): z.infer<typeof alarmSchema> {
  return {
    id: a.id,
    method: a.method,
    grain: a.grain,
    area: a.areaKey,
    label: a.termCode,
    period: a.period,
    periodEnd: a.periodEnd,
    observed: a.observed,
    expected: a.expected,
    upperbound: a.upperbound,
    firstRaisedAt: a.firstRaisedAt,
    lastComputedAt: a.lastComputedAt,
    withdrawnAt: a.withdrawnAt,
    signalsHref: can(actor, 'signal', 'read') ? signalsHref(a) : null,
  };
}

export const seriesStateSchema = z.object({
  method: z.string(),
  grain: z.string(),
  area: z.string(),
  label: z.string(),
  period: z.string().describe('The latest period evaluated'),
  observed: z.number(),
  expected: z
    .number()
    .nullable()
    .describe('null where the method gives no bound (too few recent signals for Farrington)'),
  upperbound: z.number().nullable(),
  alarm: z.boolean(),
  converged: z.boolean().describe('false when no model could be fitted; warning says why'),
  warning: z.string().nullable(),
});

export function presentSeriesState(s: AnalyticsSeriesTable): z.infer<typeof seriesStateSchema> {
  return {
    method: s.method,
    grain: s.grain,
    area: s.areaKey,
    label: s.termCode,
    period: s.period,
    observed: s.observed,
    expected: s.expected,
    upperbound: s.upperbound,
    alarm: s.alarm === 1,
    converged: s.converged === 1,
    warning: s.warning,
  };
}

export const runSchema = z.object({
  id: z.string(),
  reason: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  status: z.string(),
  dataUntil: z.string().nullable(),
  summary: z.unknown(),
});

export const recomputeSchema = z.object({
  runId: z.string().nullable(),
  skipped: z.boolean(),
  dataUntil: z.string().nullable(),
  grains: z.record(
    z.string(),
    z.object({
      periods: z.number(),
      series: z.number(),
      watched: z.number(),
      alarms: z.number(),
      notConverged: z.number(),
    }),
  ),
  alarms: z.object({ raised: z.number(), refreshed: z.number(), withdrawn: z.number() }),
  ms: z.object({ read: z.number(), compute: z.number(), write: z.number() }),
});

export const ratesSchema = z.object({
  window: windowSchema,
  label: z.string(),
  denominator: z.string(),
  prior: z
    .object({ mean: z.number(), variance: z.number() })
    .describe('Global Empirical Bayes prior, per 10,000'),
  areas: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      count: z.number(),
      population: z.number().nullable(),
      ratePer10k: z.number().nullable(),
      ebGlobalPer10k: z.number().nullable().describe('Shrunk toward the city-wide rate (Marshall, global)'),
      ebLocalPer10k: z
        .number()
        .nullable()
        .describe('Shrunk toward the rate of the area and its neighbours (GeoDa)'),
      localPriorPer10k: z.number(),
    }),
  ),
});

const fdrSummarySchema = z.object({
  alpha: z.number(),
  m: z.number(),
  bhK: z.number(),
  bhThreshold: z.number(),
  bhMaxSignificantP: z.number().nullable(),
  esdaK: z.number(),
  esdaCutoff: z.number(),
});

export const hotspotsSchema = z.object({
  window: windowSchema,
  label: z.string(),
  measure: z.string(),
  summary: fdrSummarySchema,
  areas: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      value: z.number(),
      neighbours: z.number(),
      z: z.number(),
      p: z.number(),
      pBh: z.number(),
      permutationP: z.number().nullable(),
      significant: z.boolean().describe('Benjamini–Hochberg adjusted p ≤ alpha'),
      direction: z.enum(['hot', 'cold']).nullable(),
    }),
  ),
});

export const indicesSchema = z.object({
  window: windowSchema,
  runs: z.number(),
  indices: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      spec: z.unknown(),
      unavailable: z.array(z.object({ key: z.string(), reason: z.string() })),
      excludedAreas: z
        .array(z.string())
        .describe('Areas with no value for any indicator, left out of the ranking'),
      areas: z
        .array(
          z.object({
            code: z.string(),
            name: z.string(),
            score: z.number(),
            rank: z.number(),
            medianRank: z.number(),
            p05Rank: z.number(),
            p95Rank: z.number(),
            missing: z.boolean(),
            indicators: z.array(
              z.object({
                key: z.string(),
                value: z.number().nullable(),
                normalised: z.number().nullable(),
                contribution: z.number(),
              }),
            ),
          }),
        )
        .nullable()
        .describe('null when none of the indicators has data'),
    }),
  ),
});

export const indexDefinitionSchema = z.object({
  key: z.string(),
  name: z.string(),
  spec: z.unknown(),
  updatedAt: z.string(),
});

const gapSchema = z.object({
  area: z.string(),
  name: z.string(),
  category: z.string(),
  need: z.number(),
  needPercentile: z.number(),
  provisionPer10k: z.number(),
  provisionPercentile: z.number(),
  gap: z.number(),
  rank: z.number(),
});

export const gapsSchema = z.object({
  window: windowSchema,
  provisionCategories: z.array(z.string()).describe('Categories for which any provision is recorded'),
  gaps: z.array(gapSchema),
  highNeedLittleAnswer: z.array(gapSchema),
});

export const triggerEventSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  occurredOn: z.string(),
  areaCode: z.string().nullable(),
  description: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  archivedAt: z.string().nullable(),
});

export function presentTriggerEvent(e: TriggerEventTable): z.infer<typeof triggerEventSchema> {
  return {
    id: e.id,
    name: e.name,
    kind: e.kind,
    occurredOn: e.occurredOn,
    areaCode: e.areaCode,
    description: e.description,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    archivedAt: e.archivedAt,
  };
}

export const impactSchema = z.object({
  event: triggerEventSchema,
  weeks: z.number(),
  confidence: z.number(),
  before: z.object({ from: z.string(), to: z.string() }),
  after: z.object({ from: z.string(), to: z.string() }),
  rows: z.array(
    z.object({
      area: z.string(),
      label: z.string(),
      beforeCount: z.number(),
      afterCount: z.number(),
      ratio: z.number().nullable().describe('null when there were no signals before (unbounded)'),
      lower: z.number(),
      upper: z.number().nullable(),
      pValue: z.number(),
      significant: z.boolean(),
    }),
  ),
});
