import { describe, expect, it } from 'vitest';
import { addDays, calendarYearOf, isIsoDate, last52Weeks, samePeriod } from './periods.ts';

describe('periods', () => {
  it('accepts calendar dates only', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2024-13-01')).toBe(false);
    expect(isIsoDate('2024-1-01')).toBe(false);
    expect(isIsoDate(null)).toBe(false);
  });

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2023-03-01', -1)).toBe('2023-02-28');
  });

  it('counts 52 weeks as 364 days ending on the last date', () => {
    const p = last52Weeks('2024-12-26');
    expect(p).toEqual({ from: '2023-12-29', to: '2024-12-26' });
    expect((Date.parse(p.to) - Date.parse(p.from)) / 86_400_000 + 1).toBe(364);
  });

  it('gives the calendar year containing the last date', () => {
    expect(calendarYearOf('2024-12-26')).toEqual({ year: 2024, from: '2024-01-01', to: '2024-12-31' });
  });

  it('compares periods by both ends', () => {
    expect(samePeriod({ from: 'a', to: 'b' }, { from: 'a', to: 'b' })).toBe(true);
    expect(samePeriod({ from: 'a', to: 'b' }, { from: 'a' })).toBe(false);
  });
});
