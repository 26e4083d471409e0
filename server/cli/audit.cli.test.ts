import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../db/database.ts';
import { appendAudit } from '../platform/audit/audit.ts';
import { generateAuditSigningKey } from '../platform/audit/signing-key.ts';
import type { AuditVerification } from '../platform/audit/verify.ts';
import { fixedClock } from '../platform/clock.ts';
import { createCliRunner } from '../test/cli.ts';

const main = createCliRunner('audit');
const keys = createCliRunner('audit-keys');

/** Works on an instance's own SQLite file between two CLI runs, as the server (or an attacker) would. */
async function onInstance(dataDir: string, work: (db: Db) => Promise<unknown>): Promise<void> {
  const db = openDatabase({ sqlitePath: path.join(dataDir, 'cohesion.sqlite') });
  try {
    await work(db);
  } finally {
    await db.close();
  }
}

const appendEntries = (dataDir: string, count: number, first = 0) =>
  onInstance(dataDir, async (db) => {
    for (let i = first; i < first + count; i++) {
      await db.kysely
        .transaction()
        .execute((trx) =>
          appendAudit(
            trx,
            { action: 'source.update', outcome: 'success', resourceId: `s-${i}` },
            fixedClock('2026-03-01T10:00:00Z'),
          ),
        );
    }
  });

const run = (dataDir: string, statement: string) =>
  onInstance(dataDir, (db) => sql.raw(statement).execute(db.kysely));

const okLine = /^audit chain ok: (\d+) entries, (\d+) checkpoints, \d+ entries\/s$/m;

