import { hash as sha256 } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { AuditCheckpointTable, AuditEventTable, Database } from '../../db/schema.ts';
import { GENESIS_HASH, type AuditEventContent } from './audit.ts';
import { checkpointSignatureValid, toAuditPublicKey, type AuditPublicKey } from './signing-key.ts';

export type AuditBreakReason =
  /** The entry's content no longer hashes to its stored hash: it was edited (or renumbered). */
  | 'hash_mismatch'
  /** The entry's prev_hash is not the previous entry's hash: the previous entry was rewritten, or this link was. */
  | 'broken_link'
  /** An entry was added in the middle and the later ones renumbered (seq names the added entry). */
  | 'inserted'
  /** A seq is missing: the entry was deleted. */
  | 'gap'
  /** The entry's hash is valid for the next seq: an entry was deleted and the rest moved up, or two were swapped. */
  | 'renumbered'
  /** A signed checkpoint covers entries the table no longer has: the tail was deleted. */
  | 'missing_tail'
  /** A checkpoint's signature does not verify under its key: the checkpoint was forged or edited. */
  | 'bad_checkpoint_signature'
  /** A checkpoint names a key the verifier was not given, so it cannot be trusted. */
  | 'unknown_checkpoint_key'
  /** A validly signed checkpoint disagrees with the entry at its seq: entries were rewritten after signing. */
  | 'checkpoint_mismatch'
  /** A checkpoint held outside the database is gone from it. */
  | 'checkpoint_missing';

export type AuditBreak = { seq: number; reason: AuditBreakReason; detail: string };

export type AuditVerification = {
  ok: boolean;
  /** Entries verified (up to, not including, the first bad one). */
  entries: number;
  /** Checkpoints of audit_checkpoint whose signature and hash were verified. */
  checkpoints: number;
  /** Checkpoints given from outside the database (externalCheckpoints) that were verified. */
  externalCheckpoints: number;
  /** The last verified entry: a caller can sign it, or remember it as the next starting point. */
  head: { seq: number; hash: string };
  firstBad?: AuditBreak;
  elapsedMs: number;
  entriesPerSecond: number;
};

export type AuditCheckpointRecord = AuditCheckpointTable;

export type VerifyAuditOptions = {
  /** Keys trusted for checkpoint signatures (PEM or KeyObject). A checkpoint under any other key fails verification. */
  publicKeys?: ReadonlyArray<KeyObject | string | AuditPublicKey>;
  /** Checkpoints kept outside the database (exportCheckpoints): they catch a truncation that hid its checkpoints. */
  externalCheckpoints?: ReadonlyArray<AuditCheckpointRecord>;
  /**
   * Start after a known-good entry instead of at the genesis: entries up to `seq` are not re-verified, but the
   * entry at `seq` must still carry `hash`. Used before signing a checkpoint, to check only the unsigned segment.
   */
  after?: { seq: number; hash: string };
  pageSize?: number;
};

const DEFAULT_PAGE_SIZE = 5_000;
// seq is a 32-bit integer on PostgreSQL; starting below every possible value also finds forged seqs of zero or less.
const LOWEST_SEQ = -2_147_483_648;

type EventRow = AuditEventTable;

/**
 * Walks the chain in seq order, a page at a time (keyset pagination, never the whole table in memory), and stops at
 * the first entry or checkpoint that does not hold. Entries appended while it runs are left for the next run: the
 * walk ends at the head it saw when it started.
 */
