import { Kysely, type Insertable, type Selectable } from 'kysely';
import type { Db, Executor } from '../../db/database.ts';
import type { TaxonomyLabelTable, TaxonomyTermTable } from '../../db/schema.ts';

export type TermRow = Selectable<TaxonomyTermTable>;
export type LabelRow = Selectable<TaxonomyLabelTable>;

// Both dialects accept far more, but a label row has 6 parameters and this keeps every statement small.
const INSERT_CHUNK = 500;

export const executorOf = (db: Db | Executor): Executor => (db instanceof Kysely ? db : db.kysely);

export async function selectTerms(
  ex: Executor,
  filter: { codes?: readonly string[]; facet?: string; includeRetired?: boolean } = {},
): Promise<TermRow[]> {
  let q = ex.selectFrom('taxonomyTerm').selectAll();
  if (filter.codes) {
    if (filter.codes.length === 0) return [];
    q = q.where('code', 'in', [...filter.codes]);
  }
  if (filter.facet) q = q.where('facet', '=', filter.facet);
  if (!filter.includeRetired) q = q.where('retiredAt', 'is', null);
  return q.orderBy('sortOrder').orderBy('code').execute();
}

export async function selectLabels(ex: Executor, termCodes: readonly string[] | 'all'): Promise<LabelRow[]> {
  let q = ex.selectFrom('taxonomyLabel').selectAll();
  if (termCodes !== 'all') {
    if (termCodes.length === 0) return [];
    q = q.where('termCode', 'in', [...termCodes]);
  }
  return q.orderBy('termCode').orderBy('locale').execute();
}

export async function selectTermStates(
  ex: Executor,
): Promise<Array<Pick<TermRow, 'code' | 'facet' | 'retiredAt'>>> {
  return ex.selectFrom('taxonomyTerm').select(['code', 'facet', 'retiredAt']).execute();
}

export async function selectMaxSortOrder(ex: Executor): Promise<number> {
  const row = await ex
    .selectFrom('taxonomyTerm')
    .select((eb) => eb.fn.max<number | null>('sortOrder').as('max'))
    .executeTakeFirst();
  return row?.max ?? 0;
}

/** Inserts terms that do not exist yet; returns how many were new. Concurrent seeders do not collide. */
export async function insertTermsIfMissing(
  ex: Executor,
  rows: Insertable<TaxonomyTermTable>[],
): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const r = await ex
      .insertInto('taxonomyTerm')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .onConflict((oc) => oc.column('code').doNothing())
      .executeTakeFirst();
    inserted += Number(r.numInsertedOrUpdatedRows ?? 0n);
  }
  return inserted;
}

export async function insertLabelsIfMissing(
  ex: Executor,
  rows: Insertable<TaxonomyLabelTable>[],
): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const r = await ex
      .insertInto('taxonomyLabel')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .onConflict((oc) => oc.columns(['termCode', 'locale']).doNothing())
      .executeTakeFirst();
    inserted += Number(r.numInsertedOrUpdatedRows ?? 0n);
  }
  return inserted;
}

/** Refreshes a shipped label, unless the city has edited it in the meantime. */
export async function updateDefaultLabel(
  ex: Executor,
  row: { termCode: string; locale: string; label: string; description: string | null },
): Promise<void> {
  await ex
    .updateTable('taxonomyLabel')
    .set({ label: row.label, description: row.description })
    .where('termCode', '=', row.termCode)
    .where('locale', '=', row.locale)
    .where('editedAt', 'is', null)
    .execute();
}

/** Writes a city's label; `description: undefined` keeps the description already stored for that locale. */
export async function upsertCityLabel(
  ex: Executor,
  row: {
    termCode: string;
    locale: string;
    label: string;
    description: string | null | undefined;
    editedAt: string;
  },
): Promise<void> {
  await ex
    .insertInto('taxonomyLabel')
    .values({
      termCode: row.termCode,
      locale: row.locale,
      label: row.label,
      description: row.description ?? null,
      editedAt: row.editedAt,
    })
    .onConflict((oc) =>
      oc.columns(['termCode', 'locale']).doUpdateSet({
        label: row.label,
        editedAt: row.editedAt,
        ...(row.description === undefined ? {} : { description: row.description }),
      }),
    )
    .execute();
}

export async function setTermRetiredAt(
  ex: Executor,
  code: string,
  retiredAt: string | null,
  updatedAt: string,
): Promise<void> {
  await ex.updateTable('taxonomyTerm').set({ retiredAt, updatedAt }).where('code', '=', code).execute();
}

export async function touchTerm(ex: Executor, code: string, updatedAt: string): Promise<void> {
  await ex.updateTable('taxonomyTerm').set({ updatedAt }).where('code', '=', code).execute();
}
