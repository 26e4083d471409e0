import type { Transaction } from 'kysely';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Db, Executor } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';
import { requiresSecondFactor } from '../../platform/access/policy.ts';
import { appendAudit, type AuditActor, type AuditEntry } from '../../platform/audit/audit.ts';
import {
  markSession,
  parseGrants,
  replaceSession,
  requireRecentReauthentication,
  type ResolvedSession,
  type SessionLifetimes,
} from '../../platform/auth/sessions.ts';
import {
  PasskeyRefused,
  authenticationOptions,
  claimedChallenge,
  knownTransports,
  registrationOptions,
  verifyAuthentication,
  verifyRegistration,
  type ChallengeStore,
  type StoredPasskey,
  type Transport,
  type WebAuthnSettings,
} from '../../platform/auth/webauthn.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { isUniqueViolation } from './users.repository.ts';
import {
  advancePasskeyCounter,
  deletePasskey,
  insertPasskey,
  recordLogin,
  selectPasskey,
  selectSignInUser,
  selectUserPasskeys,
  type PasskeyRow,
  type SignInUserRow,
} from './passkeys.repository.ts';

export type PasskeyContext = {
  webauthn: WebAuthnSettings;
  challenges: ChallengeStore;
  clock: Clock;
  lifetimes: SessionLifetimes;
};

export type Passkey = {
  id: string;
  name: string;
  transports: readonly Transport[];
  createdAt: string;
  lastUsedAt: string | null;
  removable: boolean;
};

export type SignedIn = {
  user: { id: string; email: string; displayName: string };
  secondFactorRequired: boolean;
  secondFactorEnrolled: boolean;
  csrfToken: string;
};

// One open challenge per purpose and session; sign-in has no session yet, so its challenge is its own key.
const challengeKey = {
  registration: (sessionId: string) => `registration:${sessionId}`,
  secondFactor: (sessionId: string) => `second-factor:${sessionId}`,
  login: (challenge: string) => `login:${challenge}`,
};

const roleRequiresSecondFactor = (u: SignInUserRow): boolean =>
  requiresSecondFactor(parseGrants(u.roleGrants));
const hasSecondFactor = (u: SignInUserRow): boolean => u.totpEnabledAt !== null || u.passkeyCount > 0;
const actorOfUser = (u: SignInUserRow): AuditActor => ({
  userId: u.id,
  organisationId: u.organisationId,
  roleCode: u.roleCode,
});

function parseTransports(text: string | null): Transport[] {
  if (!text) return [];
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? knownTransports(value.filter((v): v is string => typeof v === 'string')) : [];
}

const toStored = (row: PasskeyRow): StoredPasskey => ({
  id: row.id,
  userId: row.userId,
  publicKey: row.publicKey,
  counter: row.counter,
  transports: parseTransports(row.transports),
});

const credentialRef = (row: PasskeyRow) => ({ id: row.id, transports: parseTransports(row.transports) });

async function getSignInUser(ex: Executor, userId: string): Promise<SignInUserRow> {
  const user = await selectSignInUser(ex, userId);
  if (!user) throw notFound('User');
  return user;
}

/** The last second factor of a role that requires one cannot go: the account would be locked out of its work. */
const isLastMandatoryFactor = (u: SignInUserRow): boolean =>
  roleRequiresSecondFactor(u) && u.totpEnabledAt === null && u.passkeyCount <= 1;

async function auditFailure(db: Db, entry: Omit<AuditEntry, 'outcome'>, clock: Clock): Promise<void> {
  // Its own transaction: the refused attempt changed nothing else, and must be recorded even so.
  await db.kysely.transaction().execute((trx) => appendAudit(trx, { ...entry, outcome: 'failure' }, clock));
}

export async function listOwnPasskeys(db: Db, auth: ResolvedSession): Promise<Passkey[]> {
  const user = await getSignInUser(db.kysely, auth.user.id);
  const removable = !isLastMandatoryFactor(user);
  return (await selectUserPasskeys(db.kysely, user.id)).map((row) => ({
    id: row.id,
    name: row.name,
    transports: parseTransports(row.transports),
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    removable,
  }));
}

