import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, generateKeyPairSync } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/database.ts';
import type { AuditEventTable, Database } from '../../db/schema.ts';
import { describeEachDialect } from '../../test/databases.ts';
import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import {
  AUDIT_HASHED_FIELDS,
  GENESIS_HASH,
  appendAudit,
  canonicalAuditEvent,
  hashAuditEvent,
  type AuditEntry,
} from './audit.ts';
import {
  createCheckpoint,
  exportCheckpoints,
  maybeCheckpoint,
  parseCheckpointExport,
} from './checkpoints.ts';
import {
  auditKeyId,
  auditSigningKeyFromPrivate,
  checkpointMessage,
  generateAuditSigningKey,
  loadAuditSigningKey,
  loadOrCreateAuditSigningKey,
  signCheckpoint,
} from './signing-key.ts';
import { canonicalAuditEventFast, verifyAuditChain, type AuditBreakReason } from './verify.ts';

const key = generateAuditSigningKey();
const attackerKey = generateAuditSigningKey();

const steppingClock = (): Clock => {
  let t = Date.parse('2026-03-01T08:00:00.000Z');
  return { now: () => new Date((t += 1_000)) };
};

const actor = { userId: newId(), organisationId: newId(), roleCode: 'case_worker' };

const entryFor = (i: number): AuditEntry => ({
  action: i % 3 === 0 ? 'case.read' : 'case.update',
  outcome: i % 7 === 0 ? 'denied' : 'success',
  actor: i % 5 === 0 ? null : actor,
  resourceType: 'case_file',
  resourceId: `case-${i}`,
  ...(i % 3 === 0 ? { purpose: 'follow-up of a reported incident' } : {}),
  details: { step: i, fields: ['status', 'assignee'] },
});

async function resetAudit(db: Db): Promise<void> {
  await db.kysely.deleteFrom('auditCheckpoint').execute();
  await db.kysely.deleteFrom('auditEvent').execute();
}

/** A fresh chain of `n` entries, one transaction each, signed every `every` entries as the server would. */
async function freshChain(db: Db, n = 30, every = 10): Promise<void> {
  await resetAudit(db);
  const clock = steppingClock();
  for (let i = 1; i <= n; i++) {
    await db.kysely.transaction().execute((trx) => appendAudit(trx, entryFor(i), clock));
    await maybeCheckpoint(db, clock, key, every);
  }
}

const rowAt = (db: Db, seq: number): Promise<AuditEventTable> =>
  db.kysely.selectFrom('auditEvent').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();

/** Inserts a row the way an attacker with database access would: plain SQL. */
async function rawInsert(db: Db, r: AuditEventTable): Promise<void> {
  await sql`insert into audit_event (seq, id, occurred_at, actor_user_id, actor_organisation_id, actor_role, action,
      resource_type, resource_id, outcome, purpose, details, prev_hash, hash)
    values (${r.seq}, ${r.id}, ${r.occurredAt}, ${r.actorUserId}, ${r.actorOrganisationId}, ${r.actorRole},
      ${r.action}, ${r.resourceType}, ${r.resourceId}, ${r.outcome}, ${r.purpose}, ${r.details}, ${r.prevHash},
      ${r.hash})`.execute(db.kysely);
}

/** Moves every entry from `from` on by `by` seqs (two steps, so the primary key never collides mid-update). */
async function renumber(db: Db, from: number, by: number): Promise<void> {
  await sql`update audit_event set seq = -seq where seq >= ${from}`.execute(db.kysely);
  await sql`update audit_event set seq = -seq + ${by} where seq < 0`.execute(db.kysely);
}

