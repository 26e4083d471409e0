import { hash as sha256 } from 'node:crypto';
import canonicalize from 'canonicalize';
import { PostgresAdapter, SqliteAdapter, sql, type Transaction } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { AuditEventTable, Database } from '../../db/schema.ts';
import type { Clock } from '../clock.ts';
import { AppError, isAppError } from '../errors.ts';
import { newId } from '../ids.ts';

export type AuditOutcome = 'success' | 'failure' | 'denied';

/** Who acted. Members of the public are never actors: nothing about them (address, device) is recorded. */
export type AuditActor = { userId: string; organisationId: string; roleCode: string };

export type AuditEntry = {
  /** Dotted verb: auth.login, user.create, source.update, signal.import … */
  action: string;
  outcome: AuditOutcome;
  actor?: AuditActor | null;
  resourceType?: string;
  resourceId?: string;
  /** Why personal data was read or shared (required by routes that expose personal data). */
  purpose?: string;
  /** Codes and ids describing the change; never free text about people. */
  details?: Record<string, unknown>;
};

/** Where an appended entry landed in the chain. */
export type AuditAppended = { seq: number; id: string; hash: string };

/** Every column of audit_event but `hash`: what the hash covers. */
export type AuditEventContent = Omit<AuditEventTable, 'hash'>;

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The fields hashed, by their Kysely (camelCase) names, in RFC 8785 key order. Every column of audit_event except
 * `hash` itself; docs/security.md "Audit trail" lists the same set. Adding a column to audit_event means adding it
 * here, in a way that keeps old entries verifiable (a new chain version), never silently.
 */
export const AUDIT_HASHED_FIELDS = [
  'action',
  'actorOrganisationId',
  'actorRole',
  'actorUserId',
  'details',
  'id',
  'occurredAt',
  'outcome',
  'prevHash',
  'purpose',
  'resourceId',
  'resourceType',
  'seq',
] as const satisfies ReadonlyArray<keyof AuditEventContent>;

/**
 * One fixed advisory lock key serialises every append on PostgreSQL: "cohesion" in ASCII (0x636f686573696f6e).
 * pg_advisory_xact_lock is held until the caller's transaction ends, so the next appender reads the head only after
 * this one has committed or rolled back.
 */
export const AUDIT_APPEND_LOCK_KEY = '7165064504766033774';
/** Serialises checkpoint creation ("cohesioc"), apart from appends so signing never holds up a write. */
export const AUDIT_CHECKPOINT_LOCK_KEY = '7165064504766033763';

// Key names that would carry something about an anonymous member of the public. A programming error, refused loudly.
const PUBLIC_TRACE_KEY =
  /^(ip|ip_?addr(ess)?|remote_?addr(ess)?|client_?ip|x_?forwarded_?for|user_?agent|device(_?id)?|fingerprint)$/i;

/** RFC 8785 JSON of an entry's hashed fields (the reference serialisation; verify.ts has a faster equivalent). */
export function canonicalAuditEvent(row: AuditEventContent): string {
  const picked: Record<string, unknown> = {};
  for (const field of AUDIT_HASHED_FIELDS) picked[field] = row[field];
  return canonicalize(picked)!;
}

export function hashAuditEvent(row: AuditEventContent): string {
  return sha256('sha256', canonicalAuditEvent(row), 'hex');
}

/**
 * Appends one entry to the hash chain, inside the caller's transaction, so the entry and the change it records
 * commit together or not at all (fail closed): never catch its error and carry on.
 *
 * On PostgreSQL the append takes a transaction-scoped advisory lock before reading the chain head, so concurrent
 * transactions get consecutive seqs; the lock is held until the caller commits, so append late in a long transaction.
 * The caller's transaction must be READ COMMITTED (the default): a REPEATABLE READ snapshot taken before the lock
 * would see a stale head, and the append would then fail on the seq primary key rather than fork the chain.
 * SQLite needs no lock: Kysely runs one transaction at a time on its single connection, and another process writing
 * the same file fails with SQLITE_BUSY instead of interleaving.
 */
