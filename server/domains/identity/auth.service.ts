/**
 * Signing in and everything a person does to their own credentials: password, TOTP, recovery codes, sessions.
 * Every step is audited in the transaction of its change; failed and refused attempts in a transaction of their own.
 * Nothing here writes an address, a user agent, a password, a code or a token into the audit trail.
 */
import type { Db, Executor } from '../../db/database.ts';
import {
  RESOURCES,
  abilitiesFor,
  can,
  requiresSecondFactor,
  type Action,
  type Grant,
  type Resource,
} from '../../platform/access/policy.ts';
import { appendAudit, type AuditActor, type AuditEntry } from '../../platform/audit/audit.ts';
import {
  dummyPasswordHash,
  hashPassword,
  passwordNeedsRehash,
  passwordProblems,
  verifyPassword,
} from '../../platform/auth/passwords.ts';
import {
  endSessions,
  markSession,
  parseGrants,
  replaceSession,
  requireRecentReauthentication,
  type ResolvedSession,
  type SessionLifetimes,
} from '../../platform/auth/sessions.ts';
import {
  DEFAULT_THROTTLE_RULES,
  attemptSubject,
  checkAttempt,
  forgetDevices,
  oneAttemptAtATime,
  pruneThrottle,
  recordFailure,
  recordSuccess,
  rememberDevice,
  type AttemptDecision,
  type AttemptSubject,
  type ThrottleRules,
} from '../../platform/auth/throttle.ts';
import {
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  totpUri,
  verifyTotp,
} from '../../platform/auth/totp.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import {
  advanceTotpStep,
  consumeRecoveryCode,
  countActiveUsersWithRole,
  countPasskeys,
  countUnusedRecoveryCodes,
  emailTaken,
  insertOrganisation,
  insertUser,
  replaceRecoveryCodes,
  selectLiveSessions,
  selectOrganisation,
  selectOrganisationByName,
  selectSessionOwner,
  selectUserByEmail,
  selectUserById,
  type AuthUserRow,
  type SessionListRow,
} from './auth.repository.ts';

export type AuthDeps = {
  db: Db;
  clock: Clock;
  lifetimes: SessionLifetimes;
  /** Read lazily: instances that never see a sign-in never create the key file. */
  throttleSecret: () => Buffer;
  throttleRules?: ThrottleRules;
};

/** What the request says about the client; used for throttling only, never stored in clear or audited. */
export type ClientInfo = { address: string; deviceToken: string | null; userAgent: string | null };

export type Account = {
  id: string;
  email: string;
  displayName: string;
  locale: string;
  organisationId: string;
  roleCode: string;
  roleName: string;
  status: string;
  totpEnabled: boolean;
  lastLoginAt: string | null;
};

const toAccount = (u: AuthUserRow): Account => ({
  id: u.id,
  email: u.email,
  displayName: u.displayName,
  locale: u.locale,
  organisationId: u.organisationId,
  roleCode: u.roleCode,
  roleName: u.roleName,
  status: u.status,
  totpEnabled: u.totpEnabledAt !== null && u.totpSecret !== null,
  lastLoginAt: u.lastLoginAt,
});

const auditActor = (u: Pick<AuthUserRow, 'id' | 'organisationId' | 'roleCode'>): AuditActor => ({
  userId: u.id,
  organisationId: u.organisationId,
  roleCode: u.roleCode,
});

async function auditAlone(deps: AuthDeps, entry: AuditEntry): Promise<void> {
  await deps.db.kysely.transaction().execute((trx) => appendAudit(trx, entry, deps.clock));
}

export const tooManyAttempts = (retryAfterSeconds: number): AppError =>
  new AppError('TOO_MANY_ATTEMPTS', 'Too many attempts; wait before trying again', [{ retryAfterSeconds }]);

const invalidCredentials = (): AppError =>
  new AppError('INVALID_CREDENTIALS', 'The email address or password is not correct');

const invalidCode = (): AppError =>
  new AppError('INVALID_SECOND_FACTOR', 'The code is not correct, has expired or was already used');

