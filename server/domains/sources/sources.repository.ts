import { Kysely, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db, Executor } from '../../db/database.ts';
import type { SourceTable } from '../../db/schema.ts';

export type SourceRow = Selectable<SourceTable>;

export const executorOf = (db: Db | Executor): Executor => (db instanceof Kysely ? db : db.kysely);

export async function selectSourceByCode(ex: Executor, code: string): Promise<SourceRow | undefined> {
  return ex.selectFrom('source').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function selectSources(
  ex: Executor,
  options: { includeArchived: boolean },
): Promise<SourceRow[]> {
  let q = ex.selectFrom('source').selectAll();
  if (!options.includeArchived) q = q.where('archivedAt', 'is', null);
  return q.orderBy('code').execute();
}

/** False when the code is taken, including by a concurrent insert. */
export async function insertSourceIfNew(ex: Executor, row: Insertable<SourceTable>): Promise<boolean> {
  const r = await ex
    .insertInto('source')
    .values(row)
    .onConflict((oc) => oc.column('code').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function updateSourceRow(
  ex: Executor,
  id: string,
  changes: Updateable<SourceTable>,
): Promise<void> {
  await ex.updateTable('source').set(changes).where('id', '=', id).execute();
}

export async function setLastDeliveredAt(ex: Executor, id: string, at: string): Promise<boolean> {
  const r = await ex
    .updateTable('source')
    .set({ lastDeliveredAt: at })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
