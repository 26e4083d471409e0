import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../../db/database.ts';
import type { RoleTable } from '../../db/schema.ts';
import type { ListScope } from '../../platform/access/policy.ts';

export type RoleRow = Selectable<RoleTable>;

/**
 * Roles belong to the whole instance, not to an organisation or a person: only a grant at scope `all` reaches them,
 * and a narrower one lists none.
 */
export async function selectRoles(ex: Executor, scope: ListScope<'role'>): Promise<RoleRow[]> {
  if (scope.kind !== 'all') return [];
  return ex
    .selectFrom('role')
    .selectAll()
    .orderBy('builtin', 'desc')
    .orderBy('name')
    .orderBy('code')
    .execute();
}

export async function selectRole(ex: Executor, code: string): Promise<RoleRow | undefined> {
  return ex.selectFrom('role').selectAll().where('code', '=', code).executeTakeFirst();
}

/** Accounts holding each role, whatever their status: a deactivated account can be reactivated into it. */
export async function countMembersByRole(ex: Executor, codes?: string[]): Promise<Map<string, number>> {
  let q = ex
    .selectFrom('appUser')
    .select(['roleCode', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('roleCode');
  if (codes) q = q.where('roleCode', 'in', codes);
  const rows = await q.execute();
  return new Map(rows.map((r) => [r.roleCode, Number(r.n)]));
}

/** False when the code is taken, including by a concurrent insert. */
export async function insertRoleIfNew(ex: Executor, row: Insertable<RoleTable>): Promise<boolean> {
  const r = await ex
    .insertInto('role')
    .values(row)
    .onConflict((oc) => oc.column('code').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function updateRoleRow(
  ex: Executor,
  code: string,
  changes: Updateable<RoleTable>,
): Promise<void> {
  await ex.updateTable('role').set(changes).where('code', '=', code).execute();
}

/**
 * Deletes a custom role that nobody holds, in one statement so an account given the role meanwhile keeps it (the
 * delete then finds a member and removes nothing). Returns whether it was deleted.
 */
export async function deleteUnusedCustomRole(ex: Executor, code: string): Promise<boolean> {
  const r = await ex
    .deleteFrom('role')
    .where('code', '=', code)
    .where('builtin', '=', 0)
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('appUser').select('id').where('appUser.roleCode', '=', code))),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