const rules = (deps: AuthDeps): ThrottleRules => deps.throttleRules ?? DEFAULT_THROTTLE_RULES;

function subjectFor(deps: AuthDeps, user: AuthUserRow, client: ClientInfo): AttemptSubject {
  return attemptSubject(deps.throttleSecret(), {
    userId: user.id,
    email: user.email,
    clientAddress: client.address,
    deviceToken: client.deviceToken,
  });
}

/**
 * Runs one guarded check (password or code): refused while throttled, counted when it fails. `check` answers the
 * failure reason, or null on success.
 */
async function guardedCheck(
  deps: AuthDeps,
  subject: AttemptSubject,
  audit: Omit<AuditEntry, 'outcome' | 'details'> & { details?: Record<string, unknown> },
  check: () => Promise<string | null>,
  failure: () => AppError,
): Promise<void> {
  const deny = async (decision: Extract<AttemptDecision, { allowed: false }>): Promise<never> => {
    await auditAlone(deps, {
      ...audit,
      outcome: 'denied',
      details: { ...audit.details, reason: 'throttled', limitedBy: decision.limitedBy },
    });
    throw tooManyAttempts(decision.retryAfterSeconds);
  };
  const attempt = async (decision: AttemptDecision): Promise<void> => {
    if (!decision.allowed) return deny(decision);
    const reason = await check();
    if (reason === null) {
      await recordSuccess(deps.db.kysely, subject);
      return;
    }
    await recordFailure(deps.db.kysely, subject, decision, deps.clock, rules(deps));
    await auditAlone(deps, { ...audit, outcome: 'failure', details: { ...audit.details, reason } });
    throw failure();
  };
  const first = await checkAttempt(deps.db.kysely, subject, deps.clock, rules(deps));
  if (!first.allowed) return deny(first);
  // A known device answers only for itself and is never made to wait behind a burst aimed at its account.
  if (first.knownDevice) return attempt(first);
  return oneAttemptAtATime(subject, async () =>
    attempt(await checkAttempt(deps.db.kysely, subject, deps.clock, rules(deps))),
  );
}

/** Roles reaching personal data need a second factor; so does anyone who enrolled one. */
const needsSecondFactor = (u: AuthUserRow): boolean =>
  requiresSecondFactor(parseGrants(u.roleGrants)) || u.totpSecret !== null;

function requireFullSignIn(auth: ResolvedSession): void {
  if ((auth.secondFactorRequired || auth.user.totpEnabled) && !auth.session.mfaSatisfied)
    throw new AppError('SECOND_FACTOR_REQUIRED', 'Confirm your sign-in with your second factor first');
}

async function getUser(deps: AuthDeps, userId: string): Promise<AuthUserRow> {
  const user = await selectUserById(deps.db.kysely, userId);
  if (!user) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return user;
}

let lastPrune = 0;
const PRUNE_EVERY_MS = 10 * 60_000;

async function pruneNowAndThen(deps: AuthDeps): Promise<void> {
  const now = deps.clock.now().getTime();
  if (Math.abs(now - lastPrune) < PRUNE_EVERY_MS) return;
  lastPrune = now;
  await pruneThrottle(deps.db.kysely, deps.clock, rules(deps));
}

export type SignInResult = {
  token: string;
  csrfToken: string;
  sessionId: string;
  account: Account;
  secondFactorRequired: boolean;
  secondFactorEnrolled: boolean;
  /** Set when the sign-in is complete: the device cookie to (re)set. */
  deviceToken: string | null;
};

/**
 * Password sign-in. An unknown address, a wrong password, an invited or deactivated account all cost one argon2
 * verification and answer the same INVALID_CREDENTIALS; only the audit trail records which it was.
 */
