import { useEffect, useId, useState } from 'react';
import { isIsoDate } from '../../../../../core/analytics/periods.ts';
import { apiUrl, getJson, useFetch, type ApiError } from '../../api/client.ts';
import type { AreaPicture, SignalExtent, SignalPage, SourceSummary } from '../../api/types.ts';
import { Empty, ErrorNotice, Loading } from '../../components/status.tsx';
import { useFormat, useT } from '../../i18n/i18n.tsx';
import type { Locale } from '../../i18n/locales.ts';
import { updateQuery, useUrl } from '../../routing/url-state.ts';
import { PeriodFilter, type PeriodValue } from '../filters/period-filter.tsx';
import { CategorySelect } from '../taxonomy/category-select.tsx';
import { useTaxonomy } from '../taxonomy/taxonomy.ts';

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
  const firstUrl = invalidPeriod ? null : apiUrl('/api/v1/signals', query);
  const first = useFetch<SignalPage>(firstUrl);

  // Further pages belong to the filters they were loaded for; a filter change starts again from the first page.
  const [more, setMore] = useState<{
    base: string | null;
    pages: SignalPage[];
    loading: boolean;
    error?: ApiError;
  }>({
    base: null,
    pages: [],
    loading: false,
  });
  useEffect(() => setMore({ base: firstUrl, pages: [], loading: false }), [firstUrl]);
  const extraPages = more.base === firstUrl ? more.pages : [];
  const pages = first.data && !first.loading ? [first.data, ...extraPages] : [];
  const items = pages.flatMap((p) => p.items);
  const nextCursor = pages.length > 0 ? pages[pages.length - 1]!.nextCursor : null;
  const total = first.data?.total ?? 0;

  const loadMore = async () => {
    if (!nextCursor || !firstUrl) return;
    const base = firstUrl;
    setMore((m) => ({ ...m, loading: true, error: undefined }));
    try {
      const page = await getJson<SignalPage>(apiUrl('/api/v1/signals', { ...query, cursor: nextCursor }));
      setMore((m) => (m.base === base ? { base, pages: [...m.pages, page], loading: false } : m));
    } catch (e) {
      setMore((m) => (m.base === base ? { ...m, loading: false, error: e as ApiError } : m));
    }
  };

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
        <div className="table-scroll" role="region" aria-labelledby="signals-caption" tabIndex={0}>
          <table className="signals-table">
            <caption id="signals-caption">{t('signals.caption')}</caption>
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
          </table>
        </div>
      )}
      {more.base === firstUrl && more.error && (
        <ErrorNotice error={more.error} onRetry={() => void loadMore()} />
      )}
      {nextCursor && (
        <p>
          <button
            type="button"
            onClick={() => void loadMore()}
            disabled={more.loading}
            aria-busy={more.loading}
          >
            {more.loading ? t('status.loading') : t('signals.loadMore')}
          </button>
        </p>
      )}
    </>
  );
}
