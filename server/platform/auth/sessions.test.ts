import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { pictureRoutes } from '../../domains/picture/picture.routes.ts';
import { describeEachDialect } from '../../test/databases.ts';
import { signInAs } from '../../test/auth.ts';
import type { Clock } from '../clock.ts';
import type { App } from '../http.ts';

describeEachDialect('sessions', (ctx) => {
  let now = new Date('2026-01-05T09:00:00Z');
  const clock: Clock = { now: () => now };
  let app: App;
  beforeAll(async () => {
    app = await buildApp(
      { db: ctx.db, config: loadConfig({ SESSION_IDLE_MINUTES: '30', SESSION_ABSOLUTE_HOURS: '12' }), clock },
      { modules: [pictureRoutes], logger: false },
    );
  });
  afterAll(async () => app.close());
  const picture = (headers: Record<string, string>) => app.inject({ url: '/api/v1/picture/extent', headers });

  it('ends a session idle for 30 minutes, and keeps one used within them', async () => {
    const who = await signInAs(ctx.db, 'analyst', { clock });
    now = new Date(now.getTime() + 29 * 60_000);
    expect((await picture(who.headers)).statusCode).toBe(200);
    now = new Date(now.getTime() + 29 * 60_000);
    expect((await picture(who.headers)).statusCode).toBe(200);
    now = new Date(now.getTime() + 31 * 60_000);
    expect((await picture(who.headers)).statusCode).toBe(401);
    const row = await ctx.db.kysely
      .selectFrom('session')
      .select(['endedAt', 'endReason'])
      .where('id', '=', who.sessionId)
      .executeTakeFirstOrThrow();
    expect(row.endReason).toBe('idle');
  });

  it('ends any session 12 hours after sign-in, however active', async () => {
    const who = await signInAs(ctx.db, 'analyst', { clock });
    for (let i = 0; i < 12 * 3; i++) {
      now = new Date(now.getTime() + 20 * 60_000);
      const r = await picture(who.headers);
      if (i < 12 * 3 - 1) expect(r.statusCode).toBe(200);
      else expect(r.statusCode).toBe(401);
    }
  });

  it('demands a second factor the user set up even when the role does not require one', async () => {
    const who = await signInAs(ctx.db, 'analyst', { clock, mfaSatisfied: false });
    expect((await picture(who.headers)).statusCode).toBe(200);
    await ctx.db.kysely
      .updateTable('appUser')
      .set({ totpSecret: 'JBSWY3DPEHPK3PXP', totpEnabledAt: now.toISOString() })
      .where('id', '=', who.userId)
      .execute();
    const r = await picture(who.headers);
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('SECOND_FACTOR_REQUIRED');
  });

  it('ends the sessions of a user who is no longer active', async () => {
    const who = await signInAs(ctx.db, 'analyst', { clock });
    await ctx.db.kysely
      .updateTable('appUser')
      .set({ status: 'deactivated' })
      .where('id', '=', who.userId)
      .execute();
    expect((await picture(who.headers)).statusCode).toBe(401);
  });
});
