// Every page of the console has its own path, so each is a link that can be bookmarked, shared and reloaded.

export type Route =
  | { page: 'map' }
  | { page: 'signals' }
  | { page: 'analytics' }
  | { page: 'sign-in' }
  | { page: 'second-factor' }
  | { page: 'enrol' }
  | { page: 'accept-invitation' }
  | { page: 'account' }
  | { page: 'admin' }
  | { page: 'organisations' }
  | { page: 'organisation-new' }
  | { page: 'organisation'; id: string }
  | { page: 'people' }
  | { page: 'person-invite' }
  | { page: 'person'; id: string }
  | { page: 'roles' }
  | { page: 'role-new' }
  | { page: 'role'; code: string }
  | { page: 'sessions' }
  | { page: 'audit' }
  | { page: 'not-found' };

export type Page = Route['page'];

const FIXED: Record<string, Route> = {
  '/': { page: 'map' },
  '/map': { page: 'map' },
  '/signals': { page: 'signals' },
  '/analytics': { page: 'analytics' },
  '/sign-in': { page: 'sign-in' },
  '/sign-in/second-factor': { page: 'second-factor' },
  '/sign-in/enrol': { page: 'enrol' },
  '/accept-invitation': { page: 'accept-invitation' },
  '/account': { page: 'account' },
  '/admin': { page: 'admin' },
  '/admin/organisations': { page: 'organisations' },
  '/admin/organisations/new': { page: 'organisation-new' },
  '/admin/people': { page: 'people' },
  '/admin/people/invite': { page: 'person-invite' },
  '/admin/roles': { page: 'roles' },
  '/admin/roles/new': { page: 'role-new' },
  '/admin/sessions': { page: 'sessions' },
  '/admin/audit': { page: 'audit' },
};

const segment = (s: string): string | null => {
  try {
    const v = decodeURIComponent(s);
    return v === '' || v.includes('/') ? null : v;
  } catch {
    return null;
  }
};

export function routeOf(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const fixed = FIXED[path];
  if (fixed) return fixed;
  const m = /^\/admin\/(organisations|people|roles)\/([^/]+)$/.exec(path);
  const key = m ? segment(m[2]!) : null;
  if (m && key !== null) {
    if (m[1] === 'organisations') return { page: 'organisation', id: key };
    if (m[1] === 'people') return { page: 'person', id: key };
    return { page: 'role', code: key };
  }
  return { page: 'not-found' };
}

export const paths = {
  map: '/map',
  signals: '/signals',
  analytics: '/analytics',
  signIn: '/sign-in',
  secondFactor: '/sign-in/second-factor',
  enrol: '/sign-in/enrol',
  account: '/account',
  organisations: '/admin/organisations',
  organisationNew: '/admin/organisations/new',
  organisation: (id: string) => `/admin/organisations/${encodeURIComponent(id)}`,
  people: '/admin/people',
  personInvite: '/admin/people/invite',
  person: (id: string) => `/admin/people/${encodeURIComponent(id)}`,
  roles: '/admin/roles',
  roleNew: '/admin/roles/new',
  role: (code: string) => `/admin/roles/${encodeURIComponent(code)}`,
  sessions: '/admin/sessions',
  audit: '/admin/audit',
} as const;

/**
 * Where to go after signing in: a path inside the console (never another origin, never back to a sign-in step), or
 * nothing. `//evil.example` and `/\evil.example` are other origins to a browser, so both are refused.
 */
export function safeNext(next: string | null): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  const page = routeOf(new URL(next, 'http://console.invalid').pathname).page;
  return page === 'sign-in' || page === 'second-factor' || page === 'enrol' || page === 'accept-invitation'
    ? null
    : next;
}
