import {
  DEFAULT_LOCALE,
  DEFAULT_TERMS,
  FACETS,
  SHIPPED_LOCALES,
  canonicalLocale,
  checkNewTermCode,
  facetByCode,
  resolveLabel,
} from '../../../core/taxonomy/default-taxonomy.ts';
import type { Db, Executor } from '../../db/database.ts';
import { appendAudit, type AuditActor } from '../../platform/audit/audit.ts';
import { isoNow, type Clock } from '../../platform/clock.ts';
import { AppError, notFound, type ProblemDetail } from '../../platform/errors.ts';
import {
  executorOf,
  insertLabelsIfMissing,
  insertTermsIfMissing,
  selectLabels,
  selectMaxSortOrder,
  selectTermStates,
  selectTerms,
  setTermRetiredAt,
  touchTerm,
  updateDefaultLabel,
  upsertCityLabel,
  type LabelRow,
  type TermRow,
} from './taxonomy.repository.ts';

export const MAX_LABEL_LENGTH = 120;
export const MAX_DESCRIPTION_LENGTH = 500;

export type TermLabel = { label: string; description: string | null; edited: boolean };

export type TaxonomyTerm = {
  code: string;
  parentCode: string | null;
  facet: string;
  sortOrder: number;
  custom: boolean;
  retiredAt: string | null;
  /** The label in the requested locale or the nearest fallback; `labelLocale` says which. */
  label: string;
  labelLocale: string;
  description: string | null;
  /** Every translation stored for the term, by locale. */
  labels: Record<string, TermLabel>;
};

export type TaxonomyFacet = { code: string; codePrefix: string; name: string; nameLocale: string };

export type NewTerm = {
  code: string;
  facet: string;
  parentCode?: string | null | undefined;
  /** The locale of `label` and `description`; English when omitted. */
  locale?: string | undefined;
  label: string;
  description?: string | null | undefined;
};

/** Labels to write, by locale; an omitted description keeps the one already stored, null clears it. */
export type TermLabelsUpdate = Record<string, { label: string; description?: string | null | undefined }>;

/**
 * Adds the shipped terms and translations a database lacks. Safe to run at every start: existing terms keep their
 * retirement, labels the city wrote are never touched, and shipped labels it left alone follow the shipped text.
 */
export async function seedDefaultTaxonomy(db: Db, clock: Clock): Promise<void> {
  const now = isoNow(clock);
  await db.kysely.transaction().execute(async (trx) => {
    await insertTermsIfMissing(
      trx,
      DEFAULT_TERMS.map((t, index) => ({
        code: t.code,
        parentCode: t.parentCode,
        facet: t.facet,
        sortOrder: index,
        custom: 0,
        retiredAt: null,
        createdAt: now,
        updatedAt: now,
      })),
    );

    // A city term that took a code before a later release shipped it keeps the city's meaning and words.
    const shipped = new Set(
      (await selectTerms(trx, { codes: DEFAULT_TERMS.map((t) => t.code), includeRetired: true }))
        .filter((t) => t.custom === 0)
        .map((t) => t.code),
    );
    const stored = new Map(
      (await selectLabels(trx, [...shipped])).map((l) => [`${l.termCode}\u0000${l.locale}`, l] as const),
    );

    const missing: LabelRow[] = [];
    for (const term of DEFAULT_TERMS) {
      if (!shipped.has(term.code)) continue;
      for (const locale of SHIPPED_LOCALES) {
        const text = term.text[locale];
        const current = stored.get(`${term.code}\u0000${locale}`);
        if (!current) {
          missing.push({
            termCode: term.code,
            locale,
            label: text.label,
            description: text.description,
            editedAt: null,
          });
        } else if (
          current.editedAt === null &&
          (current.label !== text.label || current.description !== text.description)
        ) {
          await updateDefaultLabel(trx, {
            termCode: term.code,
            locale,
            label: text.label,
            description: text.description,
          });
        }
      }
    }
    await insertLabelsIfMissing(trx, missing);
  });
}

/** Every code with its facet and whether it is retired: what mappings and imports are validated against. */
export async function listTermStates(
  db: Db | Executor,
): Promise<Map<string, { retired: boolean; facet: string }>> {
  const rows = await selectTermStates(executorOf(db));
  return new Map(rows.map((r) => [r.code, { retired: r.retiredAt !== null, facet: r.facet }]));
}

