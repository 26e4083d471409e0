/**
 * Passkeys (WebAuthn) through @simplewebauthn/server: this module only chooses the options, keeps the challenges
 * and names the reason a response was refused. Every cryptographic check (origin, RP ID hash, user presence and
 * verification, signature, counter) is the library's.
 *
 * Challenges live in process memory, each bound to one purpose (and to one session where there is one), used at
 * most once and for five minutes. Several app instances behind a load balancer (issue 8) must move them to Redis.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Clock } from '../clock.ts';

export type WebAuthnSettings = { rpId: string; rpName: string; origin: string };

export const CHALLENGE_TTL_MS = 5 * 60_000;

/** Beyond this many open challenges the oldest are dropped, so unauthenticated callers cannot grow memory. */
const MAX_OPEN_CHALLENGES = 10_000;

export const AUTHENTICATOR_TRANSPORTS = [
  'ble',
  'cable',
  'hybrid',
  'internal',
  'nfc',
  'smart-card',
  'usb',
] as const;
export type Transport = (typeof AUTHENTICATOR_TRANSPORTS)[number];

export type ChallengeStore = {
  /** Keeps the challenge under `key`, replacing one still open there. */
  put(key: string, challenge: string): void;
  /** The challenge under `key`, removed so it can never be used again; undefined when absent or expired. */
  take(key: string): string | undefined;
};

export function createChallengeStore(clock: Clock, maxOpen = MAX_OPEN_CHALLENGES): ChallengeStore {
  const open = new Map<string, { challenge: string; expiresAt: number }>();
  const sweep = (now: number) => {
    for (const [key, entry] of open) if (entry.expiresAt <= now) open.delete(key);
  };
  return {
    put(key, challenge) {
      const now = clock.now().getTime();
      open.delete(key);
      if (open.size >= maxOpen) sweep(now);
      // Map iteration follows insertion order: the first key is the oldest challenge.
      while (open.size >= maxOpen) open.delete(open.keys().next().value!);
      open.set(key, { challenge, expiresAt: now + CHALLENGE_TTL_MS });
    },
    take(key) {
      const entry = open.get(key);
      open.delete(key);
      if (!entry || entry.expiresAt <= clock.now().getTime()) return undefined;
      return entry.challenge;
    },
  };
}

/** Why a WebAuthn response was refused: a stable code for the audit trail and the API. */
export type PasskeyRefusal =
  | 'challenge_unknown'
  | 'origin_mismatch'
  | 'counter_regression'
  | 'user_not_verified'
  | 'unknown_credential'
  | 'user_handle_mismatch'
  | 'verification_failed';

export class PasskeyRefused extends Error {
  readonly reason: PasskeyRefusal;
  constructor(reason: PasskeyRefusal, message: string) {
    super(message);
    this.name = 'PasskeyRefused';
    this.reason = reason;
  }
}

function refusalOf(error: unknown): PasskeyRefused {
  if (error instanceof PasskeyRefused) return error;
  const message = error instanceof Error ? error.message : String(error);
  // The library reports failures as plain Errors; the few that matter to an investigator are told apart by text.
  const reason: PasskeyRefusal = /counter value/i.test(message)
    ? 'counter_regression'
    : /user verification/i.test(message)
      ? 'user_not_verified'
      : /origin/i.test(message)
        ? 'origin_mismatch'
        : 'verification_failed';
  return new PasskeyRefused(reason, message);
}

/** The challenge a response claims to answer (unverified: only to find the stored one), or undefined. */
export function claimedChallenge(clientDataJSON: string): string | undefined {
  try {
    const challenge = decodeClientDataJSON(clientDataJSON).challenge;
    return typeof challenge === 'string' && challenge.length > 0 ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/** The WebAuthn user handle of an account: its id, which says nothing about the person. */
export const userHandleOf = (userId: string): string => isoBase64URL.fromUTF8String(userId);

export function registrationOptions(
  settings: WebAuthnSettings,
  user: { id: string; email: string; displayName: string },
  existing: ReadonlyArray<{ id: string; transports: Transport[] }>,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: settings.rpName,
    rpID: settings.rpId,
    userName: user.email,
    userDisplayName: user.displayName,
    userID: isoBase64URL.toBuffer(userHandleOf(user.id)),
    timeout: CHALLENGE_TTL_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports })),
    // Discoverable, so the passkey alone signs in; verified (PIN, biometrics), so it counts as two factors.
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
}

export type RegisteredPasskey = {
  id: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: Transport[];
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
};

export async function verifyRegistration(
  settings: WebAuthnSettings,
  response: RegistrationResponseJSON,
  expectedChallenge: string,
): Promise<RegisteredPasskey> {
  try {
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: settings.origin,
      expectedRPID: settings.rpId,
      requireUserVerification: true,
    });
    if (!result.verified)
      throw new PasskeyRefused('verification_failed', 'The registration was not verified');
    const { credential, credentialDeviceType, credentialBackedUp } = result.registrationInfo;
    return {
      id: credential.id,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      counter: credential.counter,
      transports: knownTransports(response.response.transports ?? []),
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
    };
  } catch (e) {
    throw refusalOf(e);
  }
}

/**
 * Options for signing in or confirming a sign-in. Without `allow` the browser offers every passkey it holds for
 * this site (discoverable credentials), so the account is not named before the user picks one.
 */
export function authenticationOptions(
  settings: WebAuthnSettings,
  allow?: ReadonlyArray<{ id: string; transports: Transport[] }>,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: settings.rpId,
    timeout: CHALLENGE_TTL_MS,
    userVerification: 'required',
    ...(allow ? { allowCredentials: allow.map((c) => ({ id: c.id, transports: c.transports })) } : {}),
  });
}

export type StoredPasskey = {
  id: string;
  userId: string;
  publicKey: string;
  counter: number;
  transports: Transport[];
};

/** Verifies an assertion by a stored passkey; returns the counter to store. */
export async function verifyAuthentication(
  settings: WebAuthnSettings,
  response: AuthenticationResponseJSON,
  expectedChallenge: string,
  passkey: StoredPasskey,
): Promise<{ newCounter: number }> {
  // A discoverable credential names its account; it must be the one the credential was registered to.
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== userHandleOf(passkey.userId))
    throw new PasskeyRefused('user_handle_mismatch', 'The passkey names another account');
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: settings.origin,
      expectedRPID: settings.rpId,
      credential: {
        id: passkey.id,
        publicKey: isoBase64URL.toBuffer(passkey.publicKey),
        counter: passkey.counter,
        transports: passkey.transports,
      },
      requireUserVerification: true,
    });
    if (!result.verified)
      throw new PasskeyRefused('verification_failed', 'The passkey signature was not verified');
    return { newCounter: result.authenticationInfo.newCounter };
  } catch (e) {
    throw refusalOf(e);
  }
}

export function knownTransports(values: readonly string[]): Transport[] {
  return AUTHENTICATOR_TRANSPORTS.filter((t) => values.includes(t));
}
