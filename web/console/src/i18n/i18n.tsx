import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { IntlProvider, useIntl } from 'react-intl';
import en from './en.json' with { type: 'json' };
import type { Locale } from './locales.ts';

export type MessageId = keyof typeof en;
type Values = Record<string, string | number | Date>;
type Catalog = Record<MessageId, string>;

// Typed against en.json so a misspelt id fails the typecheck; the catalogs are checked for completeness in e2e/static-checks.
// English is in the bundle (the default); each other catalog is its own chunk, downloaded only by those who read it.
const loaded: Partial<Record<Locale, Catalog>> = { en };
const loaders: Record<Exclude<Locale, 'en'>, () => Promise<Catalog>> = {
  fr: async () => (await import('./fr.json', { with: { type: 'json' } })).default,
  ar: async () => (await import('./ar.json', { with: { type: 'json' } })).default,
};

export function I18nProvider({ locale, children }: { locale: Locale; children: ReactNode }) {
  const [, setLoads] = useState(0);
  const messages = loaded[locale];
  useEffect(() => {
    if (locale === 'en' || loaded[locale]) return;
    let current = true;
    loaders[locale]().then(
      (catalog) => {
        loaded[locale] = catalog;
        if (current) setLoads((n) => n + 1);
      },
      () => {
        // Offline after the first load: English beats an empty page.
        loaded[locale] = en;
        if (current) setLoads((n) => n + 1);
      },
    );
    return () => {
      current = false;
    };
  }, [locale]);
  // Nothing rather than a flash of another language while the catalog arrives.
  if (!messages) return null;
  return (
    <IntlProvider locale={locale} defaultLocale="en" messages={messages}>
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
