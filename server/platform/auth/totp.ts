/**
 * Time-based one-time passwords (RFC 6238 through otplib) and recovery codes.
 *
 * TOTP: SHA-1, 6 digits, 30-second steps, what every authenticator app supports; a code is accepted one step
 * early or late (clock drift, typing time) and never twice: the caller stores the accepted step in
 * app_user.totp_last_step and passes it back, and a code for that step or an earlier one is refused.
 *
 * Recovery codes: 10 per enrolment, 80 random bits each, shown once; only their SHA-256 (bound to the user id) is
 * stored. 80 bits make a fast hash safe here: unlike passwords they cannot be guessed from a dictionary.
 */
import { createHash, randomBytes } from 'node:crypto';
import { generate, generateSecret, generateURI, verify } from 'otplib';
import type { Clock } from '../clock.ts';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** One step either side of the current one. */
export const TOTP_TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS;
export const TOTP_ISSUER = 'Cohesion';

export const RECOVERY_CODE_COUNT = 10;

/** A new Base32 secret of 20 random bytes (160 bits, RFC 4226's recommended length). */
export const newTotpSecret = (): string => generateSecret({ length: 20 });

/** The otpauth:// URI an authenticator app reads from a QR code. */
export function totpUri(secret: string, accountLabel: string): string {
  return generateURI({
    issuer: TOTP_ISSUER,
    label: accountLabel,
    secret,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

const epochOf = (clock: Clock): number => Math.floor(clock.now().getTime() / 1000);

/** The code an authenticator shows now: for tests and for nothing else in the server. */
export function currentTotp(secret: string, clock: Clock, offsetSteps = 0): Promise<string> {
  return generate({
    secret,
    epoch: epochOf(clock) + offsetSteps * TOTP_PERIOD_SECONDS,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

/**
 * The time step the code belongs to, or null when it is wrong, outside the window, or for a step at or before
 * `lastStep` (already used).
 */
export async function verifyTotp(
  secret: string,
  code: string,
  lastStep: number | null,
  clock: Clock,
): Promise<number | null> {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const result = await verify({
    secret,
    token,
    epoch: epochOf(clock),
    epochTolerance: TOTP_TOLERANCE_SECONDS,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    ...(lastStep === null ? {} : { afterTimeStep: lastStep }),
  });
  // otplib types the result for TOTP and HOTP alike; only the TOTP one carries the matched step.
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

// Crockford's Base32 alphabet: no I, L, O or U, so a code read aloud or copied by hand survives.
const RECOVERY_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Ten fresh codes, formatted XXXX-XXXX-XXXX-XXXX (16 symbols × 5 bits = 80 bits). */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(16);
    const symbols = [...bytes].map((b) => RECOVERY_ALPHABET[b & 31]!).join('');
    return symbols.match(/.{4}/g)!.join('-');
  });
}

/** What a person typed, in canonical form: case, spaces, dashes and look-alike letters do not matter. */
export function normaliseRecoveryCode(input: string): string {
  return input
    .toUpperCase()
    .replace(/[\s-]+/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
}

export function hashRecoveryCode(userId: string, code: string): string {
  return createHash('sha256')
    .update(`${userId}\0${normaliseRecoveryCode(code)}`)
    .digest('hex');
}
