import { useCallback, useEffect, useId, useMemo } from 'react';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { classOf, quantileClasses } from '../../../../../core/analytics/class-breaks.ts';
import { isIsoDate } from '../../../../../core/analytics/periods.ts';
import { apiUrl, useFetch } from '../../api/client.ts';
import type { AreaPicture, AreaPictureRow, AreaProperties, SignalExtent } from '../../api/types.ts';
import { Empty, ErrorNotice, Loading } from '../../components/status.tsx';
import { useFormat, useT } from '../../i18n/i18n.tsx';
import { directionOf, type Locale } from '../../i18n/locales.ts';
import { Link } from '../../routing/link.tsx';
import { hrefWith, updateQuery, useUrl } from '../../routing/url-state.ts';
import { defaultPeriod, PeriodFilter, type PeriodValue } from '../filters/period-filter.tsx';
import { CategorySelect } from '../taxonomy/category-select.tsx';
import { useTaxonomy } from '../taxonomy/taxonomy.ts';
import { AreaMap, type AreaAppearance, type AreaFeatures } from './area-map.tsx';
import { AreaTable } from './area-table.tsx';
import { fillOf, NoDataPattern } from './choropleth.tsx';
import { MapLegend } from './map-legend.tsx';

export type Metric = 'rate' | 'count';

type AreaTopology = Topology<{ areas: GeometryCollection<AreaProperties> }>;

const CLASSES = 5;

