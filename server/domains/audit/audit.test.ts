import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { appendAudit } from '../../platform/audit/audit.ts';
import { fixedClock } from '../../platform/clock.ts';
import type { App } from '../../platform/http.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { buildSignedInApp, signInAs } from '../../test/auth.ts';
import { auditRoutes } from './audit.routes.ts';

const clock = fixedClock('2026-03-02T10:00:00Z');

describeEachDialect('audit search API', (ctx) => {
  let app: App & { signedIn: { userId: string } };
  beforeAll(async () => {
    app = await buildSignedInApp(
      { db: ctx.db, config: loadConfig({}), clock },
      { modules: [auditRoutes], logger: false },
      'dpo_auditor',
    );
    await ctx.db.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < 7; i++)
        await appendAudit(
          trx,
          {
            action: i % 2 ? 'auth.login' : 'source.update',
            outcome: i === 3 ? 'failure' : 'success',
            resourceType: i % 2 ? undefined : 'source',
            resourceId: i % 2 ? undefined : `=cmd|${i}`,
          },
          clock,
        );
    });
  });
  afterAll(async () => app.close());

  it('walks 401 → 400 → 403 → 200', async () => {
    expect((await app.inject({ url: '/api/v1/audit', headers: { cookie: '' } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v1/audit?outcome=maybe' })).statusCode).toBe(400);
    const analyst = await signInAs(ctx.db, 'analyst', { clock });
    const denied = await app.inject({ url: '/api/v1/audit', headers: analyst.headers });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('FORBIDDEN');
    expect((await app.inject({ url: '/api/v1/audit' })).statusCode).toBe(200);
  });

  it('filters by action prefix and outcome, pages newest first, and records the search itself', async () => {
    const logins = (await app.inject({ url: '/api/v1/audit?action=auth&limit=2' })).json();
    expect(logins.items.map((e: { action: string }) => e.action)).toEqual(['auth.login', 'auth.login']);
    expect(logins.items[0].seq).toBeGreaterThan(logins.items[1].seq);
    const next = (
      await app.inject({ url: `/api/v1/audit?action=auth.login&limit=2&cursor=${logins.nextCursor}` })
    ).json();
    expect(next.items).toHaveLength(1);
    expect(next.nextCursor).toBeNull();
    const failed = (await app.inject({ url: '/api/v1/audit?outcome=failure' })).json();
    expect(failed.items).toHaveLength(1);
    const searches = (await app.inject({ url: '/api/v1/audit?action=audit.search' })).json();
    expect(searches.items.length).toBeGreaterThanOrEqual(3);
    expect(searches.items[0]).toMatchObject({ actorUserId: app.signedIn.userId, actorRole: 'dpo_auditor' });
  });

  it('exports the same filters as CSV with a BOM and formula-looking cells neutralised', async () => {
    const r = await app.inject({ url: '/api/v1/audit/export.csv?resourceType=source' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/csv');
    expect(r.body.startsWith('\uFEFFseq,occurredAt')).toBe(true);
    const lines = r.body.trim().split('\r\n');
    expect(lines).toHaveLength(1 + 4);
    expect(lines[1]).toContain(`'=cmd|6`);
    const exports = (await app.inject({ url: '/api/v1/audit?action=audit.export' })).json();
    expect(exports.items[0].details).toEqual({ resourceType: 'source' });
  });
});
