import type { Executor } from '../../db/database.ts';

export async function selectLinkedUserId(
  ex: Executor,
  issuer: string,
  subject: string,
): Promise<string | undefined> {
  const row = await ex
    .selectFrom('userIdentity')
    .select('userId')
    .where('issuer', '=', issuer)
    .where('subject', '=', subject)
    .executeTakeFirst();
  return row?.userId;
}

/** Whether the user is already linked to another identity at this issuer. */
export async function hasIdentityAt(ex: Executor, userId: string, issuer: string): Promise<boolean> {
  const row = await ex
    .selectFrom('userIdentity')
    .select('subject')
    .where('userId', '=', userId)
    .where('issuer', '=', issuer)
    .executeTakeFirst();
  return row !== undefined;
}

/** False when the identity is already linked (a concurrent first sign-on won the race). */
export async function insertIdentity(
  ex: Executor,
  row: { issuer: string; subject: string; userId: string; createdAt: string },
): Promise<boolean> {
  const r = await ex
    .insertInto('userIdentity')
    .values(row)
    .onConflict((oc) => oc.columns(['issuer', 'subject']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** An invited account signing on for the first time becomes active; false when it was no longer invited. */
export async function activateInvitedAccount(ex: Executor, userId: string, now: string): Promise<boolean> {
  const r = await ex
    .updateTable('appUser')
    .set({ status: 'active', updatedAt: now })
    .where('id', '=', userId)
    .where('status', '=', 'invited')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