export async function appendAudit(
  trx: Transaction<Database>,
  entry: AuditEntry,
  clock: Clock,
): Promise<AuditAppended> {
  if (!trx.isTransaction) {
    throw new AppError('INTERNAL', 'appendAudit must run inside the transaction of the change it records');
  }
  const details = entry.details === undefined ? null : canonicalDetails(entry.details);
  await lockAuditChain(trx);
  const last = await trx
    .selectFrom('auditEvent')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const row: AuditEventContent = {
    seq: (last?.seq ?? 0) + 1,
    id: newId(),
    occurredAt: clock.now().toISOString(),
    actorUserId: text(entry.actor?.userId),
    actorOrganisationId: text(entry.actor?.organisationId),
    actorRole: text(entry.actor?.roleCode),
    action: entry.action.toWellFormed(),
    resourceType: text(entry.resourceType),
    resourceId: text(entry.resourceId),
    outcome: entry.outcome,
    purpose: text(entry.purpose),
    details,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  const hash = hashAuditEvent(row);
  await trx
    .insertInto('auditEvent')
    .values({ ...row, hash })
    .execute();
  return { seq: row.seq, id: row.id, hash };
}

/** Takes the chain lock on PostgreSQL (a no-op on SQLite, whose single connection already serialises). */
export async function lockAuditChain(
  trx: Transaction<Database>,
  lockKey: typeof AUDIT_APPEND_LOCK_KEY | typeof AUDIT_CHECKPOINT_LOCK_KEY = AUDIT_APPEND_LOCK_KEY,
): Promise<void> {
  // getExecutor() is marked internal in Kysely's typings but is the only way a transaction tells its dialect.
  const adapter = trx.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) {
    await sql`select pg_advisory_xact_lock(${sql.raw(lockKey)})`.execute(trx);
    return;
  }
  if (adapter instanceof SqliteAdapter) return;
  throw new AppError('INTERNAL', 'The audit trail cannot serialise appends on this database dialect');
}

// Unpaired surrogates cannot be stored in PostgreSQL and are replaced by the drivers; replacing them before hashing
// keeps the stored text and the hashed text the same.
const text = (value: string | undefined): string | null =>
  value === undefined ? null : value.toWellFormed();

function canonicalDetails(details: Record<string, unknown>): string {
  const offending = findPublicTraceKey(details, 0);
  if (offending !== undefined) {
    throw new AppError(
      'INTERNAL',
      `Audit details must not carry "${offending}": nothing about members of the public enters the audit trail`,
    );
  }
  try {
    return canonicalize(details)!;
  } catch (e) {
    throw new AppError('INTERNAL', `Audit details are not JSON: ${(e as Error).message}`);
  }
}

function findPublicTraceKey(value: unknown, depth: number): string | undefined {
  if (depth > 8 || value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (PUBLIC_TRACE_KEY.test(key)) return key;
    const nested = findPublicTraceKey(inner, depth + 1);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

/**
 * A refused write is recorded for the signed-in person who asked, in a transaction of its own (the write's own
 * rolled back), with the error code. Commands run on the server print their refusals instead; a missing record
 * (NOT_FOUND) or a fault of the server (INTERNAL) is not a refusal.
 */
export async function auditRefusal(
  db: Db,
  clock: Clock,
  actor: AuditActor | null,
  entry: Pick<AuditEntry, 'action' | 'resourceType' | 'resourceId'> & { details: Record<string, unknown> },
  error: unknown,
): Promise<void> {
  if (!actor || !isAppError(error) || error.code === 'NOT_FOUND' || error.code === 'INTERNAL') return;
  await db.kysely
    .transaction()
    .execute((trx) =>
      appendAudit(
        trx,
        { ...entry, outcome: 'failure', actor, details: { ...entry.details, code: error.code } },
        clock,
      ),
    );
}

/**
 * A read of personal data (someone else's account, a signal's free text, the audit trail itself), recorded in a
 * transaction of its own before the data is answered: if the entry cannot be written, the caller answers nothing.
 */
export async function auditRead(
  db: Db,
  clock: Clock,
  entry: Omit<AuditEntry, 'outcome'> & { actor: AuditActor },
): Promise<void> {
  await db.kysely.transaction().execute((trx) => appendAudit(trx, { ...entry, outcome: 'success' }, clock));
}

/** The filters of a list request as audit details: the ones given, without paging. */
export function auditFilters(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(query).filter(([k, v]) => v !== undefined && k !== 'cursor' && k !== 'limit'),
  );
}
