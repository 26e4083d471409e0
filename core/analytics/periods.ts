/** Reporting periods as inclusive YYYY-MM-DD ranges, derived from the data's own extent rather than today's date. */

export type Period = { from: string; to: string };

const DAY_MS = 86_400_000;

export function isIsoDate(value: string | null | undefined): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The 52 weeks (364 days) ending on `last`, both ends included. */
export function last52Weeks(last: string): Period {
  return { from: addDays(last, -363), to: last };
}

/** The calendar year that contains `last`. */
export function calendarYearOf(last: string): Period & { year: number } {
  const year = Number(last.slice(0, 4));
  return { year, from: `${last.slice(0, 4)}-01-01`, to: `${last.slice(0, 4)}-12-31` };
}

export function samePeriod(a: Partial<Period>, b: Partial<Period>): boolean {
  return a.from === b.from && a.to === b.to;
}
