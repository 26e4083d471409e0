import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { DialectName, Executor } from '../../db/database.ts';
import type { OrganisationTable } from '../../db/schema.ts';
import type { ListScope } from '../../platform/access/policy.ts';
import { containsText } from './users.repository.ts';

export type OrganisationRow = Selectable<OrganisationTable> & {
  /** Accounts that are invited or active: the people the organisation still has. */
  memberCount: number;
};

function withMemberCount(ex: Executor) {
  return ex
    .selectFrom('organisation')
    .selectAll('organisation')
    .select((eb) =>
      eb
        .selectFrom('appUser')
        .select((c) => c.fn.countAll<number>().as('n'))
        .whereRef('appUser.organisationId', '=', 'organisation.id')
        .where('appUser.status', '!=', 'deactivated')
        .as('memberCount'),
    );
}

/**
 * Organisations the filter reaches. An organisation has no owner, so an `own` grant reaches none; an
 * `organisation` grant reaches the actor's own.
 */
export async function selectOrganisations(
  ex: Executor,
  filter: ListScope<'organisation'>,
  options: { kind?: string | undefined; q?: string | undefined; includeArchived: boolean },
): Promise<OrganisationRow[]> {
  if (filter.kind === 'none' || filter.kind === 'own') return [];
  let q = withMemberCount(ex);
  if (filter.kind === 'organisation') q = q.where('organisation.id', '=', filter.organisationId);
  if (options.kind) q = q.where('organisation.kind', '=', options.kind);
  if (options.q) q = q.where(containsText('organisation.name', options.q));
  if (!options.includeArchived) q = q.where('organisation.archivedAt', 'is', null);
  const rows = await q.orderBy('organisation.name').orderBy('organisation.id').execute();
  return rows.map((r) => ({ ...r, memberCount: Number(r.memberCount ?? 0) }));
}

export async function selectOrganisation(ex: Executor, id: string): Promise<OrganisationRow | undefined> {
  const row = await withMemberCount(ex).where('organisation.id', '=', id).executeTakeFirst();
  return row && { ...row, memberCount: Number(row.memberCount ?? 0) };
}

/** Another organisation whose name differs from `name` only in case, if any. */
export async function selectOrganisationNamed(
  ex: Executor,
  name: string,
  exceptId?: string,
): Promise<{ id: string } | undefined> {
  let q = ex
    .selectFrom('organisation')
    .select('id')
    .where(sql<boolean>`lower(${sql.ref('name')}) = ${name.toLowerCase()}`);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return q.executeTakeFirst();
}

/** False when the exact name is taken, including by a concurrent insert. */
export async function insertOrganisationIfNew(
  ex: Executor,
  row: Insertable<OrganisationTable>,
): Promise<boolean> {
  const r = await ex
    .insertInto('organisation')
    .values(row)
    .onConflict((oc) => oc.column('name').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function updateOrganisationRow(
  ex: Executor,
  id: string,
  changes: Updateable<OrganisationTable>,
): Promise<void> {
  await ex.updateTable('organisation').set(changes).where('id', '=', id).execute();
}

/**
 * Serialises archiving an organisation against people joining it. On PostgreSQL, archiving takes the row for
 * update and joining takes it for share, so whichever commits second sees the other's change (a count of members,
 * or the archived state) in its next statement. SQLite runs one writer at a time and needs nothing.
 */
export async function lockOrganisation(
  ex: Executor,
  dialect: DialectName,
  id: string,
  mode: 'archive' | 'join',
): Promise<void> {
  if (dialect !== 'postgres') return;
  const q = ex.selectFrom('organisation').select('id').where('id', '=', id);
  await (mode === 'archive' ? q.forUpdate() : q.forShare()).execute();
}
