import { z } from 'zod';
import type { AuditEventTable } from '../../db/schema.ts';

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
  purpose: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  hash: z.string(),
});
export type AuditEventView = z.infer<typeof auditEventSchema>;

export function presentAuditEvent(row: AuditEventTable): AuditEventView {
  return {
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
  };
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
