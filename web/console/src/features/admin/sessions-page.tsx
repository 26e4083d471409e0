import { useState } from 'react';
import { asApiError, sendJson, type ApiError } from '../../api/client.ts';
import type { AdminSessionPage } from '../../api/identity.ts';
import { ConfirmButton } from '../../components/confirm.tsx';
import { Empty, ErrorNotice, Loading } from '../../components/status.tsx';
import { useFormat, useT } from '../../i18n/i18n.tsx';
import type { Locale } from '../../i18n/locales.ts';
import { Link } from '../../routing/link.tsx';
import { paths } from '../../routing/routes.ts';
import { useUrl } from '../../routing/url-state.ts';
import { inLocale } from '../auth/continue.ts';
import { browserOf } from '../account/browser.ts';
import { Withheld } from './withheld.tsx';
import { usePagedList } from '../../api/paged-list.ts';
import { LoadMore } from '../../components/load-more.tsx';
import { ScrollTable } from '../../components/scroll-table.tsx';

const PAGE_SIZE = 50;

/** Live sessions across the instance (or one person's, `?user=`), with the power to end one at once. */
export function SessionsPage({ locale }: { locale: Locale }) {
  const t = useT();
  const format = useFormat();
  const { params } = useUrl();
  const userId = params.get('user') || null;
  const list = usePagedList<AdminSessionPage>('/api/v1/sessions', { userId, limit: String(PAGE_SIZE) });
  const { first } = list;
  const [ended, setEnded] = useState<ReadonlySet<string>>(new Set());
  const [endError, setEndError] = useState<ApiError | undefined>();
  const [announcement, setAnnouncement] = useState('');
  const items = list.items.filter((s) => !ended.has(s.id));
  const person = userId ? items.find((s) => s.user.id === userId)?.user : undefined;

  const end = async (id: string, name: string) => {
    setEndError(undefined);
    try {
      await sendJson('POST', `/api/v1/sessions/${encodeURIComponent(id)}/end`);
      setEnded((s) => new Set([...s, id]));
      setAnnouncement(t('sessions.ended', { name }));
    } catch (err) {
      setEndError(asApiError(err));
    }
  };

  return (
    <>
      <h1 id="main-heading" tabIndex={-1}>
        {t('sessions.title')}
      </h1>
      <p>{t('sessions.intro')}</p>
      {userId && (
        <p className="notice">
          {person ? t('sessions.onlyOf', { name: person.displayName }) : t('sessions.onlyOne')}{' '}
          <Link href={inLocale(paths.sessions, locale)}>{t('sessions.showAll')}</Link>
        </p>
      )}
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {endError && <ErrorNotice error={endError} />}
      {first.error && <ErrorNotice error={first.error} onRetry={first.retry} />}
      {first.loading && !first.data && <Loading />}
      {first.data && items.length === 0 && <Empty>{t('sessions.empty')}</Empty>}
      {items.length > 0 && (
        <ScrollTable id="sessions" className="admin-table sessions-table" caption={t('sessions.caption')}>
          <thead>
            <tr>
              <th scope="col">{t('sessions.col.person')}</th>
              <th scope="col">{t('people.col.organisation')}</th>
              <th scope="col">{t('sessions.col.browser')}</th>
              <th scope="col">{t('sessions.col.started')}</th>
              <th scope="col">{t('sessions.col.lastSeen')}</th>
              <th scope="col">{t('sessions.col.expires')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('sessions.col.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id} data-id={s.id}>
                <th scope="row">
                  <Link href={inLocale(paths.person(s.user.id), locale)}>{s.user.displayName}</Link>
                  {s.user.email !== undefined && (
                    <div className="muted">
                      <bdi dir="ltr">{s.user.email}</bdi>
                    </div>
                  )}
                </th>
                <td>{s.organisation.name}</td>
                <td>
                  {s.userAgent === undefined ? (
                    <Withheld />
                  ) : (
                    (browserOf(s.userAgent) ?? t('sessions.unknownBrowser'))
                  )}
                  {!s.secondFactorSatisfied && (
                    <div className="muted">{t('sessions.awaitingSecondFactor')}</div>
                  )}
                </td>
                <td className="nowrap">{format.dateTime(s.createdAt)}</td>
                <td className="nowrap">{format.dateTime(s.lastSeenAt)}</td>
                <td className="nowrap">{format.dateTime(s.expiresAt)}</td>
                <td>
                  {s.current ? (
                    <span className="tag tag-current">{t('sessions.current')}</span>
                  ) : (
                    s.abilities.end && (
                      <ConfirmButton
                        label={t('sessions.end')}
                        question={t('sessions.endQuestion', { name: s.user.displayName })}
                        confirmLabel={t('sessions.endConfirm')}
                        danger
                        onConfirm={() => end(s.id, s.user.displayName)}
                      />
                    )
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
      <LoadMore list={list} />
    </>
  );
}
