import { EVERY, type HotspotArea, type IndexSpec } from '../../api/analytics.ts';
import type { MessageId } from '../../i18n/i18n.tsx';

// Names the API sends as codes, or as text a city may not have written in the reader's language, in words.

const METHOD_NAMES: Record<string, MessageId> = {
  ears_c1: 'analytics.method.ears_c1',
  ears_c2: 'analytics.method.ears_c2',
  ears_c3: 'analytics.method.ears_c3',
  farrington_noufaily: 'analytics.method.farrington_noufaily',
  farrington_classic: 'analytics.method.farrington_classic',
};

/** A method's name; one the console does not know yet (a newer server) shows its code. */
export const methodNameId = (method: string): MessageId | undefined => METHOD_NAMES[method];

// The indices and indicators the server seeds for every city (index-definitions.ts) have translated names; a
// city's own ones are shown as the city wrote them.
const INDEX_NAMES: Record<string, MessageId> = {
  threat: 'analytics.index.threat',
  needs: 'analytics.index.needs',
  protective: 'analytics.index.protective',
};

const INDICATOR_NAMES: Record<string, MessageId> = {
  signals_rate: 'analytics.indicator.signals_rate',
  assault_rate: 'analytics.indicator.assault_rate',
  threat_rate: 'analytics.indicator.threat_rate',
  low_income_lim_at_pct: 'analytics.indicator.low_income_lim_at_pct',
  unemployment_rate_pct: 'analytics.indicator.unemployment_rate_pct',
  youth_15_24_pct: 'analytics.indicator.youth_15_24_pct',
  no_certificate_pct: 'analytics.indicator.no_certificate_pct',
  recent_immigrants_pct: 'analytics.indicator.recent_immigrants_pct',
  tsns_nia: 'analytics.indicator.tsns_nia',
  postsecondary_pct: 'analytics.indicator.postsecondary_pct',
  same_address_5y_pct: 'analytics.indicator.same_address_5y_pct',
  employment_rate_pct: 'analytics.indicator.employment_rate_pct',
};

export const indexNameId = (key: string): MessageId | undefined => INDEX_NAMES[key];
export const indicatorNameId = (key: string): MessageId | undefined => INDICATOR_NAMES[key];

/** The built-in indices in the order a coordinator reads them (threat, needs, protective), a city's own after. */
export function indexOrder(a: string, b: string): number {
  const known = Object.keys(INDEX_NAMES);
  const pos = (k: string) => (known.includes(k) ? known.indexOf(k) : known.length);
  return pos(a) - pos(b) || a.localeCompare(b);
}

export type UnavailableReason =
  { kind: 'attribute'; key: string } | { kind: 'signals'; label: string } | { kind: 'other'; text: string };

/**
 * Why an indicator has no data. The server writes the two reasons it knows in fixed English sentences
 * (analytics.service.ts indicatorColumns); those are put into the reader's language, anything else is shown as sent.
 */
export function unavailableReason(reason: string): UnavailableReason {
  const attribute = /^no area attribute (.+)$/.exec(reason);
  if (attribute) return { kind: 'attribute', key: attribute[1]! };
  const signals = /^no signals labelled (.+)$/.exec(reason);
  if (signals) return { kind: 'signals', label: signals[1]! };
  return { kind: 'other', text: reason };
}

export const normalisationId = (n: IndexSpec['normalisation']): MessageId => `analytics.normalisation.${n}`;
export const aggregationId = (a: IndexSpec['aggregation']): MessageId => `analytics.aggregation.${a}`;
export const outliersId = (o: IndexSpec['outliers']): MessageId => `analytics.outliers.${o}`;

/**
 * The console's signals page for an alarm's signals. The API gives its own signal-list URL (signalsHref); the
 * console page takes the same filters under the same names, so the link keeps exactly the period, area and label
 * the API chose. Returns the query for /signals, or null when there is nothing the role may open.
 */
export function signalsQuery(signalsHref: string | null): Record<string, string | null> | null {
  if (signalsHref === null) return null;
  const q = new URL(signalsHref, 'http://console.invalid').searchParams;
  return {
    from: q.get('from'),
    to: q.get('to'),
    area: q.get('area') === EVERY ? null : q.get('area'),
    label: q.get('label') === EVERY ? null : q.get('label'),
  };
}

/** Significant areas, hot spots first; within each, the strongest (largest |z|) first. */
export function significantHotspots(areas: readonly HotspotArea[]): HotspotArea[] {
  return areas
    .filter((a) => a.significant && a.direction !== null)
    .sort((a, b) => {
      if (a.direction !== b.direction) return a.direction === 'hot' ? -1 : 1;
      return Math.abs(b.z) - Math.abs(a.z) || a.name.localeCompare(b.name);
    });
}

/**
 * A rank band in whole ranks. The 5th and 95th percentiles interpolate between runs (2.5 …), so the band is
 * widened to the whole ranks around it rather than rounded, which could make it narrower than measured.
 */
export function rankBand(p05: number, p95: number): { low: number; high: number } {
  return { low: Math.floor(p05), high: Math.ceil(p95) };
}
