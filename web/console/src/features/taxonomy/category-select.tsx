import { useId } from 'react';
import { useT, type MessageId } from '../../i18n/i18n.tsx';
import type { TaxonomyView } from './taxonomy.ts';

// Native <select>: indentation via leading em spaces is the one way to show depth inside an <option>.
const INDENT = '\u2003';

const FACETS = new Set([
  'bias',
  'incident_type',
  'channel',
  'extremism',
  'disinformation',
  'tension',
  'need',
  'protective',
]);

/** Message id of a facet's name; a facet a city added itself has none and shows its code. */
export function facetLabelId(facet: string): MessageId | undefined {
  return FACETS.has(facet) ? (`facet.${facet}` as MessageId) : undefined;
}

export function CategorySelect({
  taxonomy,
  value,
  onChange,
}: {
  taxonomy: TaxonomyView;
  value: string | null;
  onChange: (code: string | null) => void;
}) {
  const t = useT();
  const id = useId();
  const known = taxonomy.tree.some((f) => f.entries.some((e) => e.term.code === value));
  return (
    <div className="field">
      <label htmlFor={id}>{t('filters.category')}</label>
      <select
        id={id}
        name="label"
        value={value ?? ''}
        onChange={(e) => onChange(e.target.value === '' ? null : e.target.value)}
        aria-busy={taxonomy.loading}
      >
        <option value="">{t('filters.category.all')}</option>
        {value !== null && !known && <option value={value}>{value}</option>}
        {taxonomy.tree.map(({ facet, entries }) => {
          const facetId = facetLabelId(facet);
          return (
            <optgroup key={facet} label={taxonomy.facetName(facet) ?? (facetId ? t(facetId) : facet)}>
              {entries
                .filter((e) => !e.term.retired || e.term.code === value)
                .map(({ term, depth }) => (
                  <option key={term.code} value={term.code}>
                    {INDENT.repeat(depth) + term.label}
                  </option>
                ))}
            </optgroup>
          );
        })}
      </select>
      {taxonomy.error && (
        <p className="field-error" role="alert">
          {t('status.error', { title: taxonomy.error.message })}
        </p>
      )}
    </div>
  );
}
