import fs from 'node:fs';
import path from 'node:path';
import { parseCityPack, type CityPack } from '../../core/contracts/city-pack.ts';
import { parseMapping } from '../../core/contracts/mapping.ts';
import type { Db, Executor } from '../db/database.ts';
import { appendAudit } from '../platform/audit/audit.ts';
import type { Clock } from '../platform/clock.ts';
import { AppError } from '../platform/errors.ts';
import { importAreaAttributes, importAreas } from '../domains/areas/areas.service.ts';
import { CITY_TIMEZONE_KEY, importSignals, type ImportReport } from '../domains/signals/signals.service.ts';
import type { NewSource } from '../domains/sources/sources.schemas.ts';
import { createSource, findSourceByCode } from '../domains/sources/sources.service.ts';
import { seedDefaultTaxonomy } from '../domains/taxonomy/taxonomy.service.ts';

export const CITY_NAME_KEY = 'city.name';
export const CITY_LOCALE_KEY = 'city.defaultLocale';

export type CityPackReport = {
  name: string;
  areas: { imported: number; updated: number };
  attributes: { imported: number; updated: number };
  sources: { created: string[]; existing: string[] };
  signals: Array<{ source: string; file: string } & Pick<ImportReport, 'batchId' | 'inserted' | 'updated' | 'unchanged'>>;
};

