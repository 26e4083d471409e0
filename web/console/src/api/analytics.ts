// Response shapes of the early-warning API (server/domains/analytics/analytics.presenter.ts) and the reads the
// console makes of it.
import type { FdrSummary } from '../../../../core/analytics/fdr.ts';
import { apiUrl, useFetch, type Fetched } from './client.ts';
import { usePagedList, type PagedList } from './paged-list.ts';

const BASE = '/api/v1/analytics';

/** Whole periods the figures cover: from the first day of the first to the last day of the last. */
export type AnalyticsWindow = { grain: 'week' | 'month'; from: string; to: string };

/** Area '*' is the whole city, label '*' every signal. */
export const EVERY = '*';

export type Alarm = {
  id: string;
  /** One of METHODS in core/analytics/monitor.ts; typed as string because a newer server may add a method. */
  method: string;
  grain: string;
  area: string;
  label: string;
  period: string;
  periodEnd: string;
  observed: number;
  expected: number;
  upperbound: number;
  firstRaisedAt: string;
  lastComputedAt: string;
  withdrawnAt: string | null;
  /** The API's signal list behind the count; null when the role may not read individual signals. */
  signalsHref: string | null;
};

export type AlarmPage = { items: Alarm[]; nextCursor: string | null };

export const HOTSPOT_MEASURES = ['eb_rate', 'rate', 'count'] as const;
export type HotspotMeasure = (typeof HOTSPOT_MEASURES)[number];
export type { FdrSummary };

export type HotspotArea = {
  code: string;
  name: string;
  value: number;
  neighbours: number;
  z: number;
  p: number;
  pBh: number;
  permutationP: number | null;
  significant: boolean;
  direction: 'hot' | 'cold' | null;
};

export type Hotspots = {
  window: AnalyticsWindow;
  label: string;
  measure: HotspotMeasure;
  summary: FdrSummary;
  areas: HotspotArea[];
};

export type IndicatorSource =
  | { kind: 'signals'; label: string; measure: 'count' | 'rate' | 'eb_rate' }
  | { kind: 'attribute'; key: string };

export type IndicatorDefinition = {
  key: string;
  label: string;
  weight: number;
  /** 1: a higher value raises the score; -1: it lowers it. */
  direction: 1 | -1;
  source: IndicatorSource;
};

export type IndexSpec = {
  indicators: IndicatorDefinition[];
  outliers: 'none' | 'winsorise';
  normalisation: 'minmax' | 'zscore' | 'rank';
  aggregation: 'arithmetic' | 'geometric';
};

export type IndexIndicatorValue = {
  key: string;
  value: number | null;
  normalised: number | null;
  contribution: number;
};

export type IndexArea = {
  code: string;
  name: string;
  score: number;
  rank: number;
  medianRank: number;
  p05Rank: number;
  p95Rank: number;
  /** Some indicators had no value: the score is over the others, their weights renormalised. */
  missing: boolean;
  indicators: IndexIndicatorValue[];
};

export type CompositeIndex = {
  key: string;
  name: string;
  spec: IndexSpec;
  unavailable: Array<{ key: string; reason: string }>;
  /** Codes of the areas with no value for any indicator, left out of the ranking. */
  excludedAreas: string[];
  /** null when none of the indicators has data. */
  areas: IndexArea[] | null;
};

export type Indices = { window: AnalyticsWindow; runs: number; indices: CompositeIndex[] };

export type AnalyticsRun = {
  id: string;
  reason: string;
  startedAt: string;
  finishedAt: string | null;
  /** 'ok' or 'failed'. */
  status: string;
  dataUntil: string | null;
  summary: unknown;
};

export const ALARM_PAGE_SIZE = 50;

/** Weekly alarms, newest week first, page by page. */
export function useAlarms(): PagedList<AlarmPage> {
  return usePagedList<AlarmPage>(`${BASE}/alarms`, { grain: 'week', limit: String(ALARM_PAGE_SIZE) });
}

export function useHotspots(measure: HotspotMeasure): Fetched<Hotspots> {
  return useFetch<Hotspots>(apiUrl(`${BASE}/hotspots`, { measure }));
}

/** Monte Carlo runs behind each rank band: enough for stable 5th and 95th percentiles, quick for a page load. */
export const INDEX_RUNS = 200;

export function useIndices(): Fetched<Indices> {
  return useFetch<Indices>(apiUrl(`${BASE}/indices`, { runs: String(INDEX_RUNS) }));
}

/**
 * The latest recomputations, newest first: a few, so that after a failed run the page can still say when the
 * stored alarms were last computed successfully.
 */
export function useRecentRuns(): Fetched<{ items: AnalyticsRun[] }> {
  return useFetch<{ items: AnalyticsRun[] }>(apiUrl(`${BASE}/runs`, { limit: '10' }));
}
