import type { Db, Executor } from '../../db/database.ts';
import { can, listScope, type Action, type Actor } from '../../platform/access/policy.ts';
import { appendAudit, auditRead } from '../../platform/audit/audit.ts';
import { endSessions } from '../../platform/auth/sessions.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { selectOpenInvitationExpiry } from './invitations.repository.ts';
import { issueInvitation, revokeInvitations, type IssuedInvitation } from './invitations.service.ts';
import { getOrganisationToJoin } from './organisations.service.ts';
import { getRoleToAssign } from './roles.service.ts';
import { decodeCursor, encodeCursor } from '../../platform/cursor.ts';
import { assertMayAssignRole, authorise } from './users.access.ts';
import {
  countUsers,
  insertUserIfNew,
  selectActiveAdminIds,
  selectUser,
  selectUserPage,
  updateUserRow,
  type UserRow,
} from './users.repository.ts';
import type { InviteUser, UserListQuery, UserStatus, UserUpdate } from './users.schemas.ts';

export type User = {
  id: string;
  email: string;
  displayName: string;
  locale: string;
  status: UserStatus;
  role: { code: string; name: string };
  organisation: { id: string; name: string };
  lastLoginAt: string | null;
  totpEnabled: boolean;
  hasPassword: boolean;
  createdAt: string;
  updatedAt: string;
  deactivatedAt: string | null;
};

export type UserDetail = User & { invitationExpiresAt: string | null };

const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  displayName: row.displayName,
  locale: row.locale,
  status: row.status as UserStatus,
  role: { code: row.roleCode, name: row.roleName },
  organisation: { id: row.organisationId, name: row.organisationName },
  lastLoginAt: row.lastLoginAt,
  totpEnabled: row.totpEnabledAt !== null,
  hasPassword: row.hasPassword === 1,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  deactivatedAt: row.deactivatedAt,
});

/** The facts the policy needs about an account: it is its own owner, and belongs to its organisation. */
export const userFacts = (u: Pick<User, 'id' | 'organisation'>, withState?: Pick<User, 'status'>) => ({
  ownerUserId: u.id,
  organisationId: u.organisation.id,
  ...(withState && { state: withState.status }),
});

const executor = (db: Db | Executor): Executor => ('kysely' in db ? db.kysely : db);

/** The account, or NOT_FOUND when it does not exist or is outside the actor's reach. */
export async function getUser(db: Db | Executor, actor: Actor, id: string): Promise<User> {
  const row = await selectUser(executor(db), id);
  const user = row && toUser(row);
  if (!user || !can(actor, 'user', 'read', userFacts(user))) throw notFound('User');
  return user;
}

/**
 * The account an invitation was just issued for. The invitation was authorised (user:create), so the one-time link
 * must reach the inviter even when their role reads no accounts beyond its own; the presenter still drops the
 * fields the role may not see.
 */
async function getInvitedUser(db: Db, id: string): Promise<User> {
  const row = await selectUser(db.kysely, id);
  if (!row) throw notFound('User');
  return toUser(row);
}

/**
 * One account in full. Someone else's account is personal data: the read is recorded (who looked at whose
 * account) before it is answered, and nothing is answered if the record cannot be written. One's own is not.
 */
export async function getUserDetail(db: Db, actor: Actor, id: string, clock: Clock): Promise<UserDetail> {
  const user = await getUser(db, actor, id);
  const invitationExpiresAt =
    user.status === 'invited'
      ? await selectOpenInvitationExpiry(db.kysely, id, clock.now().toISOString())
      : null;
  if (user.id !== actor.userId)
    await auditRead(db, clock, { action: 'user.read', actor, resourceType: 'user', resourceId: user.id });
  return { ...user, invitationExpiresAt };
}

export type UserPage = { items: User[]; nextCursor: string | null; total: number };

/** Accounts the actor may see, by display name, in keyset pages. */
export async function listUsers(db: Db, actor: Actor, query: UserListQuery): Promise<UserPage> {
  const access = listScope(actor, 'user');
  const filter = {
    organisationId: query.organisation,
    roleCode: query.role,
    status: query.status,
    q: query.q,
  };
  const after = query.cursor ? decodeCursor(query.cursor, ['displayName', 'id'] as const) : undefined;
  const [rows, total] = await Promise.all([
    selectUserPage(db.kysely, access, filter, { limit: query.limit + 1, after }),
    countUsers(db.kysely, access, filter),
  ]);
  const items = rows.slice(0, query.limit).map(toUser);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > query.limit && last ? encodeCursor({ displayName: last.displayName, id: last.id }) : null,
    total,
  };
}

