/**
 * Server-side sessions. The browser holds only a random token in a `__Host-` cookie; the database holds its
 * SHA-256, so reading the session table yields nothing that logs anyone in. Idle and absolute lifetimes come from
 * configuration (30 minutes and 12 hours by default); a login always creates a new session (and so a new id).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { grantSchema, requiresSecondFactor, type Actor, type Grant } from '../access/policy.ts';

/** `__Host-`: Secure, Path=/, no Domain; the browser refuses it from any other origin or over plain http. */
export const SESSION_COOKIE = '__Host-cohesion_session';
/** Header carrying the per-session CSRF token on every state-changing request. */
export const CSRF_HEADER = 'x-csrf-token';

export type SessionMethod = 'password' | 'passkey' | 'oidc';
export type SessionEndReason =
  'logout' | 'idle' | 'expired' | 'ended_by_user' | 'ended_by_admin' | 'deactivated' | 'password_changed';

export type SessionLifetimes = { sessionIdleMs: number; sessionAbsoluteMs: number };

type Executor = Kysely<Database> | Transaction<Database>;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A fresh random token, base64url, 256 bits. */
export const newToken = (): string => randomBytes(32).toString('base64url');

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function createSession(
  db: Executor,
  input: { userId: string; method: SessionMethod; mfaSatisfied: boolean; userAgent?: string | null },
  clock: Clock,
  lifetimes: SessionLifetimes,
): Promise<{ token: string; sessionId: string; csrfToken: string }> {
  const token = newToken();
  const csrfToken = newToken();
  const now = clock.now();
  const sessionId = newId();
  await db
    .insertInto('session')
    .values({
      id: sessionId,
      tokenHash: hashToken(token),
      userId: input.userId,
      method: input.method,
      mfaSatisfied: input.mfaSatisfied ? 1 : 0,
      csrfSecret: csrfToken,
      // Staff browsers only, kept so people can tell their sessions apart; truncated, never parsed.
      userAgent: input.userAgent ? input.userAgent.slice(0, 200) : null,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      reauthenticatedAt: now.toISOString(),
      absoluteExpiresAt: new Date(now.getTime() + lifetimes.sessionAbsoluteMs).toISOString(),
      endedAt: null,
      endReason: null,
    })
    .execute();
  return { token, sessionId, csrfToken };
}

/**
 * A sign-in (password, passkey, single sign-on): always a new session, and the one this browser still carried
 * (its cookie token) ends, so a sign-in never reuses a session id.
 */
export async function replaceSession(
  db: Executor,
  input: {
    userId: string;
    method: SessionMethod;
    mfaSatisfied: boolean;
    userAgent?: string | null;
    previousToken: string | null | undefined;
  },
  clock: Clock,
  lifetimes: SessionLifetimes,
): Promise<{ token: string; sessionId: string; csrfToken: string; replacedSession: boolean }> {
  const previous = input.previousToken
    ? await db
        .selectFrom('session')
        .select('id')
        .where('tokenHash', '=', hashToken(input.previousToken))
        .where('endedAt', 'is', null)
        .executeTakeFirst()
    : undefined;
  if (previous) await endSessions(db, { sessionId: previous.id }, 'logout', clock);
  const session = await createSession(db, input, clock, lifetimes);
  return { ...session, replacedSession: previous !== undefined };
}

export type ResolvedSession = {
  actor: Actor;
  session: {
    id: string;
    method: SessionMethod;
    mfaSatisfied: boolean;
    csrfToken: string;
    reauthenticatedAt: string;
    createdAt: string;
  };
  user: { id: string; email: string; displayName: string; locale: string; totpEnabled: boolean };
  /** The role reaches personal data, or the user has set up a second factor: it is required before anything else. */
  secondFactorRequired: boolean;
};

/** How often last_seen_at is written: often enough for the idle limit, rarely enough not to write on every request. */
const TOUCH_EVERY_MS = 60_000;

/**
 * The live session behind a cookie token, or null. A session past its idle or absolute limit, or whose user is no
 * longer active, is ended here and answers null.
 */
