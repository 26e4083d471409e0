import type { Insertable } from 'kysely';
import type { Executor } from '../../db/database.ts';
import type { PasskeyTable } from '../../db/schema.ts';

export type PasskeyRow = {
  id: string;
  userId: string;
  name: string;
  publicKey: string;
  counter: number;
  /** JSON array of transport hints, or null. */
  transports: string | null;
  createdAt: string;
  lastUsedAt: string | null;
};

const passkeyColumns = [
  'id',
  'userId',
  'name',
  'publicKey',
  'counter',
  'transports',
  'createdAt',
  'lastUsedAt',
] as const;

export async function selectPasskey(ex: Executor, id: string): Promise<PasskeyRow | undefined> {
  return ex.selectFrom('passkey').select(passkeyColumns).where('id', '=', id).executeTakeFirst();
}

export async function selectUserPasskeys(ex: Executor, userId: string): Promise<PasskeyRow[]> {
  return ex
    .selectFrom('passkey')
    .select(passkeyColumns)
    .where('userId', '=', userId)
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
}

export async function insertPasskey(ex: Executor, row: Insertable<PasskeyTable>): Promise<void> {
  await ex.insertInto('passkey').values(row).execute();
}

/**
 * Stores the counter of an accepted assertion unless a concurrent one stored a later value first, which would mean
 * two signatures with the same counter (a cloned authenticator or a replay). Authenticators that keep no counter
 * report 0 every time; for them the row is only touched.
 */
export async function advancePasskeyCounter(
  ex: Executor,
  id: string,
  from: number,
  to: number,
  now: string,
): Promise<boolean> {
  let q = ex.updateTable('passkey').set({ counter: to, lastUsedAt: now }).where('id', '=', id);
  if (to > 0 || from > 0) q = q.where('counter', '<', to);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deletePasskey(ex: Executor, id: string, userId: string): Promise<boolean> {
  const r = await ex
    .deleteFrom('passkey')
    .where('id', '=', id)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

/** An account as sign-in needs it: never its password hash or TOTP secrets. */
export type SignInUserRow = {
  id: string;
  organisationId: string;
  roleCode: string;
  roleGrants: string;
  email: string;
  displayName: string;
  status: string;
  totpEnabledAt: string | null;
  passkeyCount: number;
};

function signInUsers(ex: Executor) {
  return ex
    .selectFrom('appUser')
    .innerJoin('role', 'role.code', 'appUser.roleCode')
    .select((eb) => [
      'appUser.id',
      'appUser.organisationId',
      'appUser.roleCode',
      'role.grants as roleGrants',
      'appUser.email',
      'appUser.displayName',
      'appUser.status',
      'appUser.totpEnabledAt',
      eb
        .selectFrom('passkey')
        .select((sub) => sub.fn.countAll<number>().as('n'))
        .whereRef('passkey.userId', '=', 'appUser.id')
        .as('passkeyCount'),
    ]);
}

const withCount = <T extends { passkeyCount: number | null }>(row: T | undefined) =>
  row && { ...row, passkeyCount: Number(row.passkeyCount ?? 0) };

export async function selectSignInUser(ex: Executor, userId: string): Promise<SignInUserRow | undefined> {
  return withCount(await signInUsers(ex).where('appUser.id', '=', userId).executeTakeFirst());
}

export async function selectSignInUserByEmail(
  ex: Executor,
  email: string,
): Promise<SignInUserRow | undefined> {
  return withCount(await signInUsers(ex).where('appUser.email', '=', email.toLowerCase()).executeTakeFirst());
}

export async function recordLogin(ex: Executor, userId: string, now: string): Promise<void> {
  await ex.updateTable('appUser').set({ lastLoginAt: now }).where('id', '=', userId).execute();
}
