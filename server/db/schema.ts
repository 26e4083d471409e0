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
}

// Kept to make Generated available to later tables with database-side defaults.
export type { Generated };
