import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import {
  ARGON2_OPTIONS,
  hashPassword,
  isCommonPassword,
  passwordNeedsRehash,
  passwordProblems,
  verifyPassword,
} from './passwords.ts';

describe('password hashing', () => {
  it('hashes with argon2id at the documented parameters, salted, and verifies only the right password', async () => {
    const a = await hashPassword('tulip granite harbour lantern');
    const b = await hashPassword('tulip granite harbour lantern');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, 'tulip granite harbour lantern')).toBe(true);
    expect(await verifyPassword(a, 'tulip granite harbour lanterN')).toBe(false);
    expect(passwordNeedsRehash(a)).toBe(false);
  });

  it('answers false, never throws, for a stored value that is not an argon2 hash', async () => {
    expect(await verifyPassword('', 'x')).toBe(false);
    expect(await verifyPassword('plaintext', 'plaintext')).toBe(false);
  });

  it('asks for a rehash of hashes weaker than today’s parameters', async () => {
    const weak = await hash('tulip granite harbour lantern', {
      ...ARGON2_OPTIONS,
      memoryCost: 4096,
      timeCost: 1,
    });
    expect(passwordNeedsRehash(weak)).toBe(true);
    expect(await verifyPassword(weak, 'tulip granite harbour lantern')).toBe(true);
    expect(passwordNeedsRehash('not a hash')).toBe(true);
  });
});

describe('passwordProblems', () => {
  const who = { email: 'anna.schmidt@stadt-example.de', displayName: 'Anna-Lena Schmidt' };

  it('accepts a long unrelated passphrase', () => {
    expect(passwordProblems('tulip granite harbour lantern', who)).toEqual([]);
  });

  it('counts characters, not UTF-16 units: 12 is the minimum and 128 the maximum', () => {
    expect(passwordProblems('ab3$ef7&ij1', who)).toEqual(['too_short']);
    expect(passwordProblems('ab3$ef7&ij1!', who)).toEqual([]);
    // 11 emoji are 22 UTF-16 units but 11 characters.
    expect(passwordProblems('🦊'.repeat(11), who)).toEqual(['too_short']);
    expect(passwordProblems('x7'.repeat(64), who)).toEqual([]);
    expect(passwordProblems('x7'.repeat(64) + 'q', who)).toEqual(['too_long']);
  });

  it('refuses passwords from the common-password list, whatever their case', () => {
    expect(isCommonPassword('password')).toBe(true);
    expect(isCommonPassword('PaSsWoRd')).toBe(true);
    // "1qaz2wsx3edc" is a keyboard walk of exactly 12 characters, long enough yet in the list.
    expect(passwordProblems('1QAZ2WSX3EDC', who)).toEqual(['common']);
    expect(passwordProblems('qwerty', who)).toEqual(['too_short', 'common']);
  });

  it('refuses passwords built from the person’s email or name', () => {
    expect(passwordProblems('my-own-schmidt-secret!', who)).toEqual(['contains_email', 'contains_name']);
    expect(passwordProblems('stadt-example-2025!!', who)).toEqual(['contains_email']);
    expect(passwordProblems('Lena loves tulips', who)).toEqual(['contains_name']);
    // Short name parts ("Li") do not forbid ordinary words that contain them.
    expect(passwordProblems('climbing granite walls', { displayName: 'Li Wu' })).toEqual([]);
  });
});
