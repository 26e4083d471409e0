import { rateRatio } from '../../../core/analytics/rate-ratio.ts';
import { CITY } from '../../../core/analytics/monitor.ts';
import { addDays, weekStart } from '../../../core/analytics/periods.ts';
import type { Db } from '../../db/database.ts';
import type { TriggerEventTable } from '../../db/schema.ts';
import { appendAudit, type AuditActor } from '../../platform/audit/audit.ts';
import { isoNow, type Clock } from '../../platform/clock.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { listRolledUpTerms, listRollupsInRange } from './analytics.repository.ts';

/**
 * Trigger events (an attack, an election, an international crisis) and their impact: incident rates in the weeks
 * after the event against the weeks before, per area and label, as a rate ratio with an exact confidence interval —
 * the spike bulletins hate-incident services otherwise write by hand.
 */

export const EVENT_KINDS = [
  'attack',
  'election',
  'international_crisis',
  'local_tension',
  'policy',
  'other',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export type TriggerEvent = TriggerEventTable;
export type TriggerEventInput = {
  name: string;
  kind: EventKind;
  occurredOn: string;
  areaCode?: string | null | undefined;
  description?: string | null | undefined;
};

async function checkArea(db: Db, code: string | null | undefined): Promise<void> {
  if (!code) return;
  const row = await db.kysely.selectFrom('area').select('id').where('code', '=', code).executeTakeFirst();
  if (!row) {
    throw new AppError('VALIDATION_FAILED', `Area not found: ${code}`, [
      { parameter: 'areaCode', value: code, reason: 'no such area' },
    ]);
  }
}

export async function listTriggerEvents(
  db: Db,
  options: { includeArchived?: boolean } = {},
): Promise<TriggerEvent[]> {
  let q = db.kysely
    .selectFrom('triggerEvent')
    .selectAll()
    .orderBy('occurredOn', 'desc')
    .orderBy('id', 'desc');
  if (!options.includeArchived) q = q.where('archivedAt', 'is', null);
  return q.limit(500).execute();
}

export async function getTriggerEvent(db: Db, id: string): Promise<TriggerEvent> {
  const row = await db.kysely.selectFrom('triggerEvent').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Trigger event');
  return row;
}

export async function createTriggerEvent(
  db: Db,
  input: TriggerEventInput,
  clock: Clock,
  actor: AuditActor | null,
): Promise<TriggerEvent> {
  await checkArea(db, input.areaCode);
  const now = isoNow(clock);
  const row: TriggerEvent = {
    id: newId(),
    name: input.name,
    kind: input.kind,
    occurredOn: input.occurredOn,
    areaCode: input.areaCode ?? null,
    description: input.description ?? null,
    createdBy: actor?.userId ?? null,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  return db.kysely.transaction().execute(async (trx) => {
    await trx.insertInto('triggerEvent').values(row).execute();
    await appendAudit(
      trx,
      {
        action: 'trigger_event.create',
        outcome: 'success',
        actor,
        resourceType: 'trigger_event',
        resourceId: row.id,
        details: { kind: row.kind, occurredOn: row.occurredOn },
      },
      clock,
    );
    return row;
  });
}

export async function updateTriggerEvent(
  db: Db,
  id: string,
  input: Partial<TriggerEventInput> & { archived?: boolean | undefined },
  clock: Clock,
  actor: AuditActor | null,
): Promise<TriggerEvent> {
  await checkArea(db, input.areaCode);
  const now = isoNow(clock);
  return db.kysely.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('triggerEvent').selectAll().where('id', '=', id).executeTakeFirst();
    if (!before) throw notFound('Trigger event');
    const changes: Partial<TriggerEvent> = { updatedAt: now };
    if (input.name !== undefined) changes.name = input.name;
    if (input.kind !== undefined) changes.kind = input.kind;
    if (input.occurredOn !== undefined) changes.occurredOn = input.occurredOn;
    if (input.areaCode !== undefined) changes.areaCode = input.areaCode;
    if (input.description !== undefined) changes.description = input.description;
    if (input.archived !== undefined) changes.archivedAt = input.archived ? (before.archivedAt ?? now) : null;
    await trx.updateTable('triggerEvent').set(changes).where('id', '=', id).execute();
    await appendAudit(
      trx,
      {
        action: input.archived === true ? 'trigger_event.archive' : 'trigger_event.update',
        outcome: 'success',
        actor,
        resourceType: 'trigger_event',
        resourceId: id,
        details: { fields: Object.keys(changes).filter((k) => k !== 'updatedAt') },
      },
      clock,
    );
    return { ...before, ...changes };
  });
}