/** Rewrites entry `seq` with new content and recomputes its hash and every later one, as a careful attacker would. */
async function rewriteFrom(db: Db, seq: number, change: Partial<AuditEventTable>): Promise<void> {
  const rows = await db.kysely
    .selectFrom('auditEvent')
    .selectAll()
    .where('seq', '>=', seq)
    .orderBy('seq')
    .execute();
  let prevHash = (await rowAt(db, seq - 1)).hash;
  for (const [i, row] of rows.entries()) {
    const next = { ...row, ...(i === 0 ? change : {}), prevHash };
    next.hash = hashAuditEvent(next);
    await sql`update audit_event set resource_id = ${next.resourceId}, prev_hash = ${next.prevHash},
      hash = ${next.hash} where seq = ${row.seq}`.execute(db.kysely);
    prevHash = next.hash;
  }
}

type TamperCase = {
  kind: 'edited' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'forged checkpoint';
  how: string;
  tamper: (db: Db) => Promise<unknown>;
  expected: { seq: number; reason: AuditBreakReason };
};

// A 30-entry chain with checkpoints at 10, 20 and 30.
const tamperCases: TamperCase[] = [
  {
    kind: 'edited',
    how: 'one column changed, hash left alone',
    tamper: (db) => sql`update audit_event set resource_id = 'case-999' where seq = 12`.execute(db.kysely),
    expected: { seq: 12, reason: 'hash_mismatch' },
  },
  {
    kind: 'edited',
    how: 'purpose changed from null to a value',
    tamper: (db) => sql`update audit_event set purpose = 'statistics' where seq = 1`.execute(db.kysely),
    expected: { seq: 1, reason: 'hash_mismatch' },
  },
  {
    kind: 'edited',
    how: 'changed and re-hashed, the next link left alone',
    tamper: async (db) => {
      const row = { ...(await rowAt(db, 12)), resourceId: 'case-999' };
      await sql`update audit_event set resource_id = ${row.resourceId}, hash = ${hashAuditEvent(row)}
        where seq = 12`.execute(db.kysely);
    },
    expected: { seq: 13, reason: 'broken_link' },
  },
  {
    kind: 'edited',
    how: 'changed and the whole rest of the chain re-hashed (caught by the next signed checkpoint)',
    tamper: (db) => rewriteFrom(db, 12, { resourceId: 'case-999' }),
    expected: { seq: 20, reason: 'checkpoint_mismatch' },
  },
  {
    kind: 'edited',
    how: 'the tail after the last checkpoint re-hashed, then signed by the attacker under our key id',
    tamper: async (db) => {
      await rewriteFrom(db, 12, { resourceId: 'case-999' });
      for (const seq of [20, 30]) {
        const row = await rowAt(db, seq);
        const cp = await db.kysely
          .selectFrom('auditCheckpoint')
          .selectAll()
          .where('seq', '=', seq)
          .executeTakeFirstOrThrow();
        const forged = signCheckpoint(
          { ...attackerKey, keyId: key.keyId },
          { seq, hash: row.hash, signedAt: cp.signedAt },
        );
        await sql`update audit_checkpoint set hash = ${row.hash}, signature = ${forged} where seq = ${seq}`.execute(
          db.kysely,
        );
      }
    },
    expected: { seq: 20, reason: 'bad_checkpoint_signature' },
  },
  {
    kind: 'deleted',
    how: 'one entry deleted',
    tamper: (db) => sql`delete from audit_event where seq = 12`.execute(db.kysely),
    expected: { seq: 12, reason: 'gap' },
  },
  {
    kind: 'deleted',
    how: 'the first entry deleted',
    tamper: (db) => sql`delete from audit_event where seq = 1`.execute(db.kysely),
    expected: { seq: 1, reason: 'gap' },
  },
  {
    kind: 'deleted',
    how: 'one entry deleted and the later ones renumbered',
    tamper: async (db) => {
      await sql`delete from audit_event where seq = 12`.execute(db.kysely);
      await renumber(db, 13, -1);
    },
    expected: { seq: 12, reason: 'renumbered' },
  },
  {
    kind: 'inserted',
    how: 'a well-formed entry inserted in the middle, the later ones renumbered',
    tamper: async (db) => {
      const before = await rowAt(db, 11);
      await renumber(db, 12, 1);
      const forged = { ...before, seq: 12, id: newId(), resourceId: 'case-alibi', prevHash: before.hash };
      await rawInsert(db, { ...forged, hash: hashAuditEvent(forged) });
    },
    expected: { seq: 12, reason: 'inserted' },
  },
  {
    kind: 'inserted',
    how: 'an entry appended at the end without a valid hash',
    tamper: async (db) => {
      const last = await rowAt(db, 30);
      await rawInsert(db, { ...last, seq: 31, id: newId(), prevHash: last.hash, hash: 'f'.repeat(64) });
    },
    expected: { seq: 31, reason: 'hash_mismatch' },
  },
  {
    kind: 'inserted',
    how: 'an entry appended at the end linked to the wrong predecessor',
    tamper: async (db) => {
      const last = await rowAt(db, 30);
      const forged = { ...last, seq: 31, id: newId(), prevHash: GENESIS_HASH };
      await rawInsert(db, { ...forged, hash: hashAuditEvent(forged) });
    },
    expected: { seq: 31, reason: 'broken_link' },
  },
  {
    kind: 'inserted',
    how: 'a well-formed entry slipped in below seq 1',
    tamper: async (db) => {
      const first = await rowAt(db, 1);
      const forged = { ...first, seq: 0, id: newId(), resourceId: 'case-alibi' };
      await rawInsert(db, { ...forged, hash: hashAuditEvent(forged) });
    },
    expected: { seq: 0, reason: 'inserted' },
  },
  {
    kind: 'reordered',
    how: 'two entries swapped',
    tamper: async (db) => {
      await sql`update audit_event set seq = -1 where seq = 12`.execute(db.kysely);
      await sql`update audit_event set seq = 12 where seq = 15`.execute(db.kysely);
      await sql`update audit_event set seq = 15 where seq = -1`.execute(db.kysely);
    },
    expected: { seq: 12, reason: 'broken_link' },
  },
  {
    kind: 'reordered',
    how: 'two neighbours swapped',
    tamper: async (db) => {
      await sql`update audit_event set seq = -1 where seq = 21`.execute(db.kysely);
      await sql`update audit_event set seq = 21 where seq = 22`.execute(db.kysely);
      await sql`update audit_event set seq = 22 where seq = -1`.execute(db.kysely);
    },
    expected: { seq: 21, reason: 'renumbered' },
  },
  {
    kind: 'truncated',
    how: 'the last five entries deleted',
    tamper: (db) => sql`delete from audit_event where seq > 25`.execute(db.kysely),
    expected: { seq: 26, reason: 'missing_tail' },
  },
  {
    kind: 'truncated',
    how: 'every entry deleted',
    tamper: (db) => sql`delete from audit_event`.execute(db.kysely),
    expected: { seq: 1, reason: 'missing_tail' },
  },
  {
    kind: 'forged checkpoint',
    how: 'a checkpoint hash edited',
    tamper: async (db) => {
      const other = await rowAt(db, 19);
      await sql`update audit_checkpoint set hash = ${other.hash} where seq = 20`.execute(db.kysely);
    },
    expected: { seq: 20, reason: 'bad_checkpoint_signature' },
  },
  {
    kind: 'forged checkpoint',
    how: 'a checkpoint moved to another seq',
    tamper: (db) => sql`update audit_checkpoint set seq = 21 where seq = 20`.execute(db.kysely),
    expected: { seq: 21, reason: 'bad_checkpoint_signature' },
  },
  {
    kind: 'forged checkpoint',
    how: 'a checkpoint beyond the end, signed with an attacker key under our key id',
    tamper: async (db) => {
      const signedAt = '2026-03-02T00:00:00.000Z';
      const claim = { seq: 40, hash: 'a'.repeat(64), signedAt };
      const signature = signCheckpoint({ ...attackerKey, keyId: key.keyId }, claim);
      await sql`insert into audit_checkpoint (seq, hash, signed_at, key_id, signature)
        values (40, ${claim.hash}, ${signedAt}, ${key.keyId}, ${signature})`.execute(db.kysely);
    },
    expected: { seq: 40, reason: 'bad_checkpoint_signature' },
  },
  {
    kind: 'forged checkpoint',
    how: 'a checkpoint signed with the attacker key under its own key id',
    tamper: async (db) => {
      const row = await rowAt(db, 15);
      const claim = { seq: 15, hash: row.hash, signedAt: '2026-03-02T00:00:00.000Z' };
      await sql`insert into audit_checkpoint (seq, hash, signed_at, key_id, signature)
        values (15, ${row.hash}, ${claim.signedAt}, ${attackerKey.keyId}, ${signCheckpoint(attackerKey, claim)})`.execute(
        db.kysely,
      );
    },
    expected: { seq: 15, reason: 'unknown_checkpoint_key' },
  },
  {
    kind: 'forged checkpoint',
    how: 'a signature replaced by garbage',
    tamper: (db) =>
      sql`update audit_checkpoint set signature = 'bm90IGEgc2lnbmF0dXJl' where seq = 10`.execute(db.kysely),
    expected: { seq: 10, reason: 'bad_checkpoint_signature' },
  },
];

