import { useSyncExternalStore } from 'react';

// The URL is the single source of truth for page and filters, so every view is a shareable link.

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

const snapshot = (): string => window.location.pathname + window.location.search;

export type UrlState = { pathname: string; params: URLSearchParams; href: string };

let cached: UrlState | undefined;

function currentState(): UrlState {
  const href = snapshot();
  if (cached?.href !== href) {
    cached = {
      href,
      pathname: window.location.pathname,
      params: new URLSearchParams(window.location.search),
    };
  }
  return cached;
}

export function useUrl(): UrlState {
  return useSyncExternalStore(subscribe, currentState);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

export type QueryChanges = Record<string, string | null | undefined>;

/** The href of `pathname` with the current query plus `changes` (null or '' removes a parameter). */
export function hrefWith(pathname: string, base: URLSearchParams, changes: QueryChanges = {}): string {
  const params = new URLSearchParams(base);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === '') params.delete(key);
    else params.set(key, value);
  }
  const query = params.toString();
  return query ? `${pathname}?${query}` : pathname;
}

/** Changes query parameters of the current page. Filters push a history entry so Back undoes them. */
export function updateQuery(changes: QueryChanges, options: { replace?: boolean } = {}): void {
  navigate(hrefWith(window.location.pathname, new URLSearchParams(window.location.search), changes), options);
}
