import { z } from 'zod';
import type { AuditEventTable } from '../../db/schema.ts';
import {
  guardedField,
  pick,
  visibleFields,
  type Actor,
  type RecordFacts,
} from '../../platform/access/policy.ts';

export const auditEventSchema = z.object({
  seq: z.number().int(),
  id: z.string(),
  occurredAt: z.string(),
  actorUserId: z.string().nullable(),
  actorOrganisationId: z.string().nullable(),
  actorRole: z.string().nullable(),
  action: z.string(),
  resourceType: z.string().nullable(),
  resourceId: z.string().nullable(),
  outcome: z.string(),
  purpose: guardedField(
    z.string().nullable(),
    'audit',
    'purpose',
    'Why personal data was read; null when none was asked',
  ),
  details: guardedField(z.record(z.string(), z.unknown()).nullable(), 'audit', 'details'),
  hash: z.string(),
});
export type AuditEventView = z.infer<typeof auditEventSchema>;

/** An entry belongs to the person who acted, in the organisation they acted for (system entries to neither). */
export const auditFacts = (
  row: Pick<AuditEventTable, 'actorUserId' | 'actorOrganisationId'>,
): RecordFacts => ({
  ownerUserId: row.actorUserId,
  organisationId: row.actorOrganisationId,
});

export function presentAuditEvent(row: AuditEventTable, actor: Actor): AuditEventView {
  return pick(
    {
      seq: row.seq,
      id: row.id,
      occurredAt: row.occurredAt,
      actorUserId: row.actorUserId,
      actorOrganisationId: row.actorOrganisationId,
      actorRole: row.actorRole,
      action: row.action,
      resourceType: row.resourceType,
      resourceId: row.resourceId,
      outcome: row.outcome,
      purpose: row.purpose,
      details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
      hash: row.hash,
    },
    visibleFields(actor, 'audit', auditFacts(row)),
  );
}

export const AUDIT_CSV_COLUMNS = [
  'seq',
  'occurredAt',
  'actorUserId',
  'actorOrganisationId',
  'actorRole',
  'action',
  'resourceType',
  'resourceId',
  'outcome',
  'purpose',
  'details',
  'hash',
] as const;
export type AuditCsvColumn = (typeof AUDIT_CSV_COLUMNS)[number];

/**
 * The export's columns for this actor: a guarded field the actor may not see is a column left out, not a column of
 * empty cells that would read as "nothing recorded".
 */
export function auditCsvColumns(actor: Actor): AuditCsvColumn[] {
  const { withheld } = visibleFields(actor, 'audit');
  return AUDIT_CSV_COLUMNS.filter((c) => !(withheld as ReadonlySet<string>).has(c));
}
