import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import {
  attributeKeyExists,
  countSignalsByArea,
  findLatestBatchTime,
  findSignalDateExtent,
  listAreasWithAttribute,
  listSourceIdsByCode,
  listTermCodes,
} from './picture.repository.ts';

export const DEFAULT_DENOMINATOR = 'population_2021';

export type AreaPictureQuery = {
  from?: string | undefined;
  to?: string | undefined;
  labels?: string[];
  sources?: string[];
  /** Area attribute used as the rate's denominator; DEFAULT_DENOMINATOR when omitted. */
  denominator?: string | undefined;
};

export type AreaPicture = {
  from: string | null;
  to: string | null;
  dataAsOf: string | null;
  denominator: string;
  cityWide: { count: number };
  areas: Array<{
    code: string;
    name: string;
    count: number;
    population: number | null;
    ratePer10k: number | null;
  }>;
};

export type SignalExtent = { from: string | null; to: string | null; dataAsOf: string | null };

/** Rate per 10,000 residents; null when the denominator is unknown or not positive, so "no data" is never shown as zero. */
export function ratePer10k(count: number, population: number | null): number | null {
  if (population === null || !(population > 0)) return null;
  return (count * 10_000) / population;
}

/** Signals per area for a period, category and source, with the rate per 10,000 residents. */
export async function getAreaPicture(db: Db, query: AreaPictureQuery): Promise<AreaPicture> {
  const labels = [...new Set(query.labels ?? [])];
  const sources = [...new Set(query.sources ?? [])];

  const knownTerms = await listTermCodes(db.kysely, labels);
  const unknownTerms = labels.filter((code) => !knownTerms.has(code));
  if (unknownTerms.length > 0) {
    throw new AppError(
      'NOT_FOUND',
      `Category not found: ${unknownTerms.join(', ')}`,
      unknownTerms.map((value) => ({ parameter: 'label', value, reason: 'no such category' })),
    );
  }
  const sourceIdByCode = await listSourceIdsByCode(db.kysely, sources);
  const unknownSources = sources.filter((code) => !sourceIdByCode.has(code));
  if (unknownSources.length > 0) {
    throw new AppError(
      'NOT_FOUND',
      `Source not found: ${unknownSources.join(', ')}`,
      unknownSources.map((value) => ({ parameter: 'source', value, reason: 'no such source' })),
    );
  }
  // An explicit denominator that no area has is a typo, not "no data".
  if (query.denominator !== undefined && !(await attributeKeyExists(db.kysely, query.denominator))) {
    throw new AppError('NOT_FOUND', `Area attribute not found: ${query.denominator}`, [
      { parameter: 'denominator', value: query.denominator, reason: 'no area has this attribute' },
    ]);
  }
  const denominator = query.denominator ?? DEFAULT_DENOMINATOR;
  const sourceIds = [...sourceIdByCode.values()];

  const [counts, areas, dataAsOf] = await Promise.all([
    countSignalsByArea(db.kysely, { from: query.from, to: query.to, labels, sourceIds }),
    listAreasWithAttribute(db.kysely, denominator),
    findLatestBatchTime(db.kysely, sourceIds),
  ]);
  const countByArea = new Map(counts.map((c) => [c.areaId, c.count]));
  return {
    from: query.from ?? null,
    to: query.to ?? null,
    dataAsOf,
    denominator,
    cityWide: { count: countByArea.get(null) ?? 0 },
    areas: areas.map((a) => {
      const count = countByArea.get(a.id) ?? 0;
      return {
        code: a.code,
        name: a.name,
        count,
        population: a.value,
        ratePer10k: ratePer10k(count, a.value),
      };
    }),
  };
}

/** First and last occurrence dates of all signals, from which the console derives its default periods. */
export async function getSignalExtent(db: Db): Promise<SignalExtent> {
  const [extent, dataAsOf] = await Promise.all([
    findSignalDateExtent(db.kysely),
    findLatestBatchTime(db.kysely, []),
  ]);
  return { from: extent.first, to: extent.last, dataAsOf };
}