export async function signIn(
  deps: AuthDeps,
  input: { email: string; password: string },
  client: ClientInfo,
  previousSessionToken: string | undefined,
): Promise<SignInResult> {
  const { db, clock } = deps;
  await pruneNowAndThen(deps);
  const email = input.email.trim().toLowerCase();
  const user = await selectUserByEmail(db.kysely, email);
  const subject = attemptSubject(deps.throttleSecret(), {
    userId: user?.id ?? null,
    email,
    clientAddress: client.address,
    deviceToken: client.deviceToken,
  });
  await guardedCheck(
    deps,
    subject,
    {
      action: 'auth.login',
      ...(user ? { resourceType: 'user', resourceId: user.id } : {}),
      details: { method: 'password' },
    },
    async () => {
      const matches = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), input.password);
      if (!user) return 'unknown_account';
      if (!user.passwordHash) return 'no_password';
      if (!matches) return 'wrong_password';
      if (user.status !== 'active') return `account_${user.status}`;
      return null;
    },
    invalidCredentials,
  );
  // guardedCheck returned: the password matched an active account.
  const account = user!;
  const passkeys = await countPasskeys(db.kysely, account.id);
  // A passkey the user registered is a second factor too: the password alone does not finish the sign-in.
  const pending = needsSecondFactor(account) || passkeys > 0;
  const rehash = passwordNeedsRehash(account.passwordHash!) ? await hashPassword(input.password) : null;
  return db.kysely.transaction().execute(async (trx) => {
    const now = clock.now().toISOString();
    const session = await replaceSession(
      trx,
      {
        userId: account.id,
        method: 'password',
        mfaSatisfied: !pending,
        userAgent: client.userAgent,
        previousToken: previousSessionToken,
      },
      clock,
      deps.lifetimes,
    );
    await trx
      .updateTable('appUser')
      .set({ lastLoginAt: now, ...(rehash ? { passwordHash: rehash } : {}) })
      .where('id', '=', account.id)
      .execute();
    const deviceToken = pending
      ? null
      : await rememberDevice(trx, deps.throttleSecret(), account.id, client.deviceToken, clock);
    await appendAudit(
      trx,
      {
        action: 'auth.login',
        outcome: 'success',
        actor: auditActor(account),
        resourceType: 'user',
        resourceId: account.id,
        details: {
          method: 'password',
          sessionId: session.sessionId,
          secondFactorPending: pending,
          replacedSession: session.replacedSession,
          rehashed: rehash !== null,
        },
      },
      clock,
    );
    return {
      ...session,
      account: { ...toAccount(account), lastLoginAt: now },
      secondFactorRequired: pending,
      secondFactorEnrolled: account.totpSecret !== null || passkeys > 0,
      deviceToken,
    };
  });
}

export async function signOut(deps: AuthDeps, auth: ResolvedSession): Promise<void> {
  await deps.db.kysely.transaction().execute(async (trx) => {
    await endSessions(trx, { sessionId: auth.session.id }, 'logout', deps.clock);
    await appendAudit(
      trx,
      {
        action: 'auth.logout',
        outcome: 'success',
        actor: auth.actor,
        resourceType: 'session',
        resourceId: auth.session.id,
      },
      deps.clock,
    );
  });
}

export type Me = {
  account: Account;
  organisation: { id: string; name: string; kind: string };
  secondFactorRequired: boolean;
  secondFactorSatisfied: boolean;
  secondFactorEnrolled: boolean;
  csrfToken: string;
  abilities: Record<Resource, Partial<Record<Action, boolean>>>;
  /** The role's grants with their scopes (how far each ability reaches); empty until the second factor. */
  grants: readonly Grant[];
};

