import { sql, type SqlBool } from 'kysely';
import type { Executor } from '../../db/database.ts';

/** Which signals a picture counts. Empty arrays mean "no restriction". */
export type SignalFilter = {
  from: string | undefined;
  to: string | undefined;
  labels: string[];
  sourceIds: string[];
};

// Term codes contain '_', a LIKE wildcard: without escaping, 'bias.anti_roma' would also match 'bias.antiXroma.…'.
const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Signal counts grouped by area (null = city-wide). A signal with several matching labels counts once:
 * labels are tested with EXISTS rather than joined. The same SQL serves SQLite and PostgreSQL.
 */
export async function countSignalsByArea(
  db: Executor,
  filter: SignalFilter,
): Promise<Array<{ areaId: string | null; count: number }>> {
  let query = db
    .selectFrom('signal as s')
    .select((eb) => ['s.areaId', eb.fn.countAll<number>().as('count')])
    .groupBy('s.areaId');
  if (filter.from !== undefined) query = query.where('s.occurredOn', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('s.occurredOn', '<=', filter.to);
  if (filter.sourceIds.length > 0) query = query.where('s.sourceId', 'in', filter.sourceIds);
  if (filter.labels.length > 0) {
    const labels = filter.labels;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('signalLabel as sl')
          .select(sql<number>`1`.as('one'))
          .whereRef('sl.signalId', '=', 's.id')
          .where((eb) =>
            eb.or(
              labels.flatMap((code) => [
                eb('sl.termCode', '=', code),
                sql<SqlBool>`sl.term_code LIKE ${`${escapeLike(code)}.%`} ESCAPE '\\'`,
              ]),
            ),
          ),
      ),
    );
  }
  const rows = await query.execute();
  return rows.map((r) => ({ areaId: r.areaId, count: Number(r.count) }));
}

/** Every area with its denominator attribute (null when the area has none), ordered by code. */
export async function listAreasWithAttribute(
  db: Executor,
  key: string,
): Promise<Array<{ id: string; code: string; name: string; value: number | null }>> {
  return db
    .selectFrom('area as a')
    .leftJoin('areaAttribute as aa', (join) => join.onRef('aa.areaId', '=', 'a.id').on('aa.key', '=', key))
    .select(['a.id', 'a.code', 'a.name', 'aa.value'])
    .orderBy('a.code')
    .execute();
}

export async function attributeKeyExists(db: Executor, key: string): Promise<boolean> {
  const row = await db
    .selectFrom('areaAttribute')
    .select('areaId')
    .where('key', '=', key)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Time of the latest batch still in force (rolled-back batches no longer describe the data). */
export async function findLatestBatchTime(db: Executor, sourceIds: string[]): Promise<string | null> {
  let query = db
    .selectFrom('importBatch')
    .select((eb) => eb.fn.max('createdAt').as('latest'))
    .where('rolledBackAt', 'is', null);
  if (sourceIds.length > 0) query = query.where('sourceId', 'in', sourceIds);
  const row = await query.executeTakeFirst();
  return row?.latest ?? null;
}

export async function findSignalDateExtent(
  db: Executor,
): Promise<{ first: string | null; last: string | null }> {
  const row = await db
    .selectFrom('signal')
    .select((eb) => [eb.fn.min('occurredOn').as('first'), eb.fn.max('occurredOn').as('last')])
    .executeTakeFirst();
  return { first: row?.first ?? null, last: row?.last ?? null };
}

export async function listTermCodes(db: Executor, codes: string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set();
  const rows = await db.selectFrom('taxonomyTerm').select('code').where('code', 'in', codes).execute();
  return new Set(rows.map((r) => r.code));
}

export async function listSourceIdsByCode(db: Executor, codes: string[]): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map();
  const rows = await db.selectFrom('source').select(['id', 'code']).where('code', 'in', codes).execute();
  return new Map(rows.map((r) => [r.code, r.id]));
}
