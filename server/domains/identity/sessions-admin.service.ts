import type { Db } from '../../db/database.ts';
import { listScope, type Actor } from '../../platform/access/policy.ts';
import { appendAudit } from '../../platform/audit/audit.ts';
import { endSessions, type SessionLifetimes, type SessionMethod } from '../../platform/auth/sessions.ts';
import type { Clock } from '../../platform/clock.ts';
import { notFound } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../../platform/cursor.ts';
import { authorise } from './users.access.ts';
import { selectLiveSessionPage, selectSession, type SessionRow } from './sessions-admin.repository.ts';
import type { SessionListQuery } from './sessions-admin.schemas.ts';

export type AdminSession = {
  id: string;
  user: { id: string; displayName: string; email: string };
  organisation: { id: string; name: string };
  method: SessionMethod;
  secondFactorSatisfied: boolean;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
  /** When it ends unless used again: the earlier of the idle and the absolute limit. */
  expiresAt: string;
  live: boolean;
};

function toSession(row: SessionRow, now: Date, lifetimes: SessionLifetimes): AdminSession {
  const idleEnd = Date.parse(row.lastSeenAt) + lifetimes.sessionIdleMs;
  const end = Math.min(idleEnd, Date.parse(row.absoluteExpiresAt));
  return {
    id: row.id,
    user: { id: row.userId, displayName: row.displayName, email: row.email },
    organisation: { id: row.organisationId, name: row.organisationName },
    method: row.method as SessionMethod,
    secondFactorSatisfied: row.mfaSatisfied === 1,
    userAgent: row.userAgent,
    createdAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    expiresAt: new Date(end).toISOString(),
    live: row.endedAt === null && now.getTime() < end,
  };
}

/** The facts the policy needs about a session: whose it is, their organisation, whether it is still live. */
export const sessionFacts = (s: AdminSession, withState = true) => ({
  ownerUserId: s.user.id,
  organisationId: s.organisation.id,
  ...(withState && { state: s.live ? 'active' : 'ended' }),
});

export type SessionPage = { items: AdminSession[]; nextCursor: string | null };

export async function listLiveSessions(
  db: Db,
  actor: Actor,
  query: SessionListQuery,
  clock: Clock,
  lifetimes: SessionLifetimes,
): Promise<SessionPage> {
  const now = clock.now();
  const after = query.cursor ? decodeCursor(query.cursor, ['lastSeenAt', 'id'] as const) : undefined;
  const rows = await selectLiveSessionPage(db.kysely, listScope(actor, 'session'), {
    now: now.toISOString(),
    seenSince: new Date(now.getTime() - lifetimes.sessionIdleMs).toISOString(),
    userId: query.userId,
    limit: query.limit + 1,
    after,
  });
  const items = rows.slice(0, query.limit).map((r) => toSession(r, now, lifetimes));
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > query.limit && last ? encodeCursor({ lastSeenAt: last.lastSeenAt, id: last.id }) : null,
  };
}

/**
 * Ends one session at once; its next request answers 401. Someone else's ends as `ended_by_admin`, one's own as
 * `ended_by_user`.
 */
export async function endSession(
  db: Db,
  actor: Actor,
  id: string,
  clock: Clock,
  lifetimes: SessionLifetimes,
): Promise<void> {
  await db.kysely.transaction().execute(async (trx) => {
    const row = await selectSession(trx, id);
    const session = row && toSession(row, clock.now(), lifetimes);
    if (!session) throw notFound('Session');
    authorise(actor, 'session', 'end', sessionFacts(session), 'Session');
    const reason = session.user.id === actor.userId ? 'ended_by_user' : 'ended_by_admin';
    await endSessions(trx, { sessionId: id }, reason, clock);
    await appendAudit(
      trx,
      {
        action: 'session.end',
        outcome: 'success',
        actor,
        resourceType: 'session',
        resourceId: id,
        details: { userId: session.user.id, reason },
      },
      clock,
    );
  });
}
