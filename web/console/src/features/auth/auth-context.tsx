import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  asApiError,
  getJson,
  sendJson,
  setCsrfToken,
  setSessionEvents,
  type ApiError,
} from '../../api/client.ts';
import type { Action, Grant, Me, Resource } from '../../api/identity.ts';

/** A session as loaded: the person, and their role's grants once the second factor is done. */
export type Session = { me: Me; grants: readonly Grant[] | null };

export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-out' }
  /** `grants`: the role's grants with their scopes (null before the second factor). */
  | { status: 'signed-in'; me: Me; grants: readonly Grant[] | null }
  | { status: 'unavailable'; error: ApiError };

export type Auth = {
  state: AuthState;
  /** The signed-in user, once the second factor (when the role needs one) is done; undefined otherwise. */
  me: Me | undefined;
  /** Whether the actor's role allows `action` on `resource` at some scope: what to show, not what the server allows. */
  can: (resource: Resource, action: Action) => boolean;
  /** Whether the role allows `action` on other people's records too, not only the actor's own. */
  reaches: (resource: Resource, action: Action) => boolean;
  /** Reloads the session (after sign-in, the second factor, a profile change); null when signed out. */
  refresh: () => Promise<Session | null>;
  signOut: () => Promise<void>;
};

const AuthContext = createContext<Auth | null>(null);

export const ME_URL = '/api/v1/auth/me';

/** Whether the session may use the console, or still owes its second factor. */
export const fullySignedIn = (me: Me): boolean => !me.secondFactorRequired || me.secondFactorSatisfied;

/**
 * What the role of a full session allows; nothing before the second factor. The abilities from /auth/me say
 * whether; the grants beside them say how far (own records only, or other people's too): `reaches` is false for
 * an own-only grant, which hides administration pages that would list nobody but the person themselves.
 */
export function capabilitiesOf(
  me: Me | undefined,
  grants: readonly Grant[] | null,
): Pick<Auth, 'can' | 'reaches'> {
  const can = (resource: Resource, action: Action) => me?.abilities[resource]?.[action] === true;
  return {
    can,
    reaches: (resource, action) =>
      can(resource, action) &&
      (grants ?? []).some((g) => g.resource === resource && g.action === action && g.scope !== 'own'),
  };
}

/** The role's grants with their scopes, once the session is complete. */
const grantsOf = (me: Me): readonly Grant[] | null => (fullySignedIn(me) ? me.grants : null);

/** Loads the session once (GET /api/v1/auth/me) and keeps the API client's CSRF token in step with it. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });

  const signedOut = useCallback(() => {
    setCsrfToken(null);
    setState({ status: 'signed-out' });
  }, []);

  const refresh = useCallback(async (): Promise<Session | null> => {
    try {
      const me = await getJson<Me>(ME_URL);
      setCsrfToken(me.csrfToken);
      const grants = grantsOf(me);
      setState({ status: 'signed-in', me, grants });
      return { me, grants };
    } catch (e) {
      const error = asApiError(e);
      if (error.status === 401) {
        signedOut();
        return null;
      }
      setState({ status: 'unavailable', error });
      throw error;
    }
  }, [signedOut]);

  useEffect(() => {
    refresh().catch(() => {
      // Shown by the shell from the 'unavailable' state.
    });
  }, [refresh]);

  useEffect(() => {
    const reload = () => void refresh().catch(() => undefined);
    setSessionEvents({ unauthenticated: signedOut, secondFactorRequired: reload, csrfRejected: reload });
    return () => setSessionEvents(null);
  }, [refresh, signedOut]);

  const signOut = useCallback(async () => {
    try {
      await sendJson('POST', '/api/v1/auth/logout');
    } finally {
      signedOut();
    }
  }, [signedOut]);

  const value = useMemo<Auth>(() => {
    const me = state.status === 'signed-in' && fullySignedIn(state.me) ? state.me : undefined;
    return {
      state,
      me,
      ...capabilitiesOf(me, state.status === 'signed-in' ? state.grants : null),
      refresh,
      signOut,
    };
  }, [state, refresh, signOut]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}