export function listFacets(locale: string = DEFAULT_LOCALE): TaxonomyFacet[] {
  return FACETS.map((f) => {
    const name = resolveLabel(f.name, locale) ?? { value: f.name.en, locale: 'en' };
    return { code: f.code, codePrefix: f.codePrefix, name: name.value, nameLocale: name.locale };
  });
}

/** Terms in display order (facet, then depth-first by sort order), labelled in `locale` with fallback. */
export async function listTerms(
  db: Db | Executor,
  locale: string = DEFAULT_LOCALE,
  options: { includeRetired?: boolean; facet?: string } = {},
): Promise<TaxonomyTerm[]> {
  const ex = executorOf(db);
  const wanted = requireLocale(locale, 'locale');
  if (options.facet !== undefined && !facetByCode(options.facet)) {
    throw new AppError('VALIDATION_FAILED', 'Unknown facet', [
      { field: 'facet', value: options.facet, reason: `one of ${FACETS.map((f) => f.code).join(', ')}` },
    ]);
  }
  const rows = await selectTerms(ex, {
    includeRetired: options.includeRetired ?? false,
    facet: options.facet,
  });
  const labels = await selectLabels(ex, rows.length > 200 ? 'all' : rows.map((r) => r.code));
  return displayOrder(rows).map((row) => toTerm(row, labels, wanted));
}

export async function findTerm(
  db: Db | Executor,
  code: string,
  locale: string = DEFAULT_LOCALE,
): Promise<TaxonomyTerm | undefined> {
  const ex = executorOf(db);
  const [row] = await selectTerms(ex, { codes: [code], includeRetired: true });
  if (!row) return undefined;
  return toTerm(row, await selectLabels(ex, [code]), requireLocale(locale, 'locale'));
}

export async function getTerm(
  db: Db | Executor,
  code: string,
  locale: string = DEFAULT_LOCALE,
): Promise<TaxonomyTerm> {
  const term = await findTerm(db, code, locale);
  if (!term) throw notFound(`Taxonomy term ${code}`);
  return term;
}

/**
 * Adds a city term. Codes are never reused: a code that exists, even retired, cannot be added again. `actor` is the
 * signed-in person asking, or null for a command run on the server, whose audit entry then says `via` which one.
 */
export async function createTerm(
  db: Db,
  input: NewTerm,
  clock: Clock,
  actor: AuditActor | null,
  via: 'cli' | 'demo' = 'cli',
): Promise<TaxonomyTerm> {
  const problems: ProblemDetail[] = [];
  const facet = facetByCode(input.facet);
  if (!facet) {
    problems.push({
      field: 'facet',
      value: input.facet,
      reason: `unknown facet; one of ${FACETS.map((f) => f.code).join(', ')}`,
    });
  }
  const parentCode = input.parentCode ? input.parentCode : null;
  if (facet) {
    const reason = checkNewTermCode({ code: input.code, facetPrefix: facet.codePrefix, parentCode });
    if (reason) problems.push({ field: 'code', value: input.code, reason });
  }
  const locale = canonicalLocale(input.locale ?? DEFAULT_LOCALE);
  if (!locale)
    problems.push({
      field: 'locale',
      value: input.locale,
      reason: 'not a BCP 47 language tag, e.g. fr or fr-CA',
    });
  problems.push(...checkLabelText(input.label, input.description, 'label', 'description'));
  if (problems.length > 0) throw new AppError('VALIDATION_FAILED', 'The term is not valid', problems);

  const now = isoNow(clock);
  await db.kysely.transaction().execute(async (trx) => {
    if (parentCode) {
      const [parent] = await selectTerms(trx, { codes: [parentCode], includeRetired: true });
      if (!parent) {
        throw new AppError('VALIDATION_FAILED', 'The parent term does not exist', [
          { field: 'parentCode', value: parentCode, reason: 'no term has this code' },
        ]);
      }
      if (parent.facet !== input.facet) {
        throw new AppError('VALIDATION_FAILED', 'The parent term belongs to another facet', [
          { field: 'parentCode', value: parentCode, reason: `in facet ${parent.facet}, not ${input.facet}` },
        ]);
      }
      if (parent.retiredAt !== null) {
        throw new AppError('CONFLICT', 'The parent term is retired', [
          {
            field: 'parentCode',
            value: parentCode,
            reason: 'restore the parent before adding terms under it',
          },
        ]);
      }
    }
    const inserted = await insertTermsIfMissing(trx, [
      {
        code: input.code,
        parentCode,
        facet: input.facet,
        sortOrder: (await selectMaxSortOrder(trx)) + 1,
        custom: 1,
        retiredAt: null,
        createdAt: now,
        updatedAt: now,
      },
    ]);
    if (inserted === 0) {
      const [existing] = await selectTerms(trx, { codes: [input.code], includeRetired: true });
      throw new AppError('CONFLICT', 'A term with this code already exists', [
        {
          field: 'code',
          value: input.code,
          reason:
            existing && existing.retiredAt !== null
              ? 'the code belongs to a retired term and keeps its meaning; restore that term instead'
              : 'codes are never reused; choose another code or rename the existing term',
        },
      ]);
    }
    await upsertCityLabel(trx, {
      termCode: input.code,
      locale: locale!,
      label: input.label.trim(),
      description: normaliseDescription(input.description) ?? null,
      editedAt: now,
    });
    await appendAudit(
      trx,
      {
        action: 'taxonomy.term_create',
        outcome: 'success',
        actor,
        resourceType: 'taxonomy_term',
        resourceId: input.code,
        details: { via: actor ? 'api' : via, facet: input.facet, parentCode, locale },
      },
      clock,
    );
  });
  return getTerm(db, input.code, locale!);
}

