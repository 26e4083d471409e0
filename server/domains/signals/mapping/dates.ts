import { TZDate, tz, tzOffset } from '@date-fns/tz';
import * as XLSX from '@e965/xlsx';
import { isExists } from 'date-fns/isExists';
import { isValid } from 'date-fns/isValid';
import { parse } from 'date-fns/parse';
import { parseISO } from 'date-fns/parseISO';

/**
 * Occurrence dates and times as providers write them. date-fns is the parser; what this module adds is speed
 * (a million-row import cannot afford date-fns's per-call tokenising of the format) and time zones:
 *
 * - a value is first read as a wall-clock time (what the provider's clock showed), then placed in the mapping's
 *   zone; a date alone stays a date, with no invented midnight.
 * - results are memoised per distinct cell text, which makes date-only columns nearly free;
 * - formats made only of fixed-width numeric fields (`yyyy-MM-dd`, `dd/MM/yyyy HH:mm`, `yyyyMMdd` …) are matched
 *   with a regular expression derived from the format. Its answers are the ones date-fns gives (a property test
 *   compares them), and any text it does not match goes to date-fns itself.
 */

export type Wall = {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
};

/** What a date format reads, before the calendar day is spelled out. */
type RawDate =
  | { kind: 'date'; year: number; month: number; day: number }
  | ({ kind: 'wall' } & Wall)
  /** The text carried its own UTC offset. */
  | { kind: 'instant'; ms: number };

/** A parsed date cell; `iso` is the wall-clock calendar day (YYYY-MM-DD), computed once per distinct cell text. */
export type ParsedDate =
  | { kind: 'date'; year: number; month: number; day: number; iso: string }
  | ({ kind: 'wall'; iso: string } & Wall)
  | { kind: 'instant'; ms: number };

function withIso(raw: RawDate | null): ParsedDate | null {
  if (raw === null || raw.kind === 'instant') return raw;
  return { ...raw, iso: isoDay(raw.year, raw.month, raw.day) };
}

export type TimeOfDay = { hour: number; minute: number; second: number };

const REFERENCE = new Date(2000, 0, 1);
const MEMO_LIMIT = 50_000;

/** Memo that forgets everything when full: cheap, and a file's distinct dates rarely exceed the limit. */
function memo<V>(compute: (text: string) => V): (text: string) => V {
  let cache = new Map<string, V>();
  return (text) => {
    const hit = cache.get(text);
    if (hit !== undefined || cache.has(text)) return hit as V;
    const value = compute(text);
    if (cache.size >= MEMO_LIMIT) cache = new Map();
    cache.set(text, value);
    return value;
  };
}

type Token = { field: 'y' | 'M' | 'd' | 'H' | 'm' | 's'; width: number } | { literal: string };

const FAST_FIELDS: Record<string, { field: 'y' | 'M' | 'd' | 'H' | 'm' | 's'; width: number }> = {
  yyyy: { field: 'y', width: 4 },
  MM: { field: 'M', width: 2 },
  dd: { field: 'd', width: 2 },
  HH: { field: 'H', width: 2 },
  mm: { field: 'm', width: 2 },
  ss: { field: 's', width: 2 },
};

/** Splits a date-fns format into letter runs and literals, following its quoting rules ('' is a quote). */
function tokenise(format: string): Array<{ letters: string } | { literal: string }> {
  const out: Array<{ letters: string } | { literal: string }> = [];
  let i = 0;
  while (i < format.length) {
    const ch = format[i]!;
    if (ch === "'") {
      if (format[i + 1] === "'") {
        out.push({ literal: "'" });
        i += 2;
        continue;
      }
      let j = i + 1;
      let text = '';
      while (j < format.length) {
        if (format[j] === "'" && format[j + 1] === "'") {
          text += "'";
          j += 2;
        } else if (format[j] === "'") break;
        else text += format[j++];
      }
      out.push({ literal: text });
      i = j + 1;
    } else if (/[A-Za-z]/.test(ch)) {
      let j = i;
      while (format[j] === ch) j++;
      out.push({ letters: format.slice(i, j) });
      i = j;
    } else {
      out.push({ literal: ch });
      i++;
    }
  }
  return out;
}

const TIME_LETTERS = /[aBbhHKkmsSt]/;
const OFFSET_LETTERS = /[XxOz]/;

