import { paths } from '../../routing/routes.ts';
import type { Auth } from './auth-context.tsx';

/** What a role allows, as the pages and buttons need it. */
export type Capabilities = Pick<Auth, 'can' | 'reaches'>;

export const ADMIN_PAGES = ['organisations', 'people', 'roles', 'sessions', 'audit'] as const;
export type AdminPage = (typeof ADMIN_PAGES)[number];

/**
 * The administration pages the actor's role opens. Reading one's own account or sessions is self-service (My
 * account), not administration, so People and Sessions need a reach beyond `own`.
 */
export function adminPages(auth: Capabilities): AdminPage[] {
  const open: Record<AdminPage, boolean> = {
    organisations:
      auth.can('organisation', 'create') ||
      auth.can('organisation', 'update') ||
      auth.can('organisation', 'archive'),
    people: auth.reaches('user', 'read'),
    roles: auth.can('role', 'read'),
    sessions: auth.reaches('session', 'read'),
    audit: auth.can('audit', 'read'),
  };
  return ADMIN_PAGES.filter((p) => open[p]);
}

/** The first page a signed-in person can use: the map for most roles, else what their role opens. */
export function homeOf(auth: Capabilities): string {
  if (auth.can('picture', 'read')) return paths.map;
  if (auth.can('signal', 'read')) return paths.signals;
  const admin = adminPages(auth)[0];
  return admin ? paths[admin] : paths.account;
}
