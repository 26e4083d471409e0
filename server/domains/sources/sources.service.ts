import type { z } from 'zod';
import { checkMappingTerms, parseMapping, type Mapping } from '../../../core/contracts/mapping.ts';
import type { Db, Executor } from '../../db/database.ts';
import { appendAudit, type AuditActor } from '../../platform/audit/audit.ts';
import { isoNow, systemClock, type Clock } from '../../platform/clock.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { listTermStates } from '../taxonomy/taxonomy.service.ts';
import { computeFreshness, type Cadence } from './sources.freshness.ts';
import {
  executorOf,
  insertSourceIfNew,
  selectSourceByCode,
  selectSources,
  setLastDeliveredAt,
  updateSourceRow,
  type SourceRow,
} from './sources.repository.ts';
import {
  newSourceSchema,
  sourceUpdateSchema,
  type NewSource,
  type SourceKind,
  type SourceMethod,
  type SourceUpdate,
} from './sources.schemas.ts';

export type Source = {
  id: string;
  code: string;
  name: string;
  kind: SourceKind;
  contactName: string | null;
  contactEmail: string | null;
  licence: string | null;
  method: SourceMethod;
  url: string | null;
  cadence: Cadence;
  mapping: Mapping | null;
  notes: string | null;
  lastDeliveredAt: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
};

export type SourceWithFreshness = Source & { nextDueAt: string | null; overdue: boolean };

export async function findSourceByCode(db: Db | Executor, code: string): Promise<Source | undefined> {
  const row = await selectSourceByCode(executorOf(db), code);
  return row ? toSource(row) : undefined;
}

/** The source with its mapping parsed, for imports; archived sources are returned too, with `archivedAt` set. */
export async function getSourceByCode(db: Db | Executor, code: string): Promise<Source> {
  const source = await findSourceByCode(db, code);
  if (!source) throw notFound(`Source ${code}`);
  return source;
}

export async function getSourceWithFreshness(
  db: Db | Executor,
  code: string,
  clock: Clock = systemClock,
): Promise<SourceWithFreshness> {
  return withFreshness(await getSourceByCode(db, code), clock.now());
}

/** Sources by code, with freshness as of the clock; archived ones only when asked for. */
export async function listSources(
  db: Db | Executor,
  options: { overdue?: boolean | undefined; includeArchived?: boolean | undefined } = {},
  clock: Clock = systemClock,
): Promise<SourceWithFreshness[]> {
  const now = clock.now();
  const rows = await selectSources(executorOf(db), { includeArchived: options.includeArchived ?? false });
  const sources = rows.map((r) => withFreshness(toSource(r), now));
  return options.overdue === undefined ? sources : sources.filter((s) => s.overdue === options.overdue);
}

/**
 * Registers a provider. `actor` is the signed-in person asking, or null for a command run on the server, whose
 * audit entry then says `via` which one.
 */
export async function createSource(
  db: Db,
  input: NewSource,
  clock: Clock,
  actor: AuditActor | null,
  via: 'cli' | 'demo' = 'cli',
): Promise<SourceWithFreshness> {
  const data = parseInput(newSourceSchema, input, 'The source is not valid');
  const now = isoNow(clock);
  const id = newId();
  await db.kysely.transaction().execute(async (trx) => {
    const mapping = data.mapping ? await validateMapping(trx, data.mapping) : null;
    const inserted = await insertSourceIfNew(trx, {
      id,
      code: data.code,
      name: data.name,
      kind: data.kind,
      contactName: blankToNull(data.contactName),
      contactEmail: data.contactEmail ?? null,
      licence: blankToNull(data.licence),
      method: data.method,
      url: data.method === 'url' ? (data.url ?? null) : null,
      cadence: data.cadence,
      mapping,
      notes: blankToNull(data.notes),
      lastDeliveredAt: null,
      createdAt: now,
      updatedAt: now,
      archivedAt: null,
    });
    if (!inserted) {
      throw new AppError('CONFLICT', 'A source with this code already exists', [
        {
          field: 'code',
          value: data.code,
          reason: 'source codes are unique; choose another or update that source',
        },
      ]);
    }
    await appendAudit(
      trx,
      {
        action: 'source.create',
        outcome: 'success',
        actor,
        resourceType: 'source',
        resourceId: id,
        details: { via: actor ? 'api' : via, code: data.code },
      },
      clock,
    );
  });
  return getSourceWithFreshness(db, data.code, clock);
}

/**
 * Changes any field but the code. Switching to `upload` drops the URL, which only `url` sources use. Archiving and
 * bringing back are audited as source.archive and source.restore, any other change as source.update.
 */
