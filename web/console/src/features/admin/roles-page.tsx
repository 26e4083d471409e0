import { useState, type FormEvent } from 'react';
import { asApiError, sendJson, useFetch, type ApiError } from '../../api/client.ts';
import type { Action, Catalogue, Grant, Resource, RoleList, RoleView, Scope } from '../../api/identity.ts';
import { ConfirmButton } from '../../components/confirm.tsx';
import { Flash, flash } from '../../components/flash.tsx';
import {
  ErrorSummary,
  fieldId,
  noErrors,
  problemsOf,
  TextField,
  type FormErrors,
} from '../../components/forms.tsx';
import { Empty, ErrorNotice, Loading } from '../../components/status.tsx';
import { useT } from '../../i18n/i18n.tsx';
import type { Locale } from '../../i18n/locales.ts';
import { Link } from '../../routing/link.tsx';
import { paths } from '../../routing/routes.ts';
import { navigate } from '../../routing/url-state.ts';
import { inLocale } from '../auth/continue.ts';
import { usePolicyWords, useRoleName } from './labels.ts';
import { Withheld } from './withheld.tsx';
import { ScrollTable } from '../../components/scroll-table.tsx';

export function RolesPage({ locale }: { locale: Locale }) {
  const t = useT();
  const roleName = useRoleName();
  const list = useFetch<RoleList>('/api/v1/roles');
  return (
    <>
      <div className="page-heading">
        <h1 id="main-heading" tabIndex={-1}>
          {t('roles.title')}
        </h1>
        {list.data?.abilities.create && (
          <Link className="button-link" href={inLocale(paths.roleNew, locale)}>
            {t('roles.new')}
          </Link>
        )}
      </div>
      <Flash />
      <p>{t('roles.intro')}</p>
      {list.error && <ErrorNotice error={list.error} onRetry={list.retry} />}
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && <Empty>{t('roles.empty')}</Empty>}
      {list.data && list.data.items.length > 0 && (
        <ScrollTable id="roles" className="admin-table" caption={t('roles.caption')}>
          <thead>
            <tr>
              <th scope="col">{t('roles.col.name')}</th>
              <th scope="col">{t('roles.col.kind')}</th>
              <th scope="col" className="numeric">
                {t('roles.col.members')}
              </th>
              <th scope="col">{t('roles.col.secondFactor')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((r) => (
              <tr key={r.code} data-code={r.code}>
                <th scope="row">
                  <Link href={inLocale(paths.role(r.code), locale)}>{roleName(r)}</Link>
                </th>
                <td>{r.builtin ? t('roles.builtin') : t('roles.custom')}</td>
                <td className="numeric">{r.memberCount ?? <Withheld />}</td>
                <td>
                  {r.requiresSecondFactor
                    ? t('roles.secondFactor.required')
                    : t('roles.secondFactor.optional')}
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </>
  );
}

/** Columns in the policy's order (read first), whatever order the catalogue lists each resource's actions in. */
const ACTION_ORDER: readonly Action[] = [
  'read',
  'create',
  'update',
  'archive',
  'import',
  'rollback',
  'export',
  'end',
];

/** resource → action → scope; an absent entry is "not allowed". */
type Matrix = Partial<Record<Resource, Partial<Record<Action, Scope>>>>;

const toMatrix = (grants: readonly Grant[]): Matrix => {
  const m: Matrix = {};
  for (const g of grants) (m[g.resource] ??= {})[g.action] = g.scope;
  return m;
};

const toGrants = (m: Matrix, catalogue: Catalogue): Grant[] =>
  catalogue.resources.flatMap(({ resource, actions }) =>
    actions.flatMap((action) => {
      const scope = m[resource]?.[action];
      return scope ? [{ resource, action, scope }] : [];
    }),
  );

/** Whether these grants make a second factor mandatory: the catalogue says from which scope each resource does. */
function needsSecondFactor(grants: readonly Grant[], catalogue: Catalogue): boolean {
  return grants.some((g) => {
    const from = catalogue.resources.find((r) => r.resource === g.resource)?.secondFactorFrom;
    return from != null && catalogue.scopes.indexOf(g.scope) >= catalogue.scopes.indexOf(from);
  });
}

/**
 * The grant matrix: one row per resource, one column per action; a cell is a choice of scope for the actions the
 * resource has, and empty for those it has not. Read-only for built-in roles.
 */
function GrantMatrix({
  catalogue,
  matrix,
  onChange,
  readOnly,
  error,
}: {
  catalogue: Catalogue;
  matrix: Matrix;
  onChange?: (resource: Resource, action: Action, scope: Scope | null) => void;
  readOnly: boolean;
  error?: string | undefined;
}) {
  const t = useT();
  const words = usePolicyWords();
  const offered = new Set(catalogue.resources.flatMap((r) => r.actions));
  const actions = [
    ...ACTION_ORDER.filter((a) => offered.has(a)),
    ...[...offered].filter((a) => !ACTION_ORDER.includes(a)),
  ];
  return (
    <div
      className={error ? 'field field-invalid' : 'field'}
      role="group"
      aria-labelledby="grants-title"
      aria-describedby={error ? `${fieldId('role', 'grants')}-error` : 'grants-hint'}
    >
      <h2 id="grants-title">{t('roles.grants')}</h2>
      <p id="grants-hint" className="field-hint">
        {readOnly ? t('roles.grantsReadOnly') : t('roles.grantsHint')}
      </p>
      {error && (
        <p id={`${fieldId('role', 'grants')}-error`} className="field-error">
          <span className="visually-hidden">{t('form.errorPrefix')} </span>
          {error}
        </p>
      )}
      <div
        className="table-scroll grant-scroll"
        role="region"
        aria-labelledby="grants-caption"
        tabIndex={0}
        id={fieldId('role', 'grants')}
      >
        <table className="grant-matrix" data-testid="grant-matrix">
          <caption id="grants-caption" className="visually-hidden">
            {t('roles.grantsCaption')}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t('roles.resource')}</th>
              {actions.map((a) => (
                <th scope="col" key={a}>
                  {words.action(a)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {catalogue.resources.map(({ resource, actions: allowed }) => (
              <tr key={resource} data-resource={resource}>
                <th scope="row">{words.resource(resource)}</th>
                {actions.map((action) => {
                  if (!allowed.includes(action))
                    return (
                      <td key={action} className="grant-na">
                        <span aria-hidden="true">—</span>
                        <span className="visually-hidden">{t('roles.notApplicable')}</span>
                      </td>
                    );
                  const scope = matrix[resource]?.[action] ?? null;
                  if (readOnly)
                    return (
                      <td key={action} className={scope ? 'grant-on' : 'grant-off'} data-action={action}>
                        {scope ? words.scope(scope) : t('roles.none')}
                      </td>
                    );
                  return (
                    <td key={action} className={scope ? 'grant-on' : 'grant-off'} data-action={action}>
                      <select
                        name={`${resource}.${action}`}
                        aria-label={t('roles.cellLabel', {
                          resource: words.resource(resource),
                          action: words.action(action),
                        })}
                        value={scope ?? ''}
                        onChange={(e) =>
                          onChange?.(resource, action, (e.target.value || null) as Scope | null)
                        }
                      >
                        <option value="">{t('roles.none')}</option>
                        {catalogue.scopes.map((s) => (
                          <option key={s} value={s}>
                            {words.scope(s)}
                          </option>
                        ))}
                      </select>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** One role: built-in ones read-only; custom ones edited (name, description, grants) or removed when unused. */
export function RolePage({ locale, code }: { locale: Locale; code: string | null }) {
  const t = useT();
  const catalogue = useFetch<Catalogue>('/api/v1/access/catalogue');
  const role = useFetch<RoleView>(code ? `/api/v1/roles/${encodeURIComponent(code)}` : null);
  const error = catalogue.error ?? role.error;
  if (error)
    return (
      <>
        <BackToRoles locale={locale} />
        <h1 id="main-heading" tabIndex={-1}>
          {code ? t('roles.role') : t('roles.new')}
        </h1>
        <ErrorNotice error={error} onRetry={catalogue.error ? catalogue.retry : role.retry} />
      </>
    );
  if (!catalogue.data || (code && !role.data)) return <Loading />;
  return (
    <RoleEditor
      key={role.data?.updatedAt ?? 'new'}
      locale={locale}
      catalogue={catalogue.data}
      role={role.data ?? null}
      reload={role.retry}
    />
  );
}

function BackToRoles({ locale }: { locale: Locale }) {
  const t = useT();
  return (
    <p className="back">
      <Link href={inLocale(paths.roles, locale)}>{t('roles.back')}</Link>
    </p>
  );
}

const FORM = 'role';
const FIELDS = ['code', 'name', 'description', 'grants'] as const;

function RoleEditor({
  locale,
  catalogue,
  role,
  reload,
}: {
  locale: Locale;
  catalogue: Catalogue;
  role: RoleView | null;
  reload: () => void;
}) {
  const t = useT();
  const roleName = useRoleName();
  const [code, setCode] = useState('');
  const [name, setName] = useState(role?.name ?? '');
  const [description, setDescription] = useState(role?.description ?? '');
  const [matrix, setMatrix] = useState<Matrix>(() => toMatrix(role?.grants ?? []));
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);
  const [removeError, setRemoveError] = useState<ApiError | undefined>();
  const editable = role === null || role.abilities.update;
  const grants = toGrants(matrix, catalogue);
  const secondFactor = needsSecondFactor(grants, catalogue);

  const setCell = (resource: Resource, action: Action, scope: Scope | null) =>
    setMatrix((m) => {
      const row = { ...m[resource] };
      if (scope) row[action] = scope;
      else delete row[action];
      return { ...m, [resource]: row };
    });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const fields: Record<string, string> = {};
    if (!role) {
      if (!code) fields.code = t('roles.codeMissing');
      else if (!/^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$/.test(code) || code.length > 64)
        fields.code = t('roles.codeFormat');
    }
    if (!name.trim()) fields.name = t('roles.nameMissing');
    if (grants.length === 0) fields.grants = t('roles.grantsMissing');
    setErrors({ fields, general: [] });
    if (Object.keys(fields).length > 0) return;
    setBusy(true);
    const body = { name: name.trim(), description: description.trim() || null, grants };
    try {
      if (role) {
        await sendJson('PATCH', `/api/v1/roles/${encodeURIComponent(role.code)}`, body);
        flash(t('roles.saved', { name: body.name }));
        reload();
      } else {
        const created = await sendJson<RoleView>('POST', '/api/v1/roles', { code, ...body });
        flash(t('roles.created', { name: created.name }));
        navigate(inLocale(paths.role(created.code), locale));
      }
    } catch (err) {
      const error = asApiError(err);
      setErrors(
        error.code === 'CONFLICT' && !role
          ? { fields: { code: t('roles.codeTaken') }, general: [] }
          : problemsOf(error, t, { fields: FIELDS }),
      );
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!role) return;
    setRemoveError(undefined);
    try {
      await sendJson('POST', `/api/v1/roles/${encodeURIComponent(role.code)}/remove`);
      flash(t('roles.removed', { name: role.name }));
      navigate(inLocale(paths.roles, locale));
    } catch (err) {
      setRemoveError(asApiError(err));
    }
  };

  return (
    <>
      <BackToRoles locale={locale} />
      <h1 id="main-heading" tabIndex={-1}>
        {role ? roleName(role) : t('roles.new')}
      </h1>
      <Flash />
      {role && (
        <dl className="facts">
          <dt>{t('roles.col.kind')}</dt>
          <dd>{role.builtin ? t('roles.builtin') : t('roles.custom')}</dd>
          <dt>{t('roles.code')}</dt>
          <dd className="mono">
            <bdi dir="ltr">{role.code}</bdi>
          </dd>
          <dt>{t('roles.col.members')}</dt>
          <dd>{role.memberCount ?? <Withheld />}</dd>
          <dt>{t('roles.col.secondFactor')}</dt>
          <dd>
            {role.requiresSecondFactor ? t('roles.secondFactor.required') : t('roles.secondFactor.optional')}
          </dd>
        </dl>
      )}
      {role?.builtin && <p className="notice">{t('roles.builtinHelp')}</p>}
      {!editable ? (
        <GrantMatrix catalogue={catalogue} matrix={matrix} readOnly />
      ) : (
        <form
          className="form form-wide"
          noValidate
          onSubmit={(e) => void submit(e)}
          aria-labelledby="main-heading"
        >
          <ErrorSummary form={FORM} errors={errors} order={FIELDS} />
          {!role && (
            <TextField
              form={FORM}
              name="code"
              label={t('roles.code')}
              hint={t('roles.codeHint')}
              dir="ltr"
              spellCheck={false}
              autoCapitalize="none"
              maxLength={64}
              value={code}
              error={errors.fields.code}
              onChange={(e) => setCode(e.target.value)}
            />
          )}
          <TextField
            form={FORM}
            name="name"
            label={t('roles.col.name')}
            maxLength={200}
            value={name}
            error={errors.fields.name}
            onChange={(e) => setName(e.target.value)}
          />
          <div className={errors.fields.description ? 'field field-invalid' : 'field'}>
            <label htmlFor={fieldId(FORM, 'description')}>{t('roles.description')}</label>
            {errors.fields.description && (
              <p id={`${fieldId(FORM, 'description')}-error`} className="field-error">
                {errors.fields.description}
              </p>
            )}
            <textarea
              id={fieldId(FORM, 'description')}
              name="description"
              rows={3}
              maxLength={2000}
              value={description}
              aria-invalid={errors.fields.description ? true : undefined}
              aria-describedby={
                errors.fields.description ? `${fieldId(FORM, 'description')}-error` : undefined
              }
              onChange={(e) => setDescription(e.target.value)}
            />
          </div>
          <GrantMatrix
            catalogue={catalogue}
            matrix={matrix}
            onChange={setCell}
            readOnly={false}
            error={errors.fields.grants}
          />
          <p className="notice" role="status" data-testid="second-factor-note">
            {secondFactor ? t('roles.willRequireSecondFactor') : t('roles.noSecondFactor')}
          </p>
          <div className="button-row">
            <button type="submit" disabled={busy} aria-busy={busy}>
              {role ? t('form.save') : t('roles.create')}
            </button>
          </div>
        </form>
      )}
      {role?.abilities.remove && (
        <section className="danger-zone" aria-labelledby="remove-title">
          <h2 id="remove-title">{t('roles.remove')}</h2>
          <p>{t('roles.removeHelp')}</p>
          {removeError && <ErrorNotice error={removeError} />}
          <ConfirmButton
            label={t('roles.remove')}
            question={t('roles.removeQuestion', { name: role.name })}
            confirmLabel={t('roles.removeConfirm')}
            danger
            onConfirm={remove}
          />
        </section>
      )}
    </>
  );
}
