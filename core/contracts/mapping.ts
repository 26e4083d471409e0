import { parse as parseDate } from 'date-fns/parse';
import { z } from 'zod';
import { AppError } from '../../server/platform/errors.ts';
import { TERM_CODE_PATTERN } from '../taxonomy/term-codes.ts';

/**
 * A mapping file tells Cohesion how one provider's files become signals: which column is the id, the date, the
 * place, and which cell values mean which taxonomy terms. Cities write these by hand (docs/importing.md), so
 * `parseMapping` reports every problem at once, each with the JSON path to fix, instead of stopping at the first.
 * A mapping is pure configuration: nothing in it is specific to one city.
 */

export const MAPPING_VERSION = 1;

/** Date formats with a meaning of their own; anything else is a date-fns format string such as `dd/MM/yyyy`. */
export const SPECIAL_DATE_FORMATS = ['iso', 'excel'] as const;

const column = z.string().trim().min(1, 'a column name cannot be empty').max(200);

const termCode = z
  .string()
  .trim()
  .regex(TERM_CODE_PATTERN, 'a term code is lowercase dotted segments such as bias.antisemitism');

const REFERENCE_DATE = new Date(2000, 0, 1);

/** date-fns throws on unknown tokens (e.g. `YYYY` or `DD`, which are week-year and day-of-year). */
function dateFormatProblem(format: string): string | null {
  if ((SPECIAL_DATE_FORMATS as readonly string[]).includes(format)) return null;
  // Checked here rather than left to date-fns, which also prints a console warning for these.
  const unquoted = format.replace(/'[^']*'/g, '');
  if (/Y/.test(unquoted)) return 'use yyyy for the year: YYYY is the week-numbering year';
  if (/D/.test(unquoted)) return 'use dd for the day of the month: D and DD are the day of the year';
  try {
    parseDate('', format, REFERENCE_DATE);
    return null;
  } catch (e) {
    return `not a usable date-fns format: ${(e as Error).message}`;
  }
}

const dateFormat = z
  .string()
  .min(1)
  .superRefine((format, ctx) => {
    const problem = dateFormatProblem(format);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const timeZone = z.string().superRefine((zone, ctx) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'not an IANA time zone such as America/Toronto or Europe/Paris',
    });
  }
});

const csvFormat = z.strictObject({
  type: z.literal('csv'),
  /** `auto` detects the encoding (BOM, valid UTF-8, otherwise a statistical guess such as windows-1252). */
  encoding: z.string().trim().min(1).default('auto'),
  delimiter: z.enum(['auto', ',', ';', '\t', '|']).default('auto'),
  /** 1-based line of the header; lines above it are skipped (titles, notes). */
  headerRow: z.number().int().min(1).default(1),
});

const xlsxFormat = z.strictObject({
  type: z.literal('xlsx'),
  /** Sheet name, or 0-based position in the workbook. */
  sheet: z.union([z.string().min(1), z.number().int().min(0)]).default(0),
  headerRow: z.number().int().min(1).default(1),
});

const geojsonFormat = z.strictObject({ type: z.literal('geojson') });

const jsonFormat = z.strictObject({
  type: z.literal('json'),
  /** Dot path to the array of records, e.g. `data.items`; empty when the document itself is the array. */
  recordsPath: z.string().trim().default(''),
});

const formatSchema = z.discriminatedUnion('type', [csvFormat, xlsxFormat, geojsonFormat, jsonFormat]);

const externalIdSchema = z
  .union([
    column,
    z.strictObject({
      columns: z.array(column).min(1, 'name at least one column'),
      /** Joins the parts of a composite id. */
      separator: z.string().default('|'),
    }),
  ])
  .transform((v) => (typeof v === 'string' ? { columns: [v], separator: '|' } : v));

const timeSchema = z.strictObject({
  column,
  format: dateFormat.default('HH:mm'),
  /**
   * Digits-only cells shorter than the format are left-padded with zeros first, for exports that store times as
   * integers: with format `HHmm`, `55` reads as 00:55 and `0` as midnight.
   */
  padDigits: z.boolean().default(false),
});

const occurredSchema = z.strictObject({
  column,
  /** One format or several tried in order; `iso` reads ISO 8601, `excel` reads spreadsheet serial numbers. */
  format: z
    .union([dateFormat, z.array(dateFormat).min(1)])
    .default('yyyy-MM-dd')
    .transform((v) => (typeof v === 'string' ? [v] : v)),
  time: timeSchema.optional(),
  /** IANA zone the provider's local times are in; defaults to the city's time zone. */
  timezone: timeZone.optional(),
});

const locationSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('areaCode'),
    column,
    /** Values meaning "somewhere in the city, no area" (compared trimmed, case-insensitively), e.g. NSA. */
    cityWideValues: z.array(z.string()).default([]),
  }),
  z.strictObject({ type: z.literal('lonLat'), lon: column, lat: column }),
  /** GeoJSON files: the Point geometry of each feature. */
  z.strictObject({ type: z.literal('geometry') }),
  /** Every row is city-wide (e.g. online reports with no place). */
  z.strictObject({ type: z.literal('cityWide') }),
]);

const termList = z.union([termCode, z.array(termCode)]).transform((v) => (typeof v === 'string' ? [v] : v));

const labelRuleSchema = z.strictObject({
  column,
  /** Splits a cell holding several values, e.g. `,` for "Jewish, Muslim". */
  split: z.string().min(1).optional(),
  /** Cell value (trimmed, case-insensitive) → zero or more term codes; `[]` means "no label" (e.g. None). */
  values: z.record(z.string(), termList).default({}),
  /** Cell values that are themselves term codes are accepted as such (after `values`). */
  codes: z.boolean().default(false),
  /** A value neither in `values` nor (with `codes`) a term code: reject the row, ignore the value, or use a term. */
  unknownValue: z.union([z.literal('reject'), z.literal('ignore'), termCode]).default('reject'),
});

const severitySchema = z
  .strictObject({
    column,
    /** Cell value (trimmed, case-insensitive) → severity number. */
    values: z.record(z.string(), z.number().int()).optional(),
    /** Numeric cells: accepted when they are integers within [min, max]. */
    min: z.number().int().optional(),
    max: z.number().int().optional(),
    unknownValue: z.enum(['reject', 'ignore']).default('reject'),
  })
  .superRefine((v, ctx) => {
    const range = v.min !== undefined || v.max !== undefined;
    if (v.values === undefined && !range) {
      ctx.addIssue({
        code: 'custom',
        message: 'give either values (a value map) or min and max (a numeric range)',
      });
    }
    if (v.values !== undefined && range) {
      ctx.addIssue({ code: 'custom', message: 'give either values or min/max, not both' });
    }
    if (range && (v.min === undefined || v.max === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a numeric range needs both min and max' });
    }
    if (v.min !== undefined && v.max !== undefined && v.min > v.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: 'min is greater than max' });
    }
  });

const columnList = z.union([column, z.array(column)]).transform((v) => (typeof v === 'string' ? [v] : v));

export const mappingSchema = z
  .strictObject({
    version: z.literal(MAPPING_VERSION).default(MAPPING_VERSION),
    format: formatSchema.default({ type: 'csv', encoding: 'auto', delimiter: 'auto', headerRow: 1 }),
    externalId: externalIdSchema,
    occurred: occurredSchema,
    location: locationSchema,
    /** An area code not in the boundaries, or a point outside every area: reject the row or keep it city-wide. */
    unknownArea: z.enum(['reject', 'cityWide']).default('reject'),
    labels: z
      .strictObject({
        rules: z.array(labelRuleSchema).default([]),
        /** Added to every row, e.g. the incident type every row of a police hate-crime file shares. */
        constant: z.array(termCode).default([]),
      })
      .default({ rules: [], constant: [] }),
    severity: severitySchema.optional(),
    /** Free text, staff-only; several columns are joined with a blank line. */
    description: columnList.optional(),
    /** Columns kept as they are in a JSON object, shown with the signal. */
    extra: z.array(column).default([]),
  })
  .superRefine((m, ctx) => {
    if (m.location.type === 'geometry' && m.format.type !== 'geojson') {
      ctx.addIssue({
        code: 'custom',
        path: ['location', 'type'],
        message: 'geometry locations need format geojson',
      });
    }
    m.labels.rules.forEach((rule, i) => {
      const seen = new Map<string, string>();
      for (const key of Object.keys(rule.values)) {
        const normal = normaliseValue(key);
        const first = seen.get(normal);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['labels', 'rules', i, 'values', key],
            message: `the same value as "${first}" once trimmed and compared case-insensitively`,
          });
        }
        seen.set(normal, key);
      }
    });
    if (m.severity?.values) {
      const seen = new Set<string>();
      for (const key of Object.keys(m.severity.values)) {
        const normal = normaliseValue(key);
        if (seen.has(normal)) {
          ctx.addIssue({
            code: 'custom',
            path: ['severity', 'values', key],
            message: 'listed twice once trimmed and compared case-insensitively',
          });
        }
        seen.add(normal);
      }
    }
  });

