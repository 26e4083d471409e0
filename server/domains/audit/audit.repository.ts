import type { Executor } from '../../db/database.ts';
import type { AuditEventTable } from '../../db/schema.ts';

export type AuditFilter = {
  from?: string | undefined;
  to?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  outcome?: string | undefined;
  resourceType?: string | undefined;
  resourceId?: string | undefined;
};

/** Newest first, keyset-paged on seq (the chain position), so a page never shifts while entries are appended. */
export async function findAuditEvents(
  db: Executor,
  filter: AuditFilter,
  page: { limit: number; beforeSeq?: number | undefined },
): Promise<AuditEventTable[]> {
  let q = db.selectFrom('auditEvent').selectAll();
  if (filter.from) q = q.where('occurredAt', '>=', filter.from);
  if (filter.to) q = q.where('occurredAt', '<', filter.to);
  if (filter.actor) q = q.where('actorUserId', '=', filter.actor);
  // A prefix match on the dotted verb: "auth" finds auth.login, auth.logout …
  if (filter.action)
    q = q.where((eb) =>
      eb.or([eb('action', '=', filter.action!), eb('action', 'like', `${filter.action}.%`)]),
    );
  if (filter.outcome) q = q.where('outcome', '=', filter.outcome);
  if (filter.resourceType) q = q.where('resourceType', '=', filter.resourceType);
  if (filter.resourceId) q = q.where('resourceId', '=', filter.resourceId);
  if (page.beforeSeq !== undefined) q = q.where('seq', '<', page.beforeSeq);
  return q.orderBy('seq', 'desc').limit(page.limit).execute();
}
