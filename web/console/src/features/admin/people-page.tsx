import { useEffect, useId, useState, type FormEvent } from 'react';
import { asApiError, sendJson, useFetch, type ApiError } from '../../api/client.ts';
import type {
  InvitedUser,
  IssuedInvitation,
  OrganisationList,
  RoleList,
  UserPage,
  UserView,
} from '../../api/identity.ts';
import { ConfirmButton } from '../../components/confirm.tsx';
import { CopyButton } from '../../components/copy-button.tsx';
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
import { LOCALE_NAMES, LOCALES, type Locale } from '../../i18n/locales.ts';
import { Link } from '../../routing/link.tsx';
import { paths } from '../../routing/routes.ts';
import { updateQuery, useUrl } from '../../routing/url-state.ts';
import { useAuth } from '../auth/auth-context.tsx';
import { inLocale } from '../auth/continue.ts';
import { USER_STATUSES, useRoleName } from './labels.ts';
import { Withheld } from './withheld.tsx';
import { usePagedList } from '../../api/paged-list.ts';
import { LoadMore } from '../../components/load-more.tsx';
import { ScrollTable } from '../../components/scroll-table.tsx';

const PAGE_SIZE = 50;

/** Organisations and roles for the filters and forms; the role list only for roles that may read roles. */
function useChoices() {
  const auth = useAuth();
  const organisations = useFetch<OrganisationList>('/api/v1/organisations');
  const roles = useFetch<RoleList>(auth.can('role', 'read') ? '/api/v1/roles' : null);
  return { organisations, roles };
}

export function StatusTag({ status }: { status: UserView['status'] }) {
  const t = useT();
  return <span className={`tag tag-${status}`}>{t(`people.status.${status}`)}</span>;
}

