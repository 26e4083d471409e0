import { Fragment, useId, useMemo, useState } from 'react';
import { useIntl } from 'react-intl';
import { useIndices, type CompositeIndex, type IndexArea } from '../../api/analytics.ts';
import { Empty, ErrorNotice, Loading } from '../../components/status.tsx';
import { useT } from '../../i18n/i18n.tsx';
import { updateQuery } from '../../routing/url-state.ts';
import type { TaxonomyView } from '../taxonomy/taxonomy.ts';
import { useAnalyticsFormat } from './format.ts';
import {
  aggregationId,
  indexNameId,
  indexOrder,
  indicatorNameId,
  normalisationId,
  outliersId,
  rankBand,
  unavailableReason,
} from './labels.ts';

/**
 * The composite indices (threat, needs, protective), one at a time: areas by rank with the Monte Carlo rank band,
 * and for each area the indicators behind its score, so every number can be traced to its inputs.
 */
export function IndicesSection({
  indexKey,
  taxonomy,
  areaName,
}: {
  indexKey: string | null;
  taxonomy: TaxonomyView;
  areaName: (code: string) => string;
}) {
  const t = useT();
  const intl = useIntl();
  const format = useAnalyticsFormat();
  const radioId = useId();
  const fetched = useIndices();
  const data = fetched.data;
  const indices = useMemo(() => [...(data?.indices ?? [])].sort((a, b) => indexOrder(a.key, b.key)), [data]);
  const current = indices.find((i) => i.key === indexKey) ?? indices[0];
  const nameOf = (i: CompositeIndex) => {
    const id = indexNameId(i.key);
    return id ? t(id) : i.name;
  };

  return (
    <section className="analytics-section" aria-labelledby="indices-title" data-testid="indices">
      <h2 id="indices-title">{t('analytics.indices.title')}</h2>
      <p className="section-intro">{t('analytics.indices.intro')}</p>
      {fetched.error && <ErrorNotice error={fetched.error} onRetry={fetched.retry} />}
      {fetched.loading && <Loading />}
      {indices.length > 1 && current && (
        <div className="filters">
          <fieldset className="metric">
            <legend>{t('analytics.indices.choose')}</legend>
            {indices.map((i, n) => (
              <div className="radio" key={i.key}>
                <input
                  type="radio"
                  id={`${radioId}-${i.key}`}
                  name="index"
                  value={i.key}
                  checked={current.key === i.key}
                  // The first index is the default, so a plain link to the page opens it without a parameter.
                  onChange={() => updateQuery({ index: n === 0 ? null : i.key })}
                />
                <label htmlFor={`${radioId}-${i.key}`}>{nameOf(i)}</label>
              </div>
            ))}
          </fieldset>
        </div>
      )}
      {data && current && (
        <>
          <p className="muted" data-testid="index-method">
            <span className="summary-item">
              {t('analytics.window', {
                from: format.date(data.window.from),
                to: format.date(data.window.to),
              })}
            </span>
            <span className="summary-item">
              {t('analytics.indices.method', {
                normalisation: t(normalisationId(current.spec.normalisation)),
                aggregation: t(aggregationId(current.spec.aggregation)),
                outliers: t(outliersId(current.spec.outliers)),
              })}
            </span>
            <span className="summary-item">{t('analytics.indices.band', { runs: data.runs })}</span>
          </p>
          {current.areas === null ? (
            <Empty>{t('analytics.indices.noData')}</Empty>
          ) : (
            // Keyed by index: another index starts with every row closed.
            <IndexTable key={current.key} index={current} areas={current.areas} name={nameOf(current)} />
          )}
          {current.excludedAreas.length > 0 && (
            <p className="muted" data-testid="excluded-areas">
              {t('analytics.indices.excluded', {
                count: current.excludedAreas.length,
                names: intl.formatList(current.excludedAreas.map(areaName), { type: 'conjunction' }),
              })}
            </p>
          )}
          {current.unavailable.length > 0 && (
            <div className="unavailable" data-testid="unavailable-indicators">
              <h3>{t('analytics.indices.unavailable.title')}</h3>
              <ul>
                {current.unavailable.map((u) => {
                  const reason = unavailableReason(u.reason);
                  return (
                    <li key={u.key} data-key={u.key}>
                      <strong>{indicatorLabel(current, u.key, t)}</strong>
                      {': '}
                      {reason.kind === 'attribute'
                        ? t('analytics.indices.unavailable.attribute', { key: reason.key })
                        : reason.kind === 'signals'
                          ? t('analytics.indices.unavailable.signals', {
                              label: taxonomy.labelOf(reason.label),
                            })
                          : reason.text}
                    </li>
                  );
                })}
              </ul>
            </div>
          )}
        </>
      )}
    </section>
  );
}