/** Renames or translates a term. The code, and so the meaning recorded on signals, never changes. */
export async function updateTermLabels(
  db: Db,
  code: string,
  labels: TermLabelsUpdate,
  clock: Clock,
  actor: AuditActor | null,
  via: 'cli' | 'demo' = 'cli',
): Promise<TaxonomyTerm> {
  const problems: ProblemDetail[] = [];
  const writes: Array<{ locale: string; label: string; description: string | null | undefined }> = [];
  const entries = Object.entries(labels);
  if (entries.length === 0) problems.push({ field: 'labels', reason: 'give at least one locale' });
  for (const [tag, text] of entries) {
    const locale = canonicalLocale(tag);
    if (!locale) {
      problems.push({ field: 'locale', value: tag, reason: 'not a BCP 47 language tag, e.g. fr or fr-CA' });
      continue;
    }
    if (writes.some((w) => w.locale === locale)) {
      problems.push({ field: 'locale', value: tag, reason: `given twice (as ${locale})` });
      continue;
    }
    problems.push(
      ...checkLabelText(text.label, text.description, `labels.${tag}.label`, `labels.${tag}.description`),
    );
    writes.push({ locale, label: text.label.trim(), description: normaliseDescription(text.description) });
  }
  if (problems.length > 0) throw new AppError('VALIDATION_FAILED', 'The labels are not valid', problems);

  const now = isoNow(clock);
  await db.kysely.transaction().execute(async (trx) => {
    await getTerm(trx, code);
    for (const w of writes) await upsertCityLabel(trx, { termCode: code, ...w, editedAt: now });
    await touchTerm(trx, code, now);
    await appendAudit(
      trx,
      {
        action: 'taxonomy.term_update',
        outcome: 'success',
        actor,
        resourceType: 'taxonomy_term',
        resourceId: code,
        details: { via: actor ? 'api' : via, locales: writes.map((w) => w.locale) },
      },
      clock,
    );
  });
  return getTerm(db, code, writes[0]!.locale);
}

/** Retired terms stay on existing signals and in history, but new mappings and imports reject them. */
export async function retireTerm(
  db: Db,
  code: string,
  clock: Clock,
  actor: AuditActor | null,
  via: 'cli' | 'demo' = 'cli',
): Promise<TaxonomyTerm> {
  return setRetired(db, code, true, clock, actor, via);
}

export async function restoreTerm(
  db: Db,
  code: string,
  clock: Clock,
  actor: AuditActor | null,
  via: 'cli' | 'demo' = 'cli',
): Promise<TaxonomyTerm> {
  return setRetired(db, code, false, clock, actor, via);
}