const tally = new Map<string, { tried: number; detected: number }>();

describeEachDialect('audit trail', (ctx) => {
  afterAll(() => {
    const summary = [...tally]
      .map(([dialectKind, t]) => `${dialectKind} ${t.detected}/${t.tried}`)
      .join(', ');
    if (summary) console.log(`tamper cases detected: ${summary}`);
  });

  it('appends a gap-free chain from the genesis hash, details stored as canonical JSON', async () => {
    await resetAudit(ctx.db);
    const clock = steppingClock();
    const appended = await ctx.db.kysely
      .transaction()
      .execute(async (trx) => [
        await appendAudit(
          trx,
          { action: 'auth.login', outcome: 'success', actor, details: { z: 1, a: ['é', null] } },
          clock,
        ),
        await appendAudit(trx, { action: 'auth.login', outcome: 'failure' }, clock),
      ]);
    expect(appended.map((a) => a.seq)).toEqual([1, 2]);
    const rows = await ctx.db.kysely.selectFrom('auditEvent').selectAll().orderBy('seq').execute();
    expect(rows[0]).toMatchObject({
      seq: 1,
      occurredAt: '2026-03-01T08:00:01.000Z',
      actorUserId: actor.userId,
      actorOrganisationId: actor.organisationId,
      actorRole: 'case_worker',
      action: 'auth.login',
      outcome: 'success',
      resourceType: null,
      purpose: null,
      details: '{"a":["é",null],"z":1}',
      prevHash: GENESIS_HASH,
      hash: appended[0]!.hash,
    });
    expect(rows[1]).toMatchObject({ seq: 2, actorUserId: null, details: null, prevHash: rows[0]!.hash });
    // The hash is SHA-256 over RFC 8785 JSON of every column except hash itself, named as in the Kysely schema.
    const { hash, ...content } = rows[0]!;
    expect(Object.keys(content).sort()).toEqual([...AUDIT_HASHED_FIELDS]);
    expect(hash).toBe(createHash('sha256').update(canonicalize(content)!).digest('hex'));
    expect(await verifyAuditChain(ctx.db)).toMatchObject({
      ok: true,
      entries: 2,
      checkpoints: 0,
      head: { seq: 2 },
    });
  });

  it('leaves no entry when the transaction rolls back', async () => {
    await freshChain(ctx.db, 3);
    const before = await rowAt(ctx.db, 3);
    await expect(
      ctx.db.kysely.transaction().execute(async (trx) => {
        await appendAudit(trx, entryFor(4), steppingClock());
        throw new Error('the change failed after its audit entry');
      }),
    ).rejects.toThrow('the change failed');
    const after = await ctx.db.kysely
      .selectFrom('auditEvent')
      .select(['seq', 'hash'])
      .orderBy('seq')
      .execute();
    expect(after.map((r) => r.seq)).toEqual([1, 2, 3]);
    // The next append reuses seq 4: no hole where the rolled-back entry was.
    await ctx.db.kysely.transaction().execute((trx) => appendAudit(trx, entryFor(4), steppingClock()));
    expect((await rowAt(ctx.db, 4)).prevHash).toBe(before.hash);
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
  });

  it('fails the change when its audit entry cannot be written (fail closed)', async () => {
    await resetAudit(ctx.db);
    const orgId = newId();
    const change = (details: Record<string, unknown>) =>
      ctx.db.kysely.transaction().execute(async (trx) => {
        await trx
          .insertInto('organisation')
          .values({
            id: orgId,
            name: `Org ${orgId}`,
            kind: 'ngo',
            createdAt: 'x',
            updatedAt: 'x',
            archivedAt: null,
          })
          .execute();
        await appendAudit(
          trx,
          { action: 'organisation.create', outcome: 'success', details },
          steppingClock(),
        );
      });
    await expect(change({ ratio: Number.NaN })).rejects.toThrow('not JSON');
    await expect(change({ request: { ipAddress: '203.0.113.7' } })).rejects.toThrow('members of the public');
    await expect(change({ userAgent: 'Mozilla/5.0' })).rejects.toThrow('members of the public');
    expect(
      await ctx.db.kysely.selectFrom('organisation').where('id', '=', orgId).selectAll().execute(),
    ).toEqual([]);
    expect(await ctx.db.kysely.selectFrom('auditEvent').selectAll().execute()).toEqual([]);
  });

  it('refuses to append outside a transaction', async () => {
    const notATransaction = ctx.db.kysely as unknown as Transaction<Database>;
    await expect(appendAudit(notATransaction, entryFor(1), steppingClock())).rejects.toThrow(
      'inside the transaction',
    );
  });

  it('gives concurrent transactions consecutive seqs and one unbroken chain', async () => {
    await resetAudit(ctx.db);
    const clock = steppingClock();
    const writers = Array.from({ length: 8 }, (_, w) =>
      ctx.db.kysely.transaction().execute(async (trx) => {
        for (let i = 0; i < 5; i++) {
          await appendAudit(trx, { ...entryFor(i), details: { writer: w, i } }, clock);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }),
    );
    await Promise.all(writers);
    const seqs = (await ctx.db.kysely.selectFrom('auditEvent').select('seq').orderBy('seq').execute()).map(
      (r) => r.seq,
    );
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true, entries: 40 });
  });

  if (ctx.dialect === 'postgres') {
    it('makes a second connection wait on the advisory lock until the first transaction commits', async () => {
      await resetAudit(ctx.db);
      const clock = steppingClock();
      const events: string[] = [];
      let commitFirst!: () => void;
      const holding = new Promise<void>((resolve) => (commitFirst = resolve));
      const first = ctx.db.kysely.transaction().execute(async (trx) => {
        await appendAudit(trx, entryFor(1), clock);
        events.push('first appended');
        await holding;
        events.push('first commits');
      });
      while (!events.includes('first appended')) await new Promise((resolve) => setTimeout(resolve, 5));
      const second = ctx.db.kysely.transaction().execute(async (trx) => {
        await appendAudit(trx, entryFor(2), clock);
        events.push('second appended');
      });
      // Wait until PostgreSQL itself shows the second connection blocked on the advisory lock.
      for (let polls = 0; ; polls++) {
        if (polls > 1_000) {
          commitFirst();
          throw new Error('the second transaction never waited on the advisory lock');
        }
        const { rows } = await sql<{ waiting: number }>`select count(*)::int as waiting from pg_locks
          where locktype = 'advisory' and not granted and database = (select oid from pg_database
          where datname = current_database())`.execute(ctx.db.kysely);
        if (rows[0]!.waiting === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(events).toEqual(['first appended']);
      commitFirst();
      await Promise.all([first, second]);
      expect(events).toEqual(['first appended', 'first commits', 'second appended']);
      const rows = await ctx.db.kysely.selectFrom('auditEvent').selectAll().orderBy('seq').execute();
      expect(rows.map((r) => [r.seq, r.resourceId])).toEqual([
        [1, 'case-1'],
        [2, 'case-2'],
      ]);
      expect(rows[1]!.prevHash).toBe(rows[0]!.hash);
      expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
    });
  }

  it('signs a checkpoint every N entries, and a valid chain with checkpoints verifies', async () => {
    await freshChain(ctx.db, 35, 10);
    const cps = await ctx.db.kysely.selectFrom('auditCheckpoint').selectAll().orderBy('seq').execute();
    expect(cps.map((c) => [c.seq, c.keyId])).toEqual([
      [10, key.keyId],
      [20, key.keyId],
      [30, key.keyId],
    ]);
    expect(cps[1]!.hash).toBe((await rowAt(ctx.db, 20)).hash);
    expect(await maybeCheckpoint(ctx.db, steppingClock(), key, 10)).toBeNull();
    const result = await verifyAuditChain(ctx.db, { publicKeys: [key.publicKeyPem] });
    expect(result).toMatchObject({ ok: true, entries: 35, checkpoints: 3, head: { seq: 35 } });
    expect(result.firstBad).toBeUndefined();
    // Small pages cross page boundaries mid-chain and on checkpoints.
    expect(await verifyAuditChain(ctx.db, { publicKeys: [key], pageSize: 7 })).toMatchObject({
      ok: true,
      entries: 35,
      checkpoints: 3,
    });
    // Signing now covers the unsigned tail; signing again has nothing to do.
    expect(await createCheckpoint(ctx.db, steppingClock(), key)).toMatchObject({ seq: 35, keyId: key.keyId });
    expect(await createCheckpoint(ctx.db, steppingClock(), key)).toBeNull();
  });

  describe('detects tampering and names the first bad entry', () => {
    for (const c of tamperCases) {
      it(`${c.kind}: ${c.how}`, async () => {
        await freshChain(ctx.db);
        expect(await verifyAuditChain(ctx.db, { publicKeys: [key] })).toMatchObject({
          ok: true,
          checkpoints: 3,
        });
        await c.tamper(ctx.db);
        const result = await verifyAuditChain(ctx.db, { publicKeys: [key], pageSize: 8 });
        const t = tally.get(`${ctx.dialect}`) ?? { tried: 0, detected: 0 };
        t.tried++;
        if (
          !result.ok &&
          result.firstBad?.seq === c.expected.seq &&
          result.firstBad.reason === c.expected.reason
        ) {
          t.detected++;
        }
        tally.set(`${ctx.dialect}`, t);
        expect(result.ok).toBe(false);
        expect(result.firstBad).toMatchObject(c.expected);
        expect(result.firstBad!.detail).toContain(String(c.expected.seq));
      });
    }
  });

  it('says clearly when checkpoints are signed with a key it was not given', async () => {
    await freshChain(ctx.db, 12, 10);
    const noKeys = await verifyAuditChain(ctx.db);
    expect(noKeys).toMatchObject({
      ok: false,
      entries: 9,
      firstBad: { seq: 10, reason: 'unknown_checkpoint_key' },
    });
    expect(noKeys.firstBad!.detail).toContain(key.keyId);
    expect(noKeys.firstBad!.detail).toContain('no keys given');
    const otherKey = await verifyAuditChain(ctx.db, { publicKeys: [attackerKey] });
    expect(otherKey.firstBad).toMatchObject({ seq: 10, reason: 'unknown_checkpoint_key' });
    expect(otherKey.firstBad!.detail).toContain(`known: ${attackerKey.keyId}`);
    // A rotated key: old checkpoints verify once the old public key is given alongside the new one.
    await createCheckpoint(ctx.db, steppingClock(), attackerKey);
    expect(await verifyAuditChain(ctx.db, { publicKeys: [attackerKey, key] })).toMatchObject({
      ok: true,
      checkpoints: 2,
    });
  });

  it('exports checkpoints with the public key, and the export catches a truncation that also deleted them', async () => {
    await freshChain(ctx.db);
    const exported = await exportCheckpoints(ctx.db, { publicKeys: [key] });
    const lines = exported.trim().split('\n');
    expect(lines).toHaveLength(3);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(['hash', 'keyId', 'publicKey', 'seq', 'signature', 'signedAt']);
    expect(first.publicKey).toBe(key.publicKeyPem);
    expect(lines[0]).toBe(canonicalize(first));
    expect(await exportCheckpoints(ctx.db, { publicKeys: [key], afterSeq: 20 })).toBe(`${lines[2]}\n`);

    const { checkpoints, publicKeys } = parseCheckpointExport(exported);
    expect(publicKeys.map((k) => k.keyId)).toEqual([key.keyId]);
    expect(await verifyAuditChain(ctx.db, { publicKeys, externalCheckpoints: checkpoints })).toMatchObject({
      ok: true,
      checkpoints: 3,
      externalCheckpoints: 3,
    });

    // The attacker deletes the tail and the checkpoints that covered it: the database alone looks consistent …
    await sql`delete from audit_event where seq > 25`.execute(ctx.db.kysely);
    await sql`delete from audit_checkpoint where seq > 25`.execute(ctx.db.kysely);
    expect(await verifyAuditChain(ctx.db, { publicKeys })).toMatchObject({ ok: true, entries: 25 });
    // … the copy kept elsewhere does not.
    expect(await verifyAuditChain(ctx.db, { publicKeys, externalCheckpoints: checkpoints })).toMatchObject({
      ok: false,
      firstBad: { seq: 26, reason: 'missing_tail' },
    });
    // Deleting a checkpoint alone is caught too.
    await sql`delete from audit_checkpoint where seq = 10`.execute(ctx.db.kysely);
    expect(
      (await verifyAuditChain(ctx.db, { publicKeys, externalCheckpoints: checkpoints.slice(0, 2) })).firstBad,
    ).toMatchObject({ seq: 10, reason: 'checkpoint_missing' });
  });

  it('refuses a checkpoint export whose key does not match its lines', () => {
    const line = JSON.parse(
      `{"hash":"${'a'.repeat(64)}","keyId":"${key.keyId}","seq":1,"signature":"x","signedAt":"t"}`,
    ) as Record<string, unknown>;
    const text = `${JSON.stringify({ ...line, publicKey: attackerKey.publicKeyPem })}\nnot json\n`;
    expect(() => parseCheckpointExport(text)).toThrow('2 lines of the checkpoint export are invalid');
  });

  it('refuses to sign on top of a broken segment', async () => {
    await freshChain(ctx.db, 15, 10);
    await sql`update audit_event set action = 'case.export' where seq = 14`.execute(ctx.db.kysely);
    await expect(createCheckpoint(ctx.db, steppingClock(), key)).rejects.toThrow(
      'The audit chain is broken at seq 14 (hash_mismatch); not signing it',
    );
    await expect(maybeCheckpoint(ctx.db, steppingClock(), key, 1)).rejects.toThrow('broken at seq 14');
    expect(await ctx.db.kysely.selectFrom('auditCheckpoint').select('seq').execute()).toEqual([{ seq: 10 }]);
  });

  it('verifies an empty trail', async () => {
    await resetAudit(ctx.db);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({
      ok: true,
      entries: 0,
      checkpoints: 0,
      head: { seq: 0 },
    });
    expect(await createCheckpoint(ctx.db, steppingClock(), key)).toBeNull();
  });
});

describe('audit hashing', () => {
  // Characters that need escaping or sit at the edges of the fast path, mixed with ordinary text.
  const tricky = fc.constantFrom(
    'a',
    'é',
    '"',
    '\\',
    '/',
    '\u0000',
    '\u001f',
    ' ',
    '\u007f',
    '\u2028',
    '😀',
    '中',
  );
  const text = fc.oneof(
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: tricky }),
    fc.string({ unit: 'binary' }).map((s) => s.toWellFormed()),
  );
  const nullableText = fc.option(text, { nil: null });
  const row = fc.record({
    seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    id: fc.uuid(),
    occurredAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    actorUserId: fc.option(fc.uuid(), { nil: null }),
    actorOrganisationId: fc.option(fc.uuid(), { nil: null }),
    actorRole: nullableText,
    action: text,
    resourceType: nullableText,
    resourceId: fc.option(
      fc.string({ unit: 'binary' }).map((s) => s.toWellFormed()),
      { nil: null },
    ),
    outcome: fc.constantFrom('success', 'failure', 'denied'),
    purpose: nullableText,
    details: fc.option(
      fc.json().map((j) => canonicalize(JSON.parse(j))!),
      { nil: null },
    ),
    prevHash: fc.stringMatching(/^[0-9a-f]{64}$/),
  });

  it('writes the same RFC 8785 bytes by hand as the canonicalize library', () => {
    fc.assert(
      fc.property(row, (r) => {
        expect(canonicalAuditEventFast(r)).toBe(canonicalAuditEvent(r));
        expect(canonicalAuditEvent(r)).toBe(canonicalize(r));
      }),
      { numRuns: 2_000 },
    );
  });

  it('escapes control characters, quotes and non-ASCII text exactly as RFC 8785 does', () => {
    const r = {
      seq: 7,
      id: 'id',
      occurredAt: '2026-01-01T00:00:00.000Z',
      actorUserId: null,
      actorOrganisationId: null,
      actorRole: null,
      action: 'a"\\\u0000\u001f\u007f\u2028é😀',
      resourceType: null,
      resourceId: null,
      outcome: 'success',
      purpose: null,
      details: null,
      prevHash: GENESIS_HASH,
    };
    expect(canonicalAuditEventFast(r)).toContain('"action":"a\\"\\\\\\u0000\\u001f\u007f\u2028é😀"');
    expect(canonicalAuditEventFast(r)).toBe(canonicalize(r));
  });
});

