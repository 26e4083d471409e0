import type { Db, Executor } from '../../db/database.ts';
import { requiresSecondFactor } from '../../platform/access/policy.ts';
import { appendAudit } from '../../platform/audit/audit.ts';
import { passwordProblems, hashPassword } from '../../platform/auth/passwords.ts';
import { hashToken, newToken, parseGrants } from '../../platform/auth/sessions.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import {
  activateInvitedUser,
  claimInvitation,
  insertInvitation,
  revokeOpenInvitations,
  selectPendingInvitation,
  type PendingInvitationRow,
} from './invitations.repository.ts';
import { INVITATION_DEFAULT_HOURS } from './invitations.schemas.ts';

/**
 * The console page that accepts an invitation. The token travels in the fragment, which browsers never send to a
 * server, so it stays out of access logs and Referer headers until the page posts it to the API.
 */
export const INVITATION_PATH = '/accept-invitation';

export type IssuedInvitation = { id: string; expiresAt: string; link: string };

/**
 * Creates an invitation inside the caller's transaction. The token (256 random bits) is returned once, in the link;
 * only its SHA-256 is stored, so the table yields no usable link.
 */
export async function issueInvitation(
  trx: Executor,
  input: { userId: string; invitedBy: string; expiresInHours?: number | undefined },
  clock: Clock,
): Promise<IssuedInvitation> {
  const token = newToken();
  const now = clock.now();
  const id = newId();
  const expiresAt = new Date(
    now.getTime() + (input.expiresInHours ?? INVITATION_DEFAULT_HOURS) * 3_600_000,
  ).toISOString();
  await insertInvitation(trx, {
    id,
    tokenHash: hashToken(token),
    userId: input.userId,
    invitedBy: input.invitedBy,
    expiresAt,
    acceptedAt: null,
    revokedAt: null,
    createdAt: now.toISOString(),
  });
  return { id, expiresAt, link: `${INVITATION_PATH}#token=${token}` };
}

export const revokeInvitations = (trx: Executor, userId: string, clock: Clock): Promise<number> =>
  revokeOpenInvitations(trx, userId, clock.now().toISOString());

export type PendingInvitation = {
  id: string;
  userId: string;
  email: string;
  displayName: string;
  organisation: { id: string; name: string };
  role: { code: string; name: string; requiresSecondFactor: boolean };
  expiresAt: string;
};

const toPending = (row: PendingInvitationRow): PendingInvitation => ({
  id: row.id,
  userId: row.userId,
  email: row.email,
  displayName: row.displayName,
  organisation: { id: row.organisationId, name: row.organisationName },
  role: {
    code: row.roleCode,
    name: row.roleName,
    requiresSecondFactor: requiresSecondFactor(parseGrants(row.roleGrants)),
  },
  expiresAt: row.expiresAt,
});

const invitationNotFound = () => notFound('Invitation');

/** The invitation a token opens, or NOT_FOUND: unknown, used, revoked and expired tokens answer alike. */
export async function getPendingInvitation(db: Db, token: string, clock: Clock): Promise<PendingInvitation> {
  const row = await selectPendingInvitation(db.kysely, hashToken(token), clock.now().toISOString());
  if (!row) throw invitationNotFound();
  return toPending(row);
}

/**
 * Sets the invited person's password and activates the account; the invitation is then spent. It does not sign in:
 * the person signs in like everyone else and enrols a second factor if their role requires one.
 */
export async function acceptInvitation(
  db: Db,
  token: string,
  password: string,
  clock: Clock,
): Promise<PendingInvitation> {
  const invitation = await getPendingInvitation(db, token, clock);
  const problems = passwordProblems(password, {
    email: invitation.email,
    displayName: invitation.displayName,
  });
  if (problems.length > 0) {
    throw new AppError(
      'WEAK_PASSWORD',
      'Choose another password',
      problems.map((reason) => ({ field: 'password', reason })),
    );
  }
  // Hashed before the transaction: argon2 takes tens of milliseconds that no lock should be held for.
  const passwordHash = await hashPassword(password);
  await db.kysely.transaction().execute(async (trx) => {
    const now = clock.now().toISOString();
    // Conditional updates, so two requests racing with the same token cannot both succeed.
    if (!(await claimInvitation(trx, invitation.id, now))) throw invitationNotFound();
    if (!(await activateInvitedUser(trx, invitation.userId, passwordHash, now))) throw invitationNotFound();
    const revoked = await revokeOpenInvitations(trx, invitation.userId, now, invitation.id);
    await appendAudit(
      trx,
      {
        action: 'invitation.accept',
        outcome: 'success',
        actor: {
          userId: invitation.userId,
          organisationId: invitation.organisation.id,
          roleCode: invitation.role.code,
        },
        resourceType: 'invitation',
        resourceId: invitation.id,
        details: { userId: invitation.userId, otherInvitationsRevoked: revoked },
      },
      clock,
    );
  });
  return invitation;
}
