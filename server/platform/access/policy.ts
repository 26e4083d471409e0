/**
 * The one declarative access policy: role × resource × action × scope × record state.
 * Route guards, services and repository queries all ask this module; nothing else decides who may do what.
 * Pure: no IO. Roles are rows (built-in ones seeded from BUILTIN_ROLES, custom ones made by administrators),
 * each holding a list of grants.
 */
import { z } from 'zod';

export const RESOURCES = [
  'area',
  'taxonomy',
  'source',
  'signal',
  'picture',
  'trigger_event',
  'organisation',
  'user',
  'role',
  'session',
  'audit',
] as const;
export type Resource = (typeof RESOURCES)[number];

export const ACTIONS = [
  'read',
  'create',
  'update',
  'archive',
  'import',
  'rollback',
  'export',
  'end',
] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * How far a grant reaches: `own` records the actor is (user, session) or created; `organisation` records of the
 * actor's organisation; `all` every record of the instance. Ordered from narrowest to widest.
 */
export const SCOPES = ['own', 'organisation', 'all'] as const;
export type Scope = (typeof SCOPES)[number];

export const grantSchema = z.object({
  resource: z.enum(RESOURCES),
  action: z.enum(ACTIONS),
  scope: z.enum(SCOPES),
});
export type Grant = z.infer<typeof grantSchema>;

/** The actions that make sense on each resource; a grant outside this table is refused when a role is saved. */
export const RESOURCE_ACTIONS: Record<Resource, readonly Action[]> = {
  area: ['read', 'import', 'update'],
  taxonomy: ['read', 'create', 'update', 'archive'],
  source: ['read', 'create', 'update', 'archive'],
  signal: ['read', 'import', 'rollback', 'export'],
  // update: configure the composite indices and ask for a recomputation of the analytics.
  picture: ['read', 'update', 'export'],
  trigger_event: ['read', 'create', 'update', 'archive'],
  organisation: ['read', 'create', 'update', 'archive'],
  user: ['read', 'create', 'update', 'archive'],
  role: ['read', 'create', 'update', 'archive'],
  session: ['read', 'end'],
  audit: ['read', 'export'],
};

/**
 * Resources whose records are, or can contain, personal data: signal free text (staff-only descriptions), other
 * people's accounts and sessions, the audit trail. A role with any grant on them must use a second factor.
 */
const PERSONAL_DATA: ReadonlySet<Resource> = new Set(['signal', 'user', 'session', 'audit']);

/**
 * Record states in which an action is allowed at all, whatever the grant. Absent = any state.
 * A deactivated account cannot be edited (only read); an archived organisation takes no new members.
 */
const STATE_RULES: Partial<Record<Resource, Partial<Record<Action, readonly string[]>>>> = {
  user: { update: ['invited', 'active'], archive: ['invited', 'active'] },
  organisation: { update: ['active'], archive: ['active'] },
  session: { end: ['active'] },
};

export type Actor = {
  userId: string;
  organisationId: string;
  roleCode: string;
  grants: readonly Grant[];
  sessionId: string;
};

/** The record an action is about, described only as far as the policy needs. */
export type RecordFacts = {
  /** The user the record belongs to (a user's own account, their session, what they created). */
  ownerUserId?: string | null;
  organisationId?: string | null;
  state?: string;
};

const scopeRank = (scope: Scope): number => SCOPES.indexOf(scope);

/** The widest scope at which the actor may do `action` on `resource`, or null when not at all. */
export function scopeFor(actor: Pick<Actor, 'grants'>, resource: Resource, action: Action): Scope | null {
  let best: Scope | null = null;
  for (const g of actor.grants) {
    if (
      g.resource === resource &&
      g.action === action &&
      (best === null || scopeRank(g.scope) > scopeRank(best))
    )
      best = g.scope;
  }
  return best;
}

function withinScope(actor: Actor, scope: Scope, record: RecordFacts): boolean {
  if (scope === 'all') return true;
  if (scope === 'organisation')
    return record.organisationId === actor.organisationId || record.ownerUserId === actor.userId;
  return record.ownerUserId === actor.userId;
}