/**
 * Someone narrower than an instance-wide account manager may only manage people whose role grants nothing beyond
 * their own: otherwise an organisation's delegate could deactivate or re-invite its city administrator.
 */
async function assertMayManage(trx: Executor, actor: Actor, action: Action, user: User): Promise<void> {
  assertMayAssignRole(actor, action, await getRoleToAssign(trx, user.role.code));
}

async function assertNotLastActiveAdmin(trx: Executor, dialect: Db['dialect'], user: User): Promise<void> {
  if (user.role.code !== 'city_admin' || user.status !== 'active') return;
  const others = (await selectActiveAdminIds(trx, dialect)).filter((id) => id !== user.id);
  if (others.length === 0) {
    throw new AppError('CONFLICT', 'This is the last active city administrator', [
      { field: 'id', value: user.id, reason: 'make someone else a city administrator first' },
    ]);
  }
}

export type InvitedUser = { user: User; invitation: IssuedInvitation };

/** Creates the account (status invited) and its invitation; the link is returned once and stored only as a hash. */
export async function inviteUser(
  db: Db,
  actor: Actor,
  input: InviteUser,
  clock: Clock,
): Promise<InvitedUser> {
  const id = newId();
  const now = clock.now().toISOString();
  const invitation = await db.kysely.transaction().execute(async (trx) => {
    authorise(
      actor,
      'user',
      'create',
      { organisationId: input.organisationId, ownerUserId: null },
      'Organisation',
    );
    await getOrganisationToJoin(trx, db.dialect, input.organisationId);
    assertMayAssignRole(actor, 'create', await getRoleToAssign(trx, input.roleCode));
    const inserted = await insertUserIfNew(trx, {
      id,
      organisationId: input.organisationId,
      roleCode: input.roleCode,
      email: input.email,
      displayName: input.displayName,
      locale: input.locale,
      passwordHash: null,
      passwordChangedAt: null,
      totpSecret: null,
      pendingTotpSecret: null,
      totpEnabledAt: null,
      totpLastStep: null,
      status: 'invited',
      lastLoginAt: null,
      createdAt: now,
      updatedAt: now,
      deactivatedAt: null,
    });
    if (!inserted) {
      throw new AppError('CONFLICT', 'An account with this email already exists', [
        { field: 'email', reason: 'each email has one account; reactivate or re-invite that one' },
      ]);
    }
    const issued = await issueInvitation(
      trx,
      { userId: id, invitedBy: actor.userId, expiresInHours: input.expiresInHours },
      clock,
    );
    await appendAudit(
      trx,
      {
        action: 'user.invite',
        outcome: 'success',
        actor,
        resourceType: 'user',
        resourceId: id,
        details: {
          organisationId: input.organisationId,
          roleCode: input.roleCode,
          invitationId: issued.id,
          expiresAt: issued.expiresAt,
        },
      },
      clock,
    );
    return issued;
  });
  return { user: await getInvitedUser(db, id), invitation };
}

const selfConflict = (what: string) =>
  new AppError('CONFLICT', `You cannot ${what}`, [
    {
      field: 'id',
      reason: 'another administrator has to do this, so no one can lock themselves out or promote themselves',
    },
  ]);

export async function updateUser(
  db: Db,
  actor: Actor,
  id: string,
  patch: UserUpdate,
  clock: Clock,
): Promise<User> {
  await db.kysely.transaction().execute(async (trx) => {
    const current = await getUser(trx, actor, id);
    authorise(actor, 'user', 'update', userFacts(current, current), 'User');
    const moving = patch.organisationId !== undefined && patch.organisationId !== current.organisation.id;
    const changingRole = patch.roleCode !== undefined && patch.roleCode !== current.role.code;
    if ((moving || changingRole) && id === actor.userId)
      throw selfConflict('change your own role or organisation');
    if (moving || changingRole) await assertMayManage(trx, actor, 'update', current);
    if (moving) {
      const to = patch.organisationId!;
      authorise(actor, 'user', 'update', { organisationId: to, ownerUserId: null }, 'Organisation');
      await getOrganisationToJoin(trx, db.dialect, to);
    }
    if (changingRole) {
      assertMayAssignRole(actor, 'update', await getRoleToAssign(trx, patch.roleCode!));
      await assertNotLastActiveAdmin(trx, db.dialect, current);
    }
    const renaming = patch.displayName !== undefined && patch.displayName !== current.displayName;
    const changed = [
      ...(renaming ? ['displayName'] : []),
      ...(changingRole ? ['roleCode'] : []),
      ...(moving ? ['organisationId'] : []),
    ];
    if (changed.length === 0) return;
    await updateUserRow(trx, id, {
      ...(renaming && { displayName: patch.displayName }),
      ...(changingRole && { roleCode: patch.roleCode }),
      ...(moving && { organisationId: patch.organisationId }),
      updatedAt: clock.now().toISOString(),
    });
    await appendAudit(
      trx,
      {
        action: 'user.update',
        outcome: 'success',
        actor,
        resourceType: 'user',
        resourceId: id,
        details: {
          changed,
          ...(changingRole && { roleCode: patch.roleCode, previousRoleCode: current.role.code }),
          ...(moving && {
            organisationId: patch.organisationId,
            previousOrganisationId: current.organisation.id,
          }),
        },
      },
      clock,
    );
  });
  return getUser(db, actor, id);
}

