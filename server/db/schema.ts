import type { Generated } from 'kysely';

/** Row types as Kysely sees them (camelCase; CamelCasePlugin maps to snake_case columns). Timestamps are ISO-8601 UTC text. */

export interface AreaTable {
  id: string;
  code: string;
  name: string;
  level: string;
  parentId: string | null;
  /** GeoJSON Polygon or MultiPolygon, exterior rings counter-clockwise (RFC 7946), as JSON text. */
  geometry: string;
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
  createdAt: string;
  updatedAt: string;
}

export interface AreaAttributeTable {
  areaId: string;
  key: string;
  value: number;
  source: string | null;
  updatedAt: string;
}

export interface SourceTable {
  id: string;
  code: string;
  name: string;
  kind: string;
  contactName: string | null;
  contactEmail: string | null;
  licence: string | null;
  method: string;
  url: string | null;
  cadence: string;
  /** The column mapping this provider's files use, as JSON text (see docs/importing.md). */
  mapping: string | null;
  notes: string | null;
  lastDeliveredAt: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

export interface TaxonomyTermTable {
  code: string;
  parentCode: string | null;
  facet: string;
  sortOrder: number;
  /** 1 when a city added the term; 0 for the default taxonomy shipped with Cohesion. */
  custom: number;
  retiredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TaxonomyLabelTable {
  termCode: string;
  locale: string;
  label: string;
  description: string | null;
  /** Set when the city wrote this label; null while it is the shipped default text, which upgrades may refresh. */
  editedAt: string | null;
}

export interface ImportBatchTable {
  id: string;
  sourceId: string;
  fileName: string;
  fileHash: string;
  format: string;
  status: string;
  totalRows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  failed: number;
  createdAt: string;
  rolledBackAt: string | null;
}

export interface SignalTable {
  id: string;
  sourceId: string;
  externalId: string;
  batchId: string;
  /** ISO date-time when known to the minute, otherwise the date alone. */
  occurredAt: string;
  /** YYYY-MM-DD, for range filters and rollups. */
  occurredOn: string;
  /** null = city-wide (the location is unknown or outside every area). */
  areaId: string | null;
  lon: number | null;
  lat: number | null;
  severity: number | null;
  /** Free text, staff-only. Never shown beyond the console, never logged. */
  description: string | null;
  /** Other mapped fields as a JSON object text. */
  extra: string | null;
  contentHash: string;
  createdAt: string;
  updatedAt: string;
}

export interface SignalLabelTable {
  signalId: string;
  termCode: string;
}

/**
 * What a batch changed, so the batch can be rolled back: one row per signal the batch updated, holding its previous
 * state (JSON) and the batch that wrote that state. Signals a batch inserted have no row: they are the ones whose
 * signal.batch_id is the batch and that it did not update (writing a million rows twice was the import's
 * largest cost).
 */
export interface SignalRevisionTable {
  batchId: string;
  signalId: string;
  previous: string | null;
  previousBatchId: string | null;
}

/** Counts per grain (week|month) × period start date × area ('' = city-wide) × term ('*' = any label). */
export interface SignalRollupTable {
  grain: string;
  period: string;
  areaKey: string;
  termCode: string;
  count: number;
}

export interface MetaTable {
  key: string;
  value: string;
}

// ---- Identity (migration 0002) ----

export interface OrganisationTable {
  id: string;
  name: string;
  kind: string;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

export interface RoleTable {
  code: string;
  name: string;
  description: string | null;
  /** JSON array of { resource, action, scope } grants. */
  grants: string;
  builtin: number;
  createdAt: string;
  updatedAt: string;
}

export interface AppUserTable {
  id: string;
  organisationId: string;
  roleCode: string;
  email: string;
  displayName: string;
  locale: string;
  passwordHash: string | null;
  passwordChangedAt: string | null;
  totpSecret: string | null;
  pendingTotpSecret: string | null;
  totpEnabledAt: string | null;
  totpLastStep: number | null;
  status: string;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
  deactivatedAt: string | null;
}

export interface InvitationTable {
  id: string;
  tokenHash: string;
  userId: string;
  invitedBy: string | null;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export interface SessionTable {
  id: string;
  tokenHash: string;
  userId: string;
  method: string;
  mfaSatisfied: number;
  csrfSecret: string;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
  reauthenticatedAt: string;
  absoluteExpiresAt: string;
  endedAt: string | null;
  endReason: string | null;
}

export interface RecoveryCodeTable {
  userId: string;
  codeHash: string;
  usedAt: string | null;
  createdAt: string;
}

export interface PasskeyTable {
  id: string;
  userId: string;
  name: string;
  publicKey: string;
  counter: number;
  transports: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface UserIdentityTable {
  issuer: string;
  subject: string;
  userId: string;
  createdAt: string;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  windowStartedAt: string;
  blockedUntil: string | null;
}

export interface AuditEventTable {
  seq: number;
  id: string;
  occurredAt: string;
  actorUserId: string | null;
  actorOrganisationId: string | null;
  actorRole: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  outcome: string;
  purpose: string | null;
  details: string | null;
  prevHash: string;
  hash: string;
}

export interface AuditCheckpointTable {
  seq: number;
  hash: string;
  signedAt: string;
  keyId: string;
  signature: string;
}

export interface AnalyticsRunTable {
  id: string;
  reason: string;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  dataVersion: string;
  dataUntil: string | null;
  summary: string | null;
  error: string | null;
}

export interface AnalyticsAlarmTable {
  id: string;
  method: string;
  grain: string;
  /** An area code, or '*' for the whole city. */
  areaKey: string;
  termCode: string;
  period: string;
  observed: number;
  expected: number;
  upperbound: number;
  firstRaisedAt: string;
  lastComputedAt: string;
  runId: string;
  withdrawnAt: string | null;
}

export interface AnalyticsSeriesTable {
  method: string;
  grain: string;
  areaKey: string;
  termCode: string;
  period: string;
  observed: number;
  expected: number | null;
  upperbound: number | null;
  alarm: number;
  converged: number;
  warning: string | null;
  runId: string;
}

export interface TriggerEventTable {
  id: string;
  name: string;
  kind: string;
  occurredOn: string;
  areaCode: string | null;
  description: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

export interface IndexDefinitionTable {
  key: string;
  name: string;
  spec: string;
  updatedAt: string;
}

export interface Database {
  area: AreaTable;
  areaAttribute: AreaAttributeTable;
  source: SourceTable;
  taxonomyTerm: TaxonomyTermTable;
  taxonomyLabel: TaxonomyLabelTable;
  importBatch: ImportBatchTable;
  signal: SignalTable;
  signalLabel: SignalLabelTable;
  signalRevision: SignalRevisionTable;
  signalRollup: SignalRollupTable;
  meta: MetaTable;
  organisation: OrganisationTable;
  role: RoleTable;
  appUser: AppUserTable;
  invitation: InvitationTable;
  session: SessionTable;
  recoveryCode: RecoveryCodeTable;
  passkey: PasskeyTable;
  userIdentity: UserIdentityTable;
  loginThrottle: LoginThrottleTable;
  auditEvent: AuditEventTable;
  auditCheckpoint: AuditCheckpointTable;
  analyticsRun: AnalyticsRunTable;
  analyticsAlarm: AnalyticsAlarmTable;
  analyticsSeries: AnalyticsSeriesTable;
  triggerEvent: TriggerEventTable;
  indexDefinition: IndexDefinitionTable;
}

// Kept to make Generated available to later tables with database-side defaults.
export type { Generated };