export async function getMe(deps: AuthDeps, auth: ResolvedSession): Promise<Me> {
  const user = await getUser(deps, auth.user.id);
  const organisation = await selectOrganisation(deps.db.kysely, user.organisationId);
  if (!organisation) throw notFound('Organisation');
  const required = auth.secondFactorRequired || user.totpSecret !== null;
  const satisfied = auth.session.mfaSatisfied;
  // Until the second factor is given nothing but the second-factor steps is allowed, so the console shows nothing.
  const usable = satisfied || !auth.secondFactorRequired;
  const abilities = Object.fromEntries(
    RESOURCES.map((r) => [
      r,
      usable
        ? abilitiesFor(auth.actor, r)
        : Object.fromEntries(Object.keys(abilitiesFor(auth.actor, r)).map((a) => [a, false])),
    ]),
  ) as Me['abilities'];
  return {
    account: toAccount(user),
    organisation: { id: organisation.id, name: organisation.name, kind: organisation.kind },
    secondFactorRequired: required,
    secondFactorSatisfied: satisfied,
    secondFactorEnrolled: user.totpSecret !== null || (await countPasskeys(deps.db.kysely, user.id)) > 0,
    csrfToken: auth.session.csrfToken,
    abilities,
    grants: usable ? auth.actor.grants : [],
  };
}

/** Starts (or, after re-authentication, restarts) TOTP enrolment: the secret waits in pending_totp_secret. */
export async function startTotpSetup(
  deps: AuthDeps,
  auth: ResolvedSession,
): Promise<{ secret: string; otpauthUri: string }> {
  const user = await getUser(deps, auth.user.id);
  if (user.totpSecret !== null) {
    // Replacing a working factor: the person must prove both factors recently, not just the password.
    requireFullSignIn(auth);
    requireRecentReauthentication(auth, deps.clock);
  }
  const secret = newTotpSecret();
  await deps.db.kysely.transaction().execute(async (trx) => {
    await trx
      .updateTable('appUser')
      .set({ pendingTotpSecret: secret, updatedAt: deps.clock.now().toISOString() })
      .where('id', '=', user.id)
      .execute();
    await appendAudit(
      trx,
      {
        action: 'auth.totp.setup_started',
        outcome: 'success',
        actor: auth.actor,
        resourceType: 'user',
        resourceId: user.id,
        details: { replacing: user.totpSecret !== null },
      },
      deps.clock,
    );
  });
  return { secret, otpauthUri: totpUri(secret, user.email) };
}

/** Confirms enrolment with a first code: enables TOTP, issues recovery codes (returned once) and completes sign-in. */
export async function confirmTotp(
  deps: AuthDeps,
  auth: ResolvedSession,
  client: ClientInfo,
  code: string,
): Promise<{ recoveryCodes: string[]; deviceToken: string }> {
  const user = await getUser(deps, auth.user.id);
  const pendingSecret = user.pendingTotpSecret;
  if (pendingSecret === null) throw new AppError('CONFLICT', 'Start the authenticator setup first');
  if (user.totpSecret !== null) {
    requireFullSignIn(auth);
    requireRecentReauthentication(auth, deps.clock);
  }
  const accepted: { step: number | null } = { step: null };
  const subject = subjectFor(deps, user, client);
  await guardedCheck(
    deps,
    subject,
    {
      action: 'auth.second_factor',
      actor: auth.actor,
      resourceType: 'user',
      resourceId: user.id,
      details: { method: 'totp_enrolment' },
    },
    async () => {
      accepted.step = await verifyTotp(pendingSecret, code, null, deps.clock);
      return accepted.step === null ? 'invalid_code' : null;
    },
    invalidCode,
  );
  const codes = newRecoveryCodes();
  return deps.db.kysely.transaction().execute(async (trx) => {
    const now = deps.clock.now().toISOString();
    const updated = await trx
      .updateTable('appUser')
      .set({
        totpSecret: pendingSecret,
        pendingTotpSecret: null,
        totpEnabledAt: now,
        totpLastStep: accepted.step,
        updatedAt: now,
      })
      .where('id', '=', user.id)
      .where('pendingTotpSecret', '=', pendingSecret)
      .executeTakeFirst();
    // A concurrent setup replaced the pending secret: the code confirmed a secret nobody will keep.
    if (Number(updated.numUpdatedRows) !== 1)
      throw new AppError('CONFLICT', 'The authenticator setup was restarted; scan the new code');
    await replaceRecoveryCodes(
      trx,
      user.id,
      codes.map((c) => hashRecoveryCode(user.id, c)),
      now,
    );
    const deviceToken = await completeSecondFactor(trx, deps, auth, client);
    await appendAudit(
      trx,
      {
        action: 'auth.totp.enabled',
        outcome: 'success',
        actor: auth.actor,
        resourceType: 'user',
        resourceId: user.id,
        details: {
          replaced: user.totpSecret !== null,
          recoveryCodes: codes.length,
          sessionId: auth.session.id,
        },
      },
      deps.clock,
    );
    return { recoveryCodes: codes, deviceToken };
  });
}

