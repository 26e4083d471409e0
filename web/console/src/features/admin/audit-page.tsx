import { useEffect, useState, type FormEvent } from 'react';
import { isIsoDate } from '../../../../../core/analytics/periods.ts';
import { apiUrl, useFetch } from '../../api/client.ts';
import type { AuditEvent, AuditPage as AuditPageData, UserPage } from '../../api/identity.ts';
import { ErrorSummary, noErrors, SelectField, TextField, type FormErrors } from '../../components/forms.tsx';
import { Empty, ErrorNotice, Loading } from '../../components/status.tsx';
import { useFormat, useT } from '../../i18n/i18n.tsx';
import type { Locale } from '../../i18n/locales.ts';
import { Link } from '../../routing/link.tsx';
import { paths } from '../../routing/routes.ts';
import { navigate, useUrl } from '../../routing/url-state.ts';
import { useAuth } from '../auth/auth-context.tsx';
import { inLocale } from '../auth/continue.ts';
import { useRoleName } from './labels.ts';
import { Withheld } from './withheld.tsx';
import { usePagedList } from '../../api/paged-list.ts';
import { LoadMore } from '../../components/load-more.tsx';
import { ScrollTable } from '../../components/scroll-table.tsx';

const PAGE_SIZE = 50;
const OUTCOMES = ['success', 'failure', 'denied'] as const;
const FILTERS = ['from', 'to', 'actor', 'action', 'outcome', 'resourceType', 'resourceId'] as const;
type Filter = (typeof FILTERS)[number];
type Filters = Record<Filter, string>;

// Suggestions only: the trail holds whatever verbs the server records, and a prefix (auth) matches all of auth.*.
const ACTION_SUGGESTIONS = [
  'auth',
  'auth.login',
  'auth.logout',
  'auth.second_factor',
  'auth.totp',
  'auth.password',
  'auth.session',
  'user',
  'organisation',
  'role',
  'session',
  'invitation',
  'audit',
  'source',
  'signal',
];
const RESOURCE_SUGGESTIONS = [
  'user',
  'organisation',
  'role',
  'session',
  'invitation',
  'audit',
  'source',
  'signal',
  'area',
  'taxonomy',
];

/** A calendar day of the filter as the instant it starts, in the browser's time zone (the person's own day). */
const startOfDay = (day: string): string => new Date(`${day}T00:00:00`).toISOString();
const startOfNextDay = (day: string): string => {
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + 1);
  return d.toISOString();
};

function filtersOf(params: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Filters;
}

/** The API query for the filters: the same for the table and the CSV export, so the file is what the screen shows. */
function apiQuery(f: Filters): Record<string, string | null> {
  return {
    from: isIsoDate(f.from) ? startOfDay(f.from) : null,
    to: isIsoDate(f.to) ? startOfNextDay(f.to) : null,
    actor: f.actor.trim() || null,
    action: f.action.trim() || null,
    outcome: (OUTCOMES as readonly string[]).includes(f.outcome) ? f.outcome : null,
    resourceType: f.resourceType.trim() || null,
    resourceId: f.resourceId.trim() || null,
  };
}