export async function verifyAuditChain(db: Db, options: VerifyAuditOptions = {}): Promise<AuditVerification> {
  const started = performance.now();
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  // The plugin-free handle skips CamelCasePlugin's per-row key mapping; the queries alias columns themselves.
  const k = db.kysely.withoutPlugins();
  const keys = new Map<string, AuditPublicKey>();
  for (const key of options.publicKeys ?? []) {
    const publicKey = typeof key === 'object' && 'keyId' in key ? key : toAuditPublicKey(key);
    keys.set(publicKey.keyId, publicKey);
  }
  const external = [...(options.externalCheckpoints ?? [])].sort((a, b) => a.seq - b.seq);

  // Checkpoints are only ever signed at a head that already exists, so reading their bound before the entries' bound
  // means every checkpoint up to it refers to an entry up to the entries' bound, even with appends running alongside.
  const checkpointBound = (await seqBound(k, 'audit_checkpoint', 'max')) ?? 0;
  const entryBound = (await seqBound(k, 'audit_event', 'max')) ?? 0;
  // Pages start after seq 0, so a row slipped in below seq 1 would otherwise never be looked at (yet listed).
  const entryFloor = options.after ? null : await seqBound(k, 'audit_event', 'min');

  let entries = 0;
  let checkpoints = 0;
  let externalCheckpoints = 0;
  let expected = options.after ? options.after.seq : 1;
  let prevHash = GENESIS_HASH;
  let prevPrevHash: string | undefined;
  let lastSignedSeq = 0;
  let externalAt = 0;
  let checkpointsAfter = options.after ? options.after.seq : LOWEST_SEQ;

  const result = (firstBad?: AuditBreak): AuditVerification => {
    const elapsedMs = performance.now() - started;
    return {
      ok: firstBad === undefined,
      entries,
      checkpoints,
      externalCheckpoints,
      head: { seq: expected - 1, hash: prevHash },
      ...(firstBad ? { firstBad } : {}),
      elapsedMs,
      entriesPerSecond: elapsedMs > 0 ? Math.round((entries / elapsedMs) * 1000) : 0,
    };
  };

  /** A checkpoint's signature, under a key the verifier was given. */
  const signatureBreak = (cp: AuditCheckpointRecord): AuditBreak | undefined => {
    const key = keys.get(cp.keyId);
    if (!key) {
      return {
        seq: cp.seq,
        reason: 'unknown_checkpoint_key',
        detail:
          `the checkpoint at seq ${cp.seq} (signed ${cp.signedAt}) is signed with key ${cp.keyId}, which this ` +
          `verifier was not given; pass that key's public PEM to trust it` +
          (keys.size ? ` (known: ${[...keys.keys()].join(', ')})` : ' (no keys given)'),
      };
    }
    if (!checkpointSignatureValid(key.publicKey, cp, cp.signature)) {
      return {
        seq: cp.seq,
        reason: 'bad_checkpoint_signature',
        detail: `the checkpoint at seq ${cp.seq} does not verify under key ${cp.keyId}: it was forged or edited`,
      };
    }
    return undefined;
  };

  /** A checkpoint against the entry at its seq (undefined when there is none). */
  const checkCheckpoint = (
    cp: AuditCheckpointRecord,
    entryHash: string | undefined,
    source: 'database' | 'external',
  ): AuditBreak | undefined => {
    const forged = signatureBreak(cp);
    if (forged) return forged;
    if (entryHash !== cp.hash) {
      return {
        seq: cp.seq,
        reason: 'checkpoint_mismatch',
        detail:
          `the checkpoint signed ${cp.signedAt} says entry ${cp.seq} has hash ${cp.hash}, the chain has ` +
          `${entryHash ?? 'no such entry'}: entries after seq ${lastSignedSeq} were rewritten since it was signed`,
      };
    }
    if (source === 'database') checkpoints++;
    else externalCheckpoints++;
    lastSignedSeq = Math.max(lastSignedSeq, cp.seq);
    return undefined;
  };

  if (entryFloor !== null && entryFloor < 1) {
    return result({
      seq: entryFloor,
      reason: 'inserted',
      detail: `an entry with seq ${entryFloor} was inserted before the start of the chain (seqs start at 1)`,
    });
  }

  for await (const page of entryPages(k, expected - 1, entryBound, pageSize)) {
    const pageEnd = page[page.length - 1]!.seq;
    const pageCheckpoints = await checkpointsBetween(k, checkpointsAfter, Math.min(pageEnd, checkpointBound));
    checkpointsAfter = pageEnd;
    let cpAt = 0;
    for (const row of page) {
      if (options.after && row.seq === options.after.seq) {
        // The starting point: trusted, but it must still be there, unchanged.
        if (row.hash !== options.after.hash || hashRow(row) !== row.hash) {
          return result({
            seq: row.seq,
            reason: 'checkpoint_mismatch',
            detail: `entry ${row.seq} no longer has hash ${options.after.hash}, the starting point`,
          });
        }
        prevHash = row.hash;
        expected = row.seq + 1;
        continue;
      }
      if (row.seq !== expected) {
        return result({
          seq: expected,
          reason: 'gap',
          detail:
            row.seq === expected + 1
              ? `entry ${expected} is missing (deleted); the next entry is ${row.seq}`
              : `entries ${expected} to ${row.seq - 1} are missing (deleted)`,
        });
      }
      if (row.prevHash !== prevHash) {
        // Renumbering after an insert or a delete leaves each moved entry with a hash that is valid for its old seq,
        // which tells the two apart from a rewritten entry.
        if (row.prevHash === prevPrevHash && hashRow({ ...row, seq: row.seq - 1 }) === row.hash) {
          return result({
            seq: row.seq - 1,
            reason: 'inserted',
            detail:
              `entry ${row.seq - 1} was inserted: entry ${row.seq} was entry ${row.seq - 1} before the entries ` +
              `were renumbered, and still links to entry ${row.seq - 2}`,
          });
        }
        if (hashRow({ ...row, seq: row.seq + 1 }) === row.hash) {
          return result({
            seq: row.seq,
            reason: 'renumbered',
            detail:
              `entry ${row.seq} holds what was entry ${row.seq + 1} (its hash is valid for that seq): entry ` +
              `${row.seq} was deleted and the later entries renumbered, or entries ${row.seq} and ${row.seq + 1} ` +
              `were swapped`,
          });
        }
        return result({
          seq: row.seq,
          reason: 'broken_link',
          detail:
            row.seq === 1
              ? 'the first entry does not start from the genesis hash'
              : `entry ${row.seq} does not link to entry ${row.seq - 1}: entry ${row.seq - 1} was rewritten with ` +
                `a fresh hash, or this entry's prev_hash was edited`,
        });
      }
      if (hashRow(row) !== row.hash) {
        return result({
          seq: row.seq,
          reason: 'hash_mismatch',
          detail: `entry ${row.seq} does not hash to its stored hash: its content was edited`,
        });
      }
      while (cpAt < pageCheckpoints.length && pageCheckpoints[cpAt]!.seq <= row.seq) {
        const cp = pageCheckpoints[cpAt++]!;
        const bad = checkCheckpoint(cp, cp.seq === row.seq ? row.hash : undefined, 'database');
        if (bad) return result(bad);
      }
      while (externalAt < external.length && external[externalAt]!.seq <= row.seq) {
        const cp = external[externalAt++]!;
        if (options.after && cp.seq <= options.after.seq) continue;
        const bad = checkCheckpoint(cp, cp.seq === row.seq ? row.hash : undefined, 'external');
        if (bad) return result(bad);
        if (!pageCheckpoints.some((held) => held.seq === cp.seq && held.signature === cp.signature)) {
          return result({
            seq: cp.seq,
            reason: 'checkpoint_missing',
            detail: `the checkpoint at seq ${cp.seq} kept outside the database is no longer in audit_checkpoint`,
          });
        }
      }
      entries++;
      prevPrevHash = prevHash;
      prevHash = row.hash;
      expected = row.seq + 1;
    }
  }

  // Anything signed beyond the last entry proves the table once went further.
  const beyond = await checkpointsBetween(k, checkpointsAfter, checkpointBound, 1);
  const externalBeyond = external
    .slice(externalAt)
    .find((cp) => !options.after || cp.seq > options.after.seq);
  const signedBeyond = [beyond[0], externalBeyond]
    .filter((cp): cp is AuditCheckpointRecord => cp !== undefined)
    .sort((a, b) => a.seq - b.seq)[0];
  if (signedBeyond) {
    // An unsigned or forged checkpoint beyond the end is reported as such, not as a deleted tail.
    const forged = signatureBreak(signedBeyond);
    if (forged) return result(forged);
    return result({
      seq: expected,
      reason: 'missing_tail',
      detail:
        `a checkpoint signed ${signedBeyond.signedAt} covers entries up to ${signedBeyond.seq}, but the chain ` +
        `ends at ${expected - 1}: the last entries were deleted`,
    });
  }
  return result();
}