export async function resolveSession(
  db: Kysely<Database>,
  token: string,
  clock: Clock,
  lifetimes: SessionLifetimes,
): Promise<ResolvedSession | null> {
  const row = await db
    .selectFrom('session')
    .innerJoin('appUser', 'appUser.id', 'session.userId')
    .innerJoin('role', 'role.code', 'appUser.roleCode')
    .select([
      'session.id as sessionId',
      'session.method',
      'session.mfaSatisfied',
      'session.csrfSecret',
      'session.createdAt',
      'session.lastSeenAt',
      'session.reauthenticatedAt',
      'session.absoluteExpiresAt',
      'appUser.id as userId',
      'appUser.organisationId',
      'appUser.roleCode',
      'appUser.email',
      'appUser.displayName',
      'appUser.locale',
      'appUser.status',
      'appUser.totpEnabledAt',
      'role.grants',
    ])
    .where('session.tokenHash', '=', hashToken(token))
    .where('session.endedAt', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  const now = clock.now();
  const idleLimit = Date.parse(row.lastSeenAt) + lifetimes.sessionIdleMs;
  const reason: SessionEndReason | null =
    row.status !== 'active'
      ? 'deactivated'
      : now.getTime() >= Date.parse(row.absoluteExpiresAt)
        ? 'expired'
        : now.getTime() >= idleLimit
          ? 'idle'
          : null;
  if (reason) {
    await endSessions(db, { sessionId: row.sessionId }, reason, clock);
    return null;
  }
  if (now.getTime() - Date.parse(row.lastSeenAt) >= TOUCH_EVERY_MS) {
    await db
      .updateTable('session')
      .set({ lastSeenAt: now.toISOString() })
      .where('id', '=', row.sessionId)
      .execute();
  }
  const grants = parseGrants(row.grants);
  // A second factor the user set up is demanded whatever the role: a voluntary TOTP or passkey must not be
  // bypassable with the password alone.
  const secondFactorRequired =
    requiresSecondFactor(grants) ||
    row.totpEnabledAt !== null ||
    (await db
      .selectFrom('passkey')
      .select('id')
      .where('userId', '=', row.userId)
      .limit(1)
      .executeTakeFirst()) !== undefined;
  return {
    actor: {
      userId: row.userId,
      organisationId: row.organisationId,
      roleCode: row.roleCode,
      grants,
      sessionId: row.sessionId,
    },
    session: {
      id: row.sessionId,
      method: row.method as SessionMethod,
      mfaSatisfied: row.mfaSatisfied === 1,
      csrfToken: row.csrfSecret,
      reauthenticatedAt: row.reauthenticatedAt,
      createdAt: row.createdAt,
    },
    user: {
      id: row.userId,
      email: row.email,
      displayName: row.displayName,
      locale: row.locale,
      totpEnabled: row.totpEnabledAt !== null,
    },
    secondFactorRequired,
  };
}

export function parseGrants(text: string): Grant[] {
  return grantSchema.array().parse(JSON.parse(text));
}

/** Ends one session, or every live session of a user (deactivation, password change, "sign out everywhere"). */
export async function endSessions(
  db: Executor,
  target: { sessionId: string } | { userId: string; exceptSessionId?: string },
  reason: SessionEndReason,
  clock: Clock,
): Promise<number> {
  let q = db
    .updateTable('session')
    .set({ endedAt: clock.now().toISOString(), endReason: reason })
    .where('endedAt', 'is', null);
  if ('sessionId' in target) q = q.where('id', '=', target.sessionId);
  else {
    q = q.where('userId', '=', target.userId);
    if (target.exceptSessionId) q = q.where('id', '!=', target.exceptSessionId);
  }
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Marks the second factor (or a fresh password entry) as done on the current session. */
export async function markSession(
  db: Executor,
  sessionId: string,
  change: { mfaSatisfied?: true; reauthenticated?: true },
  clock: Clock,
): Promise<void> {
  await db
    .updateTable('session')
    .set({
      ...(change.mfaSatisfied ? { mfaSatisfied: 1 } : {}),
      ...(change.reauthenticated ? { reauthenticatedAt: clock.now().toISOString() } : {}),
    })
    .where('id', '=', sessionId)
    .execute();
}

/** How long a password, code or passkey entry counts as recent for changing email, password or sign-in methods. */
export const REAUTHENTICATION_WINDOW_MS = 5 * 60_000;

export function requireRecentReauthentication(auth: ResolvedSession, clock: Clock): void {
  if (clock.now().getTime() - Date.parse(auth.session.reauthenticatedAt) > REAUTHENTICATION_WINDOW_MS)
    throw new AppError(
      'REAUTHENTICATION_REQUIRED',
      'Confirm it is you first: enter your password again or use one of your passkeys',
    );
}
