import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../../db/database.ts';
import type { AreaAttributeTable, AreaTable } from '../../db/schema.ts';

export type AreaRow = Selectable<AreaTable>;
export type NewAreaRow = Insertable<AreaTable>;
export type AreaRowUpdate = Updateable<AreaTable>;
export type AreaAttributeRow = Selectable<AreaAttributeTable>;
export type NewAreaAttributeRow = Insertable<AreaAttributeTable>;

/** Listing columns: everything but the geometry text, which is large. */
export type AreaSummaryRow = Omit<AreaRow, 'geometry'> & { parentCode: string | null };

// Below SQLite's 32 766 bound-parameter limit with room to spare, and PostgreSQL's 65 535.
const MAX_PARAMS = 30_000;
const chunk = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

export async function listAreaSummaries(
  db: Executor,
  options: { level?: string } = {},
): Promise<AreaSummaryRow[]> {
  let q = db
    .selectFrom('area')
    .leftJoin('area as parent', 'parent.id', 'area.parentId')
    .select([
      'area.id',
      'area.code',
      'area.name',
      'area.level',
      'area.parentId',
      'parent.code as parentCode',
      'area.minLon',
      'area.minLat',
      'area.maxLon',
      'area.maxLat',
      'area.createdAt',
      'area.updatedAt',
    ])
    .orderBy('area.code');
  if (options.level !== undefined) q = q.where('area.level', '=', options.level);
  return q.execute();
}

export async function findAreaByCode(
  db: Executor,
  code: string,
): Promise<(AreaRow & { parentCode: string | null }) | undefined> {
  return db
    .selectFrom('area')
    .leftJoin('area as parent', 'parent.id', 'area.parentId')
    .selectAll('area')
    .select('parent.code as parentCode')
    .where('area.code', '=', code)
    .executeTakeFirst();
}

/** Id, code and parent of every area: small enough to hold for a whole import. */
export async function listAreaKeys(
  db: Executor,
): Promise<Array<{ id: string; code: string; parentId: string | null }>> {
  return db.selectFrom('area').select(['id', 'code', 'parentId']).execute();
}

/** Areas with their geometry for building the point index and the boundary topology. */
export async function listAreaGeometries(
  db: Executor,
  options: { leavesOnly?: boolean; level?: string } = {},
): Promise<
  Array<{
    id: string;
    code: string;
    name: string;
    level: string;
    parentCode: string | null;
    geometry: string;
  }>
> {
  let q = db
    .selectFrom('area')
    .leftJoin('area as parent', 'parent.id', 'area.parentId')
    .select(['area.id', 'area.code', 'area.name', 'area.level', 'parent.code as parentCode', 'area.geometry'])
    .orderBy('area.code');
  if (options.level !== undefined) q = q.where('area.level', '=', options.level);
  if (options.leavesOnly) {
    q = q.where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('area as child').select('child.id').whereRef('child.parentId', '=', 'area.id'))),
    );
  }
  return q.execute();
}

/** Changes whenever an area is added or its row is rewritten; keys caches of derived boundary data. */
export async function getAreasDataVersion(db: Executor): Promise<string> {
  const row = await db
    .selectFrom('area')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max('updatedAt').as('lastUpdated')])
    .executeTakeFirstOrThrow();
  return `${Number(row.count)}:${row.lastUpdated ?? ''}`;
}

export async function insertAreas(db: Executor, rows: NewAreaRow[]): Promise<void> {
  for (const part of chunk(rows, Math.floor(MAX_PARAMS / 13))) {
    await db.insertInto('area').values(part).execute();
  }
}

export async function updateAreaById(db: Executor, id: string, patch: AreaRowUpdate): Promise<void> {
  await db.updateTable('area').set(patch).where('id', '=', id).execute();
}

export async function listAttributes(
  db: Executor,
  options: { areaIds?: string[]; keys?: string[] } = {},
): Promise<AreaAttributeRow[]> {
  if (options.areaIds !== undefined && options.areaIds.length === 0) return [];
  if (options.areaIds === undefined) {
    let q = db.selectFrom('areaAttribute').selectAll().orderBy('areaId').orderBy('key');
    if (options.keys) q = q.where('key', 'in', options.keys);
    return q.execute();
  }
  const out: AreaAttributeRow[] = [];
  for (const ids of chunk(options.areaIds, MAX_PARAMS - (options.keys?.length ?? 0))) {
    let q = db.selectFrom('areaAttribute').selectAll().where('areaId', 'in', ids);
    if (options.keys) q = q.where('key', 'in', options.keys);
    out.push(...(await q.orderBy('areaId').orderBy('key').execute()));
  }
  return out;
}

/** Insert or overwrite (area, key) values; both dialects support ON CONFLICT … DO UPDATE with `excluded`. */
export async function upsertAttributes(db: Executor, rows: NewAreaAttributeRow[]): Promise<void> {
  for (const part of chunk(rows, Math.floor(MAX_PARAMS / 5))) {
    await db
      .insertInto('areaAttribute')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['areaId', 'key']).doUpdateSet((eb) => ({
          value: eb.ref('excluded.value'),
          source: eb.ref('excluded.source'),
          updatedAt: eb.ref('excluded.updatedAt'),
        })),
      )
      .execute();
  }
}