/**
 * Someone whose role requires a second factor and who has none yet may register a passkey as that factor straight
 * after signing in with a password (like enrolling TOTP). Anyone else adds one only with the second factor done and
 * a password or passkey entered in the last five minutes, so a session left open cannot gain a new way in.
 */
export async function startPasskeyRegistration(
  db: Db,
  auth: ResolvedSession,
  ctx: PasskeyContext,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await getSignInUser(db.kysely, auth.user.id);
  const enrolling = !hasSecondFactor(user) && roleRequiresSecondFactor(user);
  if (!enrolling) {
    if (hasSecondFactor(user) && !auth.session.mfaSatisfied)
      throw new AppError('SECOND_FACTOR_REQUIRED', 'Confirm your sign-in with your second factor first');
    requireRecentReauthentication(auth, ctx.clock);
  }
  const existing = await selectUserPasskeys(db.kysely, user.id);
  const options = await registrationOptions(ctx.webauthn, user, existing.map(credentialRef));
  ctx.challenges.put(challengeKey.registration(auth.session.id), options.challenge);
  return options;
}

export async function finishPasskeyRegistration(
  db: Db,
  auth: ResolvedSession,
  input: { response: RegistrationResponseJSON; name: string },
  ctx: PasskeyContext,
): Promise<Passkey> {
  const user = await getSignInUser(db.kysely, auth.user.id);
  const challenge = ctx.challenges.take(challengeKey.registration(auth.session.id));
  let registered;
  try {
    if (!challenge)
      throw new PasskeyRefused('challenge_unknown', 'No passkey registration is open on this session');
    registered = await verifyRegistration(ctx.webauthn, input.response, challenge);
  } catch (e) {
    if (!(e instanceof PasskeyRefused)) throw e;
    await auditFailure(
      db,
      {
        action: 'auth.passkey.registered',
        actor: actorOfUser(user),
        resourceType: 'user',
        resourceId: user.id,
        details: { reason: e.reason },
      },
      ctx.clock,
    );
    throw new AppError(
      'VALIDATION_FAILED',
      e.reason === 'challenge_unknown'
        ? 'The passkey registration expired or was already used: start again'
        : 'The passkey could not be registered',
      [{ field: 'response', reason: e.reason }],
    );
  }
  const now = ctx.clock.now().toISOString();
  const created = registered;
  try {
    await db.kysely.transaction().execute(async (trx) => {
      await insertPasskey(trx, {
        id: created.id,
        userId: user.id,
        name: input.name,
        publicKey: created.publicKey,
        counter: created.counter,
        transports: JSON.stringify(created.transports),
        createdAt: now,
        lastUsedAt: null,
      });
      // A verified passkey just proved the second factor on this session (it is the enrolment's last step).
      await markSession(trx, auth.session.id, { mfaSatisfied: true }, ctx.clock);
      await appendAudit(
        trx,
        {
          action: 'auth.passkey.registered',
          outcome: 'success',
          actor: actorOfUser(user),
          resourceType: 'passkey',
          resourceId: created.id,
          details: {
            deviceType: created.deviceType,
            backedUp: created.backedUp,
            firstSecondFactor: !hasSecondFactor(user),
          },
        },
        ctx.clock,
      );
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('CONFLICT', 'This passkey is already registered');
    throw e;
  }
  return {
    id: created.id,
    name: input.name,
    transports: created.transports,
    createdAt: now,
    lastUsedAt: null,
    // The account now has at least two factors in hand or this is not its only one: see listOwnPasskeys.
    removable: !isLastMandatoryFactor({ ...user, passkeyCount: user.passkeyCount + 1 }),
  };
}

/** Removes one of the signed-in user's passkeys; someone else's answers 404 like one that does not exist. */
export async function removeOwnPasskey(
  db: Db,
  auth: ResolvedSession,
  passkeyId: string,
  clock: Clock,
): Promise<void> {
  requireRecentReauthentication(auth, clock);
  await db.kysely.transaction().execute(async (trx) => {
    await lockUser(trx, db, auth.user.id);
    const row = await selectPasskey(trx, passkeyId);
    if (!row || row.userId !== auth.user.id) throw notFound('Passkey');
    const user = await getSignInUser(trx, auth.user.id);
    if (isLastMandatoryFactor(user))
      throw new AppError(
        'SECOND_FACTOR_MANDATORY',
        'Your role requires a second factor: add another passkey or an authenticator app before removing this one',
      );
    await deletePasskey(trx, row.id, user.id);
    await appendAudit(
      trx,
      {
        action: 'auth.passkey.removed',
        outcome: 'success',
        actor: actorOfUser(user),
        resourceType: 'passkey',
        resourceId: row.id,
        details: { remaining: user.passkeyCount - 1 },
      },
      clock,
    );
  });
}

/**
 * On PostgreSQL, two removals of the same person's last two passkeys could each see the other still there; the
 * row lock on the account serialises them. SQLite runs one writer at a time.
 */
async function lockUser(trx: Transaction<Database>, db: Db, userId: string): Promise<void> {
  if (db.dialect !== 'postgres') return;
  await trx.selectFrom('appUser').select('id').where('id', '=', userId).forUpdate().execute();
}

export async function startPasskeyLogin(ctx: PasskeyContext): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await authenticationOptions(ctx.webauthn);
  ctx.challenges.put(challengeKey.login(options.challenge), options.challenge);
  return options;
}

type LoginRefusal = PasskeyRefused['reason'] | 'account_inactive' | 'counter_race';

export type OpenedSession = { token: string; sessionId: string; csrfToken: string; replacedSession: boolean };

/**
 * Starts a session for a user who has just proven who they are (passkey, single sign-on): a sign-in always gets a
 * new session, and the one this browser held before ends.
 */
export async function openSession(
  trx: Executor,
  input: {
    user: SignInUserRow;
    method: 'passkey' | 'oidc';
    mfaSatisfied: boolean;
    previousToken: string | undefined;
    userAgent: string | undefined;
  },
  clock: Clock,
  lifetimes: SessionLifetimes,
): Promise<OpenedSession> {
  const session = await replaceSession(
    trx,
    {
      userId: input.user.id,
      method: input.method,
      mfaSatisfied: input.mfaSatisfied,
      userAgent: input.userAgent ?? null,
      previousToken: input.previousToken,
    },
    clock,
    lifetimes,
  );
  await recordLogin(trx, input.user.id, clock.now().toISOString());
  return session;
}

const signedIn = (user: SignInUserRow, csrfToken: string): SignedIn => ({
  user: { id: user.id, email: user.email, displayName: user.displayName },
  secondFactorRequired: false,
  secondFactorEnrolled: true,
  csrfToken,
});

/** A passkey verified with user verification (PIN, biometrics) is two factors at once: the session needs no other. */
export async function finishPasskeyLogin(
  db: Db,
  input: {
    response: AuthenticationResponseJSON;
    previousToken: string | undefined;
    userAgent: string | undefined;
  },
  ctx: PasskeyContext,
): Promise<{ session: OpenedSession; result: SignedIn }> {
  const claimed = claimedChallenge(input.response.response.clientDataJSON);
  const challenge = claimed === undefined ? undefined : ctx.challenges.take(challengeKey.login(claimed));
  const passkey = await selectPasskey(db.kysely, input.response.id);
  const user = passkey && (await selectSignInUser(db.kysely, passkey.userId));
  const refuse = async (reason: LoginRefusal): Promise<never> => {
    await auditFailure(
      db,
      {
        action: 'auth.login',
        ...(user && passkey
          ? {
              resourceType: 'user',
              resourceId: user.id,
              details: { method: 'passkey', reason, passkeyId: passkey.id },
            }
          : { details: { method: 'passkey', reason } }),
      },
      ctx.clock,
    );
    throw new AppError('INVALID_CREDENTIALS', 'This passkey was not accepted');
  };

  if (!challenge) return refuse('challenge_unknown');
  if (!passkey || !user) return refuse('unknown_credential');
  let newCounter: number;
  try {
    ({ newCounter } = await verifyAuthentication(ctx.webauthn, input.response, challenge, toStored(passkey)));
  } catch (e) {
    if (e instanceof PasskeyRefused) return refuse(e.reason);
    throw e;
  }
  if (user.status !== 'active') return refuse('account_inactive');

  const opened = await db.kysely.transaction().execute(async (trx) => {
    const now = ctx.clock.now().toISOString();
    if (!(await advancePasskeyCounter(trx, passkey.id, passkey.counter, newCounter, now))) return null;
    const session = await openSession(
      trx,
      {
        user,
        method: 'passkey',
        mfaSatisfied: true,
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
          method: 'passkey',
          passkeyId: passkey.id,
          sessionId: session.sessionId,
          replacedSession: session.replacedSession,
        },
      },
      ctx.clock,
    );
    return session;
  });
  if (!opened) return refuse('counter_race');
  return { session: opened, result: signedIn(user, opened.csrfToken) };
}

