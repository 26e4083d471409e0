import { useCallback, useMemo } from 'react';
import { useRecentRuns, type AnalyticsRun } from '../../api/analytics.ts';
import { useFetch } from '../../api/client.ts';
import type { AreaPicture } from '../../api/types.ts';
import { ErrorNotice } from '../../components/status.tsx';
import { useFormat, useT } from '../../i18n/i18n.tsx';
import type { Locale } from '../../i18n/locales.ts';
import { useUrl } from '../../routing/url-state.ts';
import { useTaxonomy } from '../taxonomy/taxonomy.ts';
import { AlarmsSection } from './alarms-section.tsx';
import { HotspotsSection, measureOf } from './hotspots-section.tsx';
import { IndicesSection } from './indices-section.tsx';

/**
 * Early warning: what the analytics engine found, read-only. Alarms over time, hot and cold spots in space, and the
 * composite indices with every indicator behind them. The full dashboard (map layers, triage) builds on this page.
 */
export function AnalyticsPage({ locale }: { locale: Locale }) {
  const t = useT();
  const { params } = useUrl();
  const measure = measureOf(params.get('measure'));
  const indexKey = params.get('index') || null;

  const taxonomy = useTaxonomy(locale);
  // Alarms name areas by code; the picture lists every area with its name.
  const areas = useFetch<AreaPicture>('/api/v1/picture/areas');
  const names = useMemo(() => new Map((areas.data?.areas ?? []).map((a) => [a.code, a.name])), [areas.data]);
  const areaName = useCallback((code: string) => names.get(code) ?? code, [names]);

  return (
    <>
      <h1 id="main-heading" tabIndex={-1}>
        {t('analytics.title')}
      </h1>
      <p className="page-intro">{t('analytics.intro')}</p>
      <LatestRun />
      <div className="analytics-sections">
        <AlarmsSection locale={locale} taxonomy={taxonomy} areaName={areaName} />
        <HotspotsSection measure={measure} />
        <IndicesSection indexKey={indexKey} taxonomy={taxonomy} areaName={areaName} />
      </div>
    </>
  );
}

/** When the alarms were computed and up to which day of data: they are only as fresh as the last successful run. */
function LatestRun() {
  const t = useT();
  const format = useFormat();
  const runs = useRecentRuns();
  if (runs.error) return <ErrorNotice error={runs.error} onRetry={runs.retry} />;
  if (!runs.data) return <p className="data-as-of">&nbsp;</p>;
  const latest = runs.data.items[0];
  const lastOk = runs.data.items.find((r) => r.status === 'ok');
  const at = (r: AnalyticsRun) => format.dateTime(r.finishedAt ?? r.startedAt);
  let text: string;
  if (!lastOk) text = t('analytics.notComputed');
  else
    text = lastOk.dataUntil
      ? t('analytics.computed', { at: at(lastOk), until: format.date(lastOk.dataUntil) })
      : t('analytics.computedNoData', { at: at(lastOk) });
  return (
    <>
      {latest && latest.status !== 'ok' && (
        <p className="notice notice-warning" data-testid="last-run-failed">
          {t('analytics.lastFailed', { at: at(latest) })}
        </p>
      )}
      <p className="data-as-of" data-testid="computed-at">
        {text}
      </p>
    </>
  );
}