/**
 * The session has its second factor: marked so, and the browser remembered as one that has fully signed in to this
 * account (login throttling then judges it on its own failures).
 */
async function completeSecondFactor(
  trx: Executor,
  deps: AuthDeps,
  auth: ResolvedSession,
  client: ClientInfo,
): Promise<string> {
  await markSession(trx, auth.session.id, { mfaSatisfied: true }, deps.clock);
  return rememberDevice(trx, deps.throttleSecret(), auth.user.id, client.deviceToken, deps.clock);
}

/** The second sign-in step with an authenticator code. */
export async function verifySecondFactor(
  deps: AuthDeps,
  auth: ResolvedSession,
  client: ClientInfo,
  code: string,
): Promise<{ deviceToken: string }> {
  const user = await getUser(deps, auth.user.id);
  const secret = user.totpSecret;
  if (secret === null) throw new AppError('CONFLICT', 'No authenticator app is set up for this account');
  await guardedCheck(
    deps,
    subjectFor(deps, user, client),
    {
      action: 'auth.second_factor',
      actor: auth.actor,
      resourceType: 'user',
      resourceId: user.id,
      details: { method: 'totp' },
    },
    async () => {
      const step = await verifyTotp(secret, code, user.totpLastStep, deps.clock);
      if (step === null) return 'invalid_code';
      // Stored before the session is marked, so two requests racing with one code cannot both pass.
      return (await advanceTotpStep(deps.db.kysely, user.id, step)) ? null : 'reused_code';
    },
    invalidCode,
  );
  return deps.db.kysely.transaction().execute(async (trx) => {
    const deviceToken = await completeSecondFactor(trx, deps, auth, client);
    await appendAudit(
      trx,
      {
        action: 'auth.second_factor',
        outcome: 'success',
        actor: auth.actor,
        resourceType: 'user',
        resourceId: user.id,
        details: { method: 'totp', sessionId: auth.session.id },
      },
      deps.clock,
    );
    return { deviceToken };
  });
}

/** The second sign-in step with a recovery code, which is used up. */
export async function useRecoveryCode(
  deps: AuthDeps,
  auth: ResolvedSession,
  client: ClientInfo,
  code: string,
): Promise<{ remaining: number; deviceToken: string }> {
  const user = await getUser(deps, auth.user.id);
  const codeHash = hashRecoveryCode(user.id, code);
  await guardedCheck(
    deps,
    subjectFor(deps, user, client),
    {
      action: 'auth.second_factor',
      actor: auth.actor,
      resourceType: 'user',
      resourceId: user.id,
      details: { method: 'recovery_code' },
    },
    async () =>
      (await consumeRecoveryCode(deps.db.kysely, user.id, codeHash, deps.clock.now().toISOString()))
        ? null
        : 'invalid_code',
    invalidCode,
  );
  return deps.db.kysely.transaction().execute(async (trx) => {
    const deviceToken = await completeSecondFactor(trx, deps, auth, client);
    const remaining = await countUnusedRecoveryCodes(trx, user.id);
    await appendAudit(
      trx,
      {
        action: 'auth.recovery_code.used',
        outcome: 'success',
        actor: auth.actor,
        resourceType: 'user',
        resourceId: user.id,
        details: { remaining, sessionId: auth.session.id },
      },
      deps.clock,
    );
    return { remaining, deviceToken };
  });
}

