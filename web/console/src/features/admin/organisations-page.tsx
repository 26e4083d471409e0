import { useId, useState, type FormEvent } from 'react';
import { apiUrl, asApiError, sendJson, useFetch, type ApiError } from '../../api/client.ts';
import type { OrganisationList, OrganisationView } from '../../api/identity.ts';
import { ConfirmButton } from '../../components/confirm.tsx';
import { Flash, flash } from '../../components/flash.tsx';
import {
  ErrorSummary,
  noErrors,
  problemsOf,
  SelectField,
  TextField,
  type FormErrors,
} from '../../components/forms.tsx';
import { Empty, ErrorNotice, Loading } from '../../components/status.tsx';
import { useFormat, useT } from '../../i18n/i18n.tsx';
import type { Locale } from '../../i18n/locales.ts';
import { Link } from '../../routing/link.tsx';
import { paths } from '../../routing/routes.ts';
import { navigate, updateQuery, useUrl } from '../../routing/url-state.ts';
import { inLocale } from '../auth/continue.ts';
import { ORGANISATION_KINDS, useKindName } from './labels.ts';
import { Withheld } from './withheld.tsx';
import { ScrollTable } from '../../components/scroll-table.tsx';

export function OrganisationsPage({ locale }: { locale: Locale }) {
  const t = useT();
  const kindName = useKindName();
  const { params } = useUrl();
  const searchId = useId();
  const kindId = useId();
  const archivedId = useId();
  const q = params.get('q') ?? '';
  const kind = params.get('kind') || null;
  const includeArchived = params.get('archived') === 'true';
  const list = useFetch<OrganisationList>(
    apiUrl('/api/v1/organisations', {
      q: q.trim() || null,
      kind,
      includeArchived: includeArchived ? 'true' : null,
    }),
  );
  const [search, setSearch] = useState(q);

  return (
    <>
      <div className="page-heading">
        <h1 id="main-heading" tabIndex={-1}>
          {t('organisations.title')}
        </h1>
        {list.data?.abilities.create && (
          <Link className="button-link" href={inLocale(paths.organisationNew, locale)}>
            {t('organisations.new')}
          </Link>
        )}
      </div>
      <Flash />
      <form
        className="filters"
        aria-label={t('filters.heading')}
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          updateQuery({ q: search.trim() || null });
        }}
      >
        <div className="field">
          <label htmlFor={searchId}>{t('organisations.search')}</label>
          <div className="inline-input">
            <input
              id={searchId}
              name="q"
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
            <button type="submit">{t('filters.apply')}</button>
          </div>
        </div>
        <div className="field">
          <label htmlFor={kindId}>{t('organisations.col.kind')}</label>
          <select
            id={kindId}
            name="kind"
            value={kind ?? ''}
            onChange={(e) => updateQuery({ kind: e.target.value || null })}
          >
            <option value="">{t('organisations.kind.all')}</option>
            {ORGANISATION_KINDS.map((k) => (
              <option key={k} value={k}>
                {kindName(k)}
              </option>
            ))}
          </select>
        </div>
        <div className="checkbox">
          <input
            id={archivedId}
            type="checkbox"
            name="archived"
            checked={includeArchived}
            onChange={(e) => updateQuery({ archived: e.target.checked ? 'true' : null })}
          />
          <label htmlFor={archivedId}>{t('organisations.includeArchived')}</label>
        </div>
      </form>
      {list.error && <ErrorNotice error={list.error} onRetry={list.retry} />}
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && <Empty>{t('organisations.empty')}</Empty>}
      {list.data && list.data.items.length > 0 && (
        <ScrollTable
          id="organisations"
          className="admin-table"
          busy={list.loading}
          caption={t('organisations.caption')}
        >
          <thead>
            <tr>
              <th scope="col">{t('organisations.col.name')}</th>
              <th scope="col">{t('organisations.col.kind')}</th>
              <th scope="col" className="numeric">
                {t('organisations.col.members')}
              </th>
              <th scope="col">{t('organisations.col.state')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((o) => (
              <tr key={o.id} data-id={o.id}>
                <th scope="row">
                  <Link href={inLocale(paths.organisation(o.id), locale)}>{o.name}</Link>
                </th>
                <td>{kindName(o.kind)}</td>
                <td className="numeric">{o.memberCount ?? <Withheld />}</td>
                <td>
                  <span className={`tag tag-${o.state}`}>{t(`organisations.state.${o.state}`)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </>
  );
}

const FORM = 'organisation';
const FIELDS = ['name', 'kind'] as const;

/** One organisation: its details, the form to change them, archiving. `id` null = a new organisation. */
export function OrganisationPage({ locale, id }: { locale: Locale; id: string | null }) {
  const t = useT();
  const existing = useFetch<OrganisationView>(id ? `/api/v1/organisations/${encodeURIComponent(id)}` : null);
  if (id && existing.error)
    return (
      <>
        <h1 id="main-heading" tabIndex={-1}>
          {t('organisations.edit')}
        </h1>
        <ErrorNotice error={existing.error} onRetry={existing.retry} />
        <BackLink locale={locale} />
      </>
    );
  if (id && !existing.data) return <Loading />;
  return (
    <OrganisationForm
      key={existing.data?.updatedAt ?? 'new'}
      locale={locale}
      organisation={existing.data ?? null}
      reload={existing.retry}
    />
  );
}

function BackLink({ locale }: { locale: Locale }) {
  const t = useT();
  return (
    <p className="back">
      <Link href={inLocale(paths.organisations, locale)}>{t('organisations.back')}</Link>
    </p>
  );
}

function OrganisationForm({
  locale,
  organisation,
  reload,
}: {
  locale: Locale;
  organisation: OrganisationView | null;
  reload: () => void;
}) {
  const t = useT();
  const format = useFormat();
  const kindName = useKindName();
  const [name, setName] = useState(organisation?.name ?? '');
  const [kind, setKind] = useState(organisation?.kind ?? '');
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);
  const [archiveError, setArchiveError] = useState<ApiError | undefined>();
  const editable = organisation === null || organisation.abilities.update === true;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const fields: Record<string, string> = {};
    if (!name.trim()) fields.name = t('organisations.nameMissing');
    if (!kind) fields.kind = t('organisations.kindMissing');
    setErrors({ fields, general: [] });
    if (Object.keys(fields).length > 0) return;
    setBusy(true);
    try {
      if (organisation) {
        await sendJson('PATCH', `/api/v1/organisations/${encodeURIComponent(organisation.id)}`, {
          name: name.trim(),
          kind,
        });
        flash(t('organisations.updated', { name: name.trim() }));
        reload();
      } else {
        const created = await sendJson<OrganisationView>('POST', '/api/v1/organisations', {
          name: name.trim(),
          kind,
        });
        flash(t('organisations.created', { name: created.name }));
        navigate(inLocale(paths.organisations, locale));
      }
    } catch (err) {
      const error = asApiError(err);
      setErrors(
        error.code === 'CONFLICT'
          ? { fields: { name: t('organisations.nameTaken') }, general: [] }
          : problemsOf(error, t, { fields: FIELDS }),
      );
      setBusy(false);
    }
  };

  const archive = async () => {
    if (!organisation) return;
    setArchiveError(undefined);
    try {
      await sendJson('POST', `/api/v1/organisations/${encodeURIComponent(organisation.id)}/archive`);
      flash(t('organisations.archived', { name: organisation.name }));
      reload();
    } catch (err) {
      setArchiveError(asApiError(err));
    }
  };

  return (
    <>
      <BackLink locale={locale} />
      <h1 id="main-heading" tabIndex={-1}>
        {organisation ? organisation.name : t('organisations.new')}
      </h1>
      <Flash />
      {organisation && (
        <dl className="facts">
          <dt>{t('organisations.col.state')}</dt>
          <dd>
            <span className={`tag tag-${organisation.state}`}>
              {t(`organisations.state.${organisation.state}`)}
            </span>
          </dd>
          <dt>{t('organisations.col.members')}</dt>
          <dd>{organisation.memberCount ?? <Withheld />}</dd>
          <dt>{t('organisations.createdAt')}</dt>
          <dd>{format.dateTime(organisation.createdAt)}</dd>
          {organisation.archivedAt && (
            <>
              <dt>{t('organisations.archivedAt')}</dt>
              <dd>{format.dateTime(organisation.archivedAt)}</dd>
            </>
          )}
        </dl>
      )}
      {editable && (
        <form className="form" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="main-heading">
          <ErrorSummary form={FORM} errors={errors} order={FIELDS} />
          <TextField
            form={FORM}
            name="name"
            label={t('organisations.col.name')}
            value={name}
            maxLength={200}
            error={errors.fields.name}
            onChange={(e) => setName(e.target.value)}
          />
          <SelectField
            form={FORM}
            name="kind"
            label={t('organisations.col.kind')}
            value={kind}
            error={errors.fields.kind}
            onChange={(e) => setKind(e.target.value)}
          >
            <option value="">{t('form.choose')}</option>
            {ORGANISATION_KINDS.map((k) => (
              <option key={k} value={k}>
                {kindName(k)}
              </option>
            ))}
          </SelectField>
          <div className="button-row">
            <button type="submit" disabled={busy} aria-busy={busy}>
              {organisation ? t('form.save') : t('organisations.create')}
            </button>
          </div>
        </form>
      )}
      {organisation?.abilities.archive && (
        <section className="danger-zone" aria-labelledby="archive-title">
          <h2 id="archive-title">{t('organisations.archive')}</h2>
          <p>{t('organisations.archiveHelp')}</p>
          {archiveError && <ErrorNotice error={archiveError} />}
          {/* Without the count, the server's answer explains a refusal. */}
          {organisation.memberCount !== undefined && organisation.memberCount > 0 ? (
            <p className="notice">{t('organisations.archiveBlocked', { count: organisation.memberCount })}</p>
          ) : (
            <ConfirmButton
              label={t('organisations.archive')}
              question={t('organisations.archiveQuestion', { name: organisation.name })}
              confirmLabel={t('organisations.archiveConfirm')}
              danger
              onConfirm={archive}
            />
          )}
        </section>
      )}
    </>
  );
}
