import { z } from 'zod';
import type {
  ImportReport,
  RollbackReport,
  SignalDetail,
  SignalListItem,
  BatchSummary,
} from './signals.service.ts';

export const importProblemSchema = z.object({
  line: z.number().int().describe('CSV line, spreadsheet row, or record position (0: the file as a whole)'),
  column: z.string().nullable(),
  value: z.string().nullable(),
  reason: z.string(),
});

export const importReportSchema = z.object({
  batchId: z.string().nullable().describe('null for a dry run'),
  dryRun: z.boolean(),
  fileHash: z.string().describe('sha256 of the file, hex'),
  totalRows: z.number().int(),
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
  errors: z.array(importProblemSchema),
});

export function presentImportReport(r: ImportReport): z.infer<typeof importReportSchema> {
  return {
    batchId: r.batchId,
    dryRun: r.dryRun,
    fileHash: r.fileHash,
    totalRows: r.totalRows,
    inserted: r.inserted,
    updated: r.updated,
    unchanged: r.unchanged,
    failed: r.failed,
    errors: r.errors.map((e) => ({ line: e.line, column: e.column, value: e.value, reason: e.reason })),
  };
}

const codeName = z.object({ code: z.string(), name: z.string() });

export const signalListItemSchema = z.object({
  id: z.string(),
  externalId: z.string(),
  source: codeName,
  occurredAt: z.string().describe('ISO date-time (UTC) when the time is known, otherwise the date'),
  occurredOn: z.string().describe('Local calendar date, YYYY-MM-DD'),
  area: codeName.nullable().describe('null: city-wide'),
  labels: z.array(z.string()),
  severity: z.number().int().nullable(),
});

export function presentSignalListItem(s: SignalListItem): z.infer<typeof signalListItemSchema> {
  return {
    id: s.id,
    externalId: s.externalId,
    source: { code: s.sourceCode, name: s.sourceName },
    occurredAt: s.occurredAt,
    occurredOn: s.occurredOn,
    area: s.areaCode !== null && s.areaName !== null ? { code: s.areaCode, name: s.areaName } : null,
    labels: s.labels,
    severity: s.severity,
  };
}

export const signalDetailSchema = signalListItemSchema.extend({
  description: z.string().nullable().describe('Free text from the provider; staff only'),
  extra: z.record(z.string(), z.unknown()).nullable(),
  lon: z.number().nullable(),
  lat: z.number().nullable(),
  batchId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function presentSignalDetail(s: SignalDetail): z.infer<typeof signalDetailSchema> {
  return {
    ...presentSignalListItem(s),
    description: s.description,
    extra: s.extra === null ? null : (JSON.parse(s.extra) as Record<string, unknown>),
    lon: s.lon,
    lat: s.lat,
    batchId: s.batchId,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

export const batchSchema = z.object({
  id: z.string(),
  source: codeName,
  fileName: z.string(),
  fileHash: z.string(),
  format: z.string(),
  status: z.enum(['committed', 'rolled_back']),
  totalRows: z.number().int(),
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  createdAt: z.string(),
  rolledBackAt: z.string().nullable(),
});

export function presentBatch(b: BatchSummary): z.infer<typeof batchSchema> {
  return {
    id: b.id,
    source: { code: b.sourceCode, name: b.sourceName },
    fileName: b.fileName,
    fileHash: b.fileHash,
    format: b.format,
    status: b.rolledBackAt ? 'rolled_back' : 'committed',
    totalRows: b.totalRows,
    inserted: b.inserted,
    updated: b.updated,
    unchanged: b.unchanged,
    createdAt: b.createdAt,
    rolledBackAt: b.rolledBackAt,
  };
}

export const rollbackReportSchema = z.object({
  batchId: z.string(),
  deleted: z.number().int().describe('signals the import had inserted'),
  restored: z.number().int().describe('signals the import had updated, back to their previous state'),
});

export function presentRollbackReport(r: RollbackReport): z.infer<typeof rollbackReportSchema> {
  return { batchId: r.batchId, deleted: r.deleted, restored: r.restored };
}