/** Whether the actor may do `action` on `resource`, on one record when `record` is given. */
export function can(actor: Actor, resource: Resource, action: Action, record?: RecordFacts): boolean {
  const scope = scopeFor(actor, resource, action);
  if (scope === null) return false;
  if (!record) return true;
  const states = STATE_RULES[resource]?.[action];
  if (states && record.state !== undefined && !states.includes(record.state)) return false;
  return withinScope(actor, scope, record);
}

/** Every action on `resource` with whether the actor may do it (on `record` when given): sent beside the data. */
export function abilitiesFor(
  actor: Actor,
  resource: Resource,
  record?: RecordFacts,
): Partial<Record<Action, boolean>> {
  return Object.fromEntries(RESOURCE_ACTIONS[resource].map((a) => [a, can(actor, resource, a, record)]));
}

/**
 * The filter a list query must apply, derived from the actor's scope: repositories take one of these and cannot
 * be called without it. `none` means the actor may list nothing (the route answers 404 or an empty list).
 */
export type AccessFilter =
  | { kind: 'all' }
  | { kind: 'organisation'; organisationId: string; userId: string }
  | { kind: 'own'; userId: string }
  | { kind: 'none' };

export function accessFilter(actor: Actor, resource: Resource, action: Action = 'read'): AccessFilter {
  const scope = scopeFor(actor, resource, action);
  if (scope === null) return { kind: 'none' };
  if (scope === 'all') return { kind: 'all' };
  if (scope === 'organisation')
    return { kind: 'organisation', organisationId: actor.organisationId, userId: actor.userId };
  return { kind: 'own', userId: actor.userId };
}

/** Whether a role's grants reach personal data, which makes a second factor mandatory for its members. */
export function requiresSecondFactor(grants: readonly Grant[]): boolean {
  // One's own account and sessions are not someone else's personal data; a signal's free text always may be.
  return grants.some((g) => PERSONAL_DATA.has(g.resource) && (g.resource === 'signal' || g.scope !== 'own'));
}

/** Checks a custom role's grants against RESOURCE_ACTIONS; returns the problems, empty when valid. */
export function grantProblems(grants: readonly Grant[]): string[] {
  return grants
    .filter((g) => !RESOURCE_ACTIONS[g.resource].includes(g.action))
    .map((g) => `${g.resource} has no action ${g.action}`);
}

const every = (resource: Resource, scope: Scope = 'all'): Grant[] =>
  RESOURCE_ACTIONS[resource].map((action) => ({ resource, action, scope }));
const only = (resource: Resource, actions: readonly Action[], scope: Scope = 'all'): Grant[] =>
  actions.map((action) => ({ resource, action, scope }));
const selfService: Grant[] = [
  ...only('user', ['read', 'update'], 'own'),
  ...only('session', ['read', 'end'], 'own'),
];

export type BuiltinRole = { code: string; name: string; description: string; grants: Grant[] };

/**
 * The default roles. Separation of duties: administrators manage people and configuration but do not read the
 * audit trail; the data-protection officer reads and exports it but changes nothing.
 */
