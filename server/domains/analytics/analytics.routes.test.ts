import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { fixedClock } from '../../platform/clock.ts';
import type { App } from '../../platform/http.ts';
import { buildSignedInApp } from '../../test/auth.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { LAST_WEEK, seedAnalyticsCity } from './analytics.fixtures.ts';
import { analyticsRoutes } from './analytics.routes.ts';
import { createAnalyticsRefresher } from './refresher.ts';
import { listAnalyticsRuns } from './analytics.service.ts';

const clock = fixedClock('2025-01-01T12:00:00Z');

describeEachDialect('analytics API', (ctx) => {
  let coordinator: App;
  let analyst: App;
  beforeAll(async () => {
    await seedAnalyticsCity(ctx.db, clock);
    const deps = { db: ctx.db, config: loadConfig({}), clock };
    coordinator = await buildSignedInApp(deps, { logger: false, modules: [analyticsRoutes] });
    analyst = await buildSignedInApp(deps, { logger: false, modules: [analyticsRoutes] }, 'analyst');
  });
  afterAll(async () => {
    await coordinator.close();
    await analyst.close();
  });

  it('recomputes on request and lists alarms linking to the signals only for roles that may read them', async () => {
    const run = await coordinator.inject({ method: 'POST', url: '/api/v1/analytics/recompute' });
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({ skipped: false, grains: { week: { periods: 300 } } });

    const url = `/api/v1/analytics/alarms?grain=week&area=A1&label=*&from=${LAST_WEEK}&method=ears_c1`;
    const mine = await coordinator.inject(url);
    expect(mine.statusCode).toBe(200);
    const [alarm] = mine.json().items;
    expect(alarm).toMatchObject({ method: 'ears_c1', area: 'A1', label: '*', period: LAST_WEEK });
    expect(alarm.signalsHref).toBe(`/api/v1/signals?from=${LAST_WEEK}&to=${alarm.periodEnd}&area=A1`);
    const theirs = await analyst.inject(url);
    expect(theirs.json().items[0].signalsHref).toBeNull();

    const runs = await coordinator.inject('/api/v1/analytics/runs');
    expect(runs.json().items[0]).toMatchObject({ reason: 'manual', status: 'ok' });
  });

  it('pages alarms with a cursor', async () => {
    const first = (await coordinator.inject('/api/v1/analytics/alarms?limit=2')).json();
    expect(first.items.length).toBe(2);
    const second = (
      await coordinator.inject(`/api/v1/analytics/alarms?limit=2&cursor=${first.nextCursor}`)
    ).json();
    expect(second.items[0].id).not.toBe(first.items[1].id);
    expect(second.items[0].period <= first.items[1].period).toBe(true);
  });

  it.each([
    ['/api/v1/analytics/hotspots?from=2024-02-01&to=2024-01-01', 400],
    ['/api/v1/analytics/hotspots?measure=median', 400],
    ['/api/v1/analytics/hotspots?permutations=5', 400],
    ['/api/v1/analytics/rates?label=no.such.term', 404],
    ['/api/v1/analytics/indices?key=nope', 404],
    ['/api/v1/analytics/alarms?method=ears_c9', 400],
    ['/api/v1/analytics/events/not-a-uuid/impact', 400],
  ])('answers %s with %i', async (url, status) => {
    expect((await coordinator.inject(url)).statusCode).toBe(status);
  });

  it('narrows rates, hotspots, indices and gaps to the areas asked for, computed over every area', async () => {
    const all = (await coordinator.inject('/api/v1/analytics/hotspots?measure=count')).json();
    const two = (await coordinator.inject('/api/v1/analytics/hotspots?measure=count&area=C3&area=A1')).json();
    expect(two.areas.map((a: { code: string }) => a.code)).toEqual(['A1', 'C3']);
    expect(two.areas[1].z).toBe(all.areas.find((a: { code: string }) => a.code === 'C3').z);
    const rates = (await coordinator.inject('/api/v1/analytics/rates?area=B2')).json();
    expect(rates.areas.map((a: { code: string }) => a.code)).toEqual(['B2']);
    const indices = (await coordinator.inject('/api/v1/analytics/indices?runs=50&area=B2')).json();
    for (const index of indices.indices)
      if (index.areas) expect(index.areas.map((a: { code: string }) => a.code)).toEqual(['B2']);
    const gaps = (await coordinator.inject('/api/v1/analytics/gaps?label=bias.antisemitism&area=E5')).json();
    expect(gaps.gaps.map((g: { area: string }) => g.area)).toEqual(['E5']);
    expect((await coordinator.inject('/api/v1/analytics/rates?area=Z9')).statusCode).toBe(404);
  });

  it('serves hotspots, rates, indices and gaps for a period', async () => {
    const hot = await coordinator.inject('/api/v1/analytics/hotspots?measure=count&permutations=99&seed=7');
    expect(hot.statusCode).toBe(200);
    const body = hot.json();
    expect(body.areas.find((a: { code: string }) => a.code === 'C3')).toMatchObject({ direction: 'hot' });
    expect(body.areas.every((a: { permutationP: number }) => a.permutationP > 0 && a.permutationP <= 1)).toBe(
      true,
    );
    const again = (
      await coordinator.inject('/api/v1/analytics/hotspots?measure=count&permutations=99&seed=7')
    ).json();
    expect(again.areas.map((a: { permutationP: number }) => a.permutationP)).toEqual(
      body.areas.map((a: { permutationP: number }) => a.permutationP),
    );
    for (const url of [
      '/api/v1/analytics/rates?label=bias.antisemitism',
      '/api/v1/analytics/indices?runs=50',
      '/api/v1/analytics/gaps',
    ]) {
      expect((await coordinator.inject(url)).statusCode).toBe(200);
    }
  });

  it('lets a coordinator change an index definition, refusing an invalid one with every problem', async () => {
    const bad = await coordinator.inject({
      method: 'PUT',
      url: '/api/v1/analytics/index-definitions/threat',
      payload: {
        name: 'Threat',
        spec: { indicators: [], outliers: 'none', normalisation: 'cube', aggregation: 'arithmetic' },
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_FAILED');
    expect(
      bad
        .json()
        .errors.map((d: { parameter: string }) => d.parameter)
        .sort(),
    ).toEqual(['spec.indicators', 'spec.normalisation']);
    const spec = {
      indicators: [
        {
          key: 'all',
          label: 'All signals',
          weight: 1,
          direction: 1,
          source: { kind: 'signals', label: '*', measure: 'count' },
        },
      ],
      outliers: 'none',
      normalisation: 'rank',
      aggregation: 'arithmetic',
    };
    const ok = await coordinator.inject({
      method: 'PUT',
      url: '/api/v1/analytics/index-definitions/threat',
      payload: { name: 'Threat (counts)', spec },
    });
    expect(ok.statusCode).toBe(200);
    const list = (await coordinator.inject('/api/v1/analytics/index-definitions')).json();
    expect(list.items.find((d: { key: string }) => d.key === 'threat')).toMatchObject({
      name: 'Threat (counts)',
      spec,
    });
  });

  it('registers, changes, archives trigger events and shows their impact', async () => {
    const bad = await coordinator.inject({
      method: 'POST',
      url: '/api/v1/analytics/events',
      payload: { name: 'x', kind: 'party', occurredOn: '2024-09-18' },
    });
    expect(bad.statusCode).toBe(400);
    const unknownArea = await coordinator.inject({
      method: 'POST',
      url: '/api/v1/analytics/events',
      payload: { name: 'x', kind: 'attack', occurredOn: '2024-09-18', areaCode: 'Z9' },
    });
    expect(unknownArea.statusCode).toBe(400);
    const created = await coordinator.inject({
      method: 'POST',
      url: '/api/v1/analytics/events',
      payload: { name: 'Election day', kind: 'election', occurredOn: '2024-10-21' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    const changed = await coordinator.inject({
      method: 'PATCH',
      url: `/api/v1/analytics/events/${id}`,
      payload: { description: 'Federal' },
    });
    expect(changed.json()).toMatchObject({ name: 'Election day', description: 'Federal' });
    const impact = await coordinator.inject(
      `/api/v1/analytics/events/${id}/impact?weeks=3&label=bias.antisemitism`,
    );
    expect(impact.statusCode).toBe(200);
    expect(impact.json().rows[0]).toMatchObject({ area: '*', label: '*' });
    expect(new Set(impact.json().rows.map((r: { label: string }) => r.label))).toEqual(
      new Set(['*', 'bias.antisemitism']),
    );
    // An analyst may register events too; a missing one is 404.
    const missing = await analyst.inject(
      `/api/v1/analytics/events/0190a000-0000-7000-8000-000000000000/impact`,
    );
    expect(missing.statusCode).toBe(404);
    await coordinator.inject({ method: 'POST', url: `/api/v1/analytics/events/${id}/archive` });
    const listed = (await coordinator.inject('/api/v1/analytics/events')).json();
    expect(listed.items.map((e: { id: string }) => e.id)).not.toContain(id);
    const all = (await coordinator.inject('/api/v1/analytics/events?includeArchived=true')).json();
    expect(all.items.map((e: { id: string }) => e.id)).toContain(id);
  });

  describe('the refresher', () => {
    it('coalesces requests into runs after the change, and skips scheduled checks when nothing changed', async () => {
      const before = (await listAnalyticsRuns(ctx.db)).length;
      const errors: unknown[] = [];
      const refresher = createAnalyticsRefresher(ctx.db, clock, {
        intervalMinutes: 0,
        onError: (e) => errors.push(e),
      });
      refresher.request('import');
      refresher.request('import');
      refresher.request('schedule');
      await refresher.settle();
      refresher.request('schedule');
      await refresher.settle();
      refresher.stop();
      expect(errors).toEqual([]);
      const runs = await listAnalyticsRuns(ctx.db);
      // The first request runs at once, the two after it coalesce into one more; the last check finds no change.
      expect(runs.length - before).toBe(2);
    });
  });
});
