import { sql, type Expression, type Insertable, type SqlBool, type Updateable } from 'kysely';
import type { DialectName, Executor } from '../../db/database.ts';
import type { AppUserTable } from '../../db/schema.ts';
import type { ListScope } from '../../platform/access/policy.ts';

/** Case-insensitive "contains" on a column, with the LIKE wildcards in the search text taken literally. */
export function containsText(column: string, text: string): Expression<SqlBool> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

/** Unique-constraint violations on either dialect (a concurrent write won the race). */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown };
  return (
    err.code === '23505' || (typeof err.message === 'string' && err.message.includes('UNIQUE constraint'))
  );
}

/** An account as the services see it: never the password hash, TOTP secrets or anything derived from them. */
export type UserRow = {
  id: string;
  email: string;
  displayName: string;
  locale: string;
  status: string;
  roleCode: string;
  roleName: string;
  organisationId: string;
  organisationName: string;
  lastLoginAt: string | null;
  totpEnabledAt: string | null;
  /** 1 when the account has a password (it accepted an invitation or was created with one). */
  hasPassword: number;
  createdAt: string;
  updatedAt: string;
  deactivatedAt: string | null;
};

function selectUserRows(ex: Executor) {
  return ex
    .selectFrom('appUser')
    .innerJoin('role', 'role.code', 'appUser.roleCode')
    .innerJoin('organisation', 'organisation.id', 'appUser.organisationId')
    .select([
      'appUser.id',
      'appUser.email',
      'appUser.displayName',
      'appUser.locale',
      'appUser.status',
      'appUser.roleCode',
      'role.name as roleName',
      'appUser.organisationId',
      'organisation.name as organisationName',
      'appUser.lastLoginAt',
      'appUser.totpEnabledAt',
      sql<number>`case when ${sql.ref('appUser.passwordHash')} is null then 0 else 1 end`.as('hasPassword'),
      'appUser.createdAt',
      'appUser.updatedAt',
      'appUser.deactivatedAt',
    ]);
}

export async function selectUser(ex: Executor, id: string): Promise<UserRow | undefined> {
  const row = await selectUserRows(ex).where('appUser.id', '=', id).executeTakeFirst();
  return row && { ...row, hasPassword: Number(row.hasPassword) };
}

export type UserListFilter = {
  organisationId?: string | undefined;
  roleCode?: string | undefined;
  status?: string | undefined;
  q?: string | undefined;
};

/** Callers answer `none` without a query; here it still matches nothing, in case one does not. */
function filtered(ex: Executor, access: ListScope<'user'>, filter: UserListFilter) {
  let q = selectUserRows(ex);
  if (access.kind === 'none') q = q.where(sql<SqlBool>`1 = 0`);
  if (access.kind === 'own') q = q.where('appUser.id', '=', access.userId);
  if (access.kind === 'organisation') {
    const { organisationId, userId } = access;
    q = q.where((eb) =>
      eb.or([eb('appUser.organisationId', '=', organisationId), eb('appUser.id', '=', userId)]),
    );
  }
  if (filter.organisationId) q = q.where('appUser.organisationId', '=', filter.organisationId);
  if (filter.roleCode) q = q.where('appUser.roleCode', '=', filter.roleCode);
  if (filter.status) q = q.where('appUser.status', '=', filter.status);
  const text = filter.q;
  if (text)
    q = q.where((eb) =>
      eb.or([containsText('appUser.displayName', text), containsText('appUser.email', text)]),
    );
  return q;
}

/** One page by display name then id, starting after `after`, of the accounts the scope reaches. */
export async function selectUserPage(
  ex: Executor,
  access: ListScope<'user'>,
  filter: UserListFilter,
  page: { limit: number; after?: { displayName: string; id: string } | undefined },
): Promise<UserRow[]> {
  if (access.kind === 'none') return [];
  let q = filtered(ex, access, filter);
  const after = page.after;
  if (after) {
    q = q.where((eb) =>
      eb.or([
        eb('appUser.displayName', '>', after.displayName),
        eb.and([eb('appUser.displayName', '=', after.displayName), eb('appUser.id', '>', after.id)]),
      ]),
    );
  }
  const rows = await q.orderBy('appUser.displayName').orderBy('appUser.id').limit(page.limit).execute();
  return rows.map((r) => ({ ...r, hasPassword: Number(r.hasPassword) }));
}

export async function countUsers(
  ex: Executor,
  access: ListScope<'user'>,
  filter: UserListFilter,
): Promise<number> {
  if (access.kind === 'none') return 0;
  const row = await filtered(ex, access, filter)
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** False when the email is taken, including by a concurrent insert. */
export async function insertUserIfNew(ex: Executor, row: Insertable<AppUserTable>): Promise<boolean> {
  const r = await ex
    .insertInto('appUser')
    .values(row)
    .onConflict((oc) => oc.column('email').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function updateUserRow(
  ex: Executor,
  id: string,
  changes: Updateable<AppUserTable>,
): Promise<void> {
  await ex.updateTable('appUser').set(changes).where('id', '=', id).execute();
}

/**
 * The ids of the active city administrators. On PostgreSQL their rows are locked until the transaction ends, so
 * two administrators removing each other at the same moment cannot both succeed; SQLite runs one writer at a time.
 */
export async function selectActiveAdminIds(ex: Executor, dialect: DialectName): Promise<string[]> {
  let q = ex
    .selectFrom('appUser')
    .select('id')
    .where('roleCode', '=', 'city_admin')
    .where('status', '=', 'active');
  if (dialect === 'postgres') q = q.forUpdate();
  return (await q.execute()).map((r) => r.id);
}
