import {
  DEFAULT_MONITOR,
  METHODS,
  firstEvaluatedIndex,
  buildSeries,
  watchedSeries,
  type MonitorOptions,
} from '../../../core/analytics/monitor.ts';
import { periodAxis, type Grain } from '../../../core/analytics/periods.ts';
import type { Db } from '../../db/database.ts';
import type { AnalyticsSeriesTable } from '../../db/schema.ts';
import { appendAudit, type AuditActor } from '../../platform/audit/audit.ts';
import { isoNow, type Clock } from '../../platform/clock.ts';
import { newId } from '../../platform/ids.ts';
import {
  findDataVersion,
  findLastRun,
  listRollupCells,
  replaceSeriesStates,
  saveAlarms,
  type ComputedAlarm,
} from './analytics.repository.ts';
import { monitorSeries } from './monitor-pool.ts';

export type RecomputeReason = 'import' | 'rollback' | 'schedule' | 'manual' | 'startup';

export type RecomputeOptions = {
  reason: RecomputeReason;
  /** Skip when nothing changed since the last successful run (scheduled runs). */
  onlyIfChanged?: boolean;
  monitor?: Partial<Record<Grain, Partial<MonitorOptions>>>;
};

export type RecomputeSummary = {
  runId: string | null;
  skipped: boolean;
  dataUntil: string | null;
  grains: Record<
    Grain,
    { periods: number; series: number; watched: number; alarms: number; notConverged: number }
  >;
  alarms: { raised: number; refreshed: number; withdrawn: number };
  ms: { read: number; compute: number; write: number };
};

/**
 * Recomputes the early warning from the rollups: builds every (area, label) series and the whole-city ones, runs
 * EARS and Farrington on the latest periods, and stores the alarms and each series' latest state in one
 * transaction with its audit entry. Runs after each import and rollback, on a schedule, and on request.
 */
export async function recomputeAnalytics(
  db: Db,
  clock: Clock,
  actor: AuditActor | null,
  options: RecomputeOptions,
): Promise<RecomputeSummary> {
  const started = isoNow(clock);
  try {
    return await recompute(db, clock, actor, options, started);
  } catch (e) {
    // A failed run is recorded (what failed and when), so the console can show it; the error still propagates.
    await db.kysely
      .insertInto('analyticsRun')
      .values({
        id: newId(),
        reason: options.reason,
        startedAt: started,
        finishedAt: isoNow(clock),
        status: 'failed',
        dataVersion: '',
        dataUntil: null,
        summary: null,
        error: e instanceof Error ? e.message.slice(0, 2000) : String(e).slice(0, 2000),
      })
      .execute()
      .catch(() => undefined);
    throw e;
  }
}

async function recompute(
  db: Db,
  clock: Clock,
  actor: AuditActor | null,
  options: RecomputeOptions,
  started: string,
): Promise<RecomputeSummary> {
  const dataVersion = await findDataVersion(db.kysely);
  const empty = { periods: 0, series: 0, watched: 0, alarms: 0, notConverged: 0 };
  const summary: RecomputeSummary = {
    runId: null,
    skipped: false,
    dataUntil: null,
    grains: { week: { ...empty }, month: { ...empty } },
    alarms: { raised: 0, refreshed: 0, withdrawn: 0 },
    ms: { read: 0, compute: 0, write: 0 },
  };
  if (options.onlyIfChanged) {
    const last = await findLastRun(db.kysely, 'ok');
    if (last?.dataVersion === dataVersion) return { ...summary, skipped: true, dataUntil: last.dataUntil };
  }

  const alarms: ComputedAlarm[] = [];
  const states: AnalyticsSeriesTable[] = [];
  const evaluated: Array<{ grain: Grain; method: string; fromPeriod: string }> = [];
  const runId = newId();
  let readMs = 0;
  let computeMs = 0;
  for (const grain of ['week', 'month'] as const) {
    const r0 = performance.now();
    const cells = await listRollupCells(db, grain);
    readMs += performance.now() - r0;
    if (cells.length === 0) {
      // Nothing left to evaluate (every batch rolled back): every standing alarm of this grain is withdrawn.
      for (const method of METHODS) evaluated.push({ grain, method, fromPeriod: '' });
      continue;
    }
    const c0 = performance.now();
    let first = cells[0]!.period;
    let last = first;
    for (const c of cells) {
      if (c.period < first) first = c.period;
      if (c.period > last) last = c.period;
    }
    const axis = periodAxis(grain, first, last);
    const opts = { ...DEFAULT_MONITOR[grain], ...options.monitor?.[grain] };
    const all = buildSeries(cells, axis);
    const watched = watchedSeries(all, opts);
    const result = await monitorSeries(watched, opts);
    for (const method of opts.methods) {
      evaluated.push({ grain, method, fromPeriod: axis[firstEvaluatedIndex(method, axis.length, opts)]! });
    }
    for (const a of result.alarms) {
      alarms.push({
        method: a.method,
        grain,
        areaKey: a.areaKey,
        termCode: a.termCode,
        period: axis[a.index]!,
        observed: a.observed,
        expected: a.expected ?? 0,
        upperbound: a.upperbound ?? 0,
      });
    }
    for (const e of result.latest) {
      states.push({
        method: e.method,
        grain,
        areaKey: e.areaKey,
        termCode: e.termCode,
        period: axis[e.index]!,
        observed: e.observed,
        expected: e.expected,
        upperbound: e.upperbound,
        alarm: e.alarm ? 1 : 0,
        converged: e.converged ? 1 : 0,
        warning: e.warning,
        runId,
      });
    }
    summary.grains[grain] = {
      periods: axis.length,
      series: all.length,
      watched: watched.length,
      alarms: result.alarms.length,
      notConverged: result.notConverged,
    };
    computeMs += performance.now() - c0;
  }
  summary.dataUntil = evaluated.length > 0 ? await findLastSignalDay(db) : null;
  summary.ms.read = Math.round(readMs);
  summary.ms.compute = Math.round(computeMs);

  const w0 = performance.now();
  summary.runId = runId;
  summary.alarms = await db.kysely.transaction().execute(async (trx) => {
    const now = isoNow(clock);
    const saved = await saveAlarms(trx, alarms, evaluated, { id: runId, now, newId });
    await replaceSeriesStates(trx, db.dialect, states);
    await trx
      .insertInto('analyticsRun')
      .values({
        id: runId,
        reason: options.reason,
        startedAt: started,
        finishedAt: now,
        status: 'ok',
        dataVersion,
        dataUntil: summary.dataUntil,
        summary: JSON.stringify({
          grains: summary.grains,
          alarms: saved,
          ms: { read: summary.ms.read, compute: summary.ms.compute },
        }),
        error: null,
      })
      .execute();
    await appendAudit(
      trx,
      {
        action: 'analytics.recompute',
        outcome: 'success',
        actor,
        resourceType: 'analytics_run',
        resourceId: runId,
        details: { reason: options.reason, ...saved },
      },
      clock,
    );
    return saved;
  });
  summary.ms.write = Math.round(performance.now() - w0);
  return summary;
}

/** The last day with a signal (an index seek): the week and month containing it are the latest evaluated. */
async function findLastSignalDay(db: Db): Promise<string | null> {
  const row = await db.kysely
    .selectFrom('signal')
    .select((eb) => eb.fn.max('occurredOn').as('last'))
    .executeTakeFirst();
  return row?.last ?? null;
}
