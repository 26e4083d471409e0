import { describe, expect, it } from 'vitest';
import { fixedClock } from '../clock.ts';
import {
  currentTotp,
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  normaliseRecoveryCode,
  totpUri,
  verifyTotp,
} from './totp.ts';

// RFC 6238 appendix B: the SHA-1 secret "12345678901234567890" in Base32, at T = 59 s → 94287082 (8 digits).
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP', () => {
  it('matches the RFC 6238 test vector (last six digits)', async () => {
    expect(await currentTotp(RFC_SECRET, fixedClock('1970-01-01T00:00:59Z'))).toBe('287082');
    expect(await verifyTotp(RFC_SECRET, '287082', null, fixedClock('1970-01-01T00:00:59Z'))).toBe(1);
  });

  it('accepts a code one step early or late, not two', async () => {
    const secret = newTotpSecret();
    const at = fixedClock('2025-03-01T12:00:15Z');
    const step = Math.floor(Date.parse('2025-03-01T12:00:15Z') / 30_000);
    for (const offset of [-1, 0, 1]) {
      const code = await currentTotp(secret, at, offset);
      expect(await verifyTotp(secret, code, null, at)).toBe(step + offset);
    }
    for (const offset of [-2, 2]) {
      expect(await verifyTotp(secret, await currentTotp(secret, at, offset), null, at)).toBeNull();
    }
  });

  it('refuses a code for the last accepted step or an earlier one (no replay)', async () => {
    const secret = newTotpSecret();
    const at = fixedClock('2025-03-01T12:00:15Z');
    const code = await currentTotp(secret, at);
    const step = await verifyTotp(secret, code, null, at);
    expect(step).not.toBeNull();
    expect(await verifyTotp(secret, code, step, at)).toBeNull();
    expect(await verifyTotp(secret, await currentTotp(secret, at, -1), step, at)).toBeNull();
    expect(await verifyTotp(secret, await currentTotp(secret, at, 1), step, at)).toBe(step! + 1);
  });

  it('tolerates a space in the middle and refuses anything but six digits', async () => {
    const secret = newTotpSecret();
    const at = fixedClock('2025-03-01T12:00:15Z');
    const code = await currentTotp(secret, at);
    expect(await verifyTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, null, at)).not.toBeNull();
    expect(await verifyTotp(secret, code.slice(0, 5), null, at)).toBeNull();
    expect(await verifyTotp(secret, 'abcdef', null, at)).toBeNull();
  });

  it('makes 160-bit secrets and an otpauth URI authenticator apps read', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(totpUri(secret, 'anna@city.example'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Cohesion');
    expect(decodeURIComponent(uri.pathname)).toContain('anna@city.example');
  });
});

describe('recovery codes', () => {
  it('makes ten distinct 80-bit codes in groups of four', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
  });

  it('hashes per user and ignores case, spaces, dashes and look-alike letters', () => {
    const [code] = newRecoveryCodes(1) as [string];
    const h = hashRecoveryCode('user-1', code);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode('user-1', code.toLowerCase().replaceAll('-', ' '))).toBe(h);
    expect(hashRecoveryCode('user-2', code)).not.toBe(h);
    expect(normaliseRecoveryCode('abcd-efgh io l0')).toBe('ABCDEFGH1010');
  });
});
