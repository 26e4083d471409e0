/**
 * When a provider's next delivery is due and whether it is late. Pure, and driven by the caller's clock, so that
 * tests pin "now" and the console and the CLI agree on the same instant.
 */

export const CADENCES = ['weekly', 'monthly', 'quarterly', 'yearly', 'ad_hoc'] as const;
export type Cadence = (typeof CADENCES)[number];

/**
 * Days a delivery may slip past its cadence before the source counts as overdue. Partners deliver by hand, around
 * holidays and month ends; a warning the day after the due date would teach coordinators to ignore it.
 */
export const GRACE_DAYS: Readonly<Record<Exclude<Cadence, 'ad_hoc'>, number>> = {
  weekly: 2,
  monthly: 7,
  quarterly: 14,
  yearly: 30,
};

const DAY_MS = 86_400_000;

export type Freshness = { nextDueAt: string | null; overdue: boolean };

export function computeFreshness(
  source: { cadence: Cadence; createdAt: string; lastDeliveredAt: string | null; archivedAt: string | null },
  now: Date,
): Freshness {
  // Archived providers no longer deliver and ad hoc ones deliver when something happens: neither is ever late.
  if (source.archivedAt !== null || source.cadence === 'ad_hoc') return { nextDueAt: null, overdue: false };
  // A provider that never delivered owes its first file one cadence after it was registered.
  const since = new Date(source.lastDeliveredAt ?? source.createdAt);
  const due = new Date(addCadence(since, source.cadence).getTime() + GRACE_DAYS[source.cadence] * DAY_MS);
  return { nextDueAt: due.toISOString(), overdue: now.getTime() > due.getTime() };
}

/** One cadence period later, in calendar terms: 31 January plus a month is 28 or 29 February, not 3 March. */
export function addCadence(from: Date, cadence: Exclude<Cadence, 'ad_hoc'>): Date {
  if (cadence === 'weekly') return new Date(from.getTime() + 7 * DAY_MS);
  return addMonthsUtc(from, cadence === 'monthly' ? 1 : cadence === 'quarterly' ? 3 : 12);
}

function addMonthsUtc(from: Date, months: number): Date {
  const year = from.getUTCFullYear();
  const month = from.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      year,
      month,
      Math.min(from.getUTCDate(), lastDay),
      from.getUTCHours(),
      from.getUTCMinutes(),
      from.getUTCSeconds(),
      from.getUTCMilliseconds(),
    ),
  );
}
