import { useEffect, useState } from 'react';

/** An API failure, carrying the problem+json title the server wrote for people. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(status: number, title: string, code?: string) {
    super(title);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export type QueryValue = string | readonly string[] | null | undefined;

export function apiUrl(path: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue;
    for (const v of typeof value === 'string' ? [value] : value) params.append(key, v);
  }
  const q = params.toString();
  return q ? `${path}?${q}` : path;
}

export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: signal ?? null });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(0, e instanceof Error ? e.message : String(e));
  }
  if (!response.ok) {
    let title = response.statusText || `HTTP ${response.status}`;
    let code: string | undefined;
    try {
      const problem = (await response.json()) as { title?: unknown; code?: unknown };
      if (typeof problem.title === 'string') title = problem.title;
      if (typeof problem.code === 'string') code = problem.code;
    } catch {
      // Not a problem document (a proxy error page, …): keep the status text.
    }
    throw new ApiError(response.status, title, code);
  }
  return (await response.json()) as T;
}

export type Fetched<T> = {
  /** The latest successful answer; kept while a new request runs so the screen does not flash empty. */
  data: T | undefined;
  loading: boolean;
  error: ApiError | undefined;
  retry: () => void;
};

/** GETs `url` (null = nothing to fetch yet), cancelling the previous request when the url changes. */
export function useFetch<T>(url: string | null): Fetched<T> {
  const [attempt, setAttempt] = useState(0);
  const key = url === null ? null : `${attempt}:${url}`;
  const [state, setState] = useState<{
    key: string | null;
    data: T | undefined;
    error: ApiError | undefined;
  }>({
    key: null,
    data: undefined,
    error: undefined,
  });

  useEffect(() => {
    if (url === null || key === null) return;
    const controller = new AbortController();
    getJson<T>(url, controller.signal).then(
      (data) => setState({ key, data, error: undefined }),
      (e: unknown) => {
        if (controller.signal.aborted) return;
        const error = e instanceof ApiError ? e : new ApiError(0, e instanceof Error ? e.message : String(e));
        setState((s) => ({ key, data: s.data, error }));
      },
    );
    return () => controller.abort();
  }, [url, key]);

  const settled = key !== null && state.key === key;
  return {
    data: state.data,
    loading: key !== null && !settled,
    error: settled ? state.error : undefined,
    retry: () => setAttempt((a) => a + 1),
  };
}
