import { useCallback, useMemo, type ReactNode } from 'react';
import { IntlProvider, useIntl } from 'react-intl';
import ar from './ar.json' with { type: 'json' };
import en from './en.json' with { type: 'json' };
import fr from './fr.json' with { type: 'json' };
import type { Locale } from './locales.ts';

export type MessageId = keyof typeof en;
type Values = Record<string, string | number | Date>;

// Typed against en.json so a misspelt id fails the typecheck; the catalogs are checked for completeness in e2e/static-checks.
const catalogs: Record<Locale, Record<MessageId, string>> = { en, fr, ar };

export function I18nProvider({ locale, children }: { locale: Locale; children: ReactNode }) {
  return (
    <IntlProvider locale={locale} defaultLocale="en" messages={catalogs[locale]}>
      {children}
    </IntlProvider>
  );
}

/** Rates are always per 10,000 residents; messages write the base as {base} so it is formatted like every other number. */
export const RATE_BASE = 10_000;

/** Translate by message id. */
export function useT(): (id: MessageId, values?: Values) => string {
  const intl = useIntl();
  return useCallback(
    (id: MessageId, values?: Values) =>
      intl.formatMessage({ id }, { base: intl.formatNumber(RATE_BASE), ...values }),
    [intl],
  );
}

/** Number and date formatters in the current locale. Dates are calendar dates (YYYY-MM-DD), shown as written. */
export function useFormat() {
  const intl = useIntl();
  return useMemo(
    () => ({
      count: (n: number) => intl.formatNumber(n, { maximumFractionDigits: 0 }),
      rate: (n: number) => intl.formatNumber(n, { maximumFractionDigits: 2 }),
      date: (isoDate: string) =>
        intl.formatDate(`${isoDate}T00:00:00Z`, { dateStyle: 'medium', timeZone: 'UTC' }),
      dateTime: (iso: string) => intl.formatDate(iso, { dateStyle: 'medium', timeStyle: 'short' }),
      year: (year: number) => intl.formatDate(Date.UTC(year, 6, 1), { year: 'numeric', timeZone: 'UTC' }),
    }),
    [intl],
  );
}

export type Formatters = ReturnType<typeof useFormat>;