async function seqBound(
  k: Kysely<Database>,
  table: 'audit_event' | 'audit_checkpoint',
  bound: 'min' | 'max',
): Promise<number | null> {
  const { rows } = await sql<{
    seq: number | null;
  }>`select ${sql.raw(bound)}(seq) as "seq" from ${sql.table(table)}`.execute(k);
  return rows[0]?.seq ?? null;
}

/**
 * Pages of entries with after < seq <= until, in seq order. The next page is requested before the current one is
 * hashed, so on PostgreSQL the network and the hashing overlap.
 */
async function* entryPages(
  k: Kysely<Database>,
  after: number,
  until: number,
  pageSize: number,
): AsyncGenerator<EventRow[]> {
  const fetchPage = (from: number): Promise<EventRow[]> => {
    const page = sql<EventRow>`
      select seq, id, occurred_at as "occurredAt", actor_user_id as "actorUserId",
             actor_organisation_id as "actorOrganisationId", actor_role as "actorRole", action,
             resource_type as "resourceType", resource_id as "resourceId", outcome, purpose, details,
             prev_hash as "prevHash", hash
      from audit_event where seq > ${from} and seq <= ${until} order by seq limit ${pageSize}`
      .execute(k)
      .then((r) => r.rows);
    // A prefetched page nobody awaits (the walk stopped at a bad entry) must not become an unhandled rejection.
    page.catch(() => undefined);
    return page;
  };
  let next = fetchPage(after);
  for (;;) {
    const rows = await next;
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!.seq;
    next = rows.length === pageSize && last < until ? fetchPage(last) : Promise.resolve([]);
    yield rows;
  }
}

