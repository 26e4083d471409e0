import { z } from 'zod';
import { guardedField, pick, visibleFields, type Actor } from '../../platform/access/policy.ts';
import { CADENCES, GRACE_DAYS } from './sources.freshness.ts';
import { SOURCE_KINDS, SOURCE_METHODS } from './sources.schemas.ts';
import type { SourceWithFreshness } from './sources.service.ts';

export const sourceSummarySchema = z.object({
  code: z.string(),
  name: z.string(),
  kind: z.enum(SOURCE_KINDS),
  method: z.enum(SOURCE_METHODS),
  cadence: z.enum(CADENCES),
  licence: z.string().nullable(),
  lastDeliveredAt: z.string().nullable(),
  nextDueAt: z
    .string()
    .nullable()
    .describe(
      `One cadence after the last delivery (or after registration), plus a grace period of ${Object.entries(
        GRACE_DAYS,
      )
        .map(([cadence, days]) => `${days} days for ${cadence}`)
        .join(', ')}; null for ad hoc and archived sources`,
    ),
  overdue: z.boolean().describe('The clock has passed nextDueAt'),
  archived: z.boolean(),
});

export const sourceSchema = sourceSummarySchema.extend({
  contactName: guardedField(z.string().nullable(), 'source', 'contactName'),
  contactEmail: guardedField(z.string().nullable(), 'source', 'contactEmail'),
  url: z.string().nullable(),
  mapping: z.record(z.string(), z.unknown()).nullable(),
  notes: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  archivedAt: z.string().nullable(),
});

export function presentSourceSummary(s: SourceWithFreshness): z.infer<typeof sourceSummarySchema> {
  return {
    code: s.code,
    name: s.name,
    kind: s.kind,
    method: s.method,
    cadence: s.cadence,
    licence: s.licence,
    lastDeliveredAt: s.lastDeliveredAt,
    nextDueAt: s.nextDueAt,
    overdue: s.overdue,
    archived: s.archivedAt !== null,
  };
}

/** One source; its contact person is left out for roles that do not manage sources. */
export function presentSource(s: SourceWithFreshness, actor: Actor): z.infer<typeof sourceSchema> {
  const view = {
    ...presentSourceSummary(s),
    contactName: s.contactName,
    contactEmail: s.contactEmail,
    url: s.url,
    mapping: s.mapping as Record<string, unknown> | null,
    notes: s.notes,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    archivedAt: s.archivedAt,
  };
  return pick(view, visibleFields(actor, 'source'));
}
