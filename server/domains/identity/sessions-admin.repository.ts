import type { Executor } from '../../db/database.ts';
import type { ListScope } from '../../platform/access/policy.ts';

/** A session as administrators see it: never its token hash or CSRF secret. */
export type SessionRow = {
  id: string;
  userId: string;
  displayName: string;
  email: string;
  organisationId: string;
  organisationName: string;
  method: string;
  mfaSatisfied: number;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
  absoluteExpiresAt: string;
  endedAt: string | null;
};

function selectSessionRows(ex: Executor) {
  return ex
    .selectFrom('session')
    .innerJoin('appUser', 'appUser.id', 'session.userId')
    .innerJoin('organisation', 'organisation.id', 'appUser.organisationId')
    .select([
      'session.id',
      'session.userId',
      'appUser.displayName',
      'appUser.email',
      'appUser.organisationId',
      'organisation.name as organisationName',
      'session.method',
      'session.mfaSatisfied',
      'session.userAgent',
      'session.createdAt',
      'session.lastSeenAt',
      'session.absoluteExpiresAt',
      'session.endedAt',
    ]);
}

export async function selectSession(ex: Executor, id: string): Promise<SessionRow | undefined> {
  return selectSessionRows(ex).where('session.id', '=', id).executeTakeFirst();
}

/**
 * Live sessions the filter reaches, most recently used first. Live: not ended, within the absolute lifetime and
 * seen within the idle limit (`seenSince`); sessions past a limit are only ended when next presented, so the
 * times are checked here too.
 */
export async function selectLiveSessionPage(
  ex: Executor,
  access: ListScope<'session'>,
  options: {
    now: string;
    seenSince: string;
    userId?: string | undefined;
    limit: number;
    after?: { lastSeenAt: string; id: string } | undefined;
  },
): Promise<SessionRow[]> {
  if (access.kind === 'none') return [];
  let q = selectSessionRows(ex)
    .where('session.endedAt', 'is', null)
    .where('session.absoluteExpiresAt', '>', options.now)
    .where('session.lastSeenAt', '>', options.seenSince);
  if (access.kind === 'own') q = q.where('session.userId', '=', access.userId);
  if (access.kind === 'organisation') {
    const { organisationId, userId } = access;
    q = q.where((eb) =>
      eb.or([eb('appUser.organisationId', '=', organisationId), eb('session.userId', '=', userId)]),
    );
  }
  if (options.userId) q = q.where('session.userId', '=', options.userId);
  const after = options.after;
  if (after) {
    q = q.where((eb) =>
      eb.or([
        eb('session.lastSeenAt', '<', after.lastSeenAt),
        eb.and([eb('session.lastSeenAt', '=', after.lastSeenAt), eb('session.id', '<', after.id)]),
      ]),
    );
  }
  return q.orderBy('session.lastSeenAt', 'desc').orderBy('session.id', 'desc').limit(options.limit).execute();
}