describe('cohesion audit (CLI)', () => {
  const exportFile = path.join(main.dataDir, 'exported', 'checkpoints.jsonl');
  afterEach(() => {
    delete process.env.AUDIT_CHECKPOINT_EVERY;
    delete process.env.AUDIT_SIGNING_KEY_FILE;
  });
  afterAll(() => {
    main.cleanup();
    keys.cleanup();
  });

  it('verifies an empty trail read-only, without creating a signing key', async () => {
    const r = await main.cohesion('audit', 'verify', '--no-checkpoint');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(okLine);
    expect(okLine.exec(r.stdout)!.slice(1, 3)).toEqual(['0', '0']);
    expect(fs.existsSync(path.join(main.dataDir, 'audit-signing-key.pem'))).toBe(false);
  }, 60_000);

  it('signs the head on demand, and from verify once AUDIT_CHECKPOINT_EVERY entries are unsigned', async () => {
    await appendEntries(main.dataDir, 5);
    const signed = await main.cohesion('audit', 'checkpoint');
    expect(signed.stderr).toBe('');
    expect(signed.stdout).toMatch(/^signed checkpoint at seq 5 \(key [0-9a-f]{16}\)$/m);
    expect(fs.statSync(path.join(main.dataDir, 'audit-signing-key.pem')).mode & 0o777).toBe(0o600);
    expect((await main.cohesion('audit', 'checkpoint')).stdout).toContain('nothing to sign');

    await appendEntries(main.dataDir, 3, 5);
    process.env.AUDIT_CHECKPOINT_EVERY = '3';
    const verified = await main.cohesion('audit', 'verify');
    expect(verified.code).toBe(0);
    expect(okLine.exec(verified.stdout)!.slice(1, 3)).toEqual(['8', '1']);
    expect(verified.stdout).toMatch(/^signed checkpoint at seq 8 \(key [0-9a-f]{16}\)$/m);
    const again = await main.cohesion('audit', 'verify');
    expect(okLine.exec(again.stdout)!.slice(1, 3)).toEqual(['8', '2']);
    expect(again.stdout).not.toContain('signed checkpoint');
  }, 60_000);

  it('exports the checkpoints as JSON lines with the public key', async () => {
    const toFile = await main.cohesion('audit', 'export-checkpoints', '--out', exportFile);
    expect(toFile.code).toBe(0);
    expect(toFile.stdout.trim()).toBe(`exported 2 checkpoints to ${exportFile}`);
    const lines = fs.readFileSync(exportFile, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as { seq: number; publicKey: string })).toMatchObject([
      { seq: 5, publicKey: expect.stringContaining('BEGIN PUBLIC KEY') },
      { seq: 8, publicKey: expect.stringContaining('BEGIN PUBLIC KEY') },
    ]);
    expect((await main.cohesion('audit', 'export-checkpoints')).stdout).toBe(
      fs.readFileSync(exportFile, 'utf8'),
    );
    expect((await main.cohesion('audit', 'export-checkpoints', '--after', '5')).stdout).toBe(`${lines[1]}\n`);
  }, 60_000);

  it('exits 1 naming the first bad entry, in words and in JSON', async () => {
    await run(main.dataDir, `update audit_event set resource_id = 's-99' where seq = 3`);
    const broken = await main.cohesion('audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('audit chain BROKEN at seq 3: hash_mismatch');
    const json = await main.cohesion('audit', 'verify', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout) as AuditVerification).toMatchObject({
      ok: false,
      entries: 2,
      firstBad: { seq: 3, reason: 'hash_mismatch' },
    });
    await run(main.dataDir, `update audit_event set resource_id = 's-2' where seq = 3`);
    expect((await main.cohesion('audit', 'verify', '--json')).code).toBe(0);
  }, 60_000);

  it('catches, with the exported checkpoints, a truncation that also deleted the checkpoints covering it', async () => {
    await run(main.dataDir, 'delete from audit_event where seq > 6');
    await run(main.dataDir, 'delete from audit_checkpoint where seq > 6');
    const dbOnly = await main.cohesion('audit', 'verify', '--no-checkpoint');
    expect(dbOnly.code).toBe(0);
    expect(okLine.exec(dbOnly.stdout)!.slice(1, 3)).toEqual(['6', '1']);
    const withExport = await main.cohesion('audit', 'verify', '--no-checkpoint', '--checkpoints', exportFile);
    expect(withExport.code).toBe(1);
    expect(withExport.stdout).toContain('audit chain BROKEN at seq 7: missing_tail');
  }, 60_000);

  it('says which key it lacks, and trusts an earlier key given with --public-key', async () => {
    expect((await keys.cohesion('audit', 'verify', '--no-checkpoint')).code).toBe(0);
    await appendEntries(keys.dataDir, 2);
    const earlier = generateAuditSigningKey();
    const privateFile = path.join(keys.dataDir, 'earlier.pem');
    const publicFile = path.join(keys.dataDir, 'earlier.pub.pem');
    fs.writeFileSync(privateFile, earlier.privateKey.export({ format: 'pem', type: 'pkcs8' }), {
      mode: 0o600,
    });
    fs.writeFileSync(publicFile, earlier.publicKeyPem);
    process.env.AUDIT_SIGNING_KEY_FILE = privateFile;
    expect((await keys.cohesion('audit', 'checkpoint')).stdout).toContain(`(key ${earlier.keyId})`);
    delete process.env.AUDIT_SIGNING_KEY_FILE;

    const unknown = await keys.cohesion('audit', 'verify', '--no-checkpoint');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('audit chain BROKEN at seq 2: unknown_checkpoint_key');
    expect(unknown.stdout).toContain(earlier.keyId);
    const trusted = await keys.cohesion('audit', 'verify', '--public-key', publicFile);
    expect(trusted.code).toBe(0);
    expect(okLine.exec(trusted.stdout)!.slice(1, 3)).toEqual(['2', '1']);

    process.env.AUDIT_SIGNING_KEY_FILE = path.join(keys.dataDir, 'missing.pem');
    const missing = await keys.cohesion('audit', 'checkpoint');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error (VALIDATION_FAILED): Cannot read the audit signing key');
  }, 60_000);
});
