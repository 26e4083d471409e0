import { useEffect, useState } from 'react';

/** One located problem of a problem+json answer (`errors`), e.g. { path: '/email', reason: '…' }. */
export type ProblemDetail = Record<string, unknown>;

/** An API failure, carrying the problem+json title the server wrote for people, its code and located details. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly details: readonly ProblemDetail[];
  constructor(status: number, title: string, code?: string, details: readonly ProblemDetail[] = []) {
    super(title);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
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

/**
 * What the session layer (features/auth) wants to hear about. The client only reports; deciding where to go is the
 * auth context's job, so this module stays free of routing and React state.
 */
export type SessionEvents = {
  /** The session is gone (signed out elsewhere, idle, expired): sign in again. */
  unauthenticated: () => void;
  /** The role needs a second factor this session has not given yet. */
  secondFactorRequired: () => void;
  /** The CSRF token we hold is not the session's (a new sign-in in another tab): fetch the current one. */
  csrfRejected: () => void;
};

let csrfToken: string | null = null;
let events: SessionEvents | null = null;

/** The session's CSRF token, sent on every state-changing request; null when signed out. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function setSessionEvents(handlers: SessionEvents | null): void {
  events = handlers;
}

async function problemOf(response: Response): Promise<ApiError> {
  let title = response.statusText || `HTTP ${response.status}`;
  let code: string | undefined;
  let details: ProblemDetail[] = [];
  try {
    const problem = (await response.json()) as { title?: unknown; code?: unknown; errors?: unknown };
    if (typeof problem.title === 'string') title = problem.title;
    if (typeof problem.code === 'string') code = problem.code;
    if (Array.isArray(problem.errors))
      details = problem.errors.filter((e): e is ProblemDetail => typeof e === 'object' && e !== null);
  } catch {
    // Not a problem document (a proxy error page, …): keep the status text.
  }
  return new ApiError(response.status, title, code, details);
}

function report(error: ApiError): void {
  if (error.status === 401 && error.code === 'UNAUTHENTICATED') events?.unauthenticated();
  else if (error.status === 403 && error.code === 'SECOND_FACTOR_REQUIRED') events?.secondFactorRequired();
  else if (error.status === 403 && error.code === 'CSRF_FAILED') events?.csrfRejected();
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function request(method: Method, url: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      // The session cookie is same-origin only (__Host-, SameSite=Strict); never send it anywhere else.
      credentials: 'same-origin',
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(0, e instanceof Error ? e.message : String(e));
  }
  if (!response.ok) {
    const error = await problemOf(response);
    if (!signal?.aborted) report(error);
    throw error;
  }
  return response;
}

export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  return (await (await request('GET', url, undefined, signal)).json()) as T;
}

/** A state-changing request with a JSON body; answers the JSON reply, or undefined for 204 No Content. */
export async function sendJson<T = unknown>(
  method: Exclude<Method, 'GET'>,
  url: string,
  body?: unknown,
): Promise<T> {
  const response = await request(method, url, body ?? (method === 'DELETE' ? undefined : {}));
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const asApiError = (e: unknown): ApiError =>
  e instanceof ApiError ? e : new ApiError(0, e instanceof Error ? e.message : String(e));

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
        const error = asApiError(e);
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
