import type { Executor } from '../../db/database.ts';
import type { AuditEventTable } from '../../db/schema.ts';
import type { ListScope } from '../../platform/access/policy.ts';

export type AuditFilter = {
  from?: string | undefined;
  to?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  outcome?: string | undefined;
  resourceType?: string | undefined;
  resourceId?: string | undefined;
};

/**
 * Entries the scope reaches, newest first, keyset-paged on seq (the chain position) so a page never shifts while
 * entries are appended. An entry belongs to its actor and their organisation (presenter's auditFacts): `own` reaches
 * one's own actions, `organisation` those of one's organisation, and neither reaches the system's entries.
 */
export async function selectAuditEventPage(
  db: Executor,
  scope: ListScope<'audit'>,
  filter: AuditFilter,
  page: { limit: number; beforeSeq?: number | undefined },
): Promise<AuditEventTable[]> {
  if (scope.kind === 'none') return [];
  let q = db.selectFrom('auditEvent').selectAll();
  if (scope.kind === 'own') q = q.where('actorUserId', '=', scope.userId);
  if (scope.kind === 'organisation') {
    const { organisationId, userId } = scope;
    q = q.where((eb) =>
      eb.or([eb('actorOrganisationId', '=', organisationId), eb('actorUserId', '=', userId)]),
    );
  }
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
