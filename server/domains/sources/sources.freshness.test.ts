import { describe, expect, it } from 'vitest';
import { addCadence, computeFreshness, type Cadence } from './sources.freshness.ts';

const at = (iso: string) => new Date(iso);
const source = (cadence: Cadence, lastDeliveredAt: string | null, archivedAt: string | null = null) => ({
  cadence,
  createdAt: '2025-01-10T09:00:00.000Z',
  lastDeliveredAt,
  archivedAt,
});

describe('source freshness', () => {
  // Delivered 2025-03-31T12:00Z; due = one cadence later + grace; overdue only strictly after that instant.
  const cases: Array<[Cadence, string]> = [
    ['weekly', '2025-04-09T12:00:00.000Z'], // +7 days +2
    ['monthly', '2025-05-07T12:00:00.000Z'], // 30 April (31 March + 1 month, clamped) +7
    ['quarterly', '2025-07-14T12:00:00.000Z'], // 30 June +14
    ['yearly', '2026-04-30T12:00:00.000Z'], // 31 March 2026 +30
  ];
  for (const [cadence, due] of cases) {
    it(`is due and then overdue on a ${cadence} cadence`, () => {
      const s = source(cadence, '2025-03-31T12:00:00.000Z');
      expect(computeFreshness(s, at('2025-04-01T00:00:00Z'))).toEqual({ nextDueAt: due, overdue: false });
      expect(computeFreshness(s, at(due)).overdue).toBe(false);
      expect(computeFreshness(s, new Date(at(due).getTime() + 1)).overdue).toBe(true);
    });
  }

  it('counts a never-delivered source from its registration', () => {
    const s = source('monthly', null);
    expect(computeFreshness(s, at('2025-02-10T00:00:00Z'))).toEqual({
      nextDueAt: '2025-02-17T09:00:00.000Z',
      overdue: false,
    });
    expect(computeFreshness(s, at('2025-02-18T00:00:00Z')).overdue).toBe(true);
  });

  it('never marks ad hoc or archived sources overdue', () => {
    expect(computeFreshness(source('ad_hoc', null), at('2035-01-01T00:00:00Z'))).toEqual({
      nextDueAt: null,
      overdue: false,
    });
    expect(
      computeFreshness(source('weekly', null, '2025-01-11T00:00:00.000Z'), at('2035-01-01T00:00:00Z')),
    ).toEqual({ nextDueAt: null, overdue: false });
  });

  it('adds calendar months, clamping to the end of shorter months and keeping leap days', () => {
    expect(addCadence(at('2024-01-31T00:00:00Z'), 'monthly').toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(addCadence(at('2025-01-31T00:00:00Z'), 'monthly').toISOString()).toBe('2025-02-28T00:00:00.000Z');
    expect(addCadence(at('2024-02-29T00:00:00Z'), 'yearly').toISOString()).toBe('2025-02-28T00:00:00.000Z');
    expect(addCadence(at('2025-11-30T08:15:00Z'), 'quarterly').toISOString()).toBe(
      '2026-02-28T08:15:00.000Z',
    );
    expect(addCadence(at('2025-12-29T23:59:59.999Z'), 'weekly').toISOString()).toBe(
      '2026-01-05T23:59:59.999Z',
    );
  });
});
