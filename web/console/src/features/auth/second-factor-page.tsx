import { useState, type FormEvent } from 'react';
import { asApiError, sendJson } from '../../api/client.ts';
import { ErrorSummary, noErrors, problemsOf, TextField, type FormErrors } from '../../components/forms.tsx';
import { useT } from '../../i18n/i18n.tsx';
import type { Locale } from '../../i18n/locales.ts';
import { Link } from '../../routing/link.tsx';
import { hrefWith, useUrl } from '../../routing/url-state.ts';
import { useAuth } from './auth-context.tsx';
import { continueSignIn } from './continue.ts';
import { TotpCodeField } from './totp-code-field.tsx';

const FORM = 'second-factor';

/** A code from the authenticator app, or (`?method=recovery`) one of the recovery codes, to finish signing in. */
export function SecondFactorPage({ locale }: { locale: Locale }) {
  const t = useT();
  const auth = useAuth();
  const { params, pathname } = useUrl();
  const recovery = params.get('method') === 'recovery';
  const next = params.get('next');
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);
  const field = recovery ? 'recoveryCode' : 'code';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = code.replace(/\s+/g, '');
    if (!value) {
      setErrors({
        fields: { [field]: t(recovery ? 'secondFactor.recoveryMissing' : 'secondFactor.codeMissing') },
        general: [],
      });
      return;
    }
    if (!recovery && !/^\d{6}$/.test(value)) {
      setErrors({ fields: { code: t('secondFactor.codeFormat') }, general: [] });
      return;
    }
    setErrors(noErrors);
    setBusy(true);
    try {
      await sendJson('POST', recovery ? '/api/v1/auth/recovery' : '/api/v1/auth/totp/verify', {
        code: value,
      });
      const session = await auth.refresh();
      if (session) continueSignIn(session, locale, next);
    } catch (err) {
      const error = asApiError(err);
      setCode('');
      setErrors(
        error.code === 'INVALID_CREDENTIALS' || error.code === 'VALIDATION_FAILED'
          ? {
              fields: { [field]: t(recovery ? 'secondFactor.recoveryWrong' : 'secondFactor.codeWrong') },
              general: [],
            }
          : error.code === 'TOO_MANY_ATTEMPTS'
            ? { fields: {}, general: [t('signIn.tooMany')] }
            : problemsOf(error, t, { fields: [field] }),
      );
    } finally {
      setBusy(false);
    }
  };

  const switchHref = hrefWith(pathname, params, { method: recovery ? null : 'recovery' });

  return (
    <div className="narrow">
      <h1 id="main-heading" tabIndex={-1}>
        {t('secondFactor.title')}
      </h1>
      <p>{t(recovery ? 'secondFactor.recoveryIntro' : 'secondFactor.intro')}</p>
      <form className="form" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="main-heading">
        <ErrorSummary form={FORM} errors={errors} order={[field]} />
        {recovery ? (
          <TextField
            key="recovery"
            form={FORM}
            name="recoveryCode"
            label={t('secondFactor.recoveryLabel')}
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="none"
            dir="ltr"
            className="code-input"
            value={code}
            error={errors.fields.recoveryCode}
            onChange={(e) => setCode(e.target.value)}
          />
        ) : (
          <TotpCodeField key="totp" form={FORM} value={code} error={errors.fields.code} onChange={setCode} />
        )}
        <div className="button-row">
          <button type="submit" disabled={busy} aria-busy={busy}>
            {busy ? t('status.working') : t('secondFactor.submit')}
          </button>
        </div>
      </form>
      <p>
        <Link
          href={switchHref}
          onClick={() => {
            setCode('');
            setErrors(noErrors);
          }}
        >
          {t(recovery ? 'secondFactor.useApp' : 'secondFactor.useRecovery')}
        </Link>
      </p>
    </div>
  );
}