describe('audit signing key', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-audit-key-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is created once with mode 0600 in DATA_DIR, then read back with the same id', () => {
    const created = loadAuditSigningKey({ dataDir: dir, auditSigningKeyFile: undefined });
    const file = path.join(dir, 'audit-signing-key.pem');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(loadOrCreateAuditSigningKey(file).keyId).toBe(created.keyId);
    expect(loadAuditSigningKey({ dataDir: '/nonexistent', auditSigningKeyFile: file }).keyId).toBe(
      created.keyId,
    );
  });

  it('has the first 16 hex digits of SHA-256 over the raw public key as its id', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const expected = createHash('sha256').update(raw).digest('hex').slice(0, 16);
    expect(auditKeyId(publicKey)).toBe(expected);
    expect(auditSigningKeyFromPrivate(privateKey).keyId).toBe(expected);
  });

  it('signs canonical JSON of seq, hash, signedAt and keyId', () => {
    expect(checkpointMessage({ seq: 3, hash: 'h', signedAt: 's', keyId: 'k' })).toBe(
      '{"hash":"h","keyId":"k","seq":3,"signedAt":"s"}',
    );
  });

  it('does not create a key at a configured path that is missing', () => {
    const file = path.join(dir, 'elsewhere', 'key.pem');
    expect(() => loadAuditSigningKey({ dataDir: dir, auditSigningKeyFile: file })).toThrow(
      'Cannot read the audit signing key',
    );
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses a key that is not Ed25519', () => {
    const file = path.join(dir, 'rsa.pem');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    fs.writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    expect(() => loadOrCreateAuditSigningKey(file)).toThrow('Ed25519');
  });
});
