import {
  useEffect,
  useRef,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
} from 'react';
import type { ApiError, ProblemDetail } from '../api/client.ts';
import { useT, type MessageId } from '../i18n/i18n.tsx';

/** Problems of one form: per field (by field name), and those that belong to no field. */
export type FormErrors = { fields: Record<string, string>; general: string[] };

export const noErrors: FormErrors = { fields: {}, general: [] };

export const hasErrors = (e: FormErrors): boolean => e.general.length > 0 || Object.keys(e.fields).length > 0;

/** The id of a form field's control, so the error summary can link to it. */
export const fieldId = (form: string, field: string): string => `${form}-${field}`;

/**
 * The error summary of the GOV.UK design system: at the top of the form, focused when it appears, one link per
 * problem to the field it is about. `order` lists the form's fields so problems appear in the order of the form.
 */
export function ErrorSummary({
  form,
  errors,
  order,
  labels,
}: {
  form: string;
  errors: FormErrors;
  order: readonly string[];
  /** Field name → its label, used when a problem has no message of its own. */
  labels?: Record<string, string>;
}) {
  const t = useT();
  const ref = useRef<HTMLDivElement>(null);
  const show = hasErrors(errors);
  useEffect(() => {
    if (show) ref.current?.focus();
  }, [errors, show]);
  if (!show) return null;
  const fieldProblems = [
    ...order.filter((f) => errors.fields[f]),
    ...Object.keys(errors.fields).filter((f) => !order.includes(f)),
  ];
  return (
    <div
      className="error-summary"
      ref={ref}
      tabIndex={-1}
      role="alert"
      aria-labelledby={`${form}-summary-title`}
    >
      <h2 id={`${form}-summary-title`}>{t('form.problem')}</h2>
      <ul>
        {errors.general.map((message, i) => (
          <li key={`general-${i}`}>{message}</li>
        ))}
        {fieldProblems.map((f) => (
          <li key={f}>
            <a
              href={`#${fieldId(form, f)}`}
              onClick={(e) => {
                // Focus the control itself, as a label click would; the fragment alone only scrolls.
                e.preventDefault();
                document.getElementById(fieldId(form, f))?.focus();
              }}
            >
              {errors.fields[f] ?? labels?.[f]}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

type FieldFrame = {
  form: string;
  name: string;
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
};

function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

function FieldText({ id, hint, error }: { id: string; hint?: ReactNode; error?: string | undefined }) {
  const t = useT();
  return (
    <>
      {hint && (
        <div id={`${id}-hint`} className="field-hint">
          {hint}
        </div>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          <span className="visually-hidden">{t('form.errorPrefix')} </span>
          {error}
        </p>
      )}
    </>
  );
}

export function TextField({
  form,
  name,
  label,
  hint,
  error,
  ...input
}: FieldFrame & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'name' | 'form'>) {
  const id = fieldId(form, name);
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <FieldText id={id} hint={hint} error={error} />
      <input
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        {...input}
      />
    </div>
  );
}

export function SelectField({
  form,
  name,
  label,
  hint,
  error,
  children,
  ...select
}: FieldFrame & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'name' | 'form'>) {
  const id = fieldId(form, name);
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <FieldText id={id} hint={hint} error={error} />
      <select
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        {...select}
      >
        {children}
      </select>
    </div>
  );
}

/** Reason codes the server sends in problem details, with the words the console shows for them. */
const REASONS: Record<string, MessageId> = {
  too_short: 'problem.reason.too_short',
  too_long: 'problem.reason.too_long',
  common: 'problem.reason.common',
  contains_email: 'problem.reason.contains_email',
  contains_name: 'problem.reason.contains_name',
};

/**
 * The segments naming what a located problem is about: `/body/grants/3/scope` → body, grants, 3, scope; the form
 * takes the first one that is one of its fields.
 */
function segmentsOfDetail(detail: ProblemDetail): string[] {
  for (const key of ['field', 'path', 'pointer', 'instancePath']) {
    const v = detail[key];
    if (typeof v === 'string' && v !== '') return v.split(/[/.]/).filter(Boolean);
  }
  return [];
}

function reasonOfDetail(detail: ProblemDetail): string | undefined {
  for (const key of ['reason', 'code', 'message']) {
    const v = detail[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/**
 * Turns an API failure into the form's problems: each located detail next to its field (translated when it is a
 * known reason code, in the server's words otherwise), the rest in the summary. `fieldFor` places problems that
 * name no field (e.g. WEAK_PASSWORD → the new password field).
 */
export function problemsOf(
  error: ApiError,
  t: (id: MessageId, values?: Record<string, string | number>) => string,
  options: { fields: readonly string[]; fieldFor?: Partial<Record<string, string>> },
): FormErrors {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  const fallbackField = error.code ? options.fieldFor?.[error.code] : undefined;
  const messageOf = (reason: string | undefined): string =>
    reason === undefined ? error.message : REASONS[reason] ? t(REASONS[reason]) : reason;
  for (const detail of error.details) {
    const field = segmentsOfDetail(detail).find((s) => options.fields.includes(s)) ?? fallbackField;
    const message = messageOf(reasonOfDetail(detail));
    if (field) fields[field] = fields[field] ? `${fields[field]} ${message}` : message;
    else general.push(message);
  }
  if (error.details.length === 0 || (Object.keys(fields).length === 0 && general.length === 0)) {
    if (fallbackField) fields[fallbackField] = error.message;
    else general.push(error.status === 0 ? t('form.offline') : error.message);
  }
  return { fields, general };
}