function readJsonFile(dir: string, file: string, what: string): unknown {
  const full = path.join(dir, file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch (e) {
    throw new AppError('NOT_FOUND', `${what} ${file} not found in the city pack`, [
      { file: full, reason: (e as Error).message },
    ]);
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new AppError('VALIDATION_FAILED', `${what} ${file} is not valid JSON`, [
      { file: full, reason: (e as Error).message },
    ]);
  }
}

function readBytes(dir: string, file: string): Uint8Array {
  const full = path.join(dir, file);
  try {
    return fs.readFileSync(full);
  } catch (e) {
    throw new AppError('NOT_FOUND', `${file} not found in the city pack`, [{ file: full, reason: (e as Error).message }]);
  }
}

export function readCityPack(dir: string): CityPack {
  return parseCityPack(readJsonFile(dir, 'city.json', 'Manifest'));
}

async function setMeta(ex: Executor, key: string, value: string): Promise<void> {
  await ex
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/**
 * Loads a city pack (a folder with city.json, see core/contracts/city-pack.ts) through the same services any city
 * uses: boundaries, area attributes, sources with their mappings, then every signal file. Safe to run again:
 * boundaries and attributes are upserted, existing sources are left as the city edited them, and re-imported
 * signal files change nothing that did not change. No person is behind a load: the audit trail records city.load
 * (with the city settings it writes) and each service's own entry, all with `via`.
 */
export async function loadCityPack(
  db: Db,
  dir: string,
  clock: Clock,
  via: 'cli' | 'demo',
  log: (msg: string) => void = () => {},
): Promise<CityPackReport> {
  const pack = readCityPack(dir);
  const started = performance.now();
  const elapsed = () => `${Math.round(performance.now() - started)} ms`;
  await seedDefaultTaxonomy(db, clock);
  await db.kysely.transaction().execute(async (trx) => {
    await setMeta(trx, CITY_NAME_KEY, pack.name);
    await setMeta(trx, CITY_TIMEZONE_KEY, pack.timezone);
    await setMeta(trx, CITY_LOCALE_KEY, pack.defaultLocale);
    await appendAudit(
      trx,
      {
        action: 'city.load',
        outcome: 'success',
        actor: null,
        resourceType: 'city',
        details: {
          via,
          name: pack.name,
          timezone: pack.timezone,
          defaultLocale: pack.defaultLocale,
          boundaryFiles: pack.boundaries.length,
          attributeFiles: pack.attributes.length,
          sources: pack.sources.length,
          signalFiles: pack.signals.length,
        },
      },
      clock,
    );
  });

  const report: CityPackReport = {
    name: pack.name,
    areas: { imported: 0, updated: 0 },
    attributes: { imported: 0, updated: 0 },
    sources: { created: [], existing: [] },
    signals: [],
  };

  for (const b of pack.boundaries) {
    const r = await importAreas(
      db,
      {
        geojson: readBytes(dir, b.file),
        codeProperty: b.codeProperty,
        nameProperty: b.nameProperty,
        ...(b.level !== undefined && { level: b.level }),
        ...(b.parentCodeProperty !== undefined && { parentCodeProperty: b.parentCodeProperty }),
      },
      clock,
      null,
      via,
    );
    report.areas.imported += r.imported;
    report.areas.updated += r.updated;
    log(`${pack.name}: ${b.file}: ${r.imported} areas imported, ${r.updated} updated (${elapsed()})`);
  }

  for (const a of pack.attributes) {
    const r = await importAreaAttributes(
      db,
      {
        csv: readBytes(dir, a.file),
        codeColumn: a.codeColumn,
        columns: a.columns,
        ...(a.source !== undefined && { source: a.source }),
      },
      clock,
      null,
      via,
    );
    report.attributes.imported += r.imported;
    report.attributes.updated += r.updated;
    log(`${pack.name}: ${a.file}: ${r.imported} areas' attributes imported, ${r.updated} updated (${elapsed()})`);
  }

  const mappingOf = (ref: string | Record<string, unknown>) =>
    typeof ref === 'string' ? readJsonFile(dir, ref, 'Mapping') : ref;

  for (const s of pack.sources) {
    if (await findSourceByCode(db, s.code)) {
      report.sources.existing.push(s.code);
      continue;
    }
    const { mapping, ...fields } = s;
    const input = {
      ...fields,
      ...(mapping !== undefined && { mapping: mappingOf(mapping) }),
    } as NewSource;
    await createSource(db, input, clock, null, via);
    report.sources.created.push(s.code);
    log(`${pack.name}: source ${s.code} registered`);
  }

  for (const sig of pack.signals) {
    const source = await findSourceByCode(db, sig.source);
    if (!source) {
      throw new AppError('VALIDATION_FAILED', `city.json: signals name the unknown source ${sig.source}`, [
        { path: 'signals.source', value: sig.source, reason: 'list the source under sources' },
      ]);
    }
    const mapping = sig.mapping !== undefined ? parseMapping(mappingOf(sig.mapping)) : source.mapping;
    if (!mapping) {
      throw new AppError('MAPPING_INVALID', `No mapping for ${sig.file}`, [
        { path: 'signals.mapping', value: sig.file, reason: 'name a mapping file, or give the source one' },
      ]);
    }
    const r = await importSignals(
      db,
      { sourceCode: sig.source, mapping, file: { name: sig.file, path: path.join(dir, sig.file) } },
      clock,
      null,
      via,
    );
    report.signals.push({
      source: sig.source,
      file: sig.file,
      batchId: r.batchId,
      inserted: r.inserted,
      updated: r.updated,
      unchanged: r.unchanged,
    });
    log(
      `${pack.name}: ${sig.file}: ${r.inserted} signals imported, ${r.updated} updated, ${r.unchanged} unchanged (${elapsed()})`,
    );
  }
  return report;
}

/** The demo city shipped with Cohesion (Toronto open data), resolved from the repository, not the working directory. */
export const DEMO_CITY_DIR = path.resolve(import.meta.dirname, '..', '..', 'demo', 'toronto');

/**
 * First start of a demo instance: with DEMO_CITY on and no areas in the database yet, loads the demo city so the
 * console shows real neighbourhoods and incidents. An instance that already has areas (a real city, or the demo
 * loaded before) is left alone.
 */
export async function loadDemoCityIfEmpty(
  db: Db,
  options: { enabled: boolean; clock: Clock; log?: (msg: string) => void },
): Promise<CityPackReport | null> {
  if (!options.enabled) return null;
  const any = await db.kysely.selectFrom('area').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  return loadCityPack(db, DEMO_CITY_DIR, options.clock, 'demo', options.log);
}