function fastMatcher(format: string): ((text: string) => number[] | null) | null {
  const tokens: Token[] = [];
  for (const t of tokenise(format)) {
    if ('literal' in t) tokens.push(t);
    else {
      const field = FAST_FIELDS[t.letters];
      if (!field) return null;
      tokens.push(field);
    }
  }
  const order: Array<'y' | 'M' | 'd' | 'H' | 'm' | 's'> = [];
  let source = '^';
  for (const t of tokens) {
    if ('literal' in t) source += t.literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else {
      source += `(\\d{${t.width}})`;
      order.push(t.field);
    }
  }
  const re = new RegExp(`${source}$`);
  const slots = { y: -1, M: -1, d: -1, H: -1, m: -1, s: -1 };
  order.forEach((f, i) => (slots[f] = i + 1));
  return (text) => {
    const m = re.exec(text);
    if (!m) return null;
    const get = (slot: number, fallback: number) => (slot < 0 ? fallback : Number(m[slot]));
    return [
      get(slots.y, 2000),
      get(slots.M, 1),
      get(slots.d, 1),
      get(slots.H, 0),
      get(slots.m, 0),
      get(slots.s, 0),
    ];
  };
}

function validWall(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  return isExists(y, mo - 1, d) && h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 60;
}

/** date-fns reads local time; a wall time in the server zone's spring-forward gap comes back shifted. */
function shiftedByLocalGap(date: Date): boolean {
  return new Date(date.getTime() - 3_600_000).getTimezoneOffset() !== date.getTimezoneOffset();
}

const inUtc = { in: tz('UTC') };

/** Wall fields (and the instant, for formats with an offset) as date-fns reads them; null when it cannot. */
function parseWithDateFns(text: string, format: string): { wall: Wall; ms: number } | null {
  let date: Date = parse(text, format, REFERENCE);
  if (!isValid(date)) return null;
  // Rare, and slower: redo it in UTC, where no wall time is missing; TZDate's getters then read UTC fields.
  if (shiftedByLocalGap(date)) date = parse(text, format, REFERENCE, inUtc);
  return {
    ms: date.getTime(),
    wall: {
      year: date.getFullYear(),
      month: date.getMonth() + 1,
      day: date.getDate(),
      hour: date.getHours(),
      minute: date.getMinutes(),
      second: date.getSeconds(),
    },
  };
}

function oneFormat(format: string): (text: string) => RawDate | null {
  if (format === 'iso') return parseIsoText;
  if (format === 'excel') return (text) => fromExcelSerial(Number(text));
  const letters = tokenise(format).flatMap((t) => ('letters' in t ? [t.letters] : []));
  const hasTime = letters.some((l) => TIME_LETTERS.test(l[0]!));
  const hasOffset = letters.some((l) => OFFSET_LETTERS.test(l[0]!));
  const fast = hasOffset ? null : fastMatcher(format);
  return (text) => {
    if (fast) {
      const f = fast(text);
      if (f) {
        const [y, mo, d, h, mi, s] = f as [number, number, number, number, number, number];
        if (!validWall(y, mo, d, h, mi, s)) return null;
        return hasTime
          ? { kind: 'wall', year: y, month: mo, day: d, hour: h, minute: mi, second: s }
          : { kind: 'date', year: y, month: mo, day: d };
      }
    }
    const parsed = parseWithDateFns(text, format);
    if (!parsed) return null;
    if (hasOffset) return { kind: 'instant', ms: parsed.ms };
    const wall = parsed.wall;
    return hasTime
      ? { kind: 'wall', ...wall }
      : { kind: 'date', year: wall.year, month: wall.month, day: wall.day };
  };
}

const ISO_OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const ISO_HAS_TIME = /\d[T ]\d/;

