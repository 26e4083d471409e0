import type { Db, Executor } from '../../db/database.ts';
import {
  can,
  grantProblems,
  listScope,
  requiresSecondFactor,
  type Actor,
  type Grant,
  type RecordFacts,
} from '../../platform/access/policy.ts';
import { appendAudit } from '../../platform/audit/audit.ts';
import { parseGrants } from '../../platform/auth/sessions.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, notFound, type ProblemDetail } from '../../platform/errors.ts';
import { authorise } from './users.access.ts';
import {
  countMembersByRole,
  deleteUnusedCustomRole,
  insertRoleIfNew,
  selectRole,
  selectRoles,
  updateRoleRow,
  type RoleRow,
} from './roles.repository.ts';
import type { NewRole, RoleUpdate } from './roles.schemas.ts';

export type Role = {
  code: string;
  name: string;
  description: string | null;
  builtin: boolean;
  grants: Grant[];
  requiresSecondFactor: boolean;
  memberCount: number;
  createdAt: string;
  updatedAt: string;
};

/** Roles belong to the whole instance, not to an organisation or a person: only grants at scope `all` reach them. */
export const ROLE_FACTS: RecordFacts = { organisationId: null, ownerUserId: null };

const executor = (db: Db | Executor): Executor => ('kysely' in db ? db.kysely : db);

