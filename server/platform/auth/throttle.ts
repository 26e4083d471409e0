/**
 * Login throttling that an attacker cannot turn into a lock-out (docs/security.md, "Login throttling").
 *
 * Three counters live in login_throttle, all keyed by pseudonyms, never by an address or an email in clear:
 * - `account:<user id>` (or `account:<HMAC of the email>` for an address with no account, so that an unknown account
 *   answers exactly like a known one): failures against the account from devices that have never completed a
 *   sign-in to it;
 * - `client:<HMAC of the address>` (IPv4, or the /64 of an IPv6 address): failures from one network address against
 *   any account;
 * - `known:<user id>:<HMAC of the device token>`: a browser that completed a sign-in (password and, where needed,
 *   second factor) to this account within the last 90 days, recognised by a random `__Host-` device cookie. Its
 *   `failures` are its own consecutive failures, its `window_started_at` the last completed sign-in.
 *
 * A known device is judged only by its own counter, so bursts from elsewhere (other addresses, or the same office
 * address) never stop the owner's browser. Everything else is refused while the account or the address is blocked.
 * The HMAC key is a per-instance secret kept in a file beside the data, not in the database, so a database copy
 * yields neither addresses nor devices.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import type { Executor } from '../../db/database.ts';
import type { Clock } from '../clock.ts';

/** Random device token cookie; `__Host-`: Secure, Path=/, no Domain. */
export const DEVICE_COOKIE = '__Host-cohesion_device';

export type ThrottleRules = {
  /** Counters reset this long after their first failure. */
  windowMs: number;
  /** Failures against one account from devices that never signed in to it, per window. */
  accountLimit: number;
  /** Failures from one network address against any account, per window. */
  clientLimit: number;
  /** Consecutive failures from one known device on one account. */
  deviceLimit: number;
  /** Refusal once a limit is reached; every further failure in the window refuses again for this long. */
  blockMs: number;
  /** A device stays known this long after its last completed sign-in. */
  knownForMs: number;
};

export const DEFAULT_THROTTLE_RULES: ThrottleRules = {
  windowMs: 60 * 60_000,
  accountLimit: 10,
  clientLimit: 50,
  deviceLimit: 10,
  blockMs: 15 * 60_000,
  knownForMs: 90 * 24 * 3_600_000,
};

export const THROTTLE_SECRET_FILE = 'login-throttle.key';

const secrets = new Map<string, Buffer>();

/**
 * The instance's HMAC key, `<DATA_DIR>/login-throttle.key` (32 random bytes, hex, mode 0600), created on first use.
 * Creation uses O_EXCL so two processes starting together end up with the same key.
 */
export function loadThrottleSecret(dataDir: string): Buffer {
  const file = path.join(path.resolve(dataDir), THROTTLE_SECRET_FILE);
  const cached = secrets.get(file);
  if (cached) return cached;
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`${file} is not a 32-byte hex key`);
  const secret = Buffer.from(text, 'hex');
  secrets.set(file, secret);
  return secret;
}

const mac = (secret: Buffer, purpose: string, value: string): string =>
  createHmac('sha256', secret).update(`${purpose}\0${value}`).digest('base64url');

/**
 * The part of an address that identifies one client: an IPv4 address, or the /64 of an IPv6 address (one
 * subscriber usually holds a whole /64, so counting single IPv6 addresses would give each attacker 2^64 clients).
 */