export type Mapping = z.output<typeof mappingSchema>;
export type MappingInput = z.input<typeof mappingSchema>;
export type MappingFormat = Mapping['format'];
export type LabelRule = Mapping['labels']['rules'][number];

/** How cell values are compared with the keys of `values` maps and with `cityWideValues`. */
export const normaliseValue = (value: string): string => value.trim().toLowerCase();

export type MappingProblem = { path: string; reason: string; value?: string };

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    const name = String(key);
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
      ? acc
        ? `${acc}.${name}`
        : name
      : `${acc}[${JSON.stringify(name)}]`;
  }, '');

export function safeParseMapping(json: unknown): { mapping: Mapping } | { problems: MappingProblem[] } {
  const parsed = mappingSchema.safeParse(json);
  if (parsed.success) return { mapping: parsed.data };
  return {
    problems: parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), reason: issue.message })),
  };
}

/**
 * Parses and normalises a mapping (shorthands expanded, defaults filled). Throws MAPPING_INVALID listing every
 * problem. AppError is a plain class with no IO, shared here so that every caller answers the same stable code.
 */
export function parseMapping(json: unknown): Mapping {
  const result = safeParseMapping(json);
  if ('problems' in result)
    throw new AppError('MAPPING_INVALID', 'The mapping is not valid', result.problems);
  return result.mapping;
}

/** Every term code the mapping names, with where, so each can be checked against the taxonomy. */
export function mappingTermCodes(mapping: Mapping): Array<{ code: string; path: string }> {
  const out: Array<{ code: string; path: string }> = [];
  mapping.labels.rules.forEach((rule, i) => {
    for (const [value, codes] of Object.entries(rule.values)) {
      codes.forEach((code, j) =>
        out.push({
          code,
          path: formatPath(['labels', 'rules', i, 'values', value, ...(codes.length > 1 ? [j] : [])]),
        }),
      );
    }
    if (rule.unknownValue !== 'reject' && rule.unknownValue !== 'ignore') {
      out.push({ code: rule.unknownValue, path: formatPath(['labels', 'rules', i, 'unknownValue']) });
    }
  });
  mapping.labels.constant.forEach((code, i) =>
    out.push({ code, path: formatPath(['labels', 'constant', i]) }),
  );
  return out;
}

/** Problems with the term codes a mapping names, given the taxonomy's codes and whether each is retired. */
export function checkMappingTerms(
  mapping: Mapping,
  terms: ReadonlyMap<string, { retired: boolean }>,
): MappingProblem[] {
  return mappingTermCodes(mapping).flatMap(({ code, path }) => {
    const term = terms.get(code);
    if (!term) return [{ path, value: code, reason: 'no taxonomy term has this code' }];
    if (term.retired) return [{ path, value: code, reason: 'this taxonomy term is retired' }];
    return [];
  });
}

/** Every column the mapping reads, with where it is named, so a file missing one fails before its first row. */
export function mappingColumns(mapping: Mapping): Array<{ column: string; path: string }> {
  const out: Array<{ column: string; path: string }> = [];
  mapping.externalId.columns.forEach((c, i) =>
    out.push({ column: c, path: formatPath(['externalId', 'columns', i]) }),
  );
  out.push({ column: mapping.occurred.column, path: 'occurred.column' });
  if (mapping.occurred.time) out.push({ column: mapping.occurred.time.column, path: 'occurred.time.column' });
  if (mapping.location.type === 'areaCode')
    out.push({ column: mapping.location.column, path: 'location.column' });
  if (mapping.location.type === 'lonLat') {
    out.push({ column: mapping.location.lon, path: 'location.lon' });
    out.push({ column: mapping.location.lat, path: 'location.lat' });
  }
  mapping.labels.rules.forEach((r, i) =>
    out.push({ column: r.column, path: formatPath(['labels', 'rules', i, 'column']) }),
  );
  if (mapping.severity) out.push({ column: mapping.severity.column, path: 'severity.column' });
  mapping.description?.forEach((c, i) => out.push({ column: c, path: formatPath(['description', i]) }));
  mapping.extra.forEach((c, i) => out.push({ column: c, path: formatPath(['extra', i]) }));
  return out;
}
