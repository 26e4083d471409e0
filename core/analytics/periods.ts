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

export type Grain = 'week' | 'month';

/** The Monday of the ISO week containing `date` (UTC arithmetic; dates carry no time zone). */
export function weekStart(date: string): string {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((day + 6) % 7));
}

/** The first day of the month containing `date`. */
export function monthStart(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

export function periodStart(grain: Grain, date: string): string {
  return grain === 'week' ? weekStart(date) : monthStart(date);
}

/** The period after `period` (a Monday or a first of month). */
export function nextPeriod(grain: Grain, period: string): string {
  if (grain === 'week') return addDays(period, 7);
  const y = Number(period.slice(0, 4));
  const m = Number(period.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** The last day of a period. */
export function periodEnd(grain: Grain, period: string): string {
  return addDays(nextPeriod(grain, period), -1);
}

/** Consecutive periods from the one containing `first` to the one containing `last`, inclusive. */
export function periodAxis(grain: Grain, first: string, last: string): string[] {
  const end = periodStart(grain, last);
  const axis: string[] = [];
  for (let p = periodStart(grain, first); p <= end; p = nextPeriod(grain, p)) axis.push(p);
  return axis;
}
