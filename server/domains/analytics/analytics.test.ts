import { beforeAll, describe, expect, it } from 'vitest';
import { getisOrdGiStar } from '../../../core/analytics/gistar.ts';
import { periodEnd } from '../../../core/analytics/periods.ts';
import { fixedClock } from '../../platform/clock.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { loadAreaNeighbours } from '../areas/areas.service.ts';
import { rollbackBatch } from '../signals/signals.service.ts';
import { LAST_WEEK, gridCodes, seedAnalyticsCity } from './analytics.fixtures.ts';
import { countRollup, saveAlarms } from './analytics.repository.ts';
import { newId } from '../../platform/ids.ts';
import {
  getGaps,
  getHotspots,
  getIndices,
  getRates,
  listAlarms,
  listAnalyticsRuns,
  listSeriesStates,
} from './analytics.service.ts';
import { createTriggerEvent, getEventImpact, updateTriggerEvent } from './events.service.ts';
import { recomputeAnalytics } from './recompute.ts';

const clock = fixedClock('2025-01-01T12:00:00Z');

describeEachDialect('analytics on the rollups', (ctx) => {
  let outbreakBatchId = '';
  beforeAll(async () => {
    ({ outbreakBatchId } = await seedAnalyticsCity(ctx.db, clock));
  });

  describe('early warning', () => {
    it('raises EARS and Farrington alarms on the planted outbreak, each with expected, bound and observed', async () => {
      const s = await recomputeAnalytics(ctx.db, clock, null, { reason: 'manual' });
      expect(s.grains.week.periods).toBe(300);
      // Every area and the whole city, for every signal and per label.
      expect(s.grains.week.watched).toBeGreaterThan(25);
      const alarms = (
        await listAlarms(ctx.db, { grain: 'week', areas: ['A1'], labels: ['*'], includeWithdrawn: false })
      ).items;
      const methods = alarms
        .filter((a) => a.period === LAST_WEEK)
        .map((a) => a.method)
        .sort();
      expect(methods).toEqual(['ears_c1', 'ears_c2', 'ears_c3', 'farrington_classic', 'farrington_noufaily']);
      const observed = await countRollup(ctx.db.kysely, 'week', LAST_WEEK, 'A1', '*');
      for (const a of alarms.filter((x) => x.period === LAST_WEEK)) {
        expect(a.observed).toBe(observed);
        expect(a.observed).toBeGreaterThan(a.upperbound);
        expect(a.expected).toBeLessThan(a.upperbound);
        expect(a.periodEnd).toBe(periodEnd('week', LAST_WEEK));
      }
      // The whole city sees it too.
      const city = await listAlarms(ctx.db, {
        grain: 'week',
        areas: ['*'],
        labels: ['*'],
        methods: ['ears_c1'],
        includeWithdrawn: false,
      });
      expect(city.items.map((a) => a.period)).toContain(LAST_WEEK);
    });

    it("stores each series' latest state, with the fits that gave no bound reported rather than hidden", async () => {
      const states = await listSeriesStates(ctx.db, { grain: 'week', areas: ['A1'], labels: ['*'] });
      expect(states.map((s) => s.method).sort()).toEqual([
        'ears_c1',
        'ears_c2',
        'ears_c3',
        'farrington_classic',
        'farrington_noufaily',
      ]);
      expect(states.every((s) => s.period === LAST_WEEK && s.alarm === 1)).toBe(true);
      // A quiet area: Farrington's 5-in-4-weeks rule leaves no bound and no alarm, and says so.
      const quiet = await listSeriesStates(ctx.db, { grain: 'week', areas: ['E5'], labels: ['*'] });
      const farr = quiet.find((s) => s.method === 'farrington_noufaily');
      expect(farr).toMatchObject({ expected: null, upperbound: null, alarm: 0, converged: 1 });
    });

    it('keeps an alarm the data no longer supports, marked withdrawn, after a rollback', async () => {
      await rollbackBatch(ctx.db, outbreakBatchId, clock, null);
      const later = fixedClock('2025-01-02T12:00:00Z');
      const s = await recomputeAnalytics(ctx.db, later, null, { reason: 'rollback' });
      expect(s.alarms.withdrawn).toBeGreaterThanOrEqual(5);
      const open = await listAlarms(ctx.db, {
        grain: 'week',
        areas: ['A1'],
        labels: ['*'],
        from: LAST_WEEK,
        includeWithdrawn: false,
      });
      expect(open.items).toEqual([]);
      const all = await listAlarms(ctx.db, {
        grain: 'week',
        areas: ['A1'],
        labels: ['*'],
        from: LAST_WEEK,
        includeWithdrawn: true,
      });
      expect(all.items.length).toBe(5);
      expect(all.items.every((a) => a.withdrawnAt === '2025-01-02T12:00:00.000Z')).toBe(true);
    });

    it('records a failed run with its error and lets the error through', async () => {
      await expect(
        recomputeAnalytics(ctx.db, fixedClock('2025-01-03T12:00:00Z'), null, {
          reason: 'manual',
          monitor: { week: { earsMode: 'nonsense' as never } },
        }),
      ).rejects.toThrow();
      const [last] = await listAnalyticsRuns(ctx.db, 1);
      expect(last).toMatchObject({ status: 'failed', reason: 'manual' });
      expect(last!.error).toBeTruthy();
    });

    it('withdraws only what a method re-evaluated: an older Farrington alarm outlives an EARS-only window', async () => {
      const key = {
        grain: 'week',
        areaKey: 'Z9',
        termCode: '*',
        period: '2019-03-04',
        observed: 9,
        expected: 1,
        upperbound: 4,
      };
      const run = { id: 'run-a', now: '2025-01-05T00:00:00.000Z', newId };
      await ctx.db.kysely.transaction().execute(async (trx) => {
        await saveAlarms(
          trx,
          [
            { ...key, method: 'ears_c1' },
            { ...key, method: 'farrington_classic' },
          ],
          [],
          run,
        );
        await saveAlarms(
          trx,
          [],
          [
            { grain: 'week', method: 'ears_c1', fromPeriod: '2019-01-01' },
            { grain: 'week', method: 'farrington_classic', fromPeriod: '2019-06-01' },
          ],
          { ...run, id: 'run-b' },
        );
      });
      const rows = await listAlarms(ctx.db, { areas: ['Z9'], includeWithdrawn: true });
      expect(Object.fromEntries(rows.items.map((a) => [a.method, a.withdrawnAt]))).toEqual({
        ears_c1: '2025-01-05T00:00:00.000Z',
        farrington_classic: null,
      });
    });

    it('skips a scheduled run when nothing changed, and the audit trail records every run', async () => {
      const s = await recomputeAnalytics(ctx.db, clock, null, { reason: 'schedule', onlyIfChanged: true });
      expect(s.skipped).toBe(true);
      const audited = await ctx.db.kysely
        .selectFrom('auditEvent')
        .select('action')
        .where('action', '=', 'analytics.recompute')
        .execute();
      expect(audited.length).toBe(2);
    });
  });

  describe('spatial measures', () => {
    it('finds the C3 cluster as a Gi* hotspot, with the z-scores of the core engine on the same counts', async () => {
      const h = (await getHotspots(ctx.db, { label: '*', measure: 'count' }))!;
      expect(h.areas.map((a) => a.code)).toEqual(gridCodes);
      const { nb } = await loadAreaNeighbours(ctx.db);
      expect(nb.offsets[nb.n]).toBe(2 * (4 * 5 * 2 + 4 * 4 * 2)); // queen pairs in a 5 × 5 grid, both directions
      const z = getisOrdGiStar(
        h.areas.map((a) => a.value),
        nb,
      );
      h.areas.forEach((a, i) => expect(a.z).toBeCloseTo(z[i]!, 12));
      const c3 = h.areas.find((a) => a.code === 'C3')!;
      expect(c3).toMatchObject({ significant: true, direction: 'hot' });
      expect(
        h.areas.filter((a) => a.direction === 'hot').every((a) => ['B', 'C', 'D'].includes(a.code[0]!)),
      ).toBe(true);
      // Whole weeks: the 52 weeks ending with the last signal's week.
      expect(h.window).toEqual({ grain: 'week', from: '2023-10-02', to: periodEnd('week', LAST_WEEK) });
    });

    it('smooths a small area toward its prior so one signal does not top the map', async () => {
      const r = (await getRates(ctx.db, { label: 'bias.antisemitism', from: LAST_WEEK, to: LAST_WEEK }))!;
      const b2 = r.areas.find((a) => a.code === 'B2')!;
      for (const a of r.areas) {
        expect(a.ratePer10k).not.toBeNull();
        // Between the raw rate and the prior, never negative.
        const lo = Math.min(a.ratePer10k!, r.prior.mean);
        const hi = Math.max(a.ratePer10k!, r.prior.mean);
        expect(a.ebGlobalPer10k!).toBeGreaterThanOrEqual(lo - 1e-9);
        expect(a.ebGlobalPer10k!).toBeLessThanOrEqual(hi + 1e-9);
      }
      if (b2.count > 0) expect(b2.ebGlobalPer10k!).toBeLessThan(b2.ratePer10k!);
    });

    it('builds the indices traceably and reports indicators without data instead of using zeros', async () => {
      const result = (await getIndices(ctx.db, { runs: 60 }))!;
      const needs = result.indices.find((i) => i.key === 'needs')!;
      expect(needs.unavailable.map((u) => u.key)).toContain('youth_15_24_pct');
      expect(needs.excludedAreas).toEqual([]);
      expect(needs.areas).not.toBeNull();
      for (const a of needs.areas!) {
        const sum = a.indicators.reduce((s, i) => s + i.contribution, 0);
        expect(sum).toBeCloseTo(a.score, 9);
        expect(a.p05Rank).toBeLessThanOrEqual(a.medianRank);
        expect(a.medianRank).toBeLessThanOrEqual(a.p95Rank);
      }
      const threat = result.indices.find((i) => i.key === 'threat')!;
      const top = threat.areas!.find((a) => a.rank === 1)!;
      expect(['B', 'C', 'D'].includes(top.code[0]!)).toBe(true);
      const protective = result.indices.find((i) => i.key === 'protective')!;
      expect(protective.areas).toBeNull();
    });

    it('ranks coverage gaps from need and the provision recorded per area', async () => {
      const g = (await getGaps(ctx.db, { labels: ['bias.antisemitism'] }))!;
      expect(g.gaps.length).toBe(25);
      expect(g.gaps[0]!.rank).toBe(1);
      expect(g.provisionCategories).toEqual([]);
    });
  });

  describe('trigger events', () => {
    it('compares the weeks after an event with the weeks before, with an exact interval', async () => {
      const event = await createTriggerEvent(
        ctx.db,
        { name: 'Synthetic attack', kind: 'attack', occurredOn: '2024-09-18', areaCode: 'C3' },
        clock,
        null,
      );
      const impact = await getEventImpact(ctx.db, event.id, { weeks: 4 });
      expect(impact.before).toEqual({ from: '2024-08-19', to: '2024-09-15' });
      expect(impact.after).toEqual({ from: '2024-09-16', to: '2024-10-13' });
      const city = impact.rows[0]!;
      expect(city.areaKey).toBe('*');
      for (const r of impact.rows) {
        if (r.ratio !== null) {
          expect(r.lower).toBeLessThanOrEqual(r.ratio);
          if (r.upper !== null) expect(r.ratio).toBeLessThanOrEqual(r.upper);
        }
      }
      const archived = await updateTriggerEvent(ctx.db, event.id, { archived: true }, clock, null);
      expect(archived.archivedAt).not.toBeNull();
    });
  });
});