export async function disableTotp(deps: AuthDeps, auth: ResolvedSession): Promise<void> {
  requireFullSignIn(auth);
  requireRecentReauthentication(auth, deps.clock);
  const user = await getUser(deps, auth.user.id);
  if (user.totpSecret === null)
    throw new AppError('CONFLICT', 'No authenticator app is set up for this account');
  if (
    requiresSecondFactor(parseGrants(user.roleGrants)) &&
    (await countPasskeys(deps.db.kysely, user.id)) === 0
  )
    throw new AppError(
      'SECOND_FACTOR_MANDATORY',
      'Your role reaches personal data and needs a second factor: add a passkey before removing the authenticator app',
    );
  await deps.db.kysely.transaction().execute(async (trx) => {
    await trx
      .updateTable('appUser')
      .set({
        totpSecret: null,
        pendingTotpSecret: null,
        totpEnabledAt: null,
        totpLastStep: null,
        updatedAt: deps.clock.now().toISOString(),
      })
      .where('id', '=', user.id)
      .execute();
    await replaceRecoveryCodes(trx, user.id, [], '');
    await appendAudit(
      trx,
      {
        action: 'auth.totp.disabled',
        outcome: 'success',
        actor: auth.actor,
        resourceType: 'user',
        resourceId: user.id,
      },
      deps.clock,
    );
  });
}

/** Password (and, when TOTP is enabled, a code) entered again: opens the window for sensitive changes. */
export async function reauthenticate(
  deps: AuthDeps,
  auth: ResolvedSession,
  client: ClientInfo,
  input: { password: string; code?: string | undefined },
): Promise<{ reauthenticatedAt: string }> {
  const user = await getUser(deps, auth.user.id);
  const secret = user.totpSecret;
  if (secret !== null && !input.code)
    throw new AppError('INVALID_SECOND_FACTOR', 'Enter the code from your authenticator app as well');
  const subject = subjectFor(deps, user, client);
  const audit = {
    action: 'auth.reauthenticate',
    actor: auth.actor,
    resourceType: 'user',
    resourceId: user.id,
  };
  await guardedCheck(
    deps,
    subject,
    { ...audit, details: { factor: 'password' } },
    async () => {
      const matches = await verifyPassword(user.passwordHash ?? (await dummyPasswordHash()), input.password);
      return user.passwordHash && matches ? null : 'wrong_password';
    },
    invalidCredentials,
  );
  if (secret !== null) {
    await guardedCheck(
      deps,
      subject,
      { ...audit, details: { factor: 'totp' } },
      async () => {
        const step = await verifyTotp(secret, input.code!, user.totpLastStep, deps.clock);
        if (step === null) return 'invalid_code';
        return (await advanceTotpStep(deps.db.kysely, user.id, step)) ? null : 'reused_code';
      },
      invalidCode,
    );
  }
  return deps.db.kysely.transaction().execute(async (trx) => {
    await markSession(
      trx,
      auth.session.id,
      secret !== null ? { reauthenticated: true, mfaSatisfied: true } : { reauthenticated: true },
      deps.clock,
    );
    await appendAudit(
      trx,
      { ...audit, outcome: 'success', details: { withCode: secret !== null, sessionId: auth.session.id } },
      deps.clock,
    );
    return { reauthenticatedAt: deps.clock.now().toISOString() };
  });
}

