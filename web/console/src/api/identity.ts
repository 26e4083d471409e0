// Response shapes of the identity, administration and audit API (server/domains/identity, server/domains/audit).
// Fields marked "withheld" are left out when the signed-in role may not see them (FIELD_RULES in
// server/platform/access/policy.ts): absent means "not shown to you", never "no value".

export type Resource =
  | 'area'
  | 'taxonomy'
  | 'source'
  | 'signal'
  | 'picture'
  | 'trigger_event'
  | 'organisation'
  | 'user'
  | 'role'
  | 'session'
  | 'audit';

export type Action = 'read' | 'create' | 'update' | 'archive' | 'import' | 'rollback' | 'export' | 'end';

export type Scope = 'own' | 'organisation' | 'all';

export type Grant = { resource: Resource; action: Action; scope: Scope };

/** What the actor may do on one record, sent beside it by the server. */
export type Abilities = Partial<Record<Action, boolean>>;

/** The signed-in account, as the auth endpoints present it. */
export type Account = {
  id: string;
  email: string;
  displayName: string;
  locale: string;
  organisationId: string;
  role: { code: string; name: string };
  totpEnabled: boolean;
  lastLoginAt: string | null;
};

/** GET /api/v1/auth/me: the session's user, what they may do, and the CSRF token for state-changing requests. */
export type Me = {
  user: Account;
  organisation: { id: string; name: string; kind: string };
  role: { code: string; name: string };
  secondFactorRequired: boolean;
  secondFactorSatisfied: boolean;
  secondFactorEnrolled: boolean;
  totpEnabled: boolean;
  csrfToken: string;
  /** For every resource, each action and whether this session may do it now (all false before the second factor). */
  abilities: Partial<Record<Resource, Partial<Record<Action, boolean>>>>;
  /** The role's grants with their scopes: how far each ability reaches (empty before the second factor). */
  grants: Grant[];
};

/** POST /api/v1/auth/login. */
export type LoginResult = {
  user: Account;
  secondFactorRequired: boolean;
  secondFactorEnrolled: boolean;
  csrfToken: string;
};

/** POST /api/v1/auth/totp/setup: the secret to enter in an authenticator app, also as an otpauth:// URI. */
export type TotpSetup = { secret: string; otpauthUri: string };

/** POST /api/v1/auth/totp/confirm: the recovery codes, shown this once. */
export type TotpConfirmed = { recoveryCodes: string[] };

/** GET /api/v1/invitations/:token: who is invited, where, as what. */
export type InvitationView = {
  email: string;
  displayName: string;
  organisation: { id: string; name: string };
  role: { code: string; name: string; requiresSecondFactor: boolean };
  expiresAt: string;
};

export type OrganisationView = {
  id: string;
  name: string;
  kind: string;
  state: 'active' | 'archived';
  /** Withheld unless the role may see the organisation's accounts. */
  memberCount?: number;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
  abilities: { read?: boolean; update?: boolean; archive?: boolean };
};

export type OrganisationList = { items: OrganisationView[]; abilities: { create: boolean } };

export type RoleView = {
  code: string;
  name: string;
  description: string | null;
  builtin: boolean;
  grants: Grant[];
  requiresSecondFactor: boolean;
  /** Withheld unless the role may see every account. */
  memberCount?: number;
  createdAt: string;
  updatedAt: string;
  abilities: { update: boolean; remove: boolean };
};

export type RoleList = { items: RoleView[]; abilities: { create: boolean } };

/** GET /api/v1/access/catalogue: what a custom role can be made of. */
export type Catalogue = {
  resources: Array<{ resource: Resource; actions: Action[]; secondFactorFrom: Scope | null }>;
  scopes: Scope[];
};

export type UserStatus = 'invited' | 'active' | 'deactivated';

export type UserView = {
  id: string;
  /** Withheld from roles that cannot read accounts beyond their own (but the person's own). */
  email?: string;
  displayName: string;
  locale: string;
  status: UserStatus;
  role: { code: string; name: string };
  organisation: { id: string; name: string };
  /** Withheld like the email; null when never signed in. */
  lastLoginAt?: string | null;
  /** Withheld unless the role manages accounts (or it is the person's own). */
  totpEnabled?: boolean;
  createdAt: string;
  updatedAt: string;
  deactivatedAt: string | null;
  /** One account only, withheld like totpEnabled: until when an open invitation's link works, null when none. */
  invitationExpiresAt?: string | null;
  abilities: { update: boolean; deactivate: boolean; reactivate: boolean; reinvite: boolean };
};

export type UserPage = {
  items: UserView[];
  nextCursor: string | null;
  total: number;
  abilities: { invite: boolean };
};

/** The one-time link of an invitation, in the response that created it and nowhere else. */
export type IssuedInvitation = { id: string; expiresAt: string; link: string };

export type InvitedUser = { user: UserView; invitation: IssuedInvitation };

/** One entry of the audit trail (GET /api/v1/audit). */
export type AuditEvent = {
  seq: number;
  id: string;
  occurredAt: string;
  actorUserId: string | null;
  actorOrganisationId: string | null;
  actorRole: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  outcome: 'success' | 'failure' | 'denied' | string;
  /** Withheld unless the role reads the whole audit trail. */
  purpose?: string | null;
  /** Withheld unless the role reads the whole audit trail. */
  details?: Record<string, unknown> | null;
  hash: string;
};

export type AuditPage = { items: AuditEvent[]; nextCursor: string | null };

/** One of the signed-in person's own sessions (GET /api/v1/auth/sessions). */
export type OwnSession = {
  id: string;
  method: string;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string | null;
  current: boolean;
};

/** A live session as administrators see it (GET /api/v1/sessions). */
export type AdminSession = {
  id: string;
  /** The email is withheld as on the account itself. */
  user: { id: string; displayName: string; email?: string };
  organisation: { id: string; name: string };
  method: 'password' | 'passkey' | 'oidc';
  secondFactorSatisfied: boolean;
  /** Withheld unless it is one's own session or the role reads every session. */
  userAgent?: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  current: boolean;
  abilities: { end: boolean };
};

export type AdminSessionPage = { items: AdminSession[]; nextCursor: string | null };