export const BUILTIN_ROLES: readonly BuiltinRole[] = [
  {
    code: 'city_admin',
    name: 'City administrator',
    description: 'Manages organisations, people, roles and sessions, and the city configuration.',
    grants: [
      ...every('area'),
      ...every('taxonomy'),
      ...every('source'),
      ...only('picture', ['read']),
      ...only('trigger_event', ['read']),
      ...every('organisation'),
      ...every('user'),
      ...every('role'),
      ...every('session'),
    ],
  },
  {
    code: 'prevention_coordinator',
    name: 'Prevention coordinator',
    description: 'Runs the neighbourhood picture: sources, imports, signals and their follow-up.',
    grants: [
      ...only('area', ['read', 'import', 'update']),
      ...every('taxonomy'),
      ...every('source'),
      ...every('signal'),
      ...every('picture'),
      ...every('trigger_event'),
      ...only('organisation', ['read']),
      ...only('user', ['read'], 'organisation'),
      ...only('role', ['read']),
      ...selfService,
    ],
  },
  {
    code: 'analyst',
    name: 'Analyst',
    description: 'Works with aggregated figures and imports data; does not read individual signals.',
    grants: [
      ...only('area', ['read', 'import']),
      ...only('taxonomy', ['read']),
      ...only('source', ['read']),
      ...every('picture'),
      ...every('trigger_event'),
      ...only('organisation', ['read']),
      ...selfService,
    ],
  },
  {
    code: 'practitioner',
    name: 'Practitioner',
    description: 'Front-line worker who reads the neighbourhood picture and individual signals.',
    grants: [
      ...only('area', ['read']),
      ...only('taxonomy', ['read']),
      ...only('source', ['read']),
      ...only('signal', ['read']),
      ...only('picture', ['read']),
      ...only('trigger_event', ['read']),
      ...only('organisation', ['read']),
      ...selfService,
    ],
  },
  {
    code: 'partner_member',
    name: 'Partner organisation member',
    description: 'Member of a partner organisation: sees the aggregated picture only.',
    grants: [
      ...only('area', ['read']),
      ...only('taxonomy', ['read']),
      ...only('picture', ['read']),
      ...only('trigger_event', ['read']),
      ...only('organisation', ['read'], 'organisation'),
      ...selfService,
    ],
  },
  {
    code: 'dpo_auditor',
    name: 'Data-protection officer / auditor',
    description: 'Reads and exports the audit trail, people and sessions; changes nothing.',
    grants: [
      ...every('audit'),
      ...only('user', ['read']),
      ...only('session', ['read']),
      ...only('organisation', ['read']),
      ...only('role', ['read']),
      ...only('user', ['update'], 'own'),
      ...only('session', ['end'], 'own'),
    ],
  },
];

/**
 * A list query's access scope, issued only by the policy for one resource. Repositories that list records take
 * this instead of a bare AccessFilter, so a list query cannot be written without asking the policy first: neither
 * leaving it out nor passing a hand-written `{ kind: 'all' }` typechecks.
 */
declare const issuedByPolicy: unique symbol;
export type ListScope<R extends Resource> = AccessFilter & {
  readonly resource: R;
  readonly [issuedByPolicy]: true;
};

export function listScope<R extends Resource>(
  actor: Actor,
  resource: R,
  action: Action = 'read',
): ListScope<R> {
  return { ...accessFilter(actor, resource, action), resource } as ListScope<R>;
}

/**
 * Who may see one field of a record, beyond being allowed to read the record: the person the record belongs to
 * (`owner`), or whoever holds one of `grants` at its scope or wider, with that grant reaching the record.
 */
export type FieldRule = { owner: boolean; grants: readonly Grant[]; why: string };

const grant = (resource: Resource, action: Action, scope: Scope): Grant => ({ resource, action, scope });

/**
 * The fields of each resource that not everyone who may read a record may see. A field not listed here is seen by
 * whoever may read the record; presenters still name every field they return. `why` is shown in the API docs.
 */
export const FIELD_RULES = {
  user: {
    email: {
      owner: true,
      grants: [grant('user', 'read', 'organisation')],
      why: 'a personal contact address: for the person and for those who look after people, not for whoever sees a name beside a session',
    },
    lastLoginAt: {
      owner: true,
      grants: [grant('user', 'read', 'organisation')],
      why: 'when someone last signed in traces their working pattern: for the person and for those who review accounts',
    },
    totpEnabled: {
      owner: true,
      grants: [grant('user', 'update', 'organisation')],
      why: 'who has no second factor tells an attacker whose password alone opens an account: for the person and account administrators',
    },
    invitationExpiresAt: {
      owner: true,
      grants: [grant('user', 'update', 'organisation')],
      why: 'whether a link that sets this account’s password still works is account administration: for the person and account administrators',
    },
  },
  session: {
    userAgent: {
      owner: true,
      grants: [grant('session', 'read', 'all')],
      why: 'the browser and system someone uses help fingerprint them: for the owner, and instance-wide session administrators spotting a stolen session',
    },
  },
  organisation: {
    memberCount: {
      owner: false,
      grants: [grant('user', 'read', 'organisation')],
      why: 'how many people a partner (a police unit, a faith group) has here is about those people: for those who may see their accounts',
    },
  },
  role: {
    memberCount: {
      owner: false,
      grants: [grant('user', 'read', 'all')],
      why: 'counts accounts in every organisation: for those who may see every account',
    },
  },
  source: {
    contactName: {
      owner: false,
      grants: [grant('source', 'update', 'all')],
      why: 'a named person at a provider: for those who manage providers, not for everyone who reads where data comes from',
    },
    contactEmail: {
      owner: false,
      grants: [grant('source', 'update', 'all')],
      why: 'a person’s work address at a provider: for those who manage providers, not for everyone who reads where data comes from',
    },
  },
  audit: {
    details: {
      owner: false,
      grants: [grant('audit', 'read', 'all')],
      why: 'the ids and codes of what was changed or read link an entry to people’s records: for instance-wide auditors only',
    },
    purpose: {
      owner: false,
      grants: [grant('audit', 'read', 'all')],
      why: 'free text typed when reading personal data may describe the case: for instance-wide auditors only',
    },
  },
} as const satisfies Partial<Record<Resource, Record<string, FieldRule>>>;

