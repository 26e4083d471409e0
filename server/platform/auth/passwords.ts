/**
 * Password hashing and password rules for staff accounts.
 *
 * Hashing is argon2id with m = 19456 KiB (19 MiB), t = 2, p = 1: the first OWASP Password Storage Cheat Sheet
 * configuration for argon2id (2024), which costs roughly 20–40 ms per hash on one core. The parameters live in the
 * PHC string, so raising them later only affects new hashes; `passwordNeedsRehash` tells when a stored hash is weaker
 * than today's setting so it can be replaced at the next successful login.
 *
 * Rules (NIST SP 800-63B §5.1.1.2): 12 to 128 characters, no composition rules, not a known common/breached password,
 * not built from the person's own email or name. The common-password list is the "passwords-common" dictionary of
 * @zxcvbn-ts/language-common (MIT), compared case-insensitively.
 */
import { hash, verify, parseOptions, type Algorithm, type Options } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

// `Algorithm` is a declared const enum, which type stripping cannot inline: 2 is its Argon2id member.
const ARGON2ID: Algorithm = 2;

export const ARGON2_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const satisfies Options;

export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'contains_email' | 'contains_name';

export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** False for a wrong password and for a stored value that is not an argon2 hash (never throws on bad input). */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

/** A stored hash made with weaker parameters (or another variant) than today's. */
export function passwordNeedsRehash(storedHash: string): boolean {
  try {
    const o = parseOptions(storedHash);
    return (
      o.algorithm !== ARGON2_OPTIONS.algorithm ||
      o.memoryCost < ARGON2_OPTIONS.memoryCost ||
      o.timeCost < ARGON2_OPTIONS.timeCost ||
      o.outputLen < ARGON2_OPTIONS.outputLen
    );
  } catch {
    return true;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * A hash of a random password with the current parameters. Verifying against it costs what verifying a real account
 * costs, so "no such account" answers as slowly as "wrong password".
 */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hash(crypto.randomUUID(), ARGON2_OPTIONS);
  return dummyHash;
}

let commonPasswords: Set<string> | undefined;

function commonPasswordSet(): Set<string> {
  commonPasswords ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return commonPasswords;
}

export function isCommonPassword(password: string): boolean {
  return commonPasswordSet().has(password.toLowerCase());
}

/** Letters and digits only, lower-cased: "Anna-Maria" and "annamaria" count as the same name. */
const fold = (s: string): string =>
  s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');

/**
 * Parts of the person's identity too guessable to appear in their password: the email's local part and domain label,
 * and each word of the display name. Parts shorter than 4 characters are ignored so that "Li" does not forbid
 * "Climbing…".
 */
function identityParts(context: { email?: string | null; displayName?: string | null }): {
  email: string[];
  name: string[];
} {
  const email: string[] = [];
  const name: string[] = [];
  if (context.email) {
    const [local = '', domain = ''] = context.email.toLowerCase().split('@');
    email.push(fold(local), ...local.split(/[^\p{L}\p{N}]+/u).map(fold));
    const label = domain.split('.')[0];
    if (label) email.push(fold(label));
  }
  if (context.displayName) {
    name.push(fold(context.displayName), ...context.displayName.split(/[^\p{L}\p{N}]+/u).map(fold));
  }
  const keep = (parts: string[]) => [...new Set(parts.filter((p) => p.length >= 4))];
  return { email: keep(email), name: keep(name) };
}

/** Every reason the password is refused, in a stable order; empty when it is acceptable. */
export function passwordProblems(
  password: string,
  context: { email?: string | null; displayName?: string | null } = {},
): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  // Code points, not UTF-16 units: "12 characters" means what a person counts.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) problems.push('too_short');
  if (length > PASSWORD_MAX_LENGTH) problems.push('too_long');
  if (isCommonPassword(password)) problems.push('common');
  const folded = fold(password);
  const parts = identityParts(context);
  if (parts.email.some((p) => folded.includes(p))) problems.push('contains_email');
  if (parts.name.some((p) => folded.includes(p))) problems.push('contains_name');
  return problems;
}
