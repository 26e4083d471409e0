// The administration section as one chunk, loaded the first time someone opens it.
export { AdminNav } from './admin-nav.tsx';
export { AuditPage } from './audit-page.tsx';
export { OrganisationPage, OrganisationsPage } from './organisations-page.tsx';
export { InvitePage, PeoplePage, PersonPage } from './people-page.tsx';
export { RolePage, RolesPage } from './roles-page.tsx';
export { SessionsPage } from './sessions-page.tsx';