export async function updateSource(
  db: Db,
  code: string,
  patch: SourceUpdate,
  clock: Clock,
  actor: AuditActor | null,
  via: 'cli' | 'demo' = 'cli',
): Promise<SourceWithFreshness> {
  const data = parseInput(sourceUpdateSchema, patch, 'The change is not valid');
  const now = isoNow(clock);
  await db.kysely.transaction().execute(async (trx) => {
    const current = await selectSourceByCode(trx, code);
    if (!current) throw notFound(`Source ${code}`);

    const method = data.method ?? current.method;
    const url =
      method === 'upload' && data.url === undefined ? null : data.url === undefined ? current.url : data.url;
    if (method === 'url' && !url) {
      throw new AppError('VALIDATION_FAILED', 'The change is not valid', [
        { field: 'url', reason: 'method url needs the url to fetch from' },
      ]);
    }
    if (method === 'upload' && url) {
      throw new AppError('VALIDATION_FAILED', 'The change is not valid', [
        { field: 'url', value: url, reason: 'a url is only used with method url' },
      ]);
    }
    const mapping =
      data.mapping === undefined
        ? undefined
        : data.mapping === null
          ? null
          : await validateMapping(trx, data.mapping);

    await updateSourceRow(trx, current.id, {
      ...(data.name !== undefined && { name: data.name }),
      ...(data.kind !== undefined && { kind: data.kind }),
      ...(data.contactName !== undefined && { contactName: blankToNull(data.contactName) }),
      ...(data.contactEmail !== undefined && { contactEmail: data.contactEmail }),
      ...(data.licence !== undefined && { licence: blankToNull(data.licence) }),
      ...(data.cadence !== undefined && { cadence: data.cadence }),
      ...(mapping !== undefined && { mapping }),
      ...(data.notes !== undefined && { notes: blankToNull(data.notes) }),
      ...(data.archived !== undefined && {
        archivedAt: data.archived ? (current.archivedAt ?? now) : null,
      }),
      method,
      url,
      updatedAt: now,
    });
    const archives = data.archived === true && current.archivedAt === null;
    const restores = data.archived === false && current.archivedAt !== null;
    await appendAudit(
      trx,
      {
        action: archives ? 'source.archive' : restores ? 'source.restore' : 'source.update',
        outcome: 'success',
        actor,
        resourceType: 'source',
        resourceId: current.id,
        // Field names only: contact details and notes are about people.
        details: { via: actor ? 'api' : via, code, fields: Object.keys(data).sort() },
      },
      clock,
    );
  });
  return getSourceWithFreshness(db, code, clock);
}

/** Marks a delivery; the import commit calls it inside its own transaction so both land or neither does. */
export async function recordDelivery(trx: Db | Executor, sourceId: string, clock: Clock): Promise<void> {
  if (!(await setLastDeliveredAt(executorOf(trx), sourceId, isoNow(clock))))
    throw notFound(`Source ${sourceId}`);
}

/**
 * A stored mapping must parse and may only name terms that exist and are not retired: a provider's next file would
 * otherwise fail on every row. The normalised form is stored (shorthands expanded, defaults filled), so what the
 * console shows is exactly what imports apply, even if a later release changes a default.
 */
async function validateMapping(ex: Executor, json: Record<string, unknown>): Promise<string> {
  const mapping = parseMapping(json);
  const problems = checkMappingTerms(mapping, await listTermStates(ex));
  if (problems.length > 0) {
    throw new AppError('MAPPING_INVALID', 'The mapping names unknown or retired taxonomy terms', problems);
  }
  return JSON.stringify(mapping);
}

function toSource(row: SourceRow): Source {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    kind: row.kind as SourceKind,
    contactName: row.contactName,
    contactEmail: row.contactEmail,
    licence: row.licence,
    method: row.method as SourceMethod,
    url: row.url,
    cadence: row.cadence as Cadence,
    mapping: row.mapping === null ? null : parseMapping(JSON.parse(row.mapping)),
    notes: row.notes,
    lastDeliveredAt: row.lastDeliveredAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    archivedAt: row.archivedAt,
  };
}

const withFreshness = (source: Source, now: Date): SourceWithFreshness => ({
  ...source,
  ...computeFreshness(source, now),
});

const blankToNull = (v: string | null | undefined): string | null => (v === undefined || v === '' ? null : v);

function parseInput<S extends z.ZodType>(schema: S, input: unknown, message: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new AppError(
      'VALIDATION_FAILED',
      message,
      parsed.error.issues.map((i) => ({ field: i.path.join('.') || undefined, reason: i.message })),
    );
  }
  return parsed.data;
}
