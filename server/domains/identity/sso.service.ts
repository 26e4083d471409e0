/**
 * Single sign-on: the city's identity provider vouches for who someone is; Cohesion still decides whether they
 * have an account here and what it may do. Nobody gets an account from signing on: an administrator invites them
 * first, and their first sign-on links the provider's identity (issuer + subject) to that invitation's account by
 * its verified email address. After that the link alone identifies them, whatever the email later becomes.
 */
import type { Db, Executor } from '../../db/database.ts';
import { requiresSecondFactor } from '../../platform/access/policy.ts';
import { appendAudit, type AuditActor, type AuditEntry } from '../../platform/audit/audit.ts';
import {
  OidcRefused,
  amrIsMultiFactor,
  type OidcClient,
  type OidcIdentity,
} from '../../platform/auth/oidc.ts';
import { parseGrants, type SessionLifetimes } from '../../platform/auth/sessions.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { revokeInvitations } from './invitations.service.ts';
import { selectSignInUser, selectSignInUserByEmail, type SignInUserRow } from './passkeys.repository.ts';
import { openSession, type OpenedSession } from './passkeys.service.ts';
import {
  activateInvitedAccount,
  hasIdentityAt,
  insertIdentity,
  selectLinkedUserId,
} from './sso.repository.ts';

export type SsoContext = { oidc: OidcClient | undefined; clock: Clock; lifetimes: SessionLifetimes };

export type SsoStatus = { enabled: boolean; label: string | null };

export const ssoStatus = (ctx: SsoContext): SsoStatus =>
  ctx.oidc ? { enabled: true, label: ctx.oidc.settings.label } : { enabled: false, label: null };

function clientOf(ctx: SsoContext): OidcClient {
  if (!ctx.oidc) throw notFound('Single sign-on');
  return ctx.oidc;
}

/** Where to send the browser to sign on, and the sealed flow cookie to set before it goes. */
export async function startSso(ctx: SsoContext, returnTo: string): Promise<{ url: string; cookie: string }> {
  try {
    return await clientOf(ctx).start(returnTo);
  } catch (e) {
    if (e instanceof OidcRefused)
      throw new AppError('SSO_UNAVAILABLE', 'The single sign-on provider cannot be reached; try again later');
    throw e;
  }
}

export type SsoRefusal =
  | OidcRefused['reason']
  | 'email_missing'
  | 'email_not_verified'
  | 'unknown_user'
  | 'account_inactive'
  | 'identity_conflict';

const ssoFailed = (reason: SsoRefusal): AppError =>
  new AppError('SSO_FAILED', 'Single sign-on did not sign you in', [{ reason }]);

const actorOfUser = (u: SignInUserRow): AuditActor => ({
  userId: u.id,
  organisationId: u.organisationId,
  roleCode: u.roleCode,
});

type Resolved =
  { user: SignInUserRow; linked: boolean } | { refusal: SsoRefusal; user?: SignInUserRow | undefined };

/** The account an identity signs in to, or why there is none. */
async function resolveAccount(ex: Executor, identity: OidcIdentity): Promise<Resolved> {
  const linkedUserId = await selectLinkedUserId(ex, identity.issuer, identity.subject);
  if (linkedUserId) {
    const user = await selectSignInUser(ex, linkedUserId);
    if (!user) return { refusal: 'unknown_user' };
    return user.status === 'active' ? { user, linked: true } : { refusal: 'account_inactive', user };
  }
  if (!identity.email) return { refusal: 'email_missing' };
  // An unverified address proves nothing: anyone can type a colleague's email into a provider's profile.
  if (!identity.emailVerified) return { refusal: 'email_not_verified' };
  const user = await selectSignInUserByEmail(ex, identity.email);
  if (!user) return { refusal: 'unknown_user' };
  if (user.status !== 'active' && user.status !== 'invited') return { refusal: 'account_inactive', user };
  // Already linked to someone else at this provider: the address moved to another person there (a reused mailbox),
  // which must not hand them this account.
  if (await hasIdentityAt(ex, user.id, identity.issuer)) return { refusal: 'identity_conflict', user };
  return { user, linked: false };
}

export async function completeSso(
  db: Db,
  ctx: SsoContext,
  input: {
    query: string;
    cookie: string | undefined;
    previousToken: string | undefined;
    userAgent: string | undefined;
  },
): Promise<{ session: OpenedSession; returnTo: string; userId: string; complete: boolean }> {
  const oidc = clientOf(ctx);
  const refuse = async (reason: SsoRefusal, user?: SignInUserRow): Promise<never> => {
    const entry: AuditEntry = {
      action: 'auth.login',
      outcome: 'failure',
      ...(user ? { resourceType: 'user', resourceId: user.id } : {}),
      details: { method: 'oidc', reason },
    };
    await db.kysely.transaction().execute((trx) => appendAudit(trx, entry, ctx.clock));
    throw ssoFailed(reason);
  };

  let identity: OidcIdentity;
  let returnTo: string;
  try {
    ({ identity, returnTo } = await oidc.finish(input.query, input.cookie));
  } catch (e) {
    if (e instanceof OidcRefused) return refuse(e.reason);
    throw e;
  }

  const outcome = await db.kysely.transaction().execute(async (trx) => {
    const resolved = await resolveAccount(trx, identity);
    if ('refusal' in resolved) return resolved;
    const { user, linked } = resolved;
    const now = ctx.clock.now().toISOString();
    if (!linked) {
      await insertIdentity(trx, {
        issuer: identity.issuer,
        subject: identity.subject,
        userId: user.id,
        createdAt: now,
      });
      const activated = user.status === 'invited' && (await activateInvitedAccount(trx, user.id, now));
      const invitationsRevoked = activated ? await revokeInvitations(trx, user.id, ctx.clock) : 0;
      await appendAudit(
        trx,
        {
          action: 'auth.identity.linked',
          outcome: 'success',
          actor: actorOfUser(user),
          resourceType: 'user',
          resourceId: user.id,
          details: { issuer: identity.issuer, activated, invitationsRevoked },
        },
        ctx.clock,
      );
    }
    // Like a password: unless the provider says it checked a second factor (and the city trusts it to), anyone whose
    // role requires one, or who enrolled TOTP, still gives Cohesion's own second factor.
    const providerMfa = oidc.settings.trustMfa && amrIsMultiFactor(identity.amr);
    const pending =
      !providerMfa && (requiresSecondFactor(parseGrants(user.roleGrants)) || user.totpEnabledAt !== null);
    const session = await openSession(
      trx,
      {
        user,
        method: 'oidc',
        mfaSatisfied: !pending,
        previousToken: input.previousToken,
        userAgent: input.userAgent,
      },
      ctx.clock,
      ctx.lifetimes,
    );
    await appendAudit(
      trx,
      {
        action: 'auth.login',
        outcome: 'success',
        actor: actorOfUser(user),
        resourceType: 'user',
        resourceId: user.id,
        details: {
          method: 'oidc',
          sessionId: session.sessionId,
          firstSignOn: !linked,
          secondFactorPending: pending,
          secondFactorFromProvider: providerMfa,
          replacedSession: session.replacedSession,
        },
      },
      ctx.clock,
    );
    return { session, userId: user.id, complete: !pending };
  });
  if ('refusal' in outcome) return refuse(outcome.refusal, outcome.user);
  return { session: outcome.session, returnTo, userId: outcome.userId, complete: outcome.complete };
}
