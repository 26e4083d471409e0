import { EVERY, useAlarms } from '../../api/analytics.ts';
import { LoadMore } from '../../components/load-more.tsx';
import { Empty, ErrorNotice, Loading } from '../../components/status.tsx';
import { useT } from '../../i18n/i18n.tsx';
import type { Locale } from '../../i18n/locales.ts';
import { Link } from '../../routing/link.tsx';
import { paths } from '../../routing/routes.ts';
import { hrefWith } from '../../routing/url-state.ts';
import type { TaxonomyView } from '../taxonomy/taxonomy.ts';
import { useAnalyticsFormat } from './format.ts';
import { methodNameId, signalsQuery } from './labels.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';

/** The weekly alarms of EARS and Farrington, newest week first, each linked to the signals behind its count. */
export function AlarmsSection({
  locale,
  taxonomy,
  areaName,
}: {
  locale: Locale;
  taxonomy: TaxonomyView;
  areaName: (code: string) => string;
}) {
  const t = useT();
  const format = useAnalyticsFormat();
  const list = useAlarms();
  const { first, items } = list;
  const showSignals = items.some((a) => a.signalsHref !== null);

  return (
    <section className="analytics-section" aria-labelledby="alarms-title" data-testid="alarms">
      <h2 id="alarms-title">{t('analytics.alarms.title')}</h2>
      <p className="section-intro">{t('analytics.alarms.intro')}</p>
      {first.error && <ErrorNotice error={first.error} onRetry={first.retry} />}
      {first.loading && <Loading />}
      {first.data && !first.loading && items.length === 0 && <Empty>{t('analytics.alarms.empty')}</Empty>}
      {items.length > 0 && (
        <ScrollTable id="alarms" className="alarms-table" caption={t('analytics.alarms.caption')}>
          <thead>
            <tr>
              <th scope="col">{t('analytics.alarms.col.week')}</th>
              <th scope="col">{t('analytics.alarms.col.area')}</th>
              <th scope="col">{t('analytics.alarms.col.category')}</th>
              <th scope="col">{t('analytics.alarms.col.method')}</th>
              <th scope="col" className="numeric">
                {t('analytics.alarms.col.observed')}
              </th>
              <th scope="col" className="numeric">
                {t('analytics.alarms.col.expected')}
              </th>
              <th scope="col" className="numeric">
                {t('analytics.alarms.col.upperbound')}
              </th>
              {showSignals && <th scope="col">{t('analytics.alarms.col.signals')}</th>}
            </tr>
          </thead>
          <tbody>
            {items.map((a) => {
              const area = a.area === EVERY ? t('analytics.alarms.wholeCity') : areaName(a.area);
              const category =
                a.label === EVERY ? t('analytics.alarms.allSignals') : taxonomy.labelOf(a.label);
              const method = methodNameId(a.method);
              const query = signalsQuery(a.signalsHref);
              return (
                <tr key={a.id} data-id={a.id}>
                  <td className="nowrap" data-col="week">
                    <time dateTime={a.period}>{format.date(a.period)}</time>
                  </td>
                  <td data-col="area">{a.area === EVERY ? <em>{area}</em> : area}</td>
                  <td data-col="category">{a.label === EVERY ? <em>{category}</em> : category}</td>
                  <td data-col="method">
                    <span className="method-name">{method ? t(method) : <code>{a.method}</code>}</span>
                    {/* CDC C3 sums three weeks of excess: the two weeks before can raise it on a quiet week. */}
                    {a.observed <= a.upperbound && (
                      <span className="alarm-note">{t('analytics.alarms.carried')}</span>
                    )}
                  </td>
                  <td className="numeric" data-col="observed">
                    {format.count(a.observed)}
                  </td>
                  <td className="numeric" data-col="expected">
                    {format.oneDecimal(a.expected)}
                  </td>
                  <td className="numeric" data-col="upperbound">
                    {format.oneDecimal(a.upperbound)}
                  </td>
                  {showSignals && (
                    <td data-col="signals">
                      {query && (
                        <Link
                          href={hrefWith(paths.signals, new URLSearchParams(), { lang: locale, ...query })}
                        >
                          {t('analytics.alarms.signals')}
                          <span className="visually-hidden">
                            {' '}
                            {t('analytics.alarms.signalsContext', {
                              area,
                              category,
                              date: format.date(a.period),
                            })}
                          </span>
                        </Link>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </ScrollTable>
      )}
      <LoadMore list={list} />
    </section>
  );
}
