import type { Db, Executor } from '../../db/database.ts';
import { can, listScope, type Actor } from '../../platform/access/policy.ts';
import { appendAudit } from '../../platform/audit/audit.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { authorise } from './users.access.ts';
import { isUniqueViolation } from './users.repository.ts';
import {
  insertOrganisationIfNew,
  lockOrganisation,
  selectOrganisation,
  selectOrganisationNamed,
  selectOrganisations,
  updateOrganisationRow,
  type OrganisationRow,
} from './organisations.repository.ts';
import type {
  NewOrganisation,
  OrganisationKind,
  OrganisationListQuery,
  OrganisationState,
  OrganisationUpdate,
} from './organisations.schemas.ts';

export type Organisation = {
  id: string;
  name: string;
  kind: OrganisationKind;
  state: OrganisationState;
  memberCount: number;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
};

const toOrganisation = (row: OrganisationRow): Organisation => ({
  id: row.id,
  name: row.name,
  kind: row.kind as OrganisationKind,
  state: row.archivedAt === null ? 'active' : 'archived',
  memberCount: row.memberCount,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  archivedAt: row.archivedAt,
});

/** The facts the policy needs about an organisation: it is its own organisation, and it has no owner. */
export const organisationFacts = (o: Pick<Organisation, 'id' | 'state'>) => ({
  organisationId: o.id,
  ownerUserId: null,
  state: o.state,
});

export async function listOrganisations(
  db: Db,
  actor: Actor,
  query: OrganisationListQuery,
): Promise<Organisation[]> {
  const rows = await selectOrganisations(db.kysely, listScope(actor, 'organisation'), query);
  return rows.map(toOrganisation);
}

/** The organisation, or NOT_FOUND when it does not exist or is outside the actor's reach. */
export async function getOrganisation(db: Db | Executor, actor: Actor, id: string): Promise<Organisation> {
  const row = await selectOrganisation('kysely' in db ? db.kysely : db, id);
  const organisation = row && toOrganisation(row);
  if (!organisation || !can(actor, 'organisation', 'read', organisationFacts(organisation)))
    throw notFound('Organisation');
  return organisation;
}

const nameTaken = (name: string) =>
  new AppError('CONFLICT', 'An organisation with this name already exists', [
    { field: 'name', value: name, reason: 'organisation names are unique (whatever the case)' },
  ]);

export async function createOrganisation(
  db: Db,
  actor: Actor,
  input: NewOrganisation,
  clock: Clock,
): Promise<Organisation> {
  // A new organisation is nobody's own: only an instance-wide grant can create one.
  if (!can(actor, 'organisation', 'create', { organisationId: null, ownerUserId: null }))
    throw new AppError('FORBIDDEN', 'Your role does not allow creating organisations');
  const id = newId();
  const now = clock.now().toISOString();
  await db.kysely.transaction().execute(async (trx) => {
    if (await selectOrganisationNamed(trx, input.name)) throw nameTaken(input.name);
    const inserted = await insertOrganisationIfNew(trx, {
      id,
      name: input.name,
      kind: input.kind,
      createdAt: now,
      updatedAt: now,
      archivedAt: null,
    });
    if (!inserted) throw nameTaken(input.name);
    await appendAudit(
      trx,
      {
        action: 'organisation.create',
        outcome: 'success',
        actor,
        resourceType: 'organisation',
        resourceId: id,
        details: { kind: input.kind },
      },
      clock,
    );
  });
  return getOrganisation(db, actor, id);
}

export async function updateOrganisation(
  db: Db,
  actor: Actor,
  id: string,
  patch: OrganisationUpdate,
  clock: Clock,
): Promise<Organisation> {
  const now = clock.now().toISOString();
  await db.kysely.transaction().execute(async (trx) => {
    const current = await getOrganisation(trx, actor, id);
    authorise(actor, 'organisation', 'update', organisationFacts(current), 'Organisation');
    if (patch.name !== undefined && (await selectOrganisationNamed(trx, patch.name, id)))
      throw nameTaken(patch.name);
    const changed = [
      ...(patch.name !== undefined && patch.name !== current.name ? ['name'] : []),
      ...(patch.kind !== undefined && patch.kind !== current.kind ? ['kind'] : []),
    ];
    if (changed.length === 0) return;
    try {
      await updateOrganisationRow(trx, id, {
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.kind !== undefined && { kind: patch.kind }),
        updatedAt: now,
      });
    } catch (e) {
      if (isUniqueViolation(e) && patch.name !== undefined) throw nameTaken(patch.name);
      throw e;
    }
    await appendAudit(
      trx,
      {
        action: 'organisation.update',
        outcome: 'success',
        actor,
        resourceType: 'organisation',
        resourceId: id,
        details: { changed, ...(changed.includes('kind') && { kind: patch.kind }) },
      },
      clock,
    );
  });
  return getOrganisation(db, actor, id);
}

/**
 * Archives an organisation that no longer has people: its invited and active accounts must be moved or deactivated
 * first, so that no one keeps working under an organisation the city has closed.
 */
export async function archiveOrganisation(
  db: Db,
  actor: Actor,
  id: string,
  clock: Clock,
): Promise<Organisation> {
  const now = clock.now().toISOString();
  await db.kysely.transaction().execute(async (trx) => {
    await lockOrganisation(trx, db.dialect, id, 'archive');
    const current = await getOrganisation(trx, actor, id);
    authorise(actor, 'organisation', 'archive', organisationFacts(current), 'Organisation');
    if (current.memberCount > 0) {
      throw new AppError('CONFLICT', 'The organisation still has people', [
        {
          field: 'memberCount',
          value: current.memberCount,
          reason: 'move or deactivate its invited and active accounts first',
        },
      ]);
    }
    await updateOrganisationRow(trx, id, { archivedAt: now, updatedAt: now });
    await appendAudit(
      trx,
      {
        action: 'organisation.archive',
        outcome: 'success',
        actor,
        resourceType: 'organisation',
        resourceId: id,
      },
      clock,
    );
  });
  return getOrganisation(db, actor, id);
}

/**
 * The organisation someone is about to join (invited into, moved to, reactivated in), locked against being
 * archived meanwhile. The caller has already checked that the actor manages people there.
 */
export async function getOrganisationToJoin(
  trx: Executor,
  dialect: Db['dialect'],
  id: string,
): Promise<Organisation> {
  await lockOrganisation(trx, dialect, id, 'join');
  const row = await selectOrganisation(trx, id);
  if (!row)
    throw new AppError('NOT_FOUND', 'Organisation not found', [{ field: 'organisationId', value: id }]);
  if (row.archivedAt !== null)
    throw new AppError('CONFLICT', 'The organisation is archived and takes no new members', [
      { field: 'organisationId', value: id, reason: 'archived' },
    ]);
  return toOrganisation(row);
}
