import { useState, type FormEvent } from 'react';
import { asApiError, sendJson, useFetch, type ApiError } from '../../api/client.ts';
import type { Me, OwnSession } from '../../api/identity.ts';
import { ConfirmButton } from '../../components/confirm.tsx';
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
import { isLocale, LOCALE_NAMES, LOCALES, type Locale } from '../../i18n/locales.ts';
import { Link } from '../../routing/link.tsx';
import { paths } from '../../routing/routes.ts';
import { hrefWith, navigate, useUrl } from '../../routing/url-state.ts';
import { useRoleName } from '../admin/labels.ts';
import { useAuth } from '../auth/auth-context.tsx';
import { inLocale } from '../auth/continue.ts';
import { browserOf } from './browser.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';

const PASSWORD_MIN = 12;
const PASSWORD_MAX = 128;

/** My account: name and language, password, second factor, and the sessions signed in as me. */
export function AccountPage({ locale }: { locale: Locale }) {
  const t = useT();
  const auth = useAuth();
  const roleName = useRoleName();
  const me = auth.me;
  const sessions = useFetch<{ items: OwnSession[] }>('/api/v1/auth/sessions');
  if (!me) return <Loading />;
  return (
    <>
      <h1 id="main-heading" tabIndex={-1}>
        {t('account.title')}
      </h1>
      <dl className="facts" data-testid="account-facts">
        <dt>{t('people.col.email')}</dt>
        <dd>
          <bdi dir="ltr">{me.user.email}</bdi>
        </dd>
        <dt>{t('people.col.organisation')}</dt>
        <dd>{me.organisation.name}</dd>
        <dt>{t('people.col.role')}</dt>
        <dd>{roleName(me.role)}</dd>
      </dl>
      <div className="account-grid">
        {auth.can('user', 'update') && (
          <ProfileForm key={`${me.user.displayName}|${me.user.locale}`} me={me} locale={locale} />
        )}
        <PasswordForm me={me} onChanged={sessions.retry} />
        <section className="panel" aria-labelledby="second-factor-title">
          <h2 id="second-factor-title">{t('account.secondFactor')}</h2>
          {me.totpEnabled ? (
            <p>{t('account.secondFactorOn')}</p>
          ) : (
            <>
              <p>
                {me.secondFactorRequired ? t('account.secondFactorRequired') : t('account.secondFactorOff')}
              </p>
              <p>
                <Link href={inLocale(paths.enrol, locale, { next: paths.account })}>
                  {t('account.setUp')}
                </Link>
              </p>
            </>
          )}
        </section>
      </div>
      <OwnSessions
        sessions={sessions.data?.items}
        error={sessions.error}
        loading={sessions.loading}
        reload={sessions.retry}
        canEnd={auth.can('session', 'end')}
      />
    </>
  );
}

const PROFILE = 'profile';

