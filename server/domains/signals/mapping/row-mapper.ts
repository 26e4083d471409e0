import { hash } from 'node:crypto';
import type { AreaIndex } from '../../../../core/geo/area-index.ts';
import { normaliseValue, type Mapping } from '../../../../core/contracts/mapping.ts';
import type { ImportProblem, SourceRow } from '../readers/reader.ts';
import { createDateParser, createTimeParser, createZone, isoDay, type ParsedDate } from './dates.ts';

/** One row turned into what the signal table stores, before ids and batches are assigned. */
export type MappedSignal = {
  line: number;
  externalId: string;
  occurredAt: string;
  occurredOn: string;
  areaId: string | null;
  /** The area's code, for rollups ('' when city-wide). */
  areaKey: string;
  lon: number | null;
  lat: number | null;
  severity: number | null;
  description: string | null;
  extra: string | null;
  /** Sorted, without duplicates. */
  labels: string[];
  /** Digest of every stored field above but the line: an unchanged row in a re-import is left alone. */
  contentHash: string;
};

export type AreaLookup = {
  /** Area code → id and code as stored. */
  byCode: ReadonlyMap<string, { id: string; code: string }>;
  /** For lon/lat and geometry locations. */
  index: AreaIndex | null;
  /** Area id → code. */
  codeById: ReadonlyMap<string, string>;
};

export type RowMapperContext = {
  /** The zone local times are in when the mapping names none (the city's). */
  defaultTimezone: string;
  areas: AreaLookup;
  /** Taxonomy codes and whether each is retired, for label rules that accept codes as values. */
  terms: ReadonlyMap<string, { retired: boolean }>;
  /** Occurrences later than the day after this are refused as typing errors. */
  now: Date;
};

export type RowMapper = (row: SourceRow) => MappedSignal | ImportProblem[];

const MAX_VALUE_IN_ERROR = 200;
const MAX_EXTERNAL_ID = 200;
const MAX_DESCRIPTION = 20_000;
const EARLIEST_YEAR = 1900;

const shown = (text: string): string =>
  text.length > MAX_VALUE_IN_ERROR ? `${text.slice(0, MAX_VALUE_IN_ERROR)}…` : text;

/** Cell text as compared and stored: strings trimmed, numbers in their shortest form, JSON values as JSON. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** Reads a column from a record; JSON records may also be reached into with a dot path (`location.lat`). */
function accessor(column: string): (record: Record<string, unknown>) => unknown {
  const path = column.split('.');
  if (path.length === 1) return (record) => record[column];
  return (record) => {
    if (column in record) return record[column];
    let current: unknown = record;
    for (const key of path) {
      if (current === null || typeof current !== 'object') return undefined;
      current = (current as Record<string, unknown>)[key];
    }
    return current;
  };
}

function describeFormats(formats: readonly string[]): string {
  const named = formats.map((f) => (f === 'iso' ? 'ISO 8601' : f === 'excel' ? 'a spreadsheet date' : f));
  return named.length === 1 ? named[0]! : `one of ${named.join(', ')}`;
}

/**
 * Compiles a mapping into a function from a source row to a signal, or to every problem the row has (each with
 * its column and value), so a dry run can list them all in one pass.
 */