/** Changes the password and signs every other session out; only this device stays known to the throttle. */
export async function changePassword(
  deps: AuthDeps,
  auth: ResolvedSession,
  client: ClientInfo,
  input: { currentPassword?: string | undefined; newPassword: string },
): Promise<{ endedSessions: number }> {
  requireFullSignIn(auth);
  const user = await getUser(deps, auth.user.id);
  const problems = passwordProblems(input.newPassword, { email: user.email, displayName: user.displayName });
  if (problems.length > 0)
    throw new AppError(
      'WEAK_PASSWORD',
      'Choose another password',
      problems.map((reason) => ({ field: 'newPassword', reason })),
    );
  const subject = subjectFor(deps, user, client);
  if (input.currentPassword === undefined) {
    requireRecentReauthentication(auth, deps.clock);
  } else {
    const current = input.currentPassword;
    await guardedCheck(
      deps,
      subject,
      { action: 'auth.password.change', actor: auth.actor, resourceType: 'user', resourceId: user.id },
      async () => {
        const matches = await verifyPassword(user.passwordHash ?? (await dummyPasswordHash()), current);
        return user.passwordHash && matches ? null : 'wrong_password';
      },
      invalidCredentials,
    );
  }
  const passwordHash = await hashPassword(input.newPassword);
  return deps.db.kysely.transaction().execute(async (trx) => {
    const now = deps.clock.now().toISOString();
    await trx
      .updateTable('appUser')
      .set({ passwordHash, passwordChangedAt: now, updatedAt: now })
      .where('id', '=', user.id)
      .execute();
    const endedSessions = await endSessions(
      trx,
      { userId: user.id, exceptSessionId: auth.session.id },
      'password_changed',
      deps.clock,
    );
    const forgottenDevices = await forgetDevices(trx, user.id, subject.deviceKey);
    await appendAudit(
      trx,
      {
        action: 'auth.password.changed',
        outcome: 'success',
        actor: auth.actor,
        resourceType: 'user',
        resourceId: user.id,
        details: { endedSessions, forgottenDevices },
      },
      deps.clock,
    );
    return { endedSessions };
  });
}

export type ProfileChange = {
  displayName?: string | undefined;
  locale?: string | undefined;
  email?: string | undefined;
};

/** Changes one's own name, language or email address (the last only right after re-authentication). */
export async function updateOwnProfile(
  deps: AuthDeps,
  auth: ResolvedSession,
  change: ProfileChange,
): Promise<Account> {
  requireFullSignIn(auth);
  const user = await getUser(deps, auth.user.id);
  if (
    !can(auth.actor, 'user', 'update', {
      ownerUserId: user.id,
      organisationId: user.organisationId,
      state: user.status,
    })
  )
    throw new AppError('FORBIDDEN', 'Your role does not allow this');
  const email = change.email?.trim().toLowerCase();
  const set: { displayName?: string; locale?: string; email?: string } = {};
  if (change.displayName !== undefined && change.displayName.trim() !== user.displayName)
    set.displayName = change.displayName.trim();
  if (change.locale !== undefined && change.locale !== user.locale) set.locale = change.locale;
  if (email !== undefined && email !== user.email) {
    requireRecentReauthentication(auth, deps.clock);
    if (await emailTaken(deps.db.kysely, email, user.id))
      throw new AppError('CONFLICT', 'Another account uses this email address', [
        { field: 'email', reason: 'taken' },
      ]);
    set.email = email;
  }
  const fields = Object.keys(set);
  if (fields.length === 0) return toAccount(user);
  await deps.db.kysely.transaction().execute(async (trx) => {
    await trx
      .updateTable('appUser')
      .set({ ...set, updatedAt: deps.clock.now().toISOString() })
      .where('id', '=', user.id)
      .execute();
    await appendAudit(
      trx,
      {
        action: set.email ? 'auth.email.changed' : 'user.update',
        outcome: 'success',
        actor: auth.actor,
        resourceType: 'user',
        resourceId: user.id,
        details: { fields, self: true },
      },
      deps.clock,
    );
  });
  return toAccount({ ...user, ...set });
}

export type OwnSession = SessionListRow & { current: boolean };

export async function listOwnSessions(deps: AuthDeps, auth: ResolvedSession): Promise<OwnSession[]> {
  requireFullSignIn(auth);
  const rows = await selectLiveSessions(
    deps.db.kysely,
    auth.user.id,
    deps.clock.now(),
    deps.lifetimes.sessionIdleMs,
  );
  return rows.map((r) => ({ ...r, current: r.id === auth.session.id }));
}

