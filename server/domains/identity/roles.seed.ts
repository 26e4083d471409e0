import type { Db } from '../../db/database.ts';
import type { Clock } from '../../platform/clock.ts';
import { BUILTIN_ROLES } from '../../platform/access/policy.ts';

/**
 * Brings the built-in roles in line with the code on every start: their grants are part of the release, not
 * data a city edits (a city that wants different grants makes a custom role).
 */
export async function seedBuiltinRoles(db: Db, clock: Clock): Promise<void> {
  const now = clock.now().toISOString();
  await db.kysely.transaction().execute(async (trx) => {
    for (const role of BUILTIN_ROLES) {
      const values = {
        name: role.name,
        description: role.description,
        grants: JSON.stringify(role.grants),
        builtin: 1,
        updatedAt: now,
      };
      await trx
        .insertInto('role')
        .values({ code: role.code, ...values, createdAt: now })
        .onConflict((oc) => oc.column('code').doUpdateSet(values))
        .execute();
    }
  });
}
