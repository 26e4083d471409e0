import { useState } from 'react';
import {
  apiUrl,
  asApiError,
  getJson,
  useFetch,
  type ApiError,
  type Fetched,
  type QueryValue,
} from './client.ts';

/** A keyset-paged API answer: one page of items and the cursor of the next, null on the last. */
export type Page<T> = { items: T[]; nextCursor: string | null };

export type PagedList<P extends Page<unknown>> = {
  /** The first page's fetch: its loading and error drive the page's status. */
  first: Fetched<P>;
  /** Pages loaded so far for the current query, first page first (empty while the first one loads). */
  pages: P[];
  items: P['items'];
  nextCursor: string | null;
  /** Loading a further page, and its failure. */
  loadingMore: boolean;
  moreError: ApiError | undefined;
  loadMore: () => Promise<void>;
};

/**
 * A list read page by page with "load more". Further pages belong to the query they were loaded for: a new query
 * (a filter changed) starts again from its first page, and an answer arriving for an older query is dropped.
 * `query` null = nothing to fetch yet (e.g. an invalid filter).
 */
export function usePagedList<P extends Page<unknown>>(
  path: string,
  query: Record<string, QueryValue> | null,
): PagedList<P> {
  const firstUrl = query === null ? null : apiUrl(path, query);
  const first = useFetch<P>(firstUrl);
  const [more, setMore] = useState<{ base: string | null; pages: P[]; loading: boolean; error?: ApiError }>({
    base: firstUrl,
    pages: [],
    loading: false,
  });
  const current = more.base === firstUrl;
  const pages = first.data && !first.loading ? [first.data, ...(current ? more.pages : [])] : [];
  const nextCursor = pages.length > 0 ? pages[pages.length - 1]!.nextCursor : null;

  const loadMore = async () => {
    if (!nextCursor || query === null || firstUrl === null) return;
    const base = firstUrl;
    setMore((m) => ({ base, pages: m.base === base ? m.pages : [], loading: true }));
    try {
      const page = await getJson<P>(apiUrl(path, { ...query, cursor: nextCursor }));
      setMore((m) => (m.base === base ? { base, pages: [...m.pages, page], loading: false } : m));
    } catch (e) {
      setMore((m) => (m.base === base ? { ...m, loading: false, error: asApiError(e) } : m));
    }
  };

  return {
    first,
    pages,
    items: pages.flatMap((p) => p.items) as P['items'],
    nextCursor,
    loadingMore: current && more.loading,
    moreError: current ? more.error : undefined,
    loadMore,
  };
}