export function PeoplePage({ locale }: { locale: Locale }) {
  const t = useT();
  const format = useFormat();
  const auth = useAuth();
  const roleName = useRoleName();
  const { params } = useUrl();
  const ids = { q: useId(), organisation: useId(), role: useId(), status: useId() };
  const q = params.get('q') ?? '';
  const organisation = params.get('organisation') || null;
  const role = params.get('role') || null;
  const status = params.get('status') || null;
  const [search, setSearch] = useState(q);
  useEffect(() => setSearch(q), [q]);
  const { organisations, roles } = useChoices();

  const query = { q: q.trim() || null, organisation, role, status, limit: String(PAGE_SIZE) };
  const list = usePagedList<UserPage>('/api/v1/users', query);
  const { first, items } = list;

  return (
    <>
      <div className="page-heading">
        <h1 id="main-heading" tabIndex={-1}>
          {t('people.title')}
        </h1>
        {(first.data?.abilities.invite ?? auth.can('user', 'create')) && (
          <Link className="button-link" href={inLocale(paths.personInvite, locale)}>
            {t('people.invite')}
          </Link>
        )}
      </div>
      <Flash />
      <form
        className="filters"
        role="search"
        aria-label={t('filters.heading')}
        onSubmit={(e) => {
          e.preventDefault();
          updateQuery({ q: search.trim() || null });
        }}
      >
        <div className="field">
          <label htmlFor={ids.q}>{t('people.search')}</label>
          <div className="inline-input">
            <input
              id={ids.q}
              name="q"
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
            <button type="submit">{t('filters.apply')}</button>
          </div>
        </div>
        <div className="field">
          <label htmlFor={ids.organisation}>{t('people.col.organisation')}</label>
          <select
            id={ids.organisation}
            name="organisation"
            value={organisation ?? ''}
            onChange={(e) => updateQuery({ organisation: e.target.value || null })}
          >
            <option value="">{t('people.organisation.all')}</option>
            {(organisations.data?.items ?? []).map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </div>
        {roles.data && (
          <div className="field">
            <label htmlFor={ids.role}>{t('people.col.role')}</label>
            <select
              id={ids.role}
              name="role"
              value={role ?? ''}
              onChange={(e) => updateQuery({ role: e.target.value || null })}
            >
              <option value="">{t('people.role.all')}</option>
              {roles.data.items.map((r) => (
                <option key={r.code} value={r.code}>
                  {roleName(r)}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.status}>{t('people.col.status')}</label>
          <select
            id={ids.status}
            name="status"
            value={status ?? ''}
            onChange={(e) => updateQuery({ status: e.target.value || null })}
          >
            <option value="">{t('people.status.all')}</option>
            {USER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`people.status.${s}`)}
              </option>
            ))}
          </select>
        </div>
      </form>
      {first.error && <ErrorNotice error={first.error} onRetry={first.retry} />}
      <p className="summary" aria-live="polite" data-testid="people-count">
        {first.data &&
          !first.loading &&
          t('people.showing', { shown: format.count(items.length), total: first.data.total })}
      </p>
      {first.loading && <Loading />}
      {first.data && !first.loading && items.length === 0 && <Empty>{t('people.empty')}</Empty>}
      {items.length > 0 && (
        <ScrollTable id="people" className="admin-table people-table" caption={t('people.caption')}>
          <thead>
            <tr>
              <th scope="col">{t('people.col.name')}</th>
              <th scope="col">{t('people.col.email')}</th>
              <th scope="col">{t('people.col.organisation')}</th>
              <th scope="col">{t('people.col.role')}</th>
              <th scope="col">{t('people.col.status')}</th>
              <th scope="col">{t('people.col.lastLogin')}</th>
              <th scope="col">{t('people.col.secondFactor')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((u) => (
              <tr key={u.id} data-id={u.id}>
                <th scope="row">
                  <Link href={inLocale(paths.person(u.id), locale)}>{u.displayName}</Link>
                </th>
                <td className="email">
                  {u.email === undefined ? <Withheld /> : <bdi dir="ltr">{u.email}</bdi>}
                </td>
                <td>{u.organisation.name}</td>
                <td>{roleName(u.role)}</td>
                <td>
                  <StatusTag status={u.status} />
                </td>
                <td className="nowrap">
                  <LastLogin at={u.lastLoginAt} />
                </td>
                <td>
                  <SecondFactor enabled={u.totpEnabled} />
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

/** Null is "never signed in"; absent is "not shown to your role". */
function LastLogin({ at }: { at: string | null | undefined }) {
  const t = useT();
  const format = useFormat();
  if (at === undefined) return <Withheld />;
  return <>{at ? format.dateTime(at) : t('people.never')}</>;
}

function SecondFactor({ enabled }: { enabled: boolean | undefined }) {
  const t = useT();
  if (enabled === undefined) return <Withheld />;
  return <>{enabled ? t('people.secondFactor.on') : t('people.secondFactor.off')}</>;
}

const EXPIRY_HOURS = [24, 72, 168, 336] as const;

/** The one-time link, shown once: the person who invites passes it on (there is no mail transport yet). */
export function InvitationLink({ invitation, email }: { invitation: IssuedInvitation; email: string }) {
  const t = useT();
  const format = useFormat();
  const linkId = useId();
  const url = new URL(invitation.link, window.location.origin).toString();
  return (
    <section className="invitation-link notice notice-success" aria-labelledby={`${linkId}-title`}>
      <h2 id={`${linkId}-title`}>{t('people.linkTitle')}</h2>
      <p>{t('people.linkIntro', { email, expires: format.dateTime(invitation.expiresAt) })}</p>
      <label htmlFor={linkId} className="visually-hidden">
        {t('people.linkLabel')}
      </label>
      <input
        id={linkId}
        className="link-field"
        readOnly
        dir="ltr"
        value={url}
        data-testid="invitation-link"
        onFocus={(e) => e.currentTarget.select()}
      />
      <p className="button-row">
        <CopyButton text={url} label={t('people.copyLink')} />
      </p>
      <p className="field-hint">{t('people.linkOnce')}</p>
    </section>
  );
}

const INVITE_FORM = 'invite';
const INVITE_FIELDS = [
  'email',
  'displayName',
  'organisationId',
  'roleCode',
  'locale',
  'expiresInHours',
] as const;

export function InvitePage({ locale }: { locale: Locale }) {
  const t = useT();
  const roleName = useRoleName();
  const { organisations, roles } = useChoices();
  const [values, setValues] = useState({
    email: '',
    displayName: '',
    organisationId: '',
    roleCode: '',
    locale: locale as string,
    expiresInHours: '72',
  });
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);
  const [invited, setInvited] = useState<InvitedUser | null>(null);
  const set = (field: keyof typeof values) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [field]: e.target.value }));

  useEffect(() => {
    if (invited) document.getElementById('main-heading')?.focus();
  }, [invited]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const fields: Record<string, string> = {};
    if (!values.email.trim()) fields.email = t('people.emailMissing');
    else if (!/^[^\s@]+@[^\s@]+$/.test(values.email.trim())) fields.email = t('people.emailInvalid');
    if (!values.displayName.trim()) fields.displayName = t('people.nameMissing');
    if (!values.organisationId) fields.organisationId = t('people.organisationMissing');
    if (!values.roleCode) fields.roleCode = t('people.roleMissing');
    setErrors({ fields, general: [] });
    if (Object.keys(fields).length > 0) return;
    setBusy(true);
    try {
      const result = await sendJson<InvitedUser>('POST', '/api/v1/users', {
        email: values.email.trim(),
        displayName: values.displayName.trim(),
        organisationId: values.organisationId,
        roleCode: values.roleCode,
        locale: values.locale,
        expiresInHours: Number(values.expiresInHours),
      });
      setInvited(result);
    } catch (err) {
      const error = asApiError(err);
      setErrors(
        error.code === 'CONFLICT'
          ? { fields: { email: t('people.emailTaken') }, general: [] }
          : problemsOf(error, t, { fields: INVITE_FIELDS }),
      );
    } finally {
      setBusy(false);
    }
  };

  if (invited)
    return (
      <>
        <BackToPeople locale={locale} />
        <h1 id="main-heading" tabIndex={-1}>
          {t('people.invited', { name: invited.user.displayName })}
        </h1>
        <InvitationLink invitation={invited.invitation} email={invited.user.email ?? values.email.trim()} />
        <p className="button-row">
          <Link href={inLocale(paths.person(invited.user.id), locale)}>{t('people.viewPerson')}</Link>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setInvited(null);
              setValues((v) => ({ ...v, email: '', displayName: '' }));
            }}
          >
            {t('people.inviteAnother')}
          </button>
        </p>
      </>
    );

  const activeOrganisations = (organisations.data?.items ?? []).filter((o) => o.state === 'active');
  return (
    <>
      <BackToPeople locale={locale} />
      <h1 id="main-heading" tabIndex={-1}>
        {t('people.invite')}
      </h1>
      <p>{t('people.inviteIntro')}</p>
      {organisations.error && <ErrorNotice error={organisations.error} onRetry={organisations.retry} />}
      {roles.error && <ErrorNotice error={roles.error} onRetry={roles.retry} />}
      <form className="form" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="main-heading">
        <ErrorSummary form={INVITE_FORM} errors={errors} order={INVITE_FIELDS} />
        <TextField
          form={INVITE_FORM}
          name="email"
          label={t('people.col.email')}
          type="email"
          autoComplete="off"
          spellCheck={false}
          dir="ltr"
          value={values.email}
          error={errors.fields.email}
          onChange={set('email')}
        />
        <TextField
          form={INVITE_FORM}
          name="displayName"
          label={t('people.col.name')}
          autoComplete="off"
          value={values.displayName}
          error={errors.fields.displayName}
          onChange={set('displayName')}
        />
        <SelectField
          form={INVITE_FORM}
          name="organisationId"
          label={t('people.col.organisation')}
          value={values.organisationId}
          error={errors.fields.organisationId}
          onChange={set('organisationId')}
        >
          <option value="">{t('form.choose')}</option>
          {activeOrganisations.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </SelectField>
        <SelectField
          form={INVITE_FORM}
          name="roleCode"
          label={t('people.col.role')}
          hint={t('people.roleHint')}
          value={values.roleCode}
          error={errors.fields.roleCode}
          onChange={set('roleCode')}
        >
          <option value="">{t('form.choose')}</option>
          {(roles.data?.items ?? []).map((r) => (
            <option key={r.code} value={r.code}>
              {roleName(r)}
              {r.requiresSecondFactor ? ` (${t('roles.secondFactorShort')})` : ''}
            </option>
          ))}
        </SelectField>
        <SelectField
          form={INVITE_FORM}
          name="locale"
          label={t('people.language')}
          value={values.locale}
          error={errors.fields.locale}
          onChange={set('locale')}
        >
          {LOCALES.map((l) => (
            <option key={l} value={l} lang={l}>
              {LOCALE_NAMES[l]}
            </option>
          ))}
        </SelectField>
        <SelectField
          form={INVITE_FORM}
          name="expiresInHours"
          label={t('people.expiry')}
          value={values.expiresInHours}
          error={errors.fields.expiresInHours}
          onChange={set('expiresInHours')}
        >
          {EXPIRY_HOURS.map((h) => (
            <option key={h} value={String(h)}>
              {h < 48 ? t('people.expiry.hours', { hours: h }) : t('people.expiry.days', { days: h / 24 })}
            </option>
          ))}
        </SelectField>
        <div className="button-row">
          <button type="submit" disabled={busy} aria-busy={busy}>
            {busy ? t('status.working') : t('people.sendInvite')}
          </button>
        </div>
      </form>
    </>
  );
}

function BackToPeople({ locale }: { locale: Locale }) {
  const t = useT();
  return (
    <p className="back">
      <Link href={inLocale(paths.people, locale)}>{t('people.back')}</Link>
    </p>
  );
}

/** One person: who they are, changing their role or organisation, deactivation, a new invitation link. */
export function PersonPage({ locale, id }: { locale: Locale; id: string }) {
  const t = useT();
  const person = useFetch<UserView>(`/api/v1/users/${encodeURIComponent(id)}`);
  if (person.error)
    return (
      <>
        <BackToPeople locale={locale} />
        <h1 id="main-heading" tabIndex={-1}>
          {t('people.person')}
        </h1>
        <ErrorNotice error={person.error} onRetry={person.retry} />
      </>
    );
  if (!person.data) return <Loading />;
  return <Person key={person.data.updatedAt} locale={locale} person={person.data} reload={person.retry} />;
}

const EDIT_FORM = 'person';
const EDIT_FIELDS = ['displayName', 'organisationId', 'roleCode'] as const;

function Person({ locale, person, reload }: { locale: Locale; person: UserView; reload: () => void }) {
  const t = useT();
  const format = useFormat();
  const auth = useAuth();
  const roleName = useRoleName();
  const { organisations, roles } = useChoices();
  const [values, setValues] = useState({
    displayName: person.displayName,
    organisationId: person.organisation.id,
    roleCode: person.role.code,
  });
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<ApiError | undefined>();
  const [issued, setIssued] = useState<IssuedInvitation | null>(null);
  const set = (field: keyof typeof values) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [field]: e.target.value }));
  const base = `/api/v1/users/${encodeURIComponent(person.id)}`;
  const isSelf = auth.me?.user.id === person.id;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!values.displayName.trim()) {
      setErrors({ fields: { displayName: t('people.nameMissing') }, general: [] });
      return;
    }
    const changes: Record<string, string> = {};
    if (values.displayName.trim() !== person.displayName) changes.displayName = values.displayName.trim();
    if (values.organisationId !== person.organisation.id) changes.organisationId = values.organisationId;
    if (values.roleCode !== person.role.code) changes.roleCode = values.roleCode;
    if (Object.keys(changes).length === 0) {
      setErrors({ fields: {}, general: [t('form.nothingChanged')] });
      return;
    }
    setErrors(noErrors);
    setBusy(true);
    try {
      await sendJson('PATCH', base, changes);
      flash(t('people.saved', { name: values.displayName.trim() }));
      reload();
    } catch (err) {
      setErrors(problemsOf(asApiError(err), t, { fields: EDIT_FIELDS }));
      setBusy(false);
    }
  };

  const act = async (path: string, message: string) => {
    setActionError(undefined);
    try {
      await sendJson('POST', `${base}/${path}`);
      flash(message);
      reload();
    } catch (err) {
      setActionError(asApiError(err));
    }
  };

  const reinvite = async () => {
    setActionError(undefined);
    try {
      const result = await sendJson<InvitedUser>('POST', `${base}/invitations`, {});
      setIssued(result.invitation);
    } catch (err) {
      setActionError(asApiError(err));
    }
  };

  const editable = person.abilities.update === true;
  return (
    <>
      <BackToPeople locale={locale} />
      <h1 id="main-heading" tabIndex={-1}>
        {person.displayName}
      </h1>
      <Flash />
      <dl className="facts" data-testid="person-facts">
        <dt>{t('people.col.email')}</dt>
        <dd>{person.email === undefined ? <Withheld /> : <bdi dir="ltr">{person.email}</bdi>}</dd>
        <dt>{t('people.col.organisation')}</dt>
        <dd>{person.organisation.name}</dd>
        <dt>{t('people.col.role')}</dt>
        <dd>{roleName(person.role)}</dd>
        <dt>{t('people.col.status')}</dt>
        <dd>
          <StatusTag status={person.status} />
        </dd>
        <dt>{t('people.col.lastLogin')}</dt>
        <dd>
          <LastLogin at={person.lastLoginAt} />
        </dd>
        <dt>{t('people.col.secondFactor')}</dt>
        <dd>
          <SecondFactor enabled={person.totpEnabled} />
        </dd>
        {person.invitationExpiresAt && (
          <>
            <dt>{t('people.invitationExpires')}</dt>
            <dd>{format.dateTime(person.invitationExpiresAt)}</dd>
          </>
        )}
      </dl>
      {auth.reaches('session', 'read') && (
        <p>
          <Link href={inLocale(paths.sessions, locale, { user: person.id })}>{t('people.viewSessions')}</Link>
        </p>
      )}
      {issued && <InvitationLink invitation={issued} email={person.email ?? person.displayName} />}
      {actionError && <ErrorNotice error={actionError} />}
      {editable && (
        <form className="form" noValidate onSubmit={(e) => void submit(e)} aria-label={t('people.edit')}>
          <h2>{t('people.edit')}</h2>
          <ErrorSummary form={EDIT_FORM} errors={errors} order={EDIT_FIELDS} />
          <TextField
            form={EDIT_FORM}
            name="displayName"
            label={t('people.col.name')}
            value={values.displayName}
            error={errors.fields.displayName}
            onChange={set('displayName')}
          />
          <SelectField
            form={EDIT_FORM}
            name="organisationId"
            label={t('people.col.organisation')}
            value={values.organisationId}
            error={errors.fields.organisationId}
            onChange={set('organisationId')}
          >
            {!organisations.data?.items.some((o) => o.id === person.organisation.id) && (
              <option value={person.organisation.id}>{person.organisation.name}</option>
            )}
            {(organisations.data?.items ?? [])
              .filter((o) => o.state === 'active' || o.id === person.organisation.id)
              .map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
          </SelectField>
          <SelectField
            form={EDIT_FORM}
            name="roleCode"
            label={t('people.col.role')}
            value={values.roleCode}
            error={errors.fields.roleCode}
            disabled={isSelf}
            hint={isSelf ? t('people.ownRole') : undefined}
            onChange={set('roleCode')}
          >
            {!roles.data?.items.some((r) => r.code === person.role.code) && (
              <option value={person.role.code}>{roleName(person.role)}</option>
            )}
            {(roles.data?.items ?? []).map((r) => (
              <option key={r.code} value={r.code}>
                {roleName(r)}
              </option>
            ))}
          </SelectField>
          <div className="button-row">
            <button type="submit" disabled={busy} aria-busy={busy}>
              {t('form.save')}
            </button>
          </div>
        </form>
      )}
      {person.abilities.reinvite && (
        <section className="actions-section" aria-labelledby="reinvite-title">
          <h2 id="reinvite-title">{t('people.reinvite')}</h2>
          <p>{t('people.reinviteHelp')}</p>
          <ConfirmButton
            label={t('people.reinvite')}
            question={t('people.reinviteQuestion', { name: person.displayName })}
            confirmLabel={t('people.reinviteConfirm')}
            onConfirm={reinvite}
          />
        </section>
      )}
      {person.abilities.deactivate && person.status !== 'deactivated' && (
        <section className="danger-zone" aria-labelledby="deactivate-title">
          <h2 id="deactivate-title">{t('people.deactivate')}</h2>
          <p>{t('people.deactivateHelp')}</p>
          <ConfirmButton
            label={t('people.deactivate')}
            question={t('people.deactivateQuestion', { name: person.displayName })}
            confirmLabel={t('people.deactivateConfirm')}
            danger
            onConfirm={() => act('deactivate', t('people.deactivated', { name: person.displayName }))}
          />
        </section>
      )}
      {person.abilities.reactivate && (
        <section className="actions-section" aria-labelledby="reactivate-title">
          <h2 id="reactivate-title">{t('people.reactivate')}</h2>
          <p>{t('people.reactivateHelp')}</p>
          <ConfirmButton
            label={t('people.reactivate')}
            question={t('people.reactivateQuestion', { name: person.displayName })}
            confirmLabel={t('people.reactivateConfirm')}
            onConfirm={() => act('reactivate', t('people.reactivated', { name: person.displayName }))}
          />
        </section>
      )}
    </>
  );
}
