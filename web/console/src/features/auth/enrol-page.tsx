import { useEffect, useRef, useState, type FormEvent } from 'react';
import { asApiError, sendJson, type ApiError } from '../../api/client.ts';
import type { TotpConfirmed, TotpSetup } from '../../api/identity.ts';
import { CopyButton } from '../../components/copy-button.tsx';
import { ErrorSummary, noErrors, problemsOf, type FormErrors } from '../../components/forms.tsx';
import { ErrorNotice, Loading } from '../../components/status.tsx';
import { useT } from '../../i18n/i18n.tsx';
import type { Locale } from '../../i18n/locales.ts';
import { Link } from '../../routing/link.tsx';
import { paths } from '../../routing/routes.ts';
import { useUrl } from '../../routing/url-state.ts';
import { useAuth } from './auth-context.tsx';
import { continueSignIn, inLocale } from './continue.ts';
import { QrCode } from '../../components/qr-code.tsx';
import { TotpCodeField } from './totp-code-field.tsx';

const FORM = 'enrol';

/** Groups of four characters, the way authenticator apps print secrets, so a person can type one without losing their place. */
export const groupsOfFour = (secret: string): string[] => secret.match(/.{1,4}/g) ?? [];

type Step =
  | { kind: 'starting' }
  | { kind: 'failed'; error: ApiError }
  | { kind: 'scan'; setup: TotpSetup }
  | { kind: 'codes'; codes: string[] };

/**
 * Setting up the authenticator app: the secret (and its otpauth:// link), a first code to prove it works, then the
 * recovery codes, shown once, with a confirmation that they are saved before going on.
 */
export function EnrolPage({ locale }: { locale: Locale }) {
  const t = useT();
  const auth = useAuth();
  const { params } = useUrl();
  const next = params.get('next');
  const state = auth.state;
  const me = state.status === 'signed-in' ? state.me : undefined;
  const alreadyEnrolled = me?.totpEnabled === true;
  const [step, setStep] = useState<Step>({ kind: 'starting' });
  const started = useRef(false);

  useEffect(() => {
    // One secret per visit: a second setup would replace the one already on screen.
    if (alreadyEnrolled || started.current) return;
    started.current = true;
    sendJson<TotpSetup>('POST', '/api/v1/auth/totp/setup').then(
      (setup) => setStep({ kind: 'scan', setup }),
      (e: unknown) => setStep({ kind: 'failed', error: asApiError(e) }),
    );
  }, [alreadyEnrolled]);

  if (step.kind === 'codes')
    return (
      <RecoveryCodes
        codes={step.codes}
        onDone={async () => {
          const fresh = await auth.refresh();
          if (fresh) continueSignIn(fresh, locale, next);
        }}
      />
    );

  return (
    <div className="narrow">
      <h1 id="main-heading" tabIndex={-1}>
        {t('enrol.title')}
      </h1>
      {alreadyEnrolled ? (
        <>
          <p>{t('enrol.already')}</p>
          <p>
            <Link href={inLocale(paths.account, locale)}>{t('account.title')}</Link>
          </p>
        </>
      ) : step.kind === 'starting' ? (
        <Loading />
      ) : step.kind === 'failed' ? (
        <ErrorNotice error={step.error} />
      ) : (
        <ScanStep setup={step.setup} onConfirmed={(codes) => setStep({ kind: 'codes', codes })} />
      )}
    </div>
  );
}

