import { useState, type FormEvent } from 'react';
import { apiUrl, asApiError, sendJson, useFetch } from '../../api/client.ts';
import type { InvitationView } from '../../api/identity.ts';
import { ErrorSummary, noErrors, problemsOf, TextField, type FormErrors } from '../../components/forms.tsx';
import { ErrorNotice, Loading } from '../../components/status.tsx';
import { useFormat, useT } from '../../i18n/i18n.tsx';
import type { Locale } from '../../i18n/locales.ts';
import { paths } from '../../routing/routes.ts';
import { navigate } from '../../routing/url-state.ts';
import { useRoleName } from '../admin/labels.ts';
import { inLocale } from './continue.ts';

const FORM = 'accept';
const MIN = 12;
const MAX = 128;

/** The one-time token travels in the fragment (#token=…), which browsers never send to a server or in a Referer. */
function tokenOfHash(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && /^[A-Za-z0-9_-]{16,200}$/.test(token) ? token : null;
}

export function AcceptInvitationPage({ locale }: { locale: Locale }) {
  const t = useT();
  const format = useFormat();
  const roleName = useRoleName();
  const [token] = useState(() => tokenOfHash(window.location.hash));
  const invitation = useFetch<InvitationView>(
    token ? apiUrl(`/api/v1/invitations/${encodeURIComponent(token)}`) : null,
  );
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!token) return;
    const problem =
      password.length === 0
        ? t('invitation.passwordMissing')
        : password.length < MIN
          ? t('problem.reason.too_short')
          : password.length > MAX
            ? t('problem.reason.too_long')
            : null;
    if (problem) {
      setErrors({ fields: { password: problem }, general: [] });
      return;
    }
    setErrors(noErrors);
    setBusy(true);
    try {
      await sendJson('POST', `/api/v1/invitations/${encodeURIComponent(token)}/accept`, { password });
      navigate(inLocale(paths.signIn, locale, { accepted: '1' }), { replace: true });
    } catch (err) {
      const error = asApiError(err);
      setBusy(false);
      setErrors(
        error.status === 404
          ? { fields: {}, general: [t('invitation.gone')] }
          : problemsOf(error, t, {
              fields: ['password'],
              fieldFor: { WEAK_PASSWORD: 'password', VALIDATION_FAILED: 'password' },
            }),
      );
    }
  };

  const view = invitation.data;
  return (
    <div className="narrow">
      <h1 id="main-heading" tabIndex={-1}>
        {t('invitation.title')}
      </h1>
      {!token || invitation.error?.status === 404 ? (
        <div className="status status-error" role="alert">
          <p>{t('invitation.gone')}</p>
        </div>
      ) : invitation.error ? (
        <ErrorNotice error={invitation.error} onRetry={invitation.retry} />
      ) : !view ? (
        <Loading />
      ) : (
        <>
          <p>{t('invitation.intro', { organisation: view.organisation.name })}</p>
          <dl className="facts" data-testid="invitation">
            <dt>{t('people.col.name')}</dt>
            <dd>{view.displayName}</dd>
            <dt>{t('people.col.email')}</dt>
            <dd>
              <bdi dir="ltr">{view.email}</bdi>
            </dd>
            <dt>{t('people.col.organisation')}</dt>
            <dd>{view.organisation.name}</dd>
            <dt>{t('people.col.role')}</dt>
            <dd>{roleName(view.role)}</dd>
            <dt>{t('invitation.expires')}</dt>
            <dd>{format.dateTime(view.expiresAt)}</dd>
          </dl>
          <form
            className="form"
            noValidate
            onSubmit={(e) => void submit(e)}
            aria-label={t('invitation.choose')}
          >
            <ErrorSummary form={FORM} errors={errors} order={['password']} />
            {/* The email as a username, so a password manager files the new password under the right account. */}
            <input type="hidden" name="username" autoComplete="username" value={view.email} />
            <TextField
              form={FORM}
              name="password"
              label={t('invitation.choose')}
              hint={t('password.hint', { min: MIN, max: MAX })}
              type="password"
              autoComplete="new-password"
              dir="ltr"
              value={password}
              error={errors.fields.password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <div className="button-row">
              <button type="submit" disabled={busy} aria-busy={busy}>
                {busy ? t('status.working') : t('invitation.submit')}
              </button>
            </div>
          </form>
        </>
      )}
    </div>
  );
}
