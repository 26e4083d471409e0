import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { AppError } from '../errors.ts';

/** The Ed25519 key that signs audit checkpoints. It lives in a file, never in the database. */
export type AuditSigningKey = {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
};

/** A key a verifier trusts for checkpoint signatures. */
export type AuditPublicKey = { keyId: string; publicKey: KeyObject; publicKeyPem: string };

/** What a checkpoint signature covers. */
export type CheckpointClaim = { seq: number; hash: string; signedAt: string; keyId: string };

export const DEFAULT_SIGNING_KEY_FILE = 'audit-signing-key.pem';

/** First 16 hex digits of SHA-256 over the raw 32-byte Ed25519 public key. */
export function auditKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(rawEd25519PublicKey(publicKey)).digest('hex').slice(0, 16);
}

function rawEd25519PublicKey(publicKey: KeyObject): Buffer {
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new AppError('VALIDATION_FAILED', `Audit keys must be Ed25519, not ${publicKey.asymmetricKeyType}`);
  }
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url');
}

export function toAuditPublicKey(key: KeyObject | string): AuditPublicKey {
  let publicKey: KeyObject;
  try {
    publicKey = typeof key === 'string' ? createPublicKey(key) : key;
  } catch (e) {
    throw new AppError('VALIDATION_FAILED', 'Not a PEM public key', [{ reason: (e as Error).message }]);
  }
  // A private KeyObject passed by mistake still yields the right public half.
  if (publicKey.type === 'private') publicKey = createPublicKey(publicKey);
  return {
    keyId: auditKeyId(publicKey),
    publicKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

export function auditSigningKeyFromPrivate(privateKey: KeyObject): AuditSigningKey {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new AppError('VALIDATION_FAILED', 'The audit signing key must be an Ed25519 private key');
  }
  const { keyId, publicKey, publicKeyPem } = toAuditPublicKey(createPublicKey(privateKey));
  return { keyId, privateKey, publicKey, publicKeyPem };
}

export function generateAuditSigningKey(): AuditSigningKey {
  return auditSigningKeyFromPrivate(generateKeyPairSync('ed25519').privateKey);
}

/** Reads an Ed25519 private key (PKCS#8 PEM). */
export function readAuditSigningKey(file: string): AuditSigningKey {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AppError('VALIDATION_FAILED', `Cannot read the audit signing key ${file}`, [
      { file, reason: code === 'ENOENT' ? 'no such file' : String(e) },
    ]);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (e) {
    throw new AppError('VALIDATION_FAILED', `The audit signing key ${file} is not a PEM private key`, [
      { file, reason: (e as Error).message },
    ]);
  }
  return auditSigningKeyFromPrivate(privateKey);
}

/**
 * Reads the key, creating it (mode 0600) when the file does not exist yet. Creation uses O_EXCL so two processes
 * starting together cannot each write a different key: the loser reads the winner's.
 */
export function loadOrCreateAuditSigningKey(file: string): AuditSigningKey {
  if (!fs.existsSync(file)) {
    const key = generateAuditSigningKey();
    const pem = key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
      return key;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return readAuditSigningKey(file);
}

/**
 * The instance's signing key: AUDIT_SIGNING_KEY_FILE when set (it must exist: a configured path that is missing is
 * a deployment mistake, and silently creating a new key there would split the checkpoints over two keys), otherwise
 * `<DATA_DIR>/audit-signing-key.pem`, created on first use.
 */
export function loadAuditSigningKey(config: {
  dataDir: string;
  auditSigningKeyFile: string | undefined;
}): AuditSigningKey {
  if (config.auditSigningKeyFile) return readAuditSigningKey(config.auditSigningKeyFile);
  return loadOrCreateAuditSigningKey(path.join(config.dataDir, DEFAULT_SIGNING_KEY_FILE));
}

/** The exact bytes a checkpoint signature covers: RFC 8785 JSON of { hash, keyId, seq, signedAt }. */
export function checkpointMessage(claim: CheckpointClaim): string {
  return canonicalize({ seq: claim.seq, hash: claim.hash, signedAt: claim.signedAt, keyId: claim.keyId })!;
}

export function signCheckpoint(key: AuditSigningKey, claim: Omit<CheckpointClaim, 'keyId'>): string {
  return sign(null, Buffer.from(checkpointMessage({ ...claim, keyId: key.keyId })), key.privateKey).toString(
    'base64',
  );
}

export function checkpointSignatureValid(
  publicKey: KeyObject,
  claim: CheckpointClaim,
  signature: string,
): boolean {
  try {
    return verify(null, Buffer.from(checkpointMessage(claim)), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    // Garbage a database attacker wrote (wrong length, bad base64) is simply an invalid signature.
    return false;
  }
}