/**
 * Deactivates an account and, in the same transaction, ends every live session it has and revokes its open
 * invitations: from the commit on, the person's next request answers 401 and no old link works.
 */
export async function deactivateUser(db: Db, actor: Actor, id: string, clock: Clock): Promise<User> {
  await db.kysely.transaction().execute(async (trx) => {
    const current = await getUser(trx, actor, id);
    authorise(actor, 'user', 'archive', userFacts(current, current), 'User');
    if (id === actor.userId) throw selfConflict('deactivate your own account');
    await assertMayManage(trx, actor, 'archive', current);
    await assertNotLastActiveAdmin(trx, db.dialect, current);
    const now = clock.now().toISOString();
    await updateUserRow(trx, id, { status: 'deactivated', deactivatedAt: now, updatedAt: now });
    const sessionsEnded = await endSessions(trx, { userId: id }, 'deactivated', clock);
    const invitationsRevoked = await revokeInvitations(trx, id, clock);
    await appendAudit(
      trx,
      {
        action: 'user.deactivate',
        outcome: 'success',
        actor,
        resourceType: 'user',
        resourceId: id,
        details: { previousStatus: current.status, sessionsEnded, invitationsRevoked },
      },
      clock,
    );
  });
  return getUser(db, actor, id);
}

/**
 * Gives a deactivated account back: active when it has a password, invited again when it never accepted (it then
 * needs a new invitation, as the old ones were revoked).
 */
export async function reactivateUser(db: Db, actor: Actor, id: string, clock: Clock): Promise<User> {
  await db.kysely.transaction().execute(async (trx) => {
    const current = await getUser(trx, actor, id);
    authorise(actor, 'user', 'archive', userFacts(current), 'User');
    if (current.status !== 'deactivated')
      throw new AppError('CONFLICT', `User is ${current.status}, not deactivated`);
    await assertMayManage(trx, actor, 'archive', current);
    await getOrganisationToJoin(trx, db.dialect, current.organisation.id);
    const status: UserStatus = current.hasPassword ? 'active' : 'invited';
    const now = clock.now().toISOString();
    await updateUserRow(trx, id, { status, deactivatedAt: null, updatedAt: now });
    await appendAudit(
      trx,
      {
        action: 'user.reactivate',
        outcome: 'success',
        actor,
        resourceType: 'user',
        resourceId: id,
        details: { status },
      },
      clock,
    );
  });
  return getUser(db, actor, id);
}

/**
 * A new link for someone who has not accepted yet; older links stop working. An active account never gets one: an
 * invitation sets a password, which would let whoever holds the link take the account over.
 */
export async function reinviteUser(
  db: Db,
  actor: Actor,
  id: string,
  input: { expiresInHours?: number | undefined },
  clock: Clock,
): Promise<InvitedUser> {
  const invitation = await db.kysely.transaction().execute(async (trx) => {
    const current = await getUser(trx, actor, id);
    authorise(actor, 'user', 'create', userFacts(current), 'User');
    if (current.status !== 'invited') {
      throw new AppError(
        'CONFLICT',
        `User is ${current.status}; only invited accounts can be invited again`,
        [
          {
            field: 'status',
            value: current.status,
            reason:
              current.status === 'active'
                ? 'the person resets their own password'
                : 'reactivate the account first',
          },
        ],
      );
    }
    await assertMayManage(trx, actor, 'create', current);
    const invitationsRevoked = await revokeInvitations(trx, id, clock);
    const issued = await issueInvitation(
      trx,
      { userId: id, invitedBy: actor.userId, expiresInHours: input.expiresInHours },
      clock,
    );
    await appendAudit(
      trx,
      {
        action: 'user.reinvite',
        outcome: 'success',
        actor,
        resourceType: 'user',
        resourceId: id,
        details: { invitationId: issued.id, expiresAt: issued.expiresAt, invitationsRevoked },
      },
      clock,
    );
    return issued;
  });
  return { user: await getInvitedUser(db, id), invitation };
}
