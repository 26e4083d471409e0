import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../../db/database.ts';
import type { AppUserTable, OrganisationTable } from '../../db/schema.ts';

/** An account with what authentication needs: its secrets stay in the service, never reach a presenter. */
export type AuthUserRow = Selectable<AppUserTable> & { roleName: string; roleGrants: string };

const userColumns = [
  'appUser.id',
  'appUser.organisationId',
  'appUser.roleCode',
  'appUser.email',
  'appUser.displayName',
  'appUser.locale',
  'appUser.passwordHash',
  'appUser.passwordChangedAt',
  'appUser.totpSecret',
  'appUser.pendingTotpSecret',
  'appUser.totpEnabledAt',
  'appUser.totpLastStep',
  'appUser.status',
  'appUser.lastLoginAt',
  'appUser.createdAt',
  'appUser.updatedAt',
  'appUser.deactivatedAt',
  'role.name as roleName',
  'role.grants as roleGrants',
] as const;

export async function selectUserByEmail(ex: Executor, email: string): Promise<AuthUserRow | undefined> {
  return ex
    .selectFrom('appUser')
    .innerJoin('role', 'role.code', 'appUser.roleCode')
    .select(userColumns)
    .where('appUser.email', '=', email)
    .executeTakeFirst();
}

export async function selectUserById(ex: Executor, id: string): Promise<AuthUserRow | undefined> {
  return ex
    .selectFrom('appUser')
    .innerJoin('role', 'role.code', 'appUser.roleCode')
    .select(userColumns)
    .where('appUser.id', '=', id)
    .executeTakeFirst();
}

export async function emailTaken(ex: Executor, email: string, exceptUserId?: string): Promise<boolean> {
  let q = ex.selectFrom('appUser').select('id').where('email', '=', email);
  if (exceptUserId) q = q.where('id', '!=', exceptUserId);
  return (await q.executeTakeFirst()) !== undefined;
}

export async function countPasskeys(ex: Executor, userId: string): Promise<number> {
  const row = await ex
    .selectFrom('passkey')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('userId', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function selectOrganisation(
  ex: Executor,
  id: string,
): Promise<Selectable<OrganisationTable> | undefined> {
  return ex.selectFrom('organisation').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function selectOrganisationByName(
  ex: Executor,
  name: string,
): Promise<Selectable<OrganisationTable> | undefined> {
  return ex.selectFrom('organisation').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function insertOrganisation(ex: Executor, row: Insertable<OrganisationTable>): Promise<void> {
  await ex.insertInto('organisation').values(row).execute();
}

export async function insertUser(ex: Executor, row: Insertable<AppUserTable>): Promise<void> {
  await ex.insertInto('appUser').values(row).execute();
}

export async function countActiveUsersWithRole(ex: Executor, roleCode: string): Promise<number> {
  const row = await ex
    .selectFrom('appUser')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('roleCode', '=', roleCode)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export type SessionListRow = {
  id: string;
  method: string;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string | null;
};

/** A user's sessions that are neither ended nor past their idle or absolute limit. */
export async function selectLiveSessions(
  ex: Executor,
  userId: string,
  now: Date,
  idleMs: number,
): Promise<SessionListRow[]> {
  return ex
    .selectFrom('session')
    .select(['id', 'method', 'createdAt', 'lastSeenAt', 'userAgent'])
    .where('userId', '=', userId)
    .where('endedAt', 'is', null)
    .where('absoluteExpiresAt', '>', now.toISOString())
    .where('lastSeenAt', '>', new Date(now.getTime() - idleMs).toISOString())
    .orderBy('lastSeenAt', 'desc')
    .orderBy('id')
    .execute();
}

export async function selectSessionOwner(
  ex: Executor,
  sessionId: string,
): Promise<{ id: string; userId: string; endedAt: string | null; organisationId: string } | undefined> {
  return ex
    .selectFrom('session')
    .innerJoin('appUser', 'appUser.id', 'session.userId')
    .select(['session.id', 'session.userId', 'session.endedAt', 'appUser.organisationId'])
    .where('session.id', '=', sessionId)
    .executeTakeFirst();
}

/** Stores the accepted TOTP step unless an equal or later one is already stored (a concurrent reuse). */
export async function advanceTotpStep(ex: Executor, userId: string, step: number): Promise<boolean> {
  const r = await ex
    .updateTable('appUser')
    .set({ totpLastStep: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totpLastStep', 'is', null), eb('totpLastStep', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function replaceRecoveryCodes(
  ex: Executor,
  userId: string,
  codeHashes: string[],
  now: string,
): Promise<void> {
  await ex.deleteFrom('recoveryCode').where('userId', '=', userId).execute();
  if (codeHashes.length === 0) return;
  await ex
    .insertInto('recoveryCode')
    .values(codeHashes.map((codeHash) => ({ userId, codeHash, usedAt: null, createdAt: now })))
    .execute();
}

/** Marks one unused code used; false when it does not exist or was used already (also by a concurrent request). */
export async function consumeRecoveryCode(
  ex: Executor,
  userId: string,
  codeHash: string,
  now: string,
): Promise<boolean> {
  const r = await ex
    .updateTable('recoveryCode')
    .set({ usedAt: now })
    .where('userId', '=', userId)
    .where('codeHash', '=', codeHash)
    .where('usedAt', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function countUnusedRecoveryCodes(ex: Executor, userId: string): Promise<number> {
  const row = await ex
    .selectFrom('recoveryCode')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('userId', '=', userId)
    .where('usedAt', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