async function setRetired(
  db: Db,
  code: string,
  retired: boolean,
  clock: Clock,
  actor: AuditActor | null,
  via: 'cli' | 'demo',
): Promise<TaxonomyTerm> {
  await db.kysely.transaction().execute(async (trx) => {
    const term = await getTerm(trx, code);
    // Asking again is answered as done; the entry says nothing changed.
    const changed = (term.retiredAt !== null) !== retired;
    const now = isoNow(clock);
    if (changed) await setTermRetiredAt(trx, code, retired ? now : null, now);
    await appendAudit(
      trx,
      {
        action: retired ? 'taxonomy.term_retire' : 'taxonomy.term_restore',
        outcome: 'success',
        actor,
        resourceType: 'taxonomy_term',
        resourceId: code,
        details: { via: actor ? 'api' : via, changed },
      },
      clock,
    );
  });
  return getTerm(db, code);
}

function requireLocale(tag: string, field: string): string {
  const locale = canonicalLocale(tag);
  if (!locale) {
    throw new AppError('VALIDATION_FAILED', 'The locale is not valid', [
      { field, value: tag, reason: 'not a BCP 47 language tag, e.g. fr or fr-CA' },
    ]);
  }
  return locale;
}

function normaliseDescription(description: string | null | undefined): string | null | undefined {
  if (description === undefined || description === null) return description;
  const trimmed = description.trim();
  return trimmed === '' ? null : trimmed;
}

function checkLabelText(
  label: string,
  description: string | null | undefined,
  labelField: string,
  descriptionField: string,
): ProblemDetail[] {
  const problems: ProblemDetail[] = [];
  if (label.trim() === '') problems.push({ field: labelField, reason: 'must not be empty' });
  if (label.trim().length > MAX_LABEL_LENGTH) {
    problems.push({ field: labelField, reason: `at most ${MAX_LABEL_LENGTH} characters` });
  }
  if (description && description.trim().length > MAX_DESCRIPTION_LENGTH) {
    problems.push({ field: descriptionField, reason: `at most ${MAX_DESCRIPTION_LENGTH} characters` });
  }
  return problems;
}

function toTerm(row: TermRow, allLabels: readonly LabelRow[], locale: string): TaxonomyTerm {
  const labels: Record<string, TermLabel> = {};
  for (const l of allLabels) {
    if (l.termCode === row.code) {
      labels[l.locale] = { label: l.label, description: l.description, edited: l.editedAt !== null };
    }
  }
  const chosen = resolveLabel(labels, locale) ?? anyLabel(labels);
  const descriptions = Object.fromEntries(
    Object.entries(labels).flatMap(([l, t]) => (t.description === null ? [] : [[l, t.description]])),
  );
  return {
    code: row.code,
    parentCode: row.parentCode,
    facet: row.facet,
    sortOrder: row.sortOrder,
    custom: row.custom === 1,
    retiredAt: row.retiredAt,
    // A term always has at least one label (creation requires one); the code is the last resort for a damaged row.
    label: chosen?.value.label ?? row.code,
    labelLocale: chosen?.locale ?? locale,
    // The description of the label shown, else the nearest one written: a city may translate labels first.
    description: chosen?.value.description ?? resolveLabel(descriptions, locale)?.value ?? null,
    labels,
  };
}

// A city that wrote a term only in, say, Arabic still sees it in every other locale rather than a bare code.
function anyLabel(labels: Record<string, TermLabel>): { value: TermLabel; locale: string } | null {
  const [first] = Object.keys(labels).sort();
  return first === undefined ? null : { value: labels[first]!, locale: first };
}

function displayOrder(rows: readonly TermRow[]): TermRow[] {
  const facetRank = new Map(FACETS.map((f, i) => [f.code, i]));
  const present = new Set(rows.map((r) => r.code));
  const children = new Map<string | null, TermRow[]>();
  for (const r of rows) {
    // A term whose parent is filtered out (retired) is shown at the top of its facet rather than lost.
    const key = r.parentCode !== null && present.has(r.parentCode) ? r.parentCode : null;
    children.set(key, [...(children.get(key) ?? []), r]);
  }
  const bySort = (a: TermRow, b: TermRow) =>
    (facetRank.get(a.facet) ?? FACETS.length) - (facetRank.get(b.facet) ?? FACETS.length) ||
    a.sortOrder - b.sortOrder ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
  const out: TermRow[] = [];
  const visit = (parent: string | null) => {
    for (const r of (children.get(parent) ?? []).sort(bySort)) {
      out.push(r);
      visit(r.code);
    }
  };
  visit(null);
  return out;
}
