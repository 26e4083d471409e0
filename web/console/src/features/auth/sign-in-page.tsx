import { useEffect, useState, type FormEvent } from 'react';
import { asApiError, sendJson, setCsrfToken } from '../../api/client.ts';
import type { LoginResult } from '../../api/identity.ts';
import { ErrorSummary, noErrors, problemsOf, TextField, type FormErrors } from '../../components/forms.tsx';
import { Loading } from '../../components/status.tsx';
import { useT } from '../../i18n/i18n.tsx';
import type { Locale } from '../../i18n/locales.ts';
import { useUrl } from '../../routing/url-state.ts';
import { fullySignedIn, useAuth } from './auth-context.tsx';
import { continueSignIn } from './continue.ts';

const FORM = 'sign-in';
const FIELDS = ['email', 'password'] as const;

export function SignInPage({ locale }: { locale: Locale }) {
  const t = useT();
  const auth = useAuth();
  const { params } = useUrl();
  const next = params.get('next');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);

  // Someone already signed in (a bookmark, the Back button) goes on instead of signing in twice.
  const state = auth.state;
  const alreadyIn = state.status === 'signed-in' && fullySignedIn(state.me) && !busy;
  useEffect(() => {
    if (alreadyIn) continueSignIn(state, locale, next);
  }, [alreadyIn, state, locale, next]);
  if (alreadyIn) return <Loading />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const fields: Record<string, string> = {};
    if (!email.trim()) fields.email = t('signIn.emailMissing');
    if (!password) fields.password = t('signIn.passwordMissing');
    setErrors({ fields, general: [] });
    if (Object.keys(fields).length > 0) return;
    setBusy(true);
    try {
      const result = await sendJson<LoginResult>('POST', '/api/v1/auth/login', {
        email: email.trim(),
        password,
      });
      setCsrfToken(result.csrfToken);
      const session = await auth.refresh();
      if (session) continueSignIn(session, locale, next);
    } catch (err) {
      const error = asApiError(err);
      setPassword('');
      setErrors(
        error.code === 'INVALID_CREDENTIALS'
          ? { fields: {}, general: [t('signIn.invalid')] }
          : error.code === 'TOO_MANY_ATTEMPTS'
            ? { fields: {}, general: [t('signIn.tooMany')] }
            : problemsOf(error, t, { fields: FIELDS }),
      );
    } finally {
      setBusy(false);
    }
  };

  const notice = params.get('accepted')
    ? t('signIn.accepted')
    : params.get('signedOut')
      ? t('signIn.signedOut')
      : next
        ? t('signIn.toContinue')
        : null;

  return (
    <div className="narrow">
      <h1 id="main-heading" tabIndex={-1}>
        {t('signIn.title')}
      </h1>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form className="form" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="main-heading">
        <ErrorSummary form={FORM} errors={errors} order={FIELDS} />
        <TextField
          form={FORM}
          name="email"
          label={t('signIn.email')}
          type="email"
          autoComplete="username"
          spellCheck={false}
          dir="ltr"
          value={email}
          error={errors.fields.email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <TextField
          form={FORM}
          name="password"
          label={t('signIn.password')}
          type="password"
          autoComplete="current-password"
          dir="ltr"
          value={password}
          error={errors.fields.password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <div className="button-row">
          <button type="submit" disabled={busy} aria-busy={busy}>
            {busy ? t('status.working') : t('signIn.submit')}
          </button>
        </div>
      </form>
      <p className="field-hint">{t('signIn.help')}</p>
    </div>
  );
}