export function AuditPage({ locale }: { locale: Locale }) {
  const t = useT();
  const format = useFormat();
  const auth = useAuth();
  const roleName = useRoleName();
  const { params, pathname } = useUrl();
  const applied = filtersOf(params);
  const [draft, setDraft] = useState<Filters>(applied);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const appliedKey = FILTERS.map((f) => applied[f]).join('\u0000');
  useEffect(() => setDraft(filtersOf(new URLSearchParams(window.location.search))), [appliedKey]);

  // People by id, so the table names the actor; only for roles that may read accounts.
  const people = useFetch<UserPage>(
    auth.reaches('user', 'read') ? apiUrl('/api/v1/users', { limit: '200' }) : null,
  );
  const names = new Map((people.data?.items ?? []).map((u) => [u.id, u.displayName]));

  const invalidPeriod = isIsoDate(applied.from) && isIsoDate(applied.to) && applied.from > applied.to;
  const query = apiQuery(applied);
  const list = usePagedList<AuditPageData>(
    '/api/v1/audit',
    invalidPeriod ? null : { ...query, limit: String(PAGE_SIZE) },
  );
  const { first, items } = list;

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const fields: Record<string, string> = {};
    if (draft.from && !isIsoDate(draft.from)) fields.from = t('audit.dateInvalid');
    if (draft.to && !isIsoDate(draft.to)) fields.to = t('audit.dateInvalid');
    if (isIsoDate(draft.from) && isIsoDate(draft.to) && draft.from > draft.to)
      fields.to = t('filters.invalidPeriod');
    setErrors({ fields, general: [] });
    if (Object.keys(fields).length > 0) return;
    const next = new URLSearchParams({ lang: locale });
    for (const f of FILTERS) if (draft[f].trim()) next.set(f, draft[f].trim());
    navigate(`${pathname}?${next.toString()}`);
  };

  const set = (field: Filter) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [field]: e.target.value }));
  const exportHref = apiUrl('/api/v1/audit/export.csv', query);
  const actorName = (e: AuditEvent) =>
    e.actorUserId === null ? t('audit.system') : (names.get(e.actorUserId) ?? e.actorUserId);
  const peopleOptions = [...(people.data?.items ?? [])].sort((a, b) =>
    a.displayName.localeCompare(b.displayName, locale),
  );

  return (
    <>
      <h1 id="main-heading" tabIndex={-1}>
        {t('audit.title')}
      </h1>
      <p>{t('audit.intro')}</p>
      <form className="filters audit-filters" noValidate onSubmit={apply} aria-label={t('filters.heading')}>
        <ErrorSummary form="audit" errors={errors} order={FILTERS} />
        <TextField
          form="audit"
          name="from"
          label={t('filters.from')}
          type="date"
          value={draft.from}
          error={errors.fields.from}
          onChange={set('from')}
        />
        <TextField
          form="audit"
          name="to"
          label={t('filters.to')}
          type="date"
          value={draft.to}
          error={errors.fields.to}
          onChange={set('to')}
        />
        {people.data ? (
          <SelectField
            form="audit"
            name="actor"
            label={t('audit.col.actor')}
            value={draft.actor}
            onChange={set('actor')}
          >
            <option value="">{t('audit.actor.all')}</option>
            {draft.actor && !names.has(draft.actor) && <option value={draft.actor}>{draft.actor}</option>}
            {peopleOptions.map((u) => (
              <option key={u.id} value={u.id}>
                {u.displayName}
              </option>
            ))}
          </SelectField>
        ) : (
          <TextField
            form="audit"
            name="actor"
            label={t('audit.actorId')}
            dir="ltr"
            value={draft.actor}
            onChange={set('actor')}
          />
        )}
        <TextField
          form="audit"
          name="action"
          label={t('audit.col.action')}
          hint={t('audit.actionHint')}
          dir="ltr"
          list="audit-actions"
          spellCheck={false}
          value={draft.action}
          onChange={set('action')}
        />
        <datalist id="audit-actions">
          {ACTION_SUGGESTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <SelectField
          form="audit"
          name="outcome"
          label={t('audit.col.outcome')}
          value={draft.outcome}
          onChange={set('outcome')}
        >
          <option value="">{t('audit.outcome.all')}</option>
          {OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {t(`audit.outcome.${o}`)}
            </option>
          ))}
        </SelectField>
        <TextField
          form="audit"
          name="resourceType"
          label={t('audit.resourceType')}
          dir="ltr"
          list="audit-resources"
          spellCheck={false}
          value={draft.resourceType}
          onChange={set('resourceType')}
        />
        <datalist id="audit-resources">
          {RESOURCE_SUGGESTIONS.map((r) => (
            <option key={r} value={r} />
          ))}
        </datalist>
        <TextField
          form="audit"
          name="resourceId"
          label={t('audit.resourceId')}
          dir="ltr"
          spellCheck={false}
          value={draft.resourceId}
          onChange={set('resourceId')}
        />
        <div className="button-row filter-actions">
          <button type="submit">{t('filters.apply')}</button>
          <Link href={inLocale(paths.audit, locale)}>{t('filters.clear')}</Link>
        </div>
      </form>

      <div className="results-bar">
        <p className="summary" aria-live="polite" data-testid="audit-count">
          {first.data &&
            !first.loading &&
            (items.length === 0 ? '' : t('audit.showing', { shown: format.count(items.length) }))}
        </p>
        {auth.can('audit', 'export') && (
          <a className="button-link secondary" href={exportHref} download data-testid="audit-export">
            {t('audit.export')}
          </a>
        )}
      </div>
      {invalidPeriod && <p className="field-error">{t('filters.invalidPeriod')}</p>}
      {first.error && <ErrorNotice error={first.error} onRetry={first.retry} />}
      {first.loading && <Loading />}
      {first.data && !first.loading && items.length === 0 && <Empty>{t('audit.empty')}</Empty>}
      {items.length > 0 && (
        <ScrollTable id="audit" className="admin-table audit-table" caption={t('audit.caption')}>
          <thead>
            <tr>
              <th scope="col">{t('audit.col.time')}</th>
              <th scope="col">{t('audit.col.actor')}</th>
              <th scope="col">{t('audit.col.action')}</th>
              <th scope="col">{t('audit.col.resource')}</th>
              <th scope="col">{t('audit.col.outcome')}</th>
              <th scope="col">{t('audit.col.details')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} data-action={e.action}>
                <td className="nowrap">
                  <time dateTime={e.occurredAt}>{format.dateTime(e.occurredAt)}</time>
                </td>
                <td>
                  {actorName(e)}
                  {e.actorRole && (
                    <div className="muted">{roleName({ code: e.actorRole, name: e.actorRole })}</div>
                  )}
                </td>
                <td className="mono">
                  <bdi dir="ltr">{e.action}</bdi>
                </td>
                <td className="mono">
                  <bdi dir="ltr">{e.resourceType ?? ''}</bdi>
                  {e.resourceId && (
                    <div className="muted">
                      <bdi dir="ltr">{e.resourceId}</bdi>
                    </div>
                  )}
                </td>
                <td>
                  <span className={`tag tag-${e.outcome}`}>
                    {(OUTCOMES as readonly string[]).includes(e.outcome)
                      ? t(`audit.outcome.${e.outcome as (typeof OUTCOMES)[number]}`)
                      : e.outcome}
                  </span>
                </td>
                <td className="details">
                  {e.details === undefined ? (
                    <Withheld />
                  ) : (
                    e.details &&
                    Object.keys(e.details).length > 0 && <code dir="ltr">{JSON.stringify(e.details)}</code>
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
