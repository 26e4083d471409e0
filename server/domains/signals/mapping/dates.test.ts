import { format as formatDate } from 'date-fns/format';
import { parse } from 'date-fns/parse';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDateParser, createTimeParser, createZone } from './dates.ts';

const FAST_FORMATS = [
  'yyyy-MM-dd',
  'dd/MM/yyyy',
  'yyyyMMdd',
  "yyyy-MM-dd'T'HH:mm",
  'dd.MM.yyyy HH:mm:ss',
  'MM/dd/yyyy HH:mm',
];

describe('date parsing', () => {
  it('reads fixed-width numeric formats exactly as date-fns does', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(1950, 0, 1), max: new Date(2049, 11, 31), noInvalidDate: true }),
        fc.constantFrom(...FAST_FORMATS),
        (date, format) => {
          const text = formatDate(date, format);
          const reference = parse(text, format, new Date(2000, 0, 1));
          const parsed = createDateParser([format])(text);
          expect(parsed).not.toBeNull();
          expect(parsed!.kind).toBe(/H/.test(format) ? 'wall' : 'date');
          if (parsed!.kind === 'instant') throw new Error('unexpected instant');
          expect([parsed!.year, parsed!.month, parsed!.day]).toEqual([
            reference.getFullYear(),
            reference.getMonth() + 1,
            reference.getDate(),
          ]);
          if (parsed!.kind === 'wall')
            expect([parsed!.hour, parsed!.minute]).toEqual([reference.getHours(), reference.getMinutes()]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('leaves what the fast path does not match to date-fns, and refuses impossible dates', () => {
    const p = createDateParser(['yyyy-MM-dd']);
    expect(p('2023-5-1')).toMatchObject({ kind: 'date', year: 2023, month: 5, day: 1, iso: '2023-05-01' });
    expect(p('2023-02-29')).toBeNull();
    expect(p('2024-02-29')).toMatchObject({ iso: '2024-02-29' });
    expect(p('31/01/2024')).toBeNull();
    expect(p('  2024-01-31 ')).toMatchObject({ iso: '2024-01-31' });
  });

  it('tries several formats in order, including formats with month names', () => {
    const p = createDateParser(['dd/MM/yyyy', 'MMM d, yyyy', 'iso']);
    expect(p('31/01/2024')).toMatchObject({ iso: '2024-01-31' });
    expect(p('Jan 5, 2024')).toMatchObject({ iso: '2024-01-05' });
    expect(p('2024-03-10T14:30:00Z')).toEqual({ kind: 'instant', ms: Date.UTC(2024, 2, 10, 14, 30) });
    expect(p('2024-03-10T14:30')).toMatchObject({ kind: 'wall', hour: 14, minute: 30, iso: '2024-03-10' });
    expect(p('2024-03-10')).toMatchObject({ kind: 'date', iso: '2024-03-10' });
    expect(p('next tuesday')).toBeNull();
  });

  it('reads spreadsheet serial numbers as dates, with the fraction as the time', () => {
    const p = createDateParser(['excel']);
    expect(p(45000)).toMatchObject({ kind: 'date', iso: '2023-03-15' });
    expect(p(45000.75)).toMatchObject({ kind: 'wall', iso: '2023-03-15', hour: 18, minute: 0 });
    expect(p('45000')).toMatchObject({ kind: 'date', iso: '2023-03-15' });
    expect(p(-3)).toBeNull();
  });

  it('reads integer times with zero padding (TPS: 55 is 00:55, 0 is midnight)', () => {
    const t = createTimeParser('HHmm', true);
    expect(t('55')).toEqual({ hour: 0, minute: 55, second: 0 });
    expect(t(0)).toEqual({ hour: 0, minute: 0, second: 0 });
    expect(t('1904')).toEqual({ hour: 19, minute: 4, second: 0 });
    expect(t('2460')).toBeNull();
    expect(createTimeParser('HHmm', false)('55')).toBeNull();
    expect(createTimeParser('HH:mm', false)('07:30')).toEqual({ hour: 7, minute: 30, second: 0 });
    expect(createTimeParser('excel', false)(0.5)).toEqual({ hour: 12, minute: 0, second: 0 });
  });
});

describe('time zones', () => {
  const toronto = createZone('America/Toronto');
  const wall = (y: number, mo: number, d: number, h: number, mi: number) => ({
    year: y,
    month: mo,
    day: d,
    hour: h,
    minute: mi,
    second: 0,
  });

  it('places wall-clock times in the zone, across daylight-saving changes', () => {
    expect(new Date(toronto.toInstant(wall(2024, 1, 15, 12, 0))).toISOString()).toBe(
      '2024-01-15T17:00:00.000Z',
    );
    expect(new Date(toronto.toInstant(wall(2024, 7, 15, 12, 0))).toISOString()).toBe(
      '2024-07-15T16:00:00.000Z',
    );
    // 2024-03-10: clocks go from 02:00 to 03:00; earlier and later the same day use different offsets.
    expect(new Date(toronto.toInstant(wall(2024, 3, 10, 1, 30))).toISOString()).toBe(
      '2024-03-10T06:30:00.000Z',
    );
    expect(new Date(toronto.toInstant(wall(2024, 3, 10, 3, 30))).toISOString()).toBe(
      '2024-03-10T07:30:00.000Z',
    );
    // 2024-11-03: 01:30 happens twice; after the change the offset is -5.
    expect(new Date(toronto.toInstant(wall(2024, 11, 3, 12, 0))).toISOString()).toBe(
      '2024-11-03T17:00:00.000Z',
    );
  });

  it('gives the local calendar day of an instant', () => {
    expect(toronto.dateAt(Date.UTC(2024, 0, 1, 3, 0))).toEqual({ year: 2023, month: 12, day: 31 });
    expect(toronto.dateAt(Date.UTC(2024, 0, 1, 6, 0))).toEqual({ year: 2024, month: 1, day: 1 });
    expect(createZone('Asia/Tokyo').dateAt(Date.UTC(2024, 0, 1, 16, 0))).toEqual({
      year: 2024,
      month: 1,
      day: 2,
    });
  });

  it('agrees with an exact conversion for every hour of a year', () => {
    const paris = createZone('Europe/Paris');
    for (let h = 0; h < 24 * 366; h += 7) {
      const ms = Date.UTC(2024, 0, 1) + h * 3_600_000;
      const local = new Intl.DateTimeFormat('en-CA', {
        timeZone: 'Europe/Paris',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      }).format(new Date(ms));
      const d = paris.dateAt(ms);
      expect(`${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`).toBe(local);
    }
  });
});