export async function startPasskeySecondFactor(
  db: Db,
  auth: ResolvedSession,
  ctx: PasskeyContext,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const passkeys = await selectUserPasskeys(db.kysely, auth.user.id);
  if (passkeys.length === 0) throw notFound('Passkey');
  const options = await authenticationOptions(ctx.webauthn, passkeys.map(credentialRef));
  ctx.challenges.put(challengeKey.secondFactor(auth.session.id), options.challenge);
  return options;
}

/**
 * Confirms a password sign-in with one of the user's passkeys. It also counts as re-authentication, so a signed-in
 * person can confirm it is them with a passkey before adding or removing a way to sign in.
 */
export async function finishPasskeySecondFactor(
  db: Db,
  auth: ResolvedSession,
  response: AuthenticationResponseJSON,
  ctx: PasskeyContext,
): Promise<SignedIn> {
  const user = await getSignInUser(db.kysely, auth.user.id);
  const challenge = ctx.challenges.take(challengeKey.secondFactor(auth.session.id));
  const passkey = await selectPasskey(db.kysely, response.id);
  const refuse = async (reason: LoginRefusal): Promise<never> => {
    await auditFailure(
      db,
      {
        action: 'auth.second_factor',
        actor: actorOfUser(user),
        resourceType: 'user',
        resourceId: user.id,
        details: {
          method: 'passkey',
          reason,
          ...(passkey?.userId === user.id ? { passkeyId: passkey.id } : {}),
        },
      },
      ctx.clock,
    );
    throw new AppError('INVALID_SECOND_FACTOR', 'This passkey was not accepted');
  };

  if (!challenge) return refuse('challenge_unknown');
  if (!passkey || passkey.userId !== user.id) return refuse('unknown_credential');
  let newCounter: number;
  try {
    ({ newCounter } = await verifyAuthentication(ctx.webauthn, response, challenge, toStored(passkey)));
  } catch (e) {
    if (e instanceof PasskeyRefused) return refuse(e.reason);
    throw e;
  }
  const done = await db.kysely.transaction().execute(async (trx) => {
    const now = ctx.clock.now().toISOString();
    if (!(await advancePasskeyCounter(trx, passkey.id, passkey.counter, newCounter, now))) return false;
    await markSession(trx, auth.session.id, { mfaSatisfied: true, reauthenticated: true }, ctx.clock);
    await appendAudit(
      trx,
      {
        action: 'auth.second_factor',
        outcome: 'success',
        actor: actorOfUser(user),
        resourceType: 'user',
        resourceId: user.id,
        details: { method: 'passkey', passkeyId: passkey.id, sessionId: auth.session.id },
      },
      ctx.clock,
    );
    return true;
  });
  if (!done) return refuse('counter_race');
  return signedIn(user, auth.session.csrfToken);
}
