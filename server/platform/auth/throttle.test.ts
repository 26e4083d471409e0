import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeEachDialect } from '../../test/databases.ts';
import type { Clock } from '../clock.ts';
import {
  DEFAULT_THROTTLE_RULES as RULES,
  THROTTLE_SECRET_FILE,
  attemptSubject,
  checkAttempt,
  clientNetwork,
  forgetDevices,
  loadThrottleSecret,
  pruneThrottle,
  recordFailure,
  recordSuccess,
  rememberDevice,
} from './throttle.ts';

const SECRET = Buffer.alloc(32, 7);

const movableClock = (iso: string) => {
  let now = new Date(iso);
  const clock: Clock = { now: () => now };
  return { clock, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
};

describe('client identity', () => {
  it('counts an IPv4 address, an IPv4-mapped address as itself, and IPv6 by its /64', () => {
    expect(clientNetwork('198.51.100.7')).toBe('198.51.100.7');
    expect(clientNetwork('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(clientNetwork('2001:db8:1:2::1')).toBe('2001:0db8:0001:0002::/64');
    expect(clientNetwork('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:0db8:0001:0002::/64');
    expect(clientNetwork('2001:db8:1:3::1')).not.toBe(clientNetwork('2001:db8:1:2::1'));
    expect(clientNetwork('::1')).toBe('0000:0000:0000:0000::/64');
  });

  it('keys never carry the address, the email or the device token, and depend on the instance secret', () => {
    const input = {
      userId: null,
      email: 'Someone@Example.org',
      clientAddress: '198.51.100.7',
      deviceToken: 'd'.repeat(43),
    };
    const s = attemptSubject(SECRET, input);
    const text = JSON.stringify(s);
    expect(text).not.toContain('198.51.100');
    expect(text.toLowerCase()).not.toContain('someone');
    expect(text).not.toContain('d'.repeat(10));
    expect(attemptSubject(SECRET, { ...input, email: ' someone@example.ORG ' })).toEqual(s);
    expect(attemptSubject(Buffer.alloc(32, 8), input).clientKey).not.toBe(s.clientKey);
    expect(attemptSubject(SECRET, { ...input, userId: 'u1' }).accountKey).toBe('account:u1');
  });

  it('keeps the per-instance secret in a 0600 file created once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-throttle-'));
    try {
      const a = loadThrottleSecret(dir);
      expect(a).toHaveLength(32);
      expect(fs.statSync(path.join(dir, THROTTLE_SECRET_FILE)).mode & 0o777).toBe(0o600);
      expect(loadThrottleSecret(dir).equals(a)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeEachDialect('login throttle', (ctx) => {
  const subject = (userId: string, address: string, deviceToken: string | null = null) =>
    attemptSubject(SECRET, { userId, email: `${userId}@example.org`, clientAddress: address, deviceToken });

  it('blocks an account after 10 failures from unknown devices, but not its known device', async () => {
    const time = movableClock('2025-05-01T08:00:00Z');
    const device = await rememberDevice(ctx.db.kysely, SECRET, 'victim', null, time.clock);
    for (let i = 0; i < RULES.accountLimit; i++) {
      const s = subject('victim', `198.51.100.${i + 1}`);
      const decision = await checkAttempt(ctx.db.kysely, s, time.clock);
      expect(decision).toEqual({ allowed: true, knownDevice: false });
      await recordFailure(ctx.db.kysely, s, { knownDevice: false }, time.clock);
    }
    expect(await checkAttempt(ctx.db.kysely, subject('victim', '198.51.100.200'), time.clock)).toEqual({
      allowed: false,
      retryAfterSeconds: RULES.blockMs / 1000,
      limitedBy: 'account',
    });
    // The owner's browser, from any address, including one the attackers used.
    expect(await checkAttempt(ctx.db.kysely, subject('victim', '198.51.100.1', device), time.clock)).toEqual({
      allowed: true,
      knownDevice: true,
    });
    // A device cookie known for another account counts for nothing here.
    const other = await rememberDevice(ctx.db.kysely, SECRET, 'someone-else', null, time.clock);
    expect(
      (await checkAttempt(ctx.db.kysely, subject('victim', '198.51.100.9', other), time.clock)).allowed,
    ).toBe(false);
  });

  it('lifts the block after 15 minutes and blocks again at the next failure inside the hour', async () => {
    const time = movableClock('2025-05-02T08:00:00Z');
    const s = subject('u-window', '203.0.113.5');
    for (let i = 0; i < RULES.accountLimit; i++)
      await recordFailure(
        ctx.db.kysely,
        subject('u-window', `203.0.113.${i + 10}`),
        { knownDevice: false },
        time.clock,
      );
    expect((await checkAttempt(ctx.db.kysely, s, time.clock)).allowed).toBe(false);
    time.advance(RULES.blockMs - 1000);
    expect(await checkAttempt(ctx.db.kysely, s, time.clock)).toMatchObject({
      allowed: false,
      retryAfterSeconds: 1,
    });
    time.advance(1000);
    expect((await checkAttempt(ctx.db.kysely, s, time.clock)).allowed).toBe(true);
    await recordFailure(ctx.db.kysely, s, { knownDevice: false }, time.clock);
    expect((await checkAttempt(ctx.db.kysely, s, time.clock)).allowed).toBe(false);
    // A new window (one hour after its first failure) starts from zero.
    time.advance(RULES.windowMs);
    expect((await checkAttempt(ctx.db.kysely, s, time.clock)).allowed).toBe(true);
    await recordFailure(ctx.db.kysely, s, { knownDevice: false }, time.clock);
    expect((await checkAttempt(ctx.db.kysely, s, time.clock)).allowed).toBe(true);
  });

  it('blocks an address after 50 failures over any accounts, except for devices known to an account', async () => {
    const time = movableClock('2025-05-03T08:00:00Z');
    const address = '192.0.2.44';
    const device = await rememberDevice(ctx.db.kysely, SECRET, 'colleague', null, time.clock);
    for (let i = 0; i < RULES.clientLimit; i++)
      await recordFailure(
        ctx.db.kysely,
        subject(`stuffed-${i}`, address),
        { knownDevice: false },
        time.clock,
      );
    expect(await checkAttempt(ctx.db.kysely, subject('colleague', address), time.clock)).toMatchObject({
      allowed: false,
      limitedBy: 'client',
    });
    expect(await checkAttempt(ctx.db.kysely, subject('colleague', address, device), time.clock)).toEqual({
      allowed: true,
      knownDevice: true,
    });
    expect((await checkAttempt(ctx.db.kysely, subject('colleague', '192.0.2.45'), time.clock)).allowed).toBe(
      true,
    );
  });

  it('stops a known device after 10 consecutive failures; a success clears its count', async () => {
    const time = movableClock('2025-05-04T08:00:00Z');
    const device = await rememberDevice(ctx.db.kysely, SECRET, 'typist', null, time.clock);
    const s = subject('typist', '198.51.100.77', device);
    for (let i = 0; i < RULES.deviceLimit - 1; i++)
      await recordFailure(ctx.db.kysely, s, { knownDevice: true }, time.clock);
    await recordSuccess(ctx.db.kysely, s);
    for (let i = 0; i < RULES.deviceLimit - 1; i++)
      await recordFailure(ctx.db.kysely, s, { knownDevice: true }, time.clock);
    expect((await checkAttempt(ctx.db.kysely, s, time.clock)).allowed).toBe(true);
    await recordFailure(ctx.db.kysely, s, { knownDevice: true }, time.clock);
    expect(await checkAttempt(ctx.db.kysely, s, time.clock)).toMatchObject({
      allowed: false,
      limitedBy: 'device',
    });
    // Known-device failures never count against the account.
    expect((await checkAttempt(ctx.db.kysely, subject('typist', '198.51.100.78'), time.clock)).allowed).toBe(
      true,
    );
  });

  it('forgets a device 90 days after its last completed sign-in', async () => {
    const time = movableClock('2025-05-05T08:00:00Z');
    const device = await rememberDevice(ctx.db.kysely, SECRET, 'traveller', null, time.clock);
    for (let i = 0; i < RULES.accountLimit; i++)
      await recordFailure(
        ctx.db.kysely,
        subject('traveller', `198.51.100.${i + 1}`),
        { knownDevice: false },
        time.clock,
      );
    time.advance(RULES.knownForMs - 60_000);
    // Keep the account blocked at that moment.
    for (let i = 0; i < RULES.accountLimit; i++)
      await recordFailure(
        ctx.db.kysely,
        subject('traveller', `198.51.100.${i + 1}`),
        { knownDevice: false },
        time.clock,
      );
    const s = subject('traveller', '198.51.100.1', device);
    expect((await checkAttempt(ctx.db.kysely, s, time.clock)).allowed).toBe(true);
    time.advance(60_000);
    expect(await checkAttempt(ctx.db.kysely, s, time.clock)).toMatchObject({
      allowed: false,
      limitedBy: 'account',
    });
    // Signing in again (here: reusing the same cookie) makes it known for another 90 days.
    expect(await rememberDevice(ctx.db.kysely, SECRET, 'traveller', device, time.clock)).toBe(device);
    expect(await checkAttempt(ctx.db.kysely, s, time.clock)).toEqual({ allowed: true, knownDevice: true });
  });

  it('counts concurrent failures exactly (one atomic upsert per counter)', async () => {
    const time = movableClock('2025-05-06T08:00:00Z');
    const s = subject('raced', '198.51.100.99');
    await Promise.all(
      Array.from({ length: 40 }, () => recordFailure(ctx.db.kysely, s, { knownDevice: false }, time.clock)),
    );
    const rows = await ctx.db.kysely
      .selectFrom('loginThrottle')
      .select(['key', 'failures'])
      .where('key', 'in', [s.accountKey, s.clientKey])
      .execute();
    expect(rows.map((r) => r.failures)).toEqual([40, 40]);
  });

  it('forgets every device of a user but the one kept, and prunes what has expired', async () => {
    const time = movableClock('2025-05-07T08:00:00Z');
    const keep = await rememberDevice(ctx.db.kysely, SECRET, 'pruned', null, time.clock);
    await rememberDevice(ctx.db.kysely, SECRET, 'pruned', null, time.clock);
    await rememberDevice(ctx.db.kysely, SECRET, 'pruned', null, time.clock);
    const kept = subject('pruned', '198.51.100.1', keep).deviceKey;
    expect(await forgetDevices(ctx.db.kysely, 'pruned', kept)).toBe(2);
    const left = await ctx.db.kysely
      .selectFrom('loginThrottle')
      .select('key')
      .where('key', 'like', 'known:pruned:%')
      .execute();
    expect(left.map((r) => r.key)).toEqual([kept]);

    await recordFailure(ctx.db.kysely, subject('pruned', '198.51.100.1'), { knownDevice: false }, time.clock);
    const countAll = async () =>
      Number(
        (
          await ctx.db.kysely
            .selectFrom('loginThrottle')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await countAll();
    time.advance(RULES.windowMs + 1);
    // The account and client counters of this test and all earlier ones are stale now; devices are not.
    const pruned = await pruneThrottle(ctx.db.kysely, time.clock);
    expect(pruned).toBeGreaterThanOrEqual(2);
    expect(await countAll()).toBe(before - pruned);
    expect(
      await ctx.db.kysely
        .selectFrom('loginThrottle')
        .select('key')
        .where('key', '=', kept!)
        .executeTakeFirst(),
    ).toBeDefined();
    // Long enough for every device remembered by the tests above, whose clocks ran up to three months further.
    time.advance(2 * RULES.knownForMs);
    await pruneThrottle(ctx.db.kysely, time.clock);
    expect(await countAll()).toBe(0);
  });
});
