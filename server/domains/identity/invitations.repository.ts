import type { Insertable } from 'kysely';
import type { Executor } from '../../db/database.ts';
import type { InvitationTable } from '../../db/schema.ts';

export async function insertInvitation(ex: Executor, row: Insertable<InvitationTable>): Promise<void> {
  await ex.insertInto('invitation').values(row).execute();
}

/** Revokes every invitation of the user not yet accepted or revoked (expired ones too); returns how many. */
export async function revokeOpenInvitations(
  ex: Executor,
  userId: string,
  at: string,
  exceptId?: string,
): Promise<number> {
  let q = ex
    .updateTable('invitation')
    .set({ revokedAt: at })
    .where('userId', '=', userId)
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null);
  if (exceptId) q = q.where('id', '!=', exceptId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export type PendingInvitationRow = {
  id: string;
  expiresAt: string;
  userId: string;
  email: string;
  displayName: string;
  organisationId: string;
  organisationName: string;
  roleCode: string;
  roleName: string;
  roleGrants: string;
};

/**
 * The invitation behind a token hash while it can still be accepted: not accepted, not revoked, not expired, for an
 * account still waiting for it. Anything else is indistinguishable from a token that never existed.
 */
export async function selectPendingInvitation(
  ex: Executor,
  tokenHash: string,
  now: string,
): Promise<PendingInvitationRow | undefined> {
  return ex
    .selectFrom('invitation')
    .innerJoin('appUser', 'appUser.id', 'invitation.userId')
    .innerJoin('organisation', 'organisation.id', 'appUser.organisationId')
    .innerJoin('role', 'role.code', 'appUser.roleCode')
    .select([
      'invitation.id',
      'invitation.expiresAt',
      'appUser.id as userId',
      'appUser.email',
      'appUser.displayName',
      'appUser.organisationId',
      'organisation.name as organisationName',
      'appUser.roleCode',
      'role.name as roleName',
      'role.grants as roleGrants',
    ])
    .where('invitation.tokenHash', '=', tokenHash)
    .where('invitation.acceptedAt', 'is', null)
    .where('invitation.revokedAt', 'is', null)
    .where('invitation.expiresAt', '>', now)
    .where('appUser.status', '=', 'invited')
    .executeTakeFirst();
}

/** Marks the invitation accepted if it still can be; false when another request used, or something revoked, it first. */
export async function claimInvitation(ex: Executor, id: string, now: string): Promise<boolean> {
  const r = await ex
    .updateTable('invitation')
    .set({ acceptedAt: now })
    .where('id', '=', id)
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .where('expiresAt', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** When the user's open invitation expires, or null when none can still be accepted. */
export async function selectOpenInvitationExpiry(
  ex: Executor,
  userId: string,
  now: string,
): Promise<string | null> {
  const row = await ex
    .selectFrom('invitation')
    .select((eb) => eb.fn.max('expiresAt').as('expiresAt'))
    .where('userId', '=', userId)
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .where('expiresAt', '>', now)
    .executeTakeFirst();
  return row?.expiresAt ?? null;
}

/** Gives a still-invited account its password and activates it; false when it is no longer waiting. */
export async function activateInvitedUser(
  ex: Executor,
  userId: string,
  passwordHash: string,
  now: string,
): Promise<boolean> {
  const r = await ex
    .updateTable('appUser')
    .set({ passwordHash, passwordChangedAt: now, status: 'active', updatedAt: now })
    .where('id', '=', userId)
    .where('status', '=', 'invited')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