function toRole(row: RoleRow, memberCount: number): Role {
  const grants = parseGrants(row.grants);
  return {
    code: row.code,
    name: row.name,
    description: row.description,
    builtin: row.builtin === 1,
    grants,
    requiresSecondFactor: requiresSecondFactor(grants),
    memberCount,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function listRoles(db: Db, actor: Actor): Promise<Role[]> {
  const rows = await selectRoles(db.kysely, listScope(actor, 'role'));
  if (rows.length === 0) return [];
  const counts = await countMembersByRole(db.kysely);
  return rows.map((r) => toRole(r, counts.get(r.code) ?? 0));
}

export async function getRole(db: Db | Executor, actor: Actor, code: string): Promise<Role> {
  const ex = executor(db);
  const row = can(actor, 'role', 'read', ROLE_FACTS) ? await selectRole(ex, code) : undefined;
  if (!row) throw notFound(`Role ${code}`);
  return toRole(row, (await countMembersByRole(ex, [code])).get(code) ?? 0);
}

/**
 * The role an account is about to be given, whether or not the actor may read roles (a delegated account manager
 * may assign roles without administering them). NOT_FOUND names the field.
 */
export async function getRoleToAssign(
  ex: Executor,
  code: string,
): Promise<{ code: string; grants: Grant[] }> {
  const row = await selectRole(ex, code);
  if (!row) throw new AppError('NOT_FOUND', `Role ${code} not found`, [{ field: 'roleCode', value: code }]);
  return { code: row.code, grants: parseGrants(row.grants) };
}

/**
 * The schema has already checked each grant's resource, action and scope names; this checks that the action exists
 * on the resource (grantProblems) and that no action is granted twice, naming the grant at fault.
 */
function checkGrants(grants: readonly Grant[]): void {
  const problems: ProblemDetail[] = [];
  const seen = new Set<string>();
  grants.forEach((g, i) => {
    const value = `${g.resource}:${g.action}:${g.scope}`;
    for (const reason of grantProblems([g])) problems.push({ field: `grants.${i}`, value, reason });
    const key = `${g.resource}:${g.action}`;
    if (seen.has(key))
      problems.push({
        field: `grants.${i}`,
        value,
        reason: `${g.resource} ${g.action} is granted more than once`,
      });
    seen.add(key);
  });
  if (problems.length > 0) throw new AppError('VALIDATION_FAILED', 'The grants are not valid', problems);
}

const auditGrants = (grants: readonly Grant[]) => grants.map((g) => `${g.resource}:${g.action}:${g.scope}`);

export async function createRole(db: Db, actor: Actor, input: NewRole, clock: Clock): Promise<Role> {
  if (!can(actor, 'role', 'create', ROLE_FACTS))
    throw new AppError('FORBIDDEN', 'Your role does not allow creating roles');
  checkGrants(input.grants);
  const now = clock.now().toISOString();
  await db.kysely.transaction().execute(async (trx) => {
    const inserted = await insertRoleIfNew(trx, {
      code: input.code,
      name: input.name,
      description: input.description || null,
      grants: JSON.stringify(input.grants),
      builtin: 0,
      createdAt: now,
      updatedAt: now,
    });
    if (!inserted) {
      throw new AppError('CONFLICT', 'A role with this code already exists', [
        { field: 'code', value: input.code, reason: 'role codes are unique, built-in ones included' },
      ]);
    }
    await appendAudit(
      trx,
      {
        action: 'role.create',
        outcome: 'success',
        actor,
        resourceType: 'role',
        resourceId: input.code,
        details: {
          grants: auditGrants(input.grants),
          requiresSecondFactor: requiresSecondFactor(input.grants),
        },
      },
      clock,
    );
  });
  return getRole(db, actor, input.code);
}

const builtinConflict = (code: string) =>
  new AppError('CONFLICT', 'Built-in roles come with the release and cannot be changed', [
    { field: 'code', value: code, reason: 'make a custom role with the grants you need instead' },
  ]);

/**
 * Changes a custom role. New grants apply to its members from their next request: sessions read the role's grants
 * each time, so a role that now reaches personal data asks its members for a second factor at once.
 */
export async function updateRole(
  db: Db,
  actor: Actor,
  code: string,
  patch: RoleUpdate,
  clock: Clock,
): Promise<Role> {
  await db.kysely.transaction().execute(async (trx) => {
    const current = await getRole(trx, actor, code);
    authorise(actor, 'role', 'update', ROLE_FACTS, `Role ${code}`);
    if (current.builtin) throw builtinConflict(code);
    if (patch.grants) checkGrants(patch.grants);
    const changed = [
      ...(patch.name !== undefined && patch.name !== current.name ? ['name'] : []),
      ...(patch.description !== undefined && (patch.description || null) !== current.description
        ? ['description']
        : []),
      ...(patch.grants !== undefined && JSON.stringify(patch.grants) !== JSON.stringify(current.grants)
        ? ['grants']
        : []),
    ];
    if (changed.length === 0) return;
    await updateRoleRow(trx, code, {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.description !== undefined && { description: patch.description || null }),
      ...(patch.grants !== undefined && { grants: JSON.stringify(patch.grants) }),
      updatedAt: clock.now().toISOString(),
    });
    await appendAudit(
      trx,
      {
        action: 'role.update',
        outcome: 'success',
        actor,
        resourceType: 'role',
        resourceId: code,
        details: {
          changed,
          ...(patch.grants && {
            grants: auditGrants(patch.grants),
            previousGrants: auditGrants(current.grants),
            requiresSecondFactor: requiresSecondFactor(patch.grants),
          }),
        },
      },
      clock,
    );
  });
  return getRole(db, actor, code);
}

/** Removes a custom role nobody holds (the roles table keeps no archived state; the audit trail keeps its history). */
export async function removeRole(db: Db, actor: Actor, code: string, clock: Clock): Promise<void> {
  await db.kysely.transaction().execute(async (trx) => {
    const current = await getRole(trx, actor, code);
    authorise(actor, 'role', 'archive', ROLE_FACTS, `Role ${code}`);
    if (current.builtin) throw builtinConflict(code);
    const inUse = () =>
      new AppError('CONFLICT', 'People still hold this role', [
        { field: 'memberCount', value: current.memberCount, reason: 'give them another role first' },
      ]);
    if (current.memberCount > 0) throw inUse();
    if (!(await deleteUnusedCustomRole(trx, code))) throw inUse();
    await appendAudit(
      trx,
      {
        action: 'role.remove',
        outcome: 'success',
        actor,
        resourceType: 'role',
        resourceId: code,
        details: { grants: auditGrants(current.grants) },
      },
      clock,
    );
  });
}