type FieldRules = typeof FIELD_RULES;
export type GuardedField<R extends Resource> = R extends keyof FieldRules
  ? Extract<keyof FieldRules[R], string>
  : never;

/** The rules of one resource, empty for a resource without guarded fields. */
export function fieldRules(resource: Resource): Readonly<Record<string, FieldRule>> {
  return (FIELD_RULES as Partial<Record<Resource, Record<string, FieldRule>>>)[resource] ?? {};
}

/** Which guarded fields of a resource the actor sees on one record, and which are left out. */
export type FieldAccess<R extends Resource> = {
  resource: R;
  visible: ReadonlySet<GuardedField<R>>;
  withheld: ReadonlySet<GuardedField<R>>;
};

function fieldVisible(actor: Actor, rule: FieldRule, record: RecordFacts | undefined): boolean {
  if (rule.owner && record?.ownerUserId != null && record.ownerUserId === actor.userId) return true;
  // Not the record's state: a deactivated account's email is as personal as an active one's.
  const where = record && { ownerUserId: record.ownerUserId, organisationId: record.organisationId };
  return rule.grants.some((g) => {
    const held = scopeFor(actor, g.resource, g.action);
    return (
      held !== null &&
      scopeRank(held) >= scopeRank(g.scope) &&
      (!where || can(actor, g.resource, g.action, where))
    );
  });
}

/**
 * The guarded fields of `resource` the actor may see on `record`. Without a record, a field counts as visible when
 * the actor holds a grant wide enough for it somewhere (owner rules need a record).
 */
export function visibleFields<R extends Resource>(
  actor: Actor,
  resource: R,
  record?: RecordFacts,
): FieldAccess<R> {
  const visible = new Set<GuardedField<R>>();
  const withheld = new Set<GuardedField<R>>();
  for (const [field, rule] of Object.entries(fieldRules(resource)))
    (fieldVisible(actor, rule, record) ? visible : withheld).add(field as GuardedField<R>);
  return { resource, visible, withheld };
}

/** A presented record with the resource's guarded fields optional: left out when withheld, never nulled. */
export type Presented<V, R extends Resource> = Omit<V, GuardedField<R>> &
  Partial<Pick<V, Extract<keyof V, GuardedField<R>>>>;

/**
 * A presenter's full view cut down to what the actor may see: a withheld field is absent, so "hidden" can never be
 * read as "no value" (null) by a client.
 */
export function pick<R extends Resource, V extends object>(
  view: V,
  allowed: FieldAccess<R>,
): Presented<V, R> {
  const withheld: ReadonlySet<string> = allowed.withheld;
  return Object.fromEntries(Object.entries(view).filter(([k]) => !withheld.has(k))) as Presented<V, R>;
}

/** A guarded field in a response schema: optional, and described with who may see it. */
export function guardedField<S extends z.ZodType, R extends Resource>(
  schema: S,
  resource: R,
  field: GuardedField<R>,
  about?: string,
): z.ZodOptional<S> {
  const rule = fieldRules(resource)[field];
  return schema
    .optional()
    .describe(`${about ? `${about}. ` : ''}Left out unless you may see it: ${rule?.why ?? 'see the policy'}`);
}
