import { useMemo } from 'react';
import { apiUrl, useFetch, type Fetched } from '../../api/client.ts';
import type { Taxonomy, TaxonomyTerm } from '../../api/types.ts';
import type { Locale } from '../../i18n/locales.ts';

export type TreeEntry = { term: TaxonomyTerm; depth: number };
export type FacetTree = { facet: string; entries: TreeEntry[] };

/** Terms in tree order (parents before children, server order among siblings), one list per facet. */
export function taxonomyTree(terms: readonly TaxonomyTerm[]): FacetTree[] {
  const codes = new Set(terms.map((t) => t.code));
  const children = new Map<string | null, TaxonomyTerm[]>();
  for (const term of terms) {
    // A term whose parent is missing is shown as a root rather than lost.
    const parent = term.parentCode !== null && codes.has(term.parentCode) ? term.parentCode : null;
    const list = children.get(parent) ?? [];
    list.push(term);
    children.set(parent, list);
  }
  const facets = new Map<string, TreeEntry[]>();
  const walk = (term: TaxonomyTerm, depth: number) => {
    const list = facets.get(term.facet) ?? [];
    list.push({ term, depth });
    facets.set(term.facet, list);
    for (const child of children.get(term.code) ?? []) walk(child, depth + 1);
  };
  for (const root of children.get(null) ?? []) walk(root, 0);
  return [...facets].map(([facet, entries]) => ({ facet, entries }));
}

export type TaxonomyView = Fetched<Taxonomy> & {
  tree: FacetTree[];
  labelOf: (code: string) => string;
  /** The facet's name in the locale, when the server sent one. */
  facetName: (facet: string) => string | undefined;
};

export function useTaxonomy(locale: Locale): TaxonomyView {
  // Retired terms too: signals recorded before a term was retired still carry it and need its label.
  const fetched = useFetch<Taxonomy>(apiUrl('/api/v1/taxonomy', { locale, includeRetired: 'true' }));
  const terms = fetched.data?.terms;
  const facets = fetched.data?.facets;
  const derived = useMemo(() => {
    const byCode = new Map((terms ?? []).map((t) => [t.code, t.label]));
    const facetNames = new Map((facets ?? []).map((f) => [f.code, f.name]));
    return {
      tree: taxonomyTree(terms ?? []),
      labelOf: (code: string) => byCode.get(code) ?? code,
      facetName: (facet: string) => facetNames.get(facet),
    };
  }, [terms, facets]);
  return { ...fetched, ...derived };
}
