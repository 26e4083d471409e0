import { z } from 'zod';
import type { Db } from '../../db/database.ts';
import type { Clock } from '../../platform/clock.ts';

/**
 * Composite index definitions (OECD/JRC handbook): which indicators, how they are oriented and weighted, the outlier
 * treatment, normalisation and aggregation. Stored per city; the defaults below are seeded when missing and name
 * the indicators a city pack usually brings (the Toronto demo brings every one of them). An indicator whose data
 * is absent is reported as unavailable, never silently treated as zero.
 */

const code = z.string().min(1).max(100);

export const indicatorSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('signals'),
    /** A term code, or '*' for every signal. */
    label: code,
    measure: z.enum(['count', 'rate', 'eb_rate']),
  }),
  z.object({ kind: z.literal('attribute'), key: code }),
]);

export const indicatorDefinitionSchema = z.object({
  key: code.regex(/^[a-z0-9_.:-]+$/, 'lower-case letters, digits, _ . : -'),
  label: z.string().min(1).max(200),
  weight: z.number().positive().max(1000),
  direction: z.union([z.literal(1), z.literal(-1)]),
  source: indicatorSourceSchema,
});

export const indexSpecSchema = z.object({
  indicators: z
    .array(indicatorDefinitionSchema)
    .min(1)
    .max(40)
    .refine((list) => new Set(list.map((i) => i.key)).size === list.length, 'indicator keys must be unique'),
  outliers: z.enum(['none', 'winsorise']),
  normalisation: z.enum(['minmax', 'zscore', 'rank']),
  aggregation: z.enum(['arithmetic', 'geometric']),
});

export type IndicatorDefinition = z.infer<typeof indicatorDefinitionSchema>;
export type IndexSpecDefinition = z.infer<typeof indexSpecSchema>;
export type IndexDefinition = { key: string; name: string; spec: IndexSpecDefinition; updatedAt: string };

const attribute = (key: string, label: string, direction: 1 | -1 = 1, weight = 1): IndicatorDefinition => ({
  key,
  label,
  weight,
  direction,
  source: { kind: 'attribute', key },
});

export const DEFAULT_INDEX_DEFINITIONS: ReadonlyArray<{
  key: string;
  name: string;
  spec: IndexSpecDefinition;
}> = [
  {
    key: 'threat',
    name: 'Threat index',
    spec: {
      indicators: [
        {
          key: 'signals_rate',
          label: 'Signals per 10,000 residents (smoothed)',
          weight: 2,
          direction: 1,
          source: { kind: 'signals', label: '*', measure: 'eb_rate' },
        },
        {
          key: 'assault_rate',
          label: 'Assaults per 10,000 residents (smoothed)',
          weight: 1,
          direction: 1,
          source: { kind: 'signals', label: 'incident.crime.assault', measure: 'eb_rate' },
        },
        {
          key: 'threat_rate',
          label: 'Threats per 10,000 residents (smoothed)',
          weight: 1,
          direction: 1,
          source: { kind: 'signals', label: 'incident.crime.threat', measure: 'eb_rate' },
        },
      ],
      outliers: 'winsorise',
      normalisation: 'minmax',
      aggregation: 'arithmetic',
    },
  },
  {
    key: 'needs',
    name: 'Needs index',
    spec: {
      indicators: [
        attribute('low_income_lim_at_pct', 'Low income (LIM-AT), %'),
        attribute('unemployment_rate_pct', 'Unemployment rate, %'),
        attribute('youth_15_24_pct', 'Residents aged 15–24, %'),
        attribute('no_certificate_pct', 'No certificate, diploma or degree (25–64), %'),
        attribute('recent_immigrants_pct', 'Immigrated in the last 5 years, %'),
        attribute('tsns_nia', 'Neighbourhood Improvement Area', 1, 0.5),
      ],
      outliers: 'winsorise',
      normalisation: 'minmax',
      aggregation: 'arithmetic',
    },
  },
  {
    key: 'protective',
    name: 'Protective factors index',
    spec: {
      indicators: [
        attribute('postsecondary_pct', 'Postsecondary qualification (25–64), %'),
        attribute('same_address_5y_pct', 'Same address as 5 years ago, %'),
        attribute('employment_rate_pct', 'Employment rate, %'),
      ],
      outliers: 'winsorise',
      normalisation: 'minmax',
      aggregation: 'arithmetic',
    },
  },
];

/** Adds the default definitions a city does not have yet; never overwrites a city's own. */
export async function seedIndexDefinitions(db: Db, clock: Clock): Promise<void> {
  const now = clock.now().toISOString();
  for (const d of DEFAULT_INDEX_DEFINITIONS) {
    await db.kysely
      .insertInto('indexDefinition')
      .values({ key: d.key, name: d.name, spec: JSON.stringify(d.spec), updatedAt: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  }
}

export async function listIndexDefinitions(db: Db): Promise<IndexDefinition[]> {
  const rows = await db.kysely.selectFrom('indexDefinition').selectAll().orderBy('key').execute();
  return rows.map((r) => ({
    key: r.key,
    name: r.name,
    spec: indexSpecSchema.parse(JSON.parse(r.spec)),
    updatedAt: r.updatedAt,
  }));
}