/** Ends one of the actor's own live sessions; any other id answers 404, whoever it belongs to. */
export async function endOwnSession(
  deps: AuthDeps,
  auth: ResolvedSession,
  sessionId: string,
): Promise<{ current: boolean }> {
  requireFullSignIn(auth);
  const row = await selectSessionOwner(deps.db.kysely, sessionId);
  if (
    !row ||
    row.userId !== auth.user.id ||
    row.endedAt !== null ||
    !can(auth.actor, 'session', 'end', {
      ownerUserId: row.userId,
      organisationId: row.organisationId,
      state: 'active',
    })
  )
    throw notFound('Session');
  const current = row.id === auth.session.id;
  await deps.db.kysely.transaction().execute(async (trx) => {
    await endSessions(trx, { sessionId: row.id }, 'ended_by_user', deps.clock);
    await appendAudit(
      trx,
      {
        action: 'auth.session.ended',
        outcome: 'success',
        actor: auth.actor,
        resourceType: 'session',
        resourceId: row.id,
        details: { current, reason: 'ended_by_user' },
      },
      deps.clock,
    );
  });
  return { current };
}

export type NewAdmin = {
  email: string;
  displayName: string;
  organisation: string;
  password: string;
  locale: string;
  forceAdditional: boolean;
};

/**
 * The first account of an instance (or, with forceAdditional, another administrator): no default credentials exist
 * anywhere, so this is how a city gets in. Creates the organisation when it does not exist yet.
 */
export async function createAdmin(
  db: Db,
  input: NewAdmin,
  clock: Clock,
): Promise<{ account: Account; organisation: { id: string; name: string; created: boolean } }> {
  const email = input.email.trim().toLowerCase();
  const displayName = input.displayName.trim();
  const orgName = input.organisation.trim();
  const problems = passwordProblems(input.password, { email, displayName });
  if (problems.length > 0)
    throw new AppError(
      'WEAK_PASSWORD',
      'Choose another password',
      problems.map((reason) => ({ field: 'password', reason })),
    );
  const passwordHash = await hashPassword(input.password);
  return db.kysely.transaction().execute(async (trx) => {
    if (!input.forceAdditional && (await countActiveUsersWithRole(trx, 'city_admin')) > 0)
      throw new AppError(
        'CONFLICT',
        'An active city administrator already exists; sign in as them, or pass --force-additional to add another',
      );
    if (await emailTaken(trx, email))
      throw new AppError('CONFLICT', 'Another account uses this email address', [
        { field: 'email', reason: 'taken' },
      ]);
    const now = clock.now().toISOString();
    let organisation = await selectOrganisationByName(trx, orgName);
    const created = organisation === undefined;
    if (organisation?.archivedAt) throw new AppError('CONFLICT', `The organisation ${orgName} is archived`);
    if (!organisation) {
      organisation = {
        id: newId(),
        name: orgName,
        kind: 'city_department',
        createdAt: now,
        updatedAt: now,
        archivedAt: null,
      };
      await insertOrganisation(trx, organisation);
      await appendAudit(
        trx,
        {
          action: 'organisation.create',
          outcome: 'success',
          actor: null,
          resourceType: 'organisation',
          resourceId: organisation.id,
          details: { kind: 'city_department', via: 'cli' },
        },
        clock,
      );
    }
    const id = newId();
    await insertUser(trx, {
      id,
      organisationId: organisation.id,
      roleCode: 'city_admin',
      email,
      displayName,
      locale: input.locale,
      passwordHash,
      passwordChangedAt: now,
      totpSecret: null,
      pendingTotpSecret: null,
      totpEnabledAt: null,
      totpLastStep: null,
      status: 'active',
      lastLoginAt: null,
      createdAt: now,
      updatedAt: now,
      deactivatedAt: null,
    });
    await appendAudit(
      trx,
      {
        action: 'user.create_admin',
        outcome: 'success',
        actor: null,
        resourceType: 'user',
        resourceId: id,
        details: {
          roleCode: 'city_admin',
          organisationId: organisation.id,
          organisationCreated: created,
          additional: input.forceAdditional,
          via: 'cli',
        },
      },
      clock,
    );
    const user = await selectUserById(trx, id);
    return {
      account: toAccount(user!),
      organisation: { id: organisation.id, name: organisation.name, created },
    };
  });
}