function ScanStep({ setup, onConfirmed }: { setup: TotpSetup; onConfirmed: (codes: string[]) => void }) {
  const t = useT();
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(value)) {
      setErrors({
        fields: { code: t(value ? 'secondFactor.codeFormat' : 'secondFactor.codeMissing') },
        general: [],
      });
      return;
    }
    setErrors(noErrors);
    setBusy(true);
    try {
      const confirmed = await sendJson<TotpConfirmed>('POST', '/api/v1/auth/totp/confirm', { code: value });
      onConfirmed(confirmed.recoveryCodes);
    } catch (err) {
      const error = asApiError(err);
      setCode('');
      setErrors(
        error.code === 'INVALID_CREDENTIALS' || error.code === 'VALIDATION_FAILED'
          ? { fields: { code: t('secondFactor.codeWrong') }, general: [] }
          : problemsOf(error, t, { fields: ['code'] }),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p>{t('enrol.intro')}</p>
      <ol className="steps">
        <li>
          <p>{t('enrol.step.app')}</p>
        </li>
        <li>
          <p>{t('enrol.step.secret')}</p>
          <QrCode text={setup.otpauthUri} label={t('enrol.qrLabel')} />
          <p className="secret" data-testid="totp-secret" dir="ltr">
            {groupsOfFour(setup.secret).map((g, i) => (
              <span key={i} className="secret-group">
                {g}
              </span>
            ))}
          </p>
          <p className="button-row">
            <CopyButton text={setup.secret} label={t('enrol.copySecret')} />
            <a href={setup.otpauthUri} className="otpauth-link" data-testid="otpauth-link">
              {t('enrol.openInApp')}
            </a>
          </p>
        </li>
        <li>
          <p>{t('enrol.step.code')}</p>
          <form className="form" noValidate onSubmit={(e) => void submit(e)} aria-label={t('enrol.confirm')}>
            <ErrorSummary form={FORM} errors={errors} order={['code']} />
            <TotpCodeField form={FORM} value={code} error={errors.fields.code} onChange={setCode} />
            <div className="button-row">
              <button type="submit" disabled={busy} aria-busy={busy}>
                {busy ? t('status.working') : t('enrol.confirm')}
              </button>
            </div>
          </form>
        </li>
      </ol>
    </>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => Promise<void> }) {
  const t = useT();
  const [saved, setSaved] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);
  // A new step of the same page: move focus to its heading, as a page change would.
  useEffect(() => document.getElementById('main-heading')?.focus(), []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!saved) {
      setErrors({ fields: { saved: t('enrol.savedMissing') }, general: [] });
      return;
    }
    setBusy(true);
    try {
      await onDone();
    } catch (err) {
      setErrors(problemsOf(asApiError(err), t, { fields: [] }));
      setBusy(false);
    }
  };
  return (
    <div className="narrow">
      <h1 id="main-heading" tabIndex={-1}>
        {t('enrol.codesTitle')}
      </h1>
      <p>{t('enrol.codesIntro')}</p>
      <ul
        className="recovery-codes"
        dir="ltr"
        data-testid="recovery-codes"
        aria-label={t('enrol.codesTitle')}
      >
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <p className="button-row">
        <CopyButton text={codes.join('\n')} label={t('enrol.copyCodes')} />
      </p>
      <form className="form" noValidate onSubmit={(e) => void submit(e)} aria-label={t('enrol.codesTitle')}>
        <ErrorSummary form={FORM} errors={errors} order={['saved']} />
        <div className={errors.fields.saved ? 'field field-invalid' : 'field'}>
          {errors.fields.saved && (
            <p id={`${FORM}-saved-error`} className="field-error">
              <span className="visually-hidden">{t('form.errorPrefix')} </span>
              {errors.fields.saved}
            </p>
          )}
          <div className="checkbox">
            <input
              id={`${FORM}-saved`}
              name="saved"
              type="checkbox"
              checked={saved}
              aria-invalid={errors.fields.saved ? true : undefined}
              aria-describedby={errors.fields.saved ? `${FORM}-saved-error` : undefined}
              onChange={(e) => setSaved(e.target.checked)}
            />
            <label htmlFor={`${FORM}-saved`}>{t('enrol.saved')}</label>
          </div>
        </div>
        <div className="button-row">
          <button type="submit" disabled={busy} aria-busy={busy}>
            {t('enrol.continue')}
          </button>
        </div>
      </form>
    </div>
  );
}