function ProfileForm({ me, locale }: { me: Me; locale: Locale }) {
  const t = useT();
  const auth = useAuth();
  const { pathname, params } = useUrl();
  const [displayName, setDisplayName] = useState(me.user.displayName);
  const [language, setLanguage] = useState<string>(isLocale(me.user.locale) ? me.user.locale : locale);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    if (!displayName.trim()) {
      setErrors({ fields: { displayName: t('people.nameMissing') }, general: [] });
      return;
    }
    setErrors(noErrors);
    setBusy(true);
    try {
      await sendJson('PATCH', '/api/v1/auth/me', { displayName: displayName.trim(), locale: language });
      setSaved(true);
      // The chosen language is the console's too, from now on.
      if (isLocale(language) && language !== locale)
        navigate(hrefWith(pathname, params, { lang: language }), { replace: true });
      await auth.refresh();
    } catch (err) {
      setErrors(problemsOf(asApiError(err), t, { fields: ['displayName', 'locale'] }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="profile-title">
      <h2 id="profile-title">{t('account.profile')}</h2>
      <form className="form" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="profile-title">
        <ErrorSummary form={PROFILE} errors={errors} order={['displayName', 'locale']} />
        <TextField
          form={PROFILE}
          name="displayName"
          label={t('people.col.name')}
          autoComplete="name"
          maxLength={200}
          value={displayName}
          error={errors.fields.displayName}
          onChange={(e) => setDisplayName(e.target.value)}
        />
        <SelectField
          form={PROFILE}
          name="locale"
          label={t('people.language')}
          value={language}
          error={errors.fields.locale}
          onChange={(e) => setLanguage(e.target.value)}
        >
          {LOCALES.map((l) => (
            <option key={l} value={l} lang={l}>
              {LOCALE_NAMES[l]}
            </option>
          ))}
        </SelectField>
        <div className="button-row">
          <button type="submit" disabled={busy} aria-busy={busy}>
            {t('form.save')}
          </button>
          <span role="status" className="saved">
            {saved ? t('account.saved') : ''}
          </span>
        </div>
      </form>
    </section>
  );
}

const PASSWORD = 'password';
const PASSWORD_FIELDS = ['currentPassword', 'newPassword'] as const;

function PasswordForm({ me, onChanged }: { me: Me; onChanged: () => void }) {
  const t = useT();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<number | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    const fields: Record<string, string> = {};
    if (!current) fields.currentPassword = t('account.currentMissing');
    if (!next) fields.newPassword = t('invitation.passwordMissing');
    else if (next.length < PASSWORD_MIN) fields.newPassword = t('problem.reason.too_short');
    else if (next.length > PASSWORD_MAX) fields.newPassword = t('problem.reason.too_long');
    setErrors({ fields, general: [] });
    if (Object.keys(fields).length > 0) return;
    setBusy(true);
    try {
      const result = await sendJson<{ endedSessions: number }>('POST', '/api/v1/auth/password', {
        currentPassword: current,
        newPassword: next,
      });
      setCurrent('');
      setNext('');
      setDone(result.endedSessions);
      onChanged();
    } catch (err) {
      const error = asApiError(err);
      setErrors(
        error.code === 'INVALID_CREDENTIALS'
          ? { fields: { currentPassword: t('account.currentWrong') }, general: [] }
          : error.code === 'TOO_MANY_ATTEMPTS'
            ? { fields: {}, general: [t('signIn.tooMany')] }
            : problemsOf(error, t, {
                fields: PASSWORD_FIELDS,
                fieldFor: { WEAK_PASSWORD: 'newPassword', VALIDATION_FAILED: 'newPassword' },
              }),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="password-title">
      <h2 id="password-title">{t('account.password')}</h2>
      {done !== null && (
        <p className="notice notice-success" role="status">
          {t('account.passwordChanged', { count: done })}
        </p>
      )}
      <form className="form" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="password-title">
        <ErrorSummary form={PASSWORD} errors={errors} order={PASSWORD_FIELDS} />
        <input type="hidden" name="username" autoComplete="username" value={me.user.email} />
        <TextField
          form={PASSWORD}
          name="currentPassword"
          label={t('account.currentPassword')}
          type="password"
          autoComplete="current-password"
          dir="ltr"
          value={current}
          error={errors.fields.currentPassword}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <TextField
          form={PASSWORD}
          name="newPassword"
          label={t('account.newPassword')}
          hint={t('password.hint', { min: PASSWORD_MIN, max: PASSWORD_MAX })}
          type="password"
          autoComplete="new-password"
          dir="ltr"
          value={next}
          error={errors.fields.newPassword}
          onChange={(e) => setNext(e.target.value)}
        />
        <div className="button-row">
          <button type="submit" disabled={busy} aria-busy={busy}>
            {t('account.changePassword')}
          </button>
        </div>
      </form>
    </section>
  );
}

function OwnSessions({
  sessions,
  error,
  loading,
  reload,
  canEnd,
}: {
  sessions: OwnSession[] | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
  canEnd: boolean;
}) {
  const t = useT();
  const format = useFormat();
  const [actionError, setActionError] = useState<ApiError | undefined>();
  const [announcement, setAnnouncement] = useState('');
  const others = (sessions ?? []).filter((s) => !s.current);

  const end = async (ids: string[]) => {
    setActionError(undefined);
    try {
      for (const id of ids) await sendJson('POST', `/api/v1/auth/sessions/${encodeURIComponent(id)}/end`);
      setAnnouncement(t('account.sessionsEnded', { count: ids.length }));
    } catch (err) {
      setActionError(asApiError(err));
    } finally {
      reload();
    }
  };

  return (
    <section className="account-sessions" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t('account.sessions')}</h2>
      <p>{t('account.sessionsIntro')}</p>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {error && <ErrorNotice error={error} onRetry={reload} />}
      {actionError && <ErrorNotice error={actionError} />}
      {loading && !sessions && <Loading />}
      {sessions && sessions.length === 0 && <Empty>{t('sessions.empty')}</Empty>}
      {sessions && sessions.length > 0 && (
        <ScrollTable
          id="own-sessions"
          className="admin-table"
          captionClassName="visually-hidden"
          caption={t('account.sessions')}
        >
          <thead>
            <tr>
              <th scope="col">{t('sessions.col.browser')}</th>
              <th scope="col">{t('sessions.col.started')}</th>
              <th scope="col">{t('sessions.col.lastSeen')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('sessions.col.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id} data-id={s.id}>
                <th scope="row">{browserOf(s.userAgent) ?? t('sessions.unknownBrowser')}</th>
                <td className="nowrap">{format.dateTime(s.createdAt)}</td>
                <td className="nowrap">{format.dateTime(s.lastSeenAt)}</td>
                <td>
                  {s.current ? (
                    <span className="tag tag-current">{t('sessions.current')}</span>
                  ) : (
                    canEnd && (
                      <button type="button" className="secondary" onClick={() => void end([s.id])}>
                        {t('sessions.end')}
                      </button>
                    )
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
      {canEnd && others.length > 0 && (
        <p className="button-row">
          <ConfirmButton
            label={t('account.endOthers')}
            question={t('account.endOthersQuestion', { count: others.length })}
            confirmLabel={t('account.endOthersConfirm')}
            danger
            onConfirm={() => end(others.map((s) => s.id))}
          />
        </p>
      )}
    </section>
  );
}