export function compileRowMapper(mapping: Mapping, ctx: RowMapperContext): RowMapper {
  const zone = createZone(mapping.occurred.timezone ?? ctx.defaultTimezone);
  const latestDay = (() => {
    const d = zone.dateAt(ctx.now.getTime() + 86_400_000);
    return isoDay(d.year, d.month, d.day);
  })();

  const idColumns = mapping.externalId.columns.map((c) => ({ column: c, get: accessor(c) }));
  const idSeparator = mapping.externalId.separator;

  const dateColumn = mapping.occurred.column;
  const getDate = accessor(dateColumn);
  const parseDate = createDateParser(mapping.occurred.format);
  const formatsText = describeFormats(mapping.occurred.format);
  const time = mapping.occurred.time;
  const getTime = time ? accessor(time.column) : null;
  const parseTime = time ? createTimeParser(time.format, time.padDigits) : null;

  const location = mapping.location;
  const rejectUnknownArea = mapping.unknownArea === 'reject';
  const cityWideValues = new Set(
    location.type === 'areaCode' ? location.cityWideValues.map(normaliseValue) : [],
  );
  const areaByNormalCode = new Map([...ctx.areas.byCode.values()].map((a) => [normaliseValue(a.code), a]));
  const getAreaCode = location.type === 'areaCode' ? accessor(location.column) : null;
  const locationColumn = location.type === 'areaCode' ? location.column : null;
  const getLon = location.type === 'lonLat' ? accessor(location.lon) : null;
  const getLat = location.type === 'lonLat' ? accessor(location.lat) : null;
  const lonColumn = location.type === 'lonLat' ? location.lon : null;
  const latColumn = location.type === 'lonLat' ? location.lat : null;
  const locates = location.type === 'lonLat' || location.type === 'geometry';
  const index = ctx.areas.index;
  if (locates && !index) throw new Error('compileRowMapper: lon/lat locations need an area index');
  const codeByPosition = index ? index.ids.map((id) => ctx.areas.codeById.get(id) ?? '') : [];

  const rules = mapping.labels.rules.map((rule) => ({
    column: rule.column,
    get: accessor(rule.column),
    split: rule.split,
    values: new Map(Object.entries(rule.values).map(([k, v]) => [normaliseValue(k), v])),
    codes: rule.codes,
    unknown: rule.unknownValue,
  }));
  const constantLabels = mapping.labels.constant;

  const severity = mapping.severity;
  const getSeverity = severity ? accessor(severity.column) : null;
  const severityValues = severity?.values
    ? new Map(Object.entries(severity.values).map(([k, v]) => [normaliseValue(k), v]))
    : null;

  const descriptionColumns = (mapping.description ?? []).map(accessor);
  const extraColumns = mapping.extra.map((c) => ({ column: c, get: accessor(c) }));

  // One row is mapped at a time, so its problem list and line live here rather than in per-row closures.
  let problems: ImportProblem[] | null = null;
  let line = 0;
  const problem = (column: string | null, value: string | null, reason: string): void => {
    (problems ??= []).push({ line, column, value: value === null ? null : shown(value), reason });
  };
  const addLabel = (labels: string[], code: string): void => {
    if (!labels.includes(code)) labels.push(code);
  };

  return (row) => {
    const record = row.record;
    line = row.line;
    problems = null;
    if (row.problem) problem(null, null, row.problem);

    // External id
    let externalId = '';
    for (let i = 0; i < idColumns.length; i++) {
      const { column, get } = idColumns[i]!;
      const part = cellText(get(record));
      if (part === '') problem(column, null, 'the id is empty');
      externalId = i === 0 ? part : `${externalId}${idSeparator}${part}`;
    }
    if (externalId.length > MAX_EXTERNAL_ID) {
      problem(idColumns[0]!.column, externalId, `the id is longer than ${MAX_EXTERNAL_ID} characters`);
    }

    // Occurrence
    let occurredAt = '';
    let occurredOn = '';
    const rawDate = getDate(record);
    const dateText = cellText(rawDate);
    let parsed: ParsedDate | null = null;
    if (dateText === '') problem(dateColumn, null, 'the date is empty');
    else {
      parsed = parseDate(rawDate);
      if (!parsed) problem(dateColumn, dateText, `not a date in the format ${formatsText}`);
    }
    if (parsed) {
      let year: number;
      if (parsed.kind === 'date') {
        year = parsed.year;
        occurredOn = parsed.iso;
        occurredAt = occurredOn;
        if (getTime && parseTime && time) {
          const rawTime = getTime(record);
          const timeText = cellText(rawTime);
          if (timeText !== '') {
            const t = parseTime(rawTime);
            if (!t) problem(time.column, timeText, `not a time in the format ${time.format}`);
            else {
              occurredAt = new Date(
                zone.toInstant({
                  year: parsed.year,
                  month: parsed.month,
                  day: parsed.day,
                  hour: t.hour,
                  minute: t.minute,
                  second: t.second,
                }),
              ).toISOString();
            }
          }
        }
      } else if (parsed.kind === 'wall') {
        year = parsed.year;
        occurredOn = parsed.iso;
        occurredAt = new Date(zone.toInstant(parsed)).toISOString();
      } else {
        const day = zone.dateAt(parsed.ms);
        year = day.year;
        occurredOn = isoDay(day.year, day.month, day.day);
        occurredAt = new Date(parsed.ms).toISOString();
      }
      if (year < EARLIEST_YEAR) problem(dateColumn, dateText, `the date is before ${EARLIEST_YEAR}`);
      else if (occurredOn > latestDay) problem(dateColumn, dateText, 'the date is in the future');
    }

    // Location
    let areaId: string | null = null;
    let areaKey = '';
    let lon: number | null = null;
    let lat: number | null = null;
    let coordinates = '';
    if (getAreaCode) {
      const code = cellText(getAreaCode(record));
      const area = ctx.areas.byCode.get(code);
      if (area) {
        areaId = area.id;
        areaKey = area.code;
      } else {
        const normal = normaliseValue(code);
        const loose = cityWideValues.has(normal) ? undefined : areaByNormalCode.get(normal);
        if (loose) {
          areaId = loose.id;
          areaKey = loose.code;
        } else if (!cityWideValues.has(normal) && rejectUnknownArea) {
          problem(
            locationColumn,
            code,
            code === '' ? 'the area code is empty' : 'no area has this code (see the boundaries imported)',
          );
        }
      }
    } else if (locates) {
      let lonText = '';
      let latText = '';
      if (getLon && getLat) {
        lonText = cellText(getLon(record));
        latText = cellText(getLat(record));
      } else if (row.point) {
        lonText = String(row.point.lon);
        latText = String(row.point.lat);
      }
      if (lonText === '' && latText === '') {
        if (rejectUnknownArea) problem(lonColumn, null, 'no coordinates (the row would be city-wide)');
      } else {
        const x = lonText === '' ? NaN : Number(lonText);
        const y = latText === '' ? NaN : Number(latText);
        if (!Number.isFinite(x)) problem(lonColumn, lonText, 'the longitude is not a number');
        if (!Number.isFinite(y)) problem(latColumn, latText, 'the latitude is not a number');
        if (Number.isFinite(x) && Number.isFinite(y)) {
          if (x < -180 || x > 180 || y < -90 || y > 90) {
            problem(
              lonColumn,
              `${lonText}, ${latText}`,
              'not a WGS84 longitude/latitude (projected coordinates such as UTM metres, or swapped columns?)',
            );
          } else {
            lon = x;
            lat = y;
            coordinates = `${lonText},${latText}`;
            const position = index!.locatePosition(x, y);
            if (position >= 0) {
              areaId = index!.ids[position]!;
              areaKey = codeByPosition[position]!;
            } else if (rejectUnknownArea) {
              problem(lonColumn, `${lonText}, ${latText}`, 'the point is outside every area');
            }
          }
        }
      }
    }

    // Labels
    const labels: string[] = [];
    for (const rule of rules) {
      const text = cellText(rule.get(record));
      if (text === '') continue;
      const parts = rule.split ? text.split(rule.split) : [text];
      for (const part of parts) {
        const value = part.trim();
        if (value === '') continue;
        const mapped = rule.values.get(value) ?? rule.values.get(normaliseValue(value));
        if (mapped) {
          for (const code of mapped) addLabel(labels, code);
          continue;
        }
        if (rule.codes) {
          const term = ctx.terms.get(value);
          if (term && !term.retired) {
            addLabel(labels, value);
            continue;
          }
          if (term?.retired) {
            problem(rule.column, value, 'this taxonomy term is retired');
            continue;
          }
        }
        if (rule.unknown === 'reject') {
          problem(
            rule.column,
            value,
            rule.codes
              ? 'neither a value listed in the mapping nor a taxonomy term code'
              : 'no label is mapped for this value (add it to the mapping, or set unknownValue)',
          );
        } else if (rule.unknown !== 'ignore') addLabel(labels, rule.unknown);
      }
    }
    for (const code of constantLabels) addLabel(labels, code);
    if (labels.length === 2) {
      if (labels[0]! > labels[1]!) labels.reverse();
    } else if (labels.length > 2) labels.sort();

    // Severity
    let severityValue: number | null = null;
    if (severity && getSeverity) {
      const text = cellText(getSeverity(record));
      if (text !== '') {
        let value: number | undefined;
        if (severityValues) value = severityValues.get(normaliseValue(text));
        else {
          const n = Number(text);
          if (Number.isInteger(n) && n >= severity.min! && n <= severity.max!) value = n;
        }
        if (value !== undefined) severityValue = value;
        else if (severity.unknownValue === 'reject') {
          problem(
            severity.column,
            text,
            severityValues
              ? 'not one of the severity values in the mapping'
              : `not a whole number from ${severity.min} to ${severity.max}`,
          );
        }
      }
    }

    // Description and extra fields
    let description: string | null = null;
    if (descriptionColumns.length > 0) {
      const parts: string[] = [];
      for (const get of descriptionColumns) {
        const t = cellText(get(record));
        if (t !== '') parts.push(t);
      }
      description = parts.length > 0 ? parts.join('\n\n') : null;
      if (description !== null && description.length > MAX_DESCRIPTION) {
        problem(
          mapping.description![0]!,
          null,
          `the description is longer than ${MAX_DESCRIPTION} characters`,
        );
      }
    }
    let extra: string | null = null;
    if (extraColumns.length > 0) {
      const obj: Record<string, unknown> = {};
      for (const { column, get } of extraColumns) {
        const v = get(record);
        obj[column] = typeof v === 'string' ? v.trim() : (v ?? null);
      }
      extra = JSON.stringify(obj);
    }

    if (problems !== null) return problems;
    // Unambiguous: every part is a fixed-format value except description and extra, which are JSON-encoded.
    // Coordinates enter as the text read (number-to-text conversion would be the costliest part of the row).
    const contentHash = hash(
      'sha1',
      `${occurredAt}|${occurredOn}|${areaId ?? ''}|${coordinates}|${severityValue ?? ''}|${labels.join(',')}|${extra ?? ''}|${description === null ? '' : JSON.stringify(description)}`,
      'base64url',
    );
    return {
      line,
      externalId,
      occurredAt,
      occurredOn,
      areaId,
      areaKey,
      lon,
      lat,
      severity: severityValue,
      description,
      extra,
      labels,
      contentHash,
    };
  };
}