type Translate = ReturnType<typeof useT>;

function indicatorLabel(index: CompositeIndex, key: string, t: Translate): string {
  const id = indicatorNameId(key);
  if (id) return t(id);
  return index.spec.indicators.find((i) => i.key === key)?.label ?? key;
}

function IndexTable({ index, areas, name }: { index: CompositeIndex; areas: IndexArea[]; name: string }) {
  const t = useT();
  const format = useAnalyticsFormat();
  const baseId = useId();
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const sorted = useMemo(() => [...areas].sort((a, b) => a.rank - b.rank), [areas]);
  const toggle = (code: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(code)) next.add(code);
      return next;
    });
  const captionId = `${baseId}-caption`;

  return (
    <div className="table-scroll index-scroll" role="region" aria-labelledby={captionId} tabIndex={0}>
      <table className="index-table">
        <caption id={captionId}>{t('analytics.indices.caption', { index: name })}</caption>
        <thead>
          <tr>
            <th scope="col" className="numeric">
              {t('analytics.indices.col.rank')}
            </th>
            <th scope="col">{t('analytics.indices.col.area')}</th>
            <th scope="col" className="numeric">
              {t('analytics.indices.col.score')}
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((a) => {
            const expanded = open.has(a.code);
            const detailsId = `${baseId}-${a.code}`;
            const band = rankBand(a.p05Rank, a.p95Rank);
            return (
              <Fragment key={a.code}>
                <tr data-code={a.code} className={expanded ? 'expanded' : undefined}>
                  <td className="numeric nowrap" data-col="rank">
                    {t('analytics.indices.rankBand', {
                      rank: format.count(a.rank),
                      low: format.count(band.low),
                      high: format.count(band.high),
                    })}
                  </td>
                  <th scope="row">
                    <button
                      type="button"
                      className="disclosure"
                      aria-expanded={expanded}
                      aria-controls={expanded ? detailsId : undefined}
                      onClick={() => toggle(a.code)}
                    >
                      <span className="disclosure-icon" aria-hidden="true" />
                      {a.name}
                    </button>
                    {a.missing && <span className="tag tag-partial">{t('analytics.indices.partial')}</span>}
                  </th>
                  <td className="numeric" data-col="score">
                    {format.oneDecimal(a.score)}
                  </td>
                </tr>
                {expanded && (
                  <tr className="index-details" id={detailsId} data-details-for={a.code}>
                    <td colSpan={3}>
                      <IndicatorTable index={index} area={a} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function IndicatorTable({ index, area }: { index: CompositeIndex; area: IndexArea }) {
  const t = useT();
  const format = useAnalyticsFormat();
  const spec = new Map(index.spec.indicators.map((i) => [i.key, i]));
  const notAvailable = (
    <>
      <span aria-hidden="true">—</span>
      <span className="visually-hidden">{t('table.notAvailable')}</span>
    </>
  );
  return (
    <table className="indicators-table">
      <caption>{t('analytics.indices.details.caption', { name: area.name })}</caption>
      <thead>
        <tr>
          <th scope="col">{t('analytics.indices.col.indicator')}</th>
          <th scope="col" className="numeric">
            {t('analytics.indices.col.value')}
          </th>
          <th scope="col" className="numeric">
            {t('analytics.indices.col.normalised')}
          </th>
          <th scope="col" className="numeric">
            {t('analytics.indices.col.weight')}
          </th>
          <th scope="col" className="numeric">
            {t('analytics.indices.col.contribution')}
          </th>
        </tr>
      </thead>
      <tbody>
        {area.indicators.map((ind) => {
          const definition = spec.get(ind.key);
          return (
            <tr key={ind.key} data-key={ind.key}>
              <th scope="row">
                {indicatorLabel(index, ind.key, t)}
                {definition?.direction === -1 && (
                  <span className="muted"> {t('analytics.indices.reversed')}</span>
                )}
              </th>
              <td className="numeric" data-col="value">
                {ind.value === null ? notAvailable : format.value(ind.value)}
              </td>
              <td className="numeric" data-col="normalised">
                {ind.normalised === null ? notAvailable : format.oneDecimal(ind.normalised)}
              </td>
              <td className="numeric" data-col="weight">
                {definition ? format.value(definition.weight) : notAvailable}
              </td>
              <td className="numeric" data-col="contribution">
                {format.oneDecimal(ind.contribution)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
