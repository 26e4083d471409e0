import type { RouteModule } from './platform/http.ts';
import { areasRoutes } from './domains/areas/areas.routes.ts';
import { pictureRoutes } from './domains/picture/picture.routes.ts';
import { analyticsRoutes } from './domains/analytics/analytics.routes.ts';
import { taxonomyRoutes } from './domains/taxonomy/taxonomy.routes.ts';
import { sourcesRoutes } from './domains/sources/sources.routes.ts';
import { signalsRoutes } from './domains/signals/signals.routes.ts';
import { auditRoutes } from './domains/audit/audit.routes.ts';
import { authRoutes } from './domains/identity/auth.routes.ts';
import { organisationsRoutes } from './domains/identity/organisations.routes.ts';
import { usersRoutes } from './domains/identity/users.routes.ts';
import { rolesRoutes } from './domains/identity/roles.routes.ts';
import { invitationsRoutes } from './domains/identity/invitations.routes.ts';
import { sessionsAdminRoutes } from './domains/identity/sessions-admin.routes.ts';
import { passkeysRoutes } from './domains/identity/passkeys.routes.ts';
import { ssoRoutes } from './domains/identity/sso.routes.ts';

/** Every HTTP route module, in registration order. Each domain adds its own line. */
export const routeModules: RouteModule[] = [
  areasRoutes,
  pictureRoutes,
  analyticsRoutes,
  taxonomyRoutes,
  sourcesRoutes,
  signalsRoutes,
  auditRoutes,
  authRoutes,
  organisationsRoutes,
  usersRoutes,
  rolesRoutes,
  invitationsRoutes,
  sessionsAdminRoutes,
  passkeysRoutes,
  ssoRoutes,
];
