import { useId, useMemo } from 'react';
import { HOTSPOT_MEASURES, useHotspots, type HotspotMeasure } from '../../api/analytics.ts';
import { Empty, ErrorNotice, Loading } from '../../components/status.tsx';
import { useT, type MessageId } from '../../i18n/i18n.tsx';
import { updateQuery } from '../../routing/url-state.ts';
import { P_FLOOR, useAnalyticsFormat } from './format.ts';
import { significantHotspots } from './labels.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';

const MEASURE_NAMES: Record<HotspotMeasure, MessageId> = {
  eb_rate: 'analytics.hotspots.measure.eb_rate',
  rate: 'analytics.hotspots.measure.rate',
  count: 'analytics.hotspots.measure.count',
};

export const DEFAULT_MEASURE: HotspotMeasure = 'eb_rate';

export const measureOf = (v: string | null): HotspotMeasure =>
  HOTSPOT_MEASURES.includes(v as HotspotMeasure) ? (v as HotspotMeasure) : DEFAULT_MEASURE;

/** Getis-Ord Gi* hot and cold spots that survive the false discovery rate, with the measure chosen in the URL. */
export function HotspotsSection({ measure }: { measure: HotspotMeasure }) {
  const t = useT();
  const format = useAnalyticsFormat();
  const radioId = useId();
  const hotspots = useHotspots(measure);
  const data = hotspots.data;
  // The previous measure's answer stays on screen while the next one loads; its rows are labelled by its own measure.
  const shownMeasure = data?.measure ?? measure;
  const rows = useMemo(() => (data ? significantHotspots(data.areas) : []), [data]);
  const formatValue = shownMeasure === 'count' ? format.count : format.rate;

  return (
    <section className="analytics-section" aria-labelledby="hotspots-title" data-testid="hotspots">
      <h2 id="hotspots-title">{t('analytics.hotspots.title')}</h2>
      <p className="section-intro">{t('analytics.hotspots.intro')}</p>
      <div className="filters">
        <fieldset className="metric">
          <legend>{t('analytics.hotspots.measure')}</legend>
          {HOTSPOT_MEASURES.map((m) => (
            <div className="radio" key={m}>
              <input
                type="radio"
                id={`${radioId}-${m}`}
                name="measure"
                value={m}
                checked={measure === m}
                onChange={() => updateQuery({ measure: m === DEFAULT_MEASURE ? null : m })}
              />
              <label htmlFor={`${radioId}-${m}`}>{t(MEASURE_NAMES[m])}</label>
            </div>
          ))}
        </fieldset>
      </div>
      {hotspots.error && <ErrorNotice error={hotspots.error} onRetry={hotspots.retry} />}
      <div aria-live="polite">
        {data && (
          <p data-testid="hotspots-summary">
            <span className="summary-item">
              {t('analytics.window', {
                from: format.date(data.window.from),
                to: format.date(data.window.to),
              })}
            </span>
            <span className="summary-item">
              {t('analytics.hotspots.tested', {
                tested: data.summary.m,
                significant: rows.length,
                alpha: format.rate(data.summary.alpha),
              })}
            </span>
          </p>
        )}
        {hotspots.loading && <Loading />}
      </div>
      {data && rows.length === 0 && <Empty>{t('analytics.hotspots.empty')}</Empty>}
      {data && rows.length > 0 && (
        <ScrollTable
          id="hotspots"
          className="hotspots-table"
          busy={hotspots.loading}
          caption={t('analytics.hotspots.caption', { measure: t(MEASURE_NAMES[shownMeasure]) })}
        >
          <thead>
            <tr>
              <th scope="col">{t('analytics.hotspots.col.area')}</th>
              <th scope="col">{t('analytics.hotspots.col.kind')}</th>
              <th scope="col" className="numeric">
                {t(MEASURE_NAMES[shownMeasure])}
              </th>
              <th scope="col" className="numeric">
                {t('analytics.hotspots.col.z')}
              </th>
              <th scope="col" className="numeric">
                {t('analytics.hotspots.col.pBh')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr key={a.code} data-code={a.code} data-direction={a.direction}>
                <th scope="row">{a.name}</th>
                <td data-col="kind">
                  <span className={`tag tag-${a.direction}`}>
                    {a.direction === 'hot' ? t('analytics.hotspots.hot') : t('analytics.hotspots.cold')}
                  </span>
                </td>
                <td className="numeric" data-col="value">
                  {formatValue(a.value)}
                </td>
                <td className="numeric" data-col="z">
                  {format.z(a.z)}
                </td>
                <td className="numeric" data-col="pBh">
                  {a.pBh < P_FLOOR ? t('analytics.pBelow', { p: format.p(P_FLOOR) }) : format.p(a.pBh)}
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </section>
  );
}