export function clientNetwork(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1]!;
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return bare.toLowerCase();
  const [head = '', tail] = bare.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.padStart(4, '0'))
    .join(':')}::/64`;
}

export type AttemptSubject = {
  /** `account:…`: the user id when the email belongs to an account, else an HMAC of the email. */
  accountKey: string;
  clientKey: string;
  /** `known:…` for the device cookie sent with the attempt, when there is one. */
  deviceKey: string | null;
  /** The user id, or the HMAC standing in for an address with no account. */
  accountId: string;
};

export function attemptSubject(
  secret: Buffer,
  input: {
    userId: string | null;
    email: string;
    clientAddress: string;
    deviceToken: string | null | undefined;
  },
): AttemptSubject {
  const accountId = input.userId ?? `email-${mac(secret, 'email', input.email.trim().toLowerCase())}`;
  return {
    accountId,
    accountKey: `account:${accountId}`,
    clientKey: `client:${mac(secret, 'client', clientNetwork(input.clientAddress))}`,
    deviceKey: input.deviceToken ? deviceKeyFor(secret, accountId, input.deviceToken) : null,
  };
}

const deviceKeyFor = (secret: Buffer, accountId: string, token: string): string =>
  `known:${accountId}:${mac(secret, 'device', `${accountId}\0${token}`)}`;

export type AttemptDecision =
  | { allowed: true; knownDevice: boolean }
  | { allowed: false; retryAfterSeconds: number; limitedBy: 'account' | 'client' | 'device' };

const later = (iso: string | null | undefined, now: number): number =>
  iso ? Math.max(0, Date.parse(iso) - now) : 0;

/** Whether an attempt may be checked at all (before any password or code is looked at). */
export async function checkAttempt(
  db: Executor,
  subject: AttemptSubject,
  clock: Clock,
  rules: ThrottleRules = DEFAULT_THROTTLE_RULES,
): Promise<AttemptDecision> {
  const keys = [subject.accountKey, subject.clientKey, ...(subject.deviceKey ? [subject.deviceKey] : [])];
  const rows = await db
    .selectFrom('loginThrottle')
    .select(['key', 'windowStartedAt', 'blockedUntil'])
    .where('key', 'in', keys)
    .execute();
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const now = clock.now().getTime();
  const device = subject.deviceKey ? byKey.get(subject.deviceKey) : undefined;
  const seconds = (ms: number) => Math.ceil(ms / 1000);
  if (device && Date.parse(device.windowStartedAt) + rules.knownForMs > now) {
    const wait = later(device.blockedUntil, now);
    return wait > 0
      ? { allowed: false, retryAfterSeconds: seconds(wait), limitedBy: 'device' }
      : { allowed: true, knownDevice: true };
  }
  const account = later(byKey.get(subject.accountKey)?.blockedUntil, now);
  const client = later(byKey.get(subject.clientKey)?.blockedUntil, now);
  if (account === 0 && client === 0) return { allowed: true, knownDevice: false };
  return {
    allowed: false,
    retryAfterSeconds: seconds(Math.max(account, client)),
    limitedBy: account >= client ? 'account' : 'client',
  };
}

/**
 * Counts one failed password or second-factor check. Each counter is one atomic upsert, so concurrent attempts
 * cannot slip between a read and a write.
 */
export async function recordFailure(
  db: Executor,
  subject: AttemptSubject,
  decision: { knownDevice: boolean },
  clock: Clock,
  rules: ThrottleRules = DEFAULT_THROTTLE_RULES,
): Promise<void> {
  const now = clock.now();
  await countFailure(db, subject.clientKey, rules.clientLimit, now, rules);
  if (decision.knownDevice && subject.deviceKey) await countDeviceFailure(db, subject.deviceKey, now, rules);
  else await countFailure(db, subject.accountKey, rules.accountLimit, now, rules);
}

async function countFailure(
  db: Executor,
  key: string,
  limit: number,
  now: Date,
  rules: ThrottleRules,
): Promise<void> {
  const nowIso = now.toISOString();
  const windowEndedBefore = new Date(now.getTime() - rules.windowMs).toISOString();
  const blockUntil = new Date(now.getTime() + rules.blockMs).toISOString();
  const stale = sql<boolean>`${sql.ref('loginThrottle.windowStartedAt')} <= ${windowEndedBefore}`;
  const next = sql<number>`case when ${stale} then 1 else ${sql.ref('loginThrottle.failures')} + 1 end`;
  await db
    .insertInto('loginThrottle')
    .values({ key, failures: 1, windowStartedAt: nowIso, blockedUntil: 1 >= limit ? blockUntil : null })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: next,
        windowStartedAt: sql<string>`case when ${stale} then ${nowIso} else ${sql.ref('loginThrottle.windowStartedAt')} end`,
        blockedUntil: sql<
          string | null
        >`case when ${next} >= ${limit} then ${blockUntil} else ${sql.ref('loginThrottle.blockedUntil')} end`,
      }),
    )
    .execute();
}

/** A known device's counter is consecutive failures; its window column is its last sign-in and stays put. */
async function countDeviceFailure(db: Executor, key: string, now: Date, rules: ThrottleRules): Promise<void> {
  const blockUntil = new Date(now.getTime() + rules.blockMs).toISOString();
  const next = sql<number>`${sql.ref('failures')} + 1`;
  await db
    .updateTable('loginThrottle')
    .set({
      failures: next,
      blockedUntil: sql<
        string | null
      >`case when ${next} >= ${rules.deviceLimit} then ${blockUntil} else ${sql.ref('blockedUntil')} end`,
    })
    .where('key', '=', key)
    .execute();
}

const queues = new Map<string, Promise<void>>();

async function acquire(key: string): Promise<() => void> {
  const previous = queues.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  queues.set(key, tail);
  await previous;
  return () => {
    release();
    if (queues.get(key) === tail) queues.delete(key);
  };
}

/**
 * Runs one check-verify-count sequence while no other attempt of this process on the same account or address is
 * inside its own. Without it a concurrent burst passes the check before the first failure is counted, and the
 * limit stops nothing (measured: 25 concurrent guesses all reached the password check). With several server
 * processes each can let one extra attempt through at a time, so the bound becomes limit + processes - 1.
 */
export async function oneAttemptAtATime<T>(subject: AttemptSubject, run: () => Promise<T>): Promise<T> {
  const releases: Array<() => void> = [];
  // Always in the same order, so two attempts sharing both keys cannot wait on each other.
  for (const key of [subject.accountKey, subject.clientKey].sort()) releases.push(await acquire(key));
  try {
    return await run();
  } finally {
    for (const release of releases.reverse()) release();
  }
}

/** A correct password from a known device clears that device's consecutive failures (and nothing else). */
export async function recordSuccess(db: Executor, subject: AttemptSubject): Promise<void> {
  if (!subject.deviceKey) return;
  await db
    .updateTable('loginThrottle')
    .set({ failures: 0, blockedUntil: null })
    .where('key', '=', subject.deviceKey)
    .execute();
}

/**
 * A completed sign-in (password plus any second factor): the device becomes, or stays, known for this account.
 * Returns the device token to (re)set in the cookie: the one the browser sent, or a new one.
 */
export async function rememberDevice(
  db: Executor,
  secret: Buffer,
  userId: string,
  deviceToken: string | null | undefined,
  clock: Clock,
): Promise<string> {
  const token =
    deviceToken && /^[A-Za-z0-9_-]{43}$/.test(deviceToken)
      ? deviceToken
      : randomBytes(32).toString('base64url');
  const values = { failures: 0, windowStartedAt: clock.now().toISOString(), blockedUntil: null };
  await db
    .insertInto('loginThrottle')
    .values({ key: deviceKeyFor(secret, userId, token), ...values })
    .onConflict((oc) => oc.column('key').doUpdateSet(values))
    .execute();
  return token;
}

/** After a password change: only the device that made the change stays known. */
export async function forgetDevices(
  db: Executor,
  userId: string,
  exceptDeviceKey: string | null,
): Promise<number> {
  let q = db.deleteFrom('loginThrottle').where('key', 'like', `known:${userId}:%`);
  if (exceptDeviceKey) q = q.where('key', '!=', exceptDeviceKey);
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes counters whose window and block are over, and devices no longer known. */
export async function pruneThrottle(
  db: Executor,
  clock: Clock,
  rules: ThrottleRules = DEFAULT_THROTTLE_RULES,
): Promise<number> {
  const now = clock.now().getTime();
  const nowIso = new Date(now).toISOString();
  const windowEndedBefore = new Date(now - rules.windowMs).toISOString();
  const knownEndedBefore = new Date(now - rules.knownForMs).toISOString();
  const result = await db
    .deleteFrom('loginThrottle')
    .where((eb) =>
      eb.or([
        eb.and([
          eb('key', 'not like', 'known:%'),
          eb('windowStartedAt', '<=', windowEndedBefore),
          eb.or([eb('blockedUntil', 'is', null), eb('blockedUntil', '<=', nowIso)]),
        ]),
        eb.and([eb('key', 'like', 'known:%'), eb('windowStartedAt', '<=', knownEndedBefore)]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
