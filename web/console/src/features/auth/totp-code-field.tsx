import { TextField } from '../../components/forms.tsx';
import { useT } from '../../i18n/i18n.tsx';

/** The six-digit code from an authenticator app, as enrolment and the second sign-in step both ask for it. */
export function TotpCodeField({
  form,
  value,
  error,
  onChange,
}: {
  form: string;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}) {
  const t = useT();
  return (
    <TextField
      form={form}
      name="code"
      label={t('secondFactor.codeLabel')}
      hint={t('secondFactor.codeHint')}
      inputMode="numeric"
      autoComplete="one-time-code"
      maxLength={6}
      dir="ltr"
      className="code-input"
      value={value}
      error={error}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
