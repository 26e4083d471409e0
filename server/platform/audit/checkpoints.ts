import canonicalize from 'canonicalize';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/database.ts';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import { AUDIT_CHECKPOINT_LOCK_KEY, lockAuditChain } from './audit.ts';
import {
  auditKeyId,
  checkpointSignatureValid,
  signCheckpoint,
  toAuditPublicKey,
  type AuditPublicKey,
  type AuditSigningKey,
} from './signing-key.ts';
import { verifyAuditChain, type AuditCheckpointRecord } from './verify.ts';

/**
 * Signs the current head of the chain: "entry seq N has hash H", Ed25519 over RFC 8785 JSON of
 * { hash, keyId, seq, signedAt }. Returns null when there is nothing new to sign.
 *
 * Before signing it re-verifies the entries since the previous checkpoint (a few thousand at most), so a checkpoint
 * never vouches for a segment that is already inconsistent; the whole history is `audit verify`'s job.
 *
 * A checkpoint writes no audit entry of its own: the checkpoint row is itself a signed, timestamped record, and an
 * entry would move the head it has just signed (or have to sign itself), so an idle instance checkpointing on a timer
 * would grow the chain with nothing but its own bookkeeping.
 */
export async function createCheckpoint(
  db: Db,
  clock: Clock,
  key: AuditSigningKey,
): Promise<AuditCheckpointRecord | null> {
  const previous = await findLatestCheckpoint(db);
  if (
    previous &&
    previous.keyId === key.keyId &&
    !checkpointSignatureValid(key.publicKey, previous, previous.signature)
  ) {
    throw new AppError(
      'CONFLICT',
      `The audit checkpoint at seq ${previous.seq} does not verify under this instance's key; not signing on top of it`,
    );
  }
  const segment = await verifyAuditChain(db, {
    publicKeys: [key],
    ...(previous ? { after: { seq: previous.seq, hash: previous.hash } } : {}),
  });
  if (!segment.ok) {
    const bad = segment.firstBad!;
    throw new AppError(
      'CONFLICT',
      `The audit chain is broken at seq ${bad.seq} (${bad.reason}); not signing it`,
      [{ seq: bad.seq, reason: bad.reason, detail: bad.detail }],
    );
  }
  const head = segment.head;
  if (head.seq === 0 || (previous && head.seq <= previous.seq)) return null;

  return db.kysely.transaction().execute(async (trx) => {
    await lockAuditChain(trx, AUDIT_CHECKPOINT_LOCK_KEY);
    // Another process may have signed while this one verified: checkpoints only ever move forward.
    const latest = await trx
      .selectFrom('auditCheckpoint')
      .select('seq')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (latest && latest.seq >= head.seq) return null;
    const signedAt = clock.now().toISOString();
    const checkpoint: AuditCheckpointRecord = {
      seq: head.seq,
      hash: head.hash,
      signedAt,
      keyId: key.keyId,
      signature: signCheckpoint(key, { seq: head.seq, hash: head.hash, signedAt }),
    };
    await trx.insertInto('auditCheckpoint').values(checkpoint).execute();
    return checkpoint;
  });
}

// One check at a time per database handle: many requests finishing together must not each verify the same segment.
const inFlight = new WeakMap<Db, Promise<AuditCheckpointRecord | null>>();

/**
 * Signs the head when at least `every` entries have been appended since the last checkpoint. Call it after a commit,
 * never inside a transaction (it opens its own). Two cheap indexed reads when there is nothing to do.
 */
export async function maybeCheckpoint(
  db: Db,
  clock: Clock,
  key: AuditSigningKey,
  every: number,
): Promise<AuditCheckpointRecord | null> {
  const running = inFlight.get(db);
  if (running) return running;
  const run = (async () => {
    const head = await db.kysely
      .selectFrom('auditEvent')
      .select('seq')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const latest = await findLatestCheckpoint(db);
    if (!head || head.seq - (latest?.seq ?? 0) < every) return null;
    return createCheckpoint(db, clock, key);
  })();
  inFlight.set(db, run);
  try {
    return await run;
  } finally {
    inFlight.delete(db);
  }
}

export async function findLatestCheckpoint(db: Db): Promise<AuditCheckpointRecord | undefined> {
  return db.kysely
    .selectFrom('auditCheckpoint')
    .selectAll()
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * The checkpoints as JSON lines, oldest first, for a system outside this instance to keep: each line is RFC 8785
 * JSON of { hash, keyId, publicKey?, seq, signature, signedAt }, with the signer's public key (SPKI PEM) when it is
 * one of `publicKeys`, so each line can be checked on its own.
 */
export async function exportCheckpoints(
  db: Db,
  options: { publicKeys?: ReadonlyArray<KeyObject | string | AuditPublicKey>; afterSeq?: number } = {},
): Promise<string> {
  const keys = new Map<string, string>();
  for (const key of options.publicKeys ?? []) {
    const publicKey = typeof key === 'object' && 'keyId' in key ? key : toAuditPublicKey(key);
    keys.set(publicKey.keyId, publicKey.publicKeyPem);
  }
  const rows = await db.kysely
    .selectFrom('auditCheckpoint')
    .selectAll()
    .where('seq', '>', options.afterSeq ?? 0)
    .orderBy('seq')
    .execute();
  return rows
    .map((cp) => {
      const publicKey = keys.get(cp.keyId);
      return canonicalize({ ...cp, ...(publicKey ? { publicKey } : {}) })! + '\n';
    })
    .join('');
}

const exportedLine = z.object({
  seq: z.number().int(),
  hash: z.string(),
  signedAt: z.string(),
  keyId: z.string(),
  signature: z.string(),
  publicKey: z.string().optional(),
});

/**
 * Reads what exportCheckpoints wrote. Public keys found in it are returned for the verifier to trust: the file is
 * the copy kept outside the instance, so it is the trust anchor (someone able to rewrite it could also simply
 * delete lines from it). A key whose id does not match the line is refused.
 */
export function parseCheckpointExport(text: string): {
  checkpoints: AuditCheckpointRecord[];
  publicKeys: AuditPublicKey[];
} {
  const checkpoints: AuditCheckpointRecord[] = [];
  const publicKeys = new Map<string, AuditPublicKey>();
  const problems: Array<{ line: number; reason: string }> = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    const line = index + 1;
    let parsed: z.infer<typeof exportedLine>;
    try {
      parsed = exportedLine.parse(JSON.parse(raw));
    } catch (e) {
      problems.push({ line, reason: e instanceof z.ZodError ? z.prettifyError(e) : (e as Error).message });
      return;
    }
    const { publicKey, ...checkpoint } = parsed;
    if (publicKey !== undefined) {
      try {
        const key = toAuditPublicKey(publicKey);
        if (key.keyId !== checkpoint.keyId) {
          problems.push({
            line,
            reason: `its public key has id ${auditKeyId(key.publicKey)}, not ${checkpoint.keyId}`,
          });
          return;
        }
        publicKeys.set(key.keyId, key);
      } catch (e) {
        problems.push({ line, reason: (e as Error).message });
        return;
      }
    }
    checkpoints.push(checkpoint);
  });
  if (problems.length) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${problems.length} lines of the checkpoint export are invalid`,
      problems,
    );
  }
  return { checkpoints, publicKeys: [...publicKeys.values()] };
}