async function checkpointsBetween(
  k: Kysely<Database>,
  after: number,
  until: number,
  limit?: number,
): Promise<AuditCheckpointRecord[]> {
  if (until <= after) return [];
  const { rows } = await sql<AuditCheckpointRecord>`
    select seq, hash, signed_at as "signedAt", key_id as "keyId", signature
    from audit_checkpoint where seq > ${after} and seq <= ${until} order by seq
    ${limit === undefined ? sql`` : sql`limit ${limit}`}`.execute(k);
  return rows;
}

// Characters JSON.stringify (and so RFC 8785) would escape, plus every surrogate so that pairs take the slow path too.
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON must escape
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

const str = (s: string | null): string =>
  s === null ? 'null' : NEEDS_ESCAPING.test(s) ? JSON.stringify(s) : `"${s}"`;

/**
 * RFC 8785 JSON of the hashed fields, written out by hand: the same bytes as canonicalAuditEvent in audit.ts (a test
 * checks that on arbitrary rows) at several times its speed. It holds because every value is a string, null or a
 * safe integer, whose JSON.stringify output is exactly RFC 8785's, and the keys are ASCII, so their order is the
 * order written here. Most values (ids, timestamps, hashes, codes) need no escaping and skip JSON.stringify.
 */
export function canonicalAuditEventFast(r: AuditEventContent): string {
  return (
    `{"action":${str(r.action)},"actorOrganisationId":${str(r.actorOrganisationId)},` +
    `"actorRole":${str(r.actorRole)},"actorUserId":${str(r.actorUserId)},"details":${str(r.details)},` +
    `"id":${str(r.id)},"occurredAt":${str(r.occurredAt)},"outcome":${str(r.outcome)},` +
    `"prevHash":${str(r.prevHash)},"purpose":${str(r.purpose)},"resourceId":${str(r.resourceId)},` +
    `"resourceType":${str(r.resourceType)},"seq":${JSON.stringify(r.seq)}}`
  );
}

function hashRow(row: EventRow): string {
  return sha256('sha256', canonicalAuditEventFast(row), 'hex');
}
