import { useId } from 'react';
import { isIsoDate } from '../../../../../core/analytics/periods.ts';
import { useFetch } from '../../api/client.ts';
import type { AreaPicture, SignalExtent, SignalPage, SourceSummary } from '../../api/types.ts';
import { Empty, ErrorNotice, Loading } from '../../components/status.tsx';
import { useFormat, useT } from '../../i18n/i18n.tsx';
import type { Locale } from '../../i18n/locales.ts';
import { updateQuery, useUrl } from '../../routing/url-state.ts';
import { PeriodFilter, type PeriodValue } from '../filters/period-filter.tsx';
import { CategorySelect } from '../taxonomy/category-select.tsx';
import { useTaxonomy } from '../taxonomy/taxonomy.ts';
import { usePagedList } from '../../api/paged-list.ts';
import { LoadMore } from '../../components/load-more.tsx';
import { ScrollTable } from '../../components/scroll-table.tsx';

const PAGE_SIZE = 50;

export function SignalsPage({ locale }: { locale: Locale }) {
  const t = useT();
  const format = useFormat();
  const { params } = useUrl();
  const areaId = useId();
  const sourceId = useId();
  const cityWideId = useId();

  const from = isIsoDate(params.get('from')) ? params.get('from') : null;
  const to = isIsoDate(params.get('to')) ? params.get('to') : null;
  const label = params.get('label') || null;
  const source = params.get('source') || null;
  const cityWide = params.get('cityWide') === 'true';
  const area = cityWide ? null : params.get('area') || null;
  const invalidPeriod = from !== null && to !== null && from > to;

  const extent = useFetch<SignalExtent>('/api/v1/picture/extent');
  const taxonomy = useTaxonomy(locale);
  const sources = useFetch<{ items: SourceSummary[] }>('/api/v1/sources');
  // The picture lists every area with its name; the signals page only needs the names.
  const areas = useFetch<AreaPicture>('/api/v1/picture/areas');

  const query = {
    from,
    to,
    area,
    label,
    source,
    cityWide: cityWide ? 'true' : null,
    limit: String(PAGE_SIZE),
  };
  const list = usePagedList<SignalPage>('/api/v1/signals', invalidPeriod ? null : query);
  const { first, items } = list;
  const total = first.data?.total ?? 0;

  const areaOptions = [...(areas.data?.areas ?? [])].sort((a, b) => a.name.localeCompare(b.name, locale));

  return (
    <>
      <h1 id="main-heading" tabIndex={-1}>
        {t('signals.title')}
      </h1>
      <form className="filters" aria-label={t('filters.heading')} onSubmit={(e) => e.preventDefault()}>
        <PeriodFilter
          value={{ from, to }}
          extent={extent.data}
          onChange={(p: PeriodValue) => updateQuery({ from: p.from, to: p.to })}
        />
        <div className="field">
          <label htmlFor={areaId}>{t('filters.area')}</label>
          <select
            id={areaId}
            name="area"
            value={area ?? ''}
            disabled={cityWide}
            onChange={(e) => updateQuery({ area: e.target.value || null })}
          >
            <option value="">{t('filters.area.all')}</option>
            {area !== null && !areaOptions.some((a) => a.code === area) && (
              <option value={area}>{area}</option>
            )}
            {areaOptions.map((a) => (
              <option key={a.code} value={a.code}>
                {a.name}
              </option>
            ))}
          </select>
          <div className="checkbox">
            <input
              id={cityWideId}
              type="checkbox"
              name="cityWide"
              checked={cityWide}
              onChange={(e) => updateQuery({ cityWide: e.target.checked ? 'true' : null, area: null })}
            />
            <label htmlFor={cityWideId}>{t('filters.cityWide')}</label>
          </div>
        </div>
        <CategorySelect taxonomy={taxonomy} value={label} onChange={(code) => updateQuery({ label: code })} />
        <div className="field">
          <label htmlFor={sourceId}>{t('filters.source')}</label>
          <select
            id={sourceId}
            name="source"
            value={source ?? ''}
            onChange={(e) => updateQuery({ source: e.target.value || null })}
          >
            <option value="">{t('filters.source.all')}</option>
            {source !== null && !sources.data?.items.some((s) => s.code === source) && (
              <option value={source}>{source}</option>
            )}
            {(sources.data?.items ?? []).map((s) => (
              <option key={s.code} value={s.code}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
      </form>

      {first.error && <ErrorNotice error={first.error} onRetry={first.retry} />}
      <p className="summary" aria-live="polite" data-testid="signals-count">
        {items.length > 0 && t('signals.showing', { shown: format.count(items.length), total })}
      </p>
      {first.loading && <Loading />}
      {first.data && !first.loading && items.length === 0 && <Empty>{t('signals.empty')}</Empty>}

      {items.length > 0 && (
        <ScrollTable id="signals" className="signals-table" caption={t('signals.caption')}>
          <thead>
            <tr>
              <th scope="col">{t('signals.col.date')}</th>
              <th scope="col">{t('signals.col.area')}</th>
              <th scope="col">{t('signals.col.labels')}</th>
              <th scope="col">{t('signals.col.source')}</th>
              <th scope="col">{t('signals.col.externalId')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id} data-area={s.area?.code ?? ''}>
                <td className="nowrap">
                  <time dateTime={s.occurredOn}>{format.date(s.occurredOn)}</time>
                </td>
                <td data-col="area">{s.area ? s.area.name : <em>{t('signals.cityWide')}</em>}</td>
                <td>
                  <ul className="chips">
                    {s.labels.map((code) => (
                      <li key={code} className="chip" data-code={code}>
                        {taxonomy.labelOf(code)}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>{s.source.name}</td>
                <td className="mono">{s.externalId}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
      <LoadMore list={list} />
    </>
  );
}