export function MapPage({ locale }: { locale: Locale }) {
  const t = useT();
  const format = useFormat();
  const { params } = useUrl();
  const metricId = useId();

  const from = isIsoDate(params.get('from')) ? params.get('from') : null;
  const to = isIsoDate(params.get('to')) ? params.get('to') : null;
  const label = params.get('label') || null;
  const metric: Metric = params.get('metric') === 'count' ? 'count' : 'rate';
  const selected = params.get('area') || null;

  const extent = useFetch<SignalExtent>('/api/v1/picture/extent');
  const taxonomy = useTaxonomy(locale);
  const boundaries = useFetch<AreaTopology>(apiUrl('/api/v1/areas/boundaries', { format: 'topojson' }));

  // A first visit (no period in the link) gets the default period written into the URL, so the view stays shareable.
  const fallback = defaultPeriod(extent.data);
  const needsDefault = from === null && to === null;
  useEffect(() => {
    if (needsDefault && fallback) updateQuery({ from: fallback.from, to: fallback.to }, { replace: true });
  }, [needsDefault, fallback?.from, fallback?.to]);

  const invalidPeriod = from !== null && to !== null && from > to;
  const waiting = needsDefault && (extent.loading || fallback !== undefined);
  const picture = useFetch<AreaPicture>(
    waiting || invalidPeriod ? null : apiUrl('/api/v1/picture/areas', { from, to, label }),
  );

  const features = useMemo<AreaFeatures | null>(() => {
    const topo = boundaries.data;
    if (!topo?.objects?.areas) return null;
    return feature(topo, topo.objects.areas) as unknown as AreaFeatures;
  }, [boundaries.data]);

  // An impossible period shows nothing rather than the numbers of the previous, different period.
  const rows = useMemo(
    () => (invalidPeriod ? [] : (picture.data?.areas ?? [])),
    [picture.data, invalidPeriod],
  );
  const valueOf = useCallback((r: AreaPictureRow) => (metric === 'rate' ? r.ratePer10k : r.count), [metric]);
  const ranges = useMemo(() => quantileClasses(rows.map(valueOf), CLASSES), [rows, valueOf]);
  const rowByCode = useMemo(() => new Map(rows.map((r) => [r.code, r])), [rows]);
  const formatValue = metric === 'rate' ? format.rate : format.count;

  const describe = useCallback(
    (r: AreaPictureRow): string[] => [
      t('map.incidents', { count: r.count }),
      r.ratePer10k === null ? t('map.rateUnavailable') : t('map.rate', { rate: format.rate(r.ratePer10k) }),
    ],
    [t, format],
  );

  const appearanceOf = useCallback(
    (code: string): AreaAppearance => {
      const row = rowByCode.get(code);
      if (!row) return { fill: fillOf('none', ranges), title: code, lines: [t('map.legend.noData')] };
      return { fill: fillOf(classOf(valueOf(row), ranges), ranges), title: row.name, lines: describe(row) };
    },
    [rowByCode, ranges, valueOf, describe, t],
  );

  const select = (code: string | null) => updateQuery({ area: code === selected ? null : code });
  const setPeriod = (p: PeriodValue) => updateQuery({ from: p.from, to: p.to });

  const selectedRow = selected ? rowByCode.get(selected) : undefined;
  const metricTitle = metric === 'rate' ? t('filters.metric.rate') : t('filters.metric.count');
  const categoryName = label ? taxonomy.labelOf(label) : t('filters.category.all');
  const periodText =
    from && to
      ? t('period.range', { from: format.date(from), to: format.date(to) })
      : from
        ? t('period.since', { from: format.date(from) })
        : to
          ? t('period.until', { to: format.date(to) })
          : t('filters.preset.all');
  const noSignalsYet = extent.data !== undefined && extent.data.to === null;
  const hasNoData = rows.some((r) => valueOf(r) === null);
  const hasZero = rows.some((r) => valueOf(r) === 0);
  const dir = directionOf(locale);
  const mapLabels = useMemo(
    () => ({ region: t('map.region'), zoomIn: t('map.zoomIn'), zoomOut: t('map.zoomOut') }),
    [t],
  );

  return (
    <>
      <h1 id="main-heading" tabIndex={-1}>
        {t('map.title')}
      </h1>
      <form className="filters" aria-label={t('filters.heading')} onSubmit={(e) => e.preventDefault()}>
        <PeriodFilter value={{ from, to }} extent={extent.data} onChange={setPeriod} />
        <CategorySelect taxonomy={taxonomy} value={label} onChange={(code) => updateQuery({ label: code })} />
        <fieldset className="metric">
          <legend>{t('filters.metric')}</legend>
          {(['rate', 'count'] as const).map((m) => (
            <div className="radio" key={m}>
              <input
                type="radio"
                id={`${metricId}-${m}`}
                name="metric"
                value={m}
                checked={metric === m}
                onChange={() => updateQuery({ metric: m === 'rate' ? null : m })}
              />
              <label htmlFor={`${metricId}-${m}`}>
                {m === 'rate' ? t('filters.metric.rate') : t('filters.metric.count')}
              </label>
            </div>
          ))}
        </fieldset>
      </form>

      {extent.error && <ErrorNotice error={extent.error} onRetry={extent.retry} />}
      {noSignalsYet && <Empty>{t('map.noSignals')}</Empty>}
      {picture.error && <ErrorNotice error={picture.error} onRetry={picture.retry} />}

      <div className="summary" aria-live="polite">
        {picture.data && !invalidPeriod && (
          <>
            <p>
              <span className="summary-item">{categoryName}</span>
              <span className="summary-item">{periodText}</span>
              <span className="summary-item" data-testid="city-wide">
                {t('map.cityWide', { count: picture.data.cityWide.count })}
              </span>
            </p>
            <p className="data-as-of" data-testid="data-as-of">
              {picture.data.dataAsOf
                ? t('map.dataAsOf', { date: format.dateTime(picture.data.dataAsOf) })
                : t('map.noImports')}
            </p>
          </>
        )}
        {picture.loading && <Loading />}
      </div>

      <NoDataPattern />
      <div className="map-layout">
        <div className="map-panel">
          {boundaries.error ? (
            <ErrorNotice error={boundaries.error} onRetry={boundaries.retry} />
          ) : features ? (
            <AreaMap
              features={features}
              appearanceOf={appearanceOf}
              selected={selected}
              onSelect={(code) => select(code)}
              dir={dir}
              labels={mapLabels}
            />
          ) : (
            <div className="area-map area-map-placeholder">
              <Loading />
            </div>
          )}
          <MapLegend
            title={metricTitle}
            ranges={ranges}
            showZero={hasZero}
            showNoData={hasNoData}
            formatValue={formatValue}
          />
          {selectedRow && (
            <section className="selection" aria-labelledby="selection-title" data-testid="selection">
              <h2 id="selection-title">{selectedRow.name}</h2>
              <dl>
                <dt>{t('table.count')}</dt>
                <dd>{format.count(selectedRow.count)}</dd>
                <dt>{t('table.population')}</dt>
                <dd>
                  {selectedRow.population === null
                    ? t('table.notAvailable')
                    : format.count(selectedRow.population)}
                </dd>
                <dt>{t('table.rate')}</dt>
                <dd>
                  {selectedRow.ratePer10k === null
                    ? t('table.notAvailable')
                    : format.rate(selectedRow.ratePer10k)}
                </dd>
              </dl>
              <p className="selection-actions">
                <Link
                  href={hrefWith('/signals', new URLSearchParams(), {
                    lang: locale,
                    area: selectedRow.code,
                    from,
                    to,
                    label,
                  })}
                >
                  {t('map.viewSignals', { name: selectedRow.name })}
                </Link>
                <button type="button" className="secondary" onClick={() => select(null)}>
                  {t('map.clearSelection')}
                </button>
              </p>
            </section>
          )}
          <p className="attribution">{t('map.attribution')}</p>
        </div>
        <div className="table-panel">
          <AreaTable
            rows={rows}
            caption={t('table.caption', { category: categoryName, period: periodText })}
            defaultSort={{ key: metric === 'rate' ? 'ratePer10k' : 'count', direction: 'descending' }}
            selected={selected}
            onSelect={(code) => select(code)}
            locale={locale}
            busy={picture.loading}
          />
        </div>
      </div>
    </>
  );
}
