import { useMemo } from 'react';
import { useIntl } from 'react-intl';
import { useFormat } from '../../i18n/i18n.tsx';

/** Smallest adjusted p-value written out; below it the table says "< 0.001", as statistical tables do. */
export const P_FLOOR = 0.001;

/** The console's formatters plus the fixed precisions the early-warning tables use, in the UI locale. */
export function useAnalyticsFormat() {
  const intl = useIntl();
  const format = useFormat();
  return useMemo(() => {
    const fixed = (digits: number) => (n: number) =>
      intl.formatNumber(n, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    return {
      ...format,
      /** Expected counts, upper bounds, scores, normalised values and contributions. */
      oneDecimal: fixed(1),
      z: fixed(2),
      p: fixed(3),
      /** Raw indicator values: percentages, rates and counts alike, without invented precision. */
      value: (n: number) => intl.formatNumber(n, { maximumFractionDigits: 2 }),
    };
  }, [intl, format]);
}

export type AnalyticsFormat = ReturnType<typeof useAnalyticsFormat>;