export type ImpactRow = {
  areaKey: string;
  termCode: string;
  beforeCount: number;
  afterCount: number;
  ratio: number | null;
  lower: number;
  upper: number | null;
  pValue: number;
  significant: boolean;
};

/**
 * Rates before and after an event: `weeks` whole ISO weeks before the event's week against the event's week and
 * the `weeks − 1` after it, per area ('*' = the whole city) and label ('*' = every signal). Every area is shown even
 * for an event tied to one (spill-over elsewhere is part of the picture). Rows where both windows are empty are left
 * out; the whole-city rows come first.
 */
export async function getEventImpact(
  db: Db,
  id: string,
  options: { weeks?: number | undefined; labels?: string[] | undefined; confidence?: number | undefined },
) {
  const event = await getTriggerEvent(db, id);
  const weeks = options.weeks ?? 4;
  const confidence = options.confidence ?? 0.95;
  const eventWeek = weekStart(event.occurredOn);
  const beforeFrom = addDays(eventWeek, -7 * weeks);
  const afterTo = addDays(eventWeek, 7 * (weeks - 1));
  const labels = options.labels?.length
    ? ['*', ...options.labels.filter((l) => l !== '*')]
    : ['*', ...(await listRolledUpTerms(db.kysely)).map((t) => t.termCode).filter((t) => t !== '*')];
  const sums = new Map<string, { before: number; after: number }>();
  const bump = (areaKey: string, termCode: string, after: boolean, n: number) => {
    const key = `${areaKey}\u0000${termCode}`;
    let s = sums.get(key);
    if (!s) sums.set(key, (s = { before: 0, after: 0 }));
    if (after) s.after += n;
    else s.before += n;
  };
  for (const r of await listRollupsInRange(db.kysely, 'week', beforeFrom, afterTo, labels)) {
    const after = r.period >= eventWeek;
    if (r.areaKey !== '') bump(r.areaKey, r.termCode, after, r.count);
    bump(CITY, r.termCode, after, r.count);
  }
  const days = 7 * weeks;
  const rows: ImpactRow[] = [];
  for (const [key, s] of sums) {
    if (s.before === 0 && s.after === 0) continue;
    const [areaKey, termCode] = key.split('\u0000') as [string, string];
    const rr = rateRatio(
      { beforeCount: s.before, beforeDays: days, afterCount: s.after, afterDays: days },
      confidence,
    );
    rows.push({
      areaKey,
      termCode,
      beforeCount: s.before,
      afterCount: s.after,
      ratio: rr.ratio,
      lower: rr.lower,
      upper: rr.upper,
      pValue: rr.pValue,
      significant: rr.pValue < 1 - confidence,
    });
  }
  // A ratio with no signals before the event is unbounded: it sorts above every finite one.
  const ratioOf = (r: ImpactRow) => r.ratio ?? Number.MAX_VALUE;
  rows.sort(
    (a, b) =>
      Number(b.areaKey === CITY) - Number(a.areaKey === CITY) ||
      Number(b.significant) - Number(a.significant) ||
      ratioOf(b) - ratioOf(a) ||
      b.afterCount - a.afterCount ||
      (a.areaKey < b.areaKey ? -1 : a.areaKey > b.areaKey ? 1 : a.termCode < b.termCode ? -1 : 1),
  );
  return {
    event,
    weeks,
    confidence,
    before: { from: beforeFrom, to: addDays(eventWeek, -1) },
    after: { from: eventWeek, to: addDays(afterTo, 6) },
    rows,
  };
}