function parseIsoText(text: string): RawDate | null {
  if (!ISO_HAS_TIME.test(text)) {
    const d = parseISO(text);
    return isValid(d)
      ? { kind: 'date', year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate() }
      : null;
  }
  if (ISO_OFFSET.test(text)) {
    const d = parseISO(text.replace(' ', 'T'));
    return isValid(d) ? { kind: 'instant', ms: d.getTime() } : null;
  }
  // No offset: read the wall fields in UTC so the server's own zone cannot shift them.
  const d = parseISO(`${text.replace(' ', 'T')}Z`);
  if (!isValid(d)) return null;
  return {
    kind: 'wall',
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** Spreadsheet serial day numbers (1900 date system, as SheetJS decodes them); a fraction is the time of day. */
function fromExcelSerial(serial: number): RawDate | null {
  if (!Number.isFinite(serial) || serial < 1) return null;
  const c = XLSX.SSF.parse_date_code(serial) as {
    y: number;
    m: number;
    d: number;
    H: number;
    M: number;
    S: number;
  } | null;
  if (!c || !validWall(c.y, c.m, c.d, c.H, c.M, c.S)) return null;
  if (Number.isInteger(serial)) return { kind: 'date', year: c.y, month: c.m, day: c.d };
  return { kind: 'wall', year: c.y, month: c.m, day: c.d, hour: c.H, minute: c.M, second: c.S };
}

/**
 * Reads an occurrence date cell with the formats tried in order. Numbers (spreadsheet cells) are serials when the
 * formats include `excel`, and otherwise read as their digits (e.g. 20240131 with `yyyyMMdd`).
 */
export function createDateParser(formats: readonly string[]): (raw: unknown) => ParsedDate | null {
  const parsers = formats.map(oneFormat);
  const excel = formats.includes('excel');
  const fromText = memo((text: string) => {
    for (const p of parsers) {
      const r = p(text);
      if (r) return withIso(r);
    }
    return null;
  });
  return (raw) => {
    if (raw === null || raw === undefined) return null;
    if (typeof raw === 'number' && excel) return withIso(fromExcelSerial(raw));
    if (raw instanceof Date) return isValid(raw) ? { kind: 'instant', ms: raw.getTime() } : null;
    const text = String(raw).trim();
    return text === '' ? null : fromText(text);
  };
}

/**
 * Reads a time-of-day cell. With `padDigits`, digits-only values shorter than the format are zero-padded first,
 * so integer times such as 55 read as 00:55 with `HHmm`. Spreadsheet time cells (fractions of a day) are read
 * when the format is `excel`.
 */
export function createTimeParser(format: string, padDigits: boolean): (raw: unknown) => TimeOfDay | null {
  const width = tokenise(format).reduce(
    (n, t) => n + ('letters' in t ? t.letters.length : t.literal.length),
    0,
  );
  const parseOne = format === 'excel' ? null : oneFormat(format);
  const fromText = memo((text: string): TimeOfDay | null => {
    const padded = padDigits && /^\d+$/.test(text) && text.length < width ? text.padStart(width, '0') : text;
    if (format === 'excel') {
      const n = Number(padded);
      if (!Number.isFinite(n) || n < 0 || n >= 1) return null;
      const c = XLSX.SSF.parse_date_code(n) as { H: number; M: number; S: number };
      return { hour: c.H, minute: c.M, second: c.S };
    }
    const parsed = parseOne!(padded);
    if (!parsed || parsed.kind !== 'wall') return null;
    return { hour: parsed.hour, minute: parsed.minute, second: parsed.second };
  });
  return (raw) => {
    if (raw === null || raw === undefined) return null;
    const text = (
      typeof raw === 'number' && format !== 'excel' ? String(Math.trunc(raw)) : String(raw)
    ).trim();
    return text === '' ? null : fromText(text);
  };
}

export type Zone = {
  /** The UTC instant of a wall-clock time in this zone (a time skipped by a DST change moves forward). */
  toInstant(wall: Wall): number;
  /** The zone's calendar date at an instant. */
  dateAt(ms: number): { year: number; month: number; day: number };
};

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * Zone arithmetic with per-day and per-hour memo: TZDate and Intl cost microseconds per call, and a million rows
 * span only a few hundred days. Days (or hours) containing a UTC-offset change are computed exactly every time.
 */
export function createZone(zone: string): Zone {
  const dayOffsets = new Map<number, number | null>();
  const hourOffsets = new Map<number, number | null>();
  const exact = (w: Wall): number =>
    new TZDate(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, zone).getTime();
  return {
    toInstant(w) {
      const dayKey = Date.UTC(w.year, w.month - 1, w.day);
      let offset = dayOffsets.get(dayKey);
      if (offset === undefined) {
        const start = exact({ ...w, hour: 0, minute: 0, second: 0 });
        const end = exact({ ...w, hour: 23, minute: 59, second: 0 });
        const startOffset = dayKey - start;
        const endOffset = dayKey + 23 * HOUR_MS + 59 * 60_000 - end;
        offset = startOffset === endOffset ? startOffset : null;
        if (dayOffsets.size > MEMO_LIMIT) dayOffsets.clear();
        dayOffsets.set(dayKey, offset);
      }
      if (offset === null) return exact(w);
      return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - offset;
    },
    dateAt(ms) {
      const hourKey = Math.floor(ms / HOUR_MS);
      let offset = hourOffsets.get(hourKey);
      if (offset === undefined) {
        const a = tzOffset(zone, new Date(hourKey * HOUR_MS));
        const b = tzOffset(zone, new Date(hourKey * HOUR_MS + HOUR_MS - 1));
        offset = a === b ? a * 60_000 : null;
        if (hourOffsets.size > MEMO_LIMIT) hourOffsets.clear();
        hourOffsets.set(hourKey, offset);
      }
      const local = ms + (offset ?? tzOffset(zone, new Date(ms)) * 60_000);
      const d = new Date(Math.floor(local / DAY_MS) * DAY_MS);
      return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
    },
  };
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `YYYY-MM-DD`, the form `occurred_on` and rollup periods are stored in. */
export const isoDay = (year: number, month: number, day: number): string =>
  `${year < 1000 ? String(year).padStart(4, '0') : year}-${pad2(month)}-${pad2(day)}`;
