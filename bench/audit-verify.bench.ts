/**
 * Audit verification benchmark: verifyAuditChain against a naive verifier, side by side, on SQLite and PostgreSQL.
 *
 *   npm run bench:audit -- [--entries 1000000] [--rounds 3] [--checkpoint-every 1000]
 *                          [--pg postgres://postgres@127.0.0.1:5432/postgres] [--dialects sqlite,postgres]
 *                          [--out bench/out]
 *
 * Fills a fresh SQLite file and a fresh PostgreSQL database (cohesion_bench_audit, created and dropped here) with the
 * same chained, checkpointed entries (hashes computed in bulk, not one appendAudit per entry), then times each
 * verifier in its own child process, alternating, so each one's peak RSS is its own. The peer is what one would
 * write first: one query loading the whole table, then JSON.stringify over key-sorted copies of each row, with the
 * same checks (seq continuity, links, hashes, checkpoint signatures) and the same SHA-256 call.
 * Writes bench/out/audit-verify.json.
 */
import { hash as sha256, createPublicKey, verify as verifySignature } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { runWorker } from './lib/child.ts';
import { peakRssMiB } from './lib/memory.ts';
import { openDatabase, type Db, type DialectName } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import type { AuditEventTable } from '../server/db/schema.ts';
import { openSqlite } from '../server/db/sqlite-dialect.ts';
import { GENESIS_HASH } from '../server/platform/audit/audit.ts';
import {
  checkpointMessage,
  generateAuditSigningKey,
  signCheckpoint,
} from '../server/platform/audit/signing-key.ts';
import { canonicalAuditEventFast, verifyAuditChain } from '../server/platform/audit/verify.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BENCH_DB = 'cohesion_bench_audit';

const { values: flags } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    'checkpoint-every': { type: 'string', default: '1000' },
    pg: {
      type: 'string',
      default: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
    dialects: { type: 'string', default: 'sqlite,postgres' },
    out: { type: 'string', default: path.join(ROOT, 'bench', 'out') },
    // Child-process mode: one verification, its result as JSON on stdout.
    worker: { type: 'string' },
    dialect: { type: 'string' },
    target: { type: 'string' },
    'public-key': { type: 'string' },
  },
});

type Verifier = 'cohesion' | 'naive';

type RunResult = {
  verifier: Verifier;
  ok: boolean;
  entries: number;
  checkpoints: number;
  ms: number;
  entriesPerSecond: number;
  peakRssMiB: number | null;
};

const open = (dialect: DialectName, target: string): Db =>
  dialect === 'sqlite'
    ? openDatabase({ sqlitePath: target })
    : openDatabase({ databaseUrl: target, sqlitePath: '' });

/** The peer: everything in memory at once, canonical JSON by sorting keys and JSON.stringify. */
async function naiveVerify(
  db: Db,
  publicKeyPem: string,
): Promise<{ ok: boolean; entries: number; checkpoints: number }> {
  const publicKey = createPublicKey(publicKeyPem);
  const rows = await db.kysely.selectFrom('auditEvent').selectAll().orderBy('seq').execute();
  const checkpoints = await db.kysely.selectFrom('auditCheckpoint').selectAll().orderBy('seq').execute();
  const hashBySeq = new Map<number, string>();
  let prevHash = GENESIS_HASH;
  for (const [i, row] of rows.entries()) {
    const { hash, ...content } = row;
    const sorted = Object.fromEntries(
      Object.keys(content)
        .sort()
        .map((k) => [k, content[k as keyof typeof content]]),
    );
    if (
      row.seq !== i + 1 ||
      row.prevHash !== prevHash ||
      sha256('sha256', JSON.stringify(sorted), 'hex') !== hash
    ) {
      return { ok: false, entries: i, checkpoints: 0 };
    }
    hashBySeq.set(row.seq, hash);
    prevHash = hash;
  }
  for (const cp of checkpoints) {
    const valid = verifySignature(
      null,
      Buffer.from(checkpointMessage(cp)),
      publicKey,
      Buffer.from(cp.signature, 'base64'),
    );
    if (!valid || hashBySeq.get(cp.seq) !== cp.hash)
      return { ok: false, entries: rows.length, checkpoints: 0 };
  }
  return { ok: true, entries: rows.length, checkpoints: checkpoints.length };
}

async function workerMain(): Promise<void> {
  const verifier = flags.worker as Verifier;
  const dialect = flags.dialect as DialectName;
  const publicKeyPem = fs.readFileSync(flags['public-key']!, 'utf8');
  const db = open(dialect, flags.target!);
  try {
    const started = performance.now();
    const result =
      verifier === 'cohesion'
        ? await verifyAuditChain(db, { publicKeys: [publicKeyPem] })
        : await naiveVerify(db, publicKeyPem);
    const ms = performance.now() - started;
    const out: RunResult = {
      verifier,
      ok: result.ok,
      entries: result.entries,
      checkpoints: result.checkpoints,
      ms: Math.round(ms),
      entriesPerSecond: Math.round((result.entries / ms) * 1000),
      peakRssMiB: peakRssMiB(),
    };
    process.stdout.write(JSON.stringify(out));
  } finally {
    await db.close();
  }
}

/** A small deterministic generator, so both databases hold byte-identical chains. */
function* chainedEntries(count: number): Generator<AuditEventTable> {
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const users = Array.from(
    { length: 400 },
    (_, i) => `0193f000-0000-7000-8000-${String(i).padStart(12, '0')}`,
  );
  const orgs = Array.from({ length: 25 }, (_, i) => `0193f000-0000-7000-9000-${String(i).padStart(12, '0')}`);
  const roles = ['case_worker', 'analyst', 'coordinator', 'dpo_auditor', 'administrator'];
  const actions = ['auth.login', 'case.read', 'case.update', 'signal.import', 'source.update', 'user.create'];
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const u = Math.floor(next() * users.length);
    const action = actions[Math.floor(next() * actions.length)]!;
    const system = next() < 0.02;
    const row = {
      seq,
      id: `0194${seq.toString(16).padStart(8, '0')}-0000-7000-8000-000000000000`,
      occurredAt: new Date(start + seq * 1_500).toISOString(),
      actorUserId: system ? null : users[u]!,
      actorOrganisationId: system ? null : orgs[u % orgs.length]!,
      actorRole: system ? null : roles[u % roles.length]!,
      action,
      resourceType: action.split('.')[0]!,
      resourceId: action === 'auth.login' ? null : `r-${Math.floor(next() * 1e6)}`,
      outcome: next() < 0.95 ? 'success' : next() < 0.5 ? 'failure' : 'denied',
      purpose: action === 'case.read' ? 'follow-up of a reported incident' : null,
      details: action === 'signal.import' ? `{"batch":"b-${seq}","rows":${Math.floor(next() * 5000)}}` : null,
      prevHash,
    };
    const hash = sha256('sha256', canonicalAuditEventFast(row), 'hex');
    yield { ...row, hash };
    prevHash = hash;
  }
}

type Checkpoint = { seq: number; hash: string; signedAt: string; keyId: string; signature: string };

const COLUMNS =
  'seq, id, occurred_at, actor_user_id, actor_organisation_id, actor_role, action, resource_type, resource_id, ' +
  'outcome, purpose, details, prev_hash, hash';
const values = (r: AuditEventTable) => [
  r.seq,
  r.id,
  r.occurredAt,
  r.actorUserId,
  r.actorOrganisationId,
  r.actorRole,
  r.action,
  r.resourceType,
  r.resourceId,
  r.outcome,
  r.purpose,
  r.details,
  r.prevHash,
  r.hash,
];

function buildChain(
  count: number,
  every: number,
): { rows: AuditEventTable[]; checkpoints: Checkpoint[]; publicKeyPem: string } {
  const key = generateAuditSigningKey();
  const rows: AuditEventTable[] = [];
  const checkpoints: Checkpoint[] = [];
  for (const row of chainedEntries(count)) {
    rows.push(row);
    if (row.seq % every === 0 || row.seq === count) {
      const signedAt = new Date(Date.parse(row.occurredAt) + 1).toISOString();
      checkpoints.push({
        seq: row.seq,
        hash: row.hash,
        signedAt,
        keyId: key.keyId,
        signature: signCheckpoint(key, { seq: row.seq, hash: row.hash, signedAt }),
      });
    }
  }
  return { rows, checkpoints, publicKeyPem: key.publicKeyPem };
}

async function fillSqlite(file: string, rows: AuditEventTable[], checkpoints: Checkpoint[]): Promise<void> {
  const db = openDatabase({ sqlitePath: file });
  await migrateToLatest(db);
  await db.close();
  const raw = openSqlite(file);
  const perStatement = 500;
  const placeholders = (n: number) =>
    Array.from({ length: n }, () => `(${Array(14).fill('?').join(',')})`).join(',');
  const bulk = raw.prepare(`insert into audit_event (${COLUMNS}) values ${placeholders(perStatement)}`);
  raw.exec('begin');
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const stmt =
      chunk.length === perStatement
        ? bulk
        : raw.prepare(`insert into audit_event (${COLUMNS}) values ${placeholders(chunk.length)}`);
    stmt.run(...chunk.flatMap(values));
  }
  const cp = raw.prepare(
    'insert into audit_checkpoint (seq, hash, signed_at, key_id, signature) values (?, ?, ?, ?, ?)',
  );
  for (const c of checkpoints) cp.run(c.seq, c.hash, c.signedAt, c.keyId, c.signature);
  raw.exec('commit');
  raw.close();
}

async function fillPostgres(url: string, rows: AuditEventTable[], checkpoints: Checkpoint[]): Promise<void> {
  const db = openDatabase({ databaseUrl: url, sqlitePath: '' });
  await migrateToLatest(db);
  await db.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    const batch = 10_000;
    for (let i = 0; i < rows.length; i += batch) {
      const chunk = rows.slice(i, i + batch);
      const columns = Array.from({ length: 14 }, (_, c) => chunk.map((r) => values(r)[c]));
      await client.query(
        `insert into audit_event (${COLUMNS}) select * from unnest($1::int[], $2::text[], $3::text[], $4::text[],
          $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
          $13::text[], $14::text[])`,
        columns,
      );
    }
    await client.query(
      `insert into audit_checkpoint (seq, hash, signed_at, key_id, signature)
       select * from unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[])`,
      [
        checkpoints.map((c) => c.seq),
        checkpoints.map((c) => c.hash),
        checkpoints.map((c) => c.signedAt),
        checkpoints.map((c) => c.keyId),
        checkpoints.map((c) => c.signature),
      ],
    );
    await client.query('commit');
    await client.query('vacuum analyze audit_event');
    await client.query('vacuum analyze audit_checkpoint');
  } finally {
    await client.end();
  }
}

async function adminQuery(adminUrl: string, statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

type DialectReport = {
  dialect: DialectName;
  fillMs: number;
  runs: RunResult[];
  cohesion: { medianMs: number; entriesPerSecond: number; peakRssMiB: number | null };
  naive: { medianMs: number; entriesPerSecond: number; peakRssMiB: number | null };
  ratio: number;
};

async function benchDialect(
  dialect: DialectName,
  target: string,
  fill: () => Promise<void>,
  publicKeyFile: string,
  rounds: number,
  expected: { entries: number; checkpoints: number },
): Promise<DialectReport> {
  const filling = performance.now();
  await fill();
  const fillMs = Math.round(performance.now() - filling);
  console.error(
    `[${dialect}] filled ${expected.entries.toLocaleString('en')} entries in ${(fillMs / 1000).toFixed(1)} s`,
  );
  const runs: RunResult[] = [];
  const script = import.meta.filename;
  for (let round = 0; round < rounds; round++) {
    // Alternate which verifier goes first, so neither always inherits a warmer cache.
    const order: Verifier[] = round % 2 === 0 ? ['cohesion', 'naive'] : ['naive', 'cohesion'];
    for (const verifier of order) {
      const r = await runWorker<RunResult>(script, [
        '--worker',
        verifier,
        '--dialect',
        dialect,
        '--target',
        target,
        '--public-key',
        publicKeyFile,
      ]);
      if (!r.ok || r.entries !== expected.entries || r.checkpoints !== expected.checkpoints) {
        throw new Error(`[${dialect}] ${verifier} did not verify the chain: ${JSON.stringify(r)}`);
      }
      console.error(
        `[${dialect}] ${verifier}: ${r.ms} ms, ${r.entriesPerSecond.toLocaleString('en')} entries/s, peak RSS ${r.peakRssMiB} MiB`,
      );
      runs.push(r);
    }
  }
  const summary = (v: Verifier) => {
    const mine = runs.filter((r) => r.verifier === v);
    const medianMs = median(mine.map((r) => r.ms));
    return {
      medianMs,
      entriesPerSecond: Math.round((expected.entries / medianMs) * 1000),
      peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB ?? 0)) || null,
    };
  };
  const cohesion = summary('cohesion');
  const naive = summary('naive');
  return {
    dialect,
    fillMs,
    runs,
    cohesion,
    naive,
    ratio: Math.round((naive.medianMs / cohesion.medianMs) * 100) / 100,
  };
}

async function main(): Promise<void> {
  const entries = Number(flags.entries);
  const rounds = Number(flags.rounds);
  const every = Number(flags['checkpoint-every']);
  if (!Number.isInteger(entries) || entries < 1) throw new Error('--entries must be a positive integer');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');

  const loadAtStart = os.loadavg()[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-bench-audit-'));
  const reports: DialectReport[] = [];
  try {
    const building = performance.now();
    const { rows, checkpoints, publicKeyPem } = buildChain(entries, every);
    console.error(
      `built ${entries.toLocaleString('en')} chained entries and ${checkpoints.length} signed checkpoints in ` +
        `${((performance.now() - building) / 1000).toFixed(1)} s`,
    );
    const publicKeyFile = path.join(dir, 'public.pem');
    fs.writeFileSync(publicKeyFile, publicKeyPem);
    const expected = { entries, checkpoints: checkpoints.length };

    const dialects = flags.dialects!.split(',');
    const sqliteFile = path.join(dir, 'audit.sqlite');
    if (dialects.includes('sqlite')) {
      reports.push(
        await benchDialect(
          'sqlite',
          sqliteFile,
          () => fillSqlite(sqliteFile, rows, checkpoints),
          publicKeyFile,
          rounds,
          expected,
        ),
      );
    }

    if (dialects.includes('postgres')) {
      const adminUrl = flags.pg!;
      const url = new URL(adminUrl);
      url.pathname = `/${BENCH_DB}`;
      await adminQuery(adminUrl, `drop database if exists ${BENCH_DB} with (force)`);
      await adminQuery(adminUrl, `create database ${BENCH_DB}`);
      try {
        reports.push(
          await benchDialect(
            'postgres',
            url.toString(),
            () => fillPostgres(url.toString(), rows, checkpoints),
            publicKeyFile,
            rounds,
            expected,
          ),
        );
      } finally {
        await adminQuery(adminUrl, `drop database if exists ${BENCH_DB} with (force)`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const cpu = /^model name\s*:\s*(.+)$/m.exec(
    fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '',
  );
  const report = {
    date: new Date().toISOString(),
    command: `npm run bench:audit -- --entries ${entries} --rounds ${rounds} --checkpoint-every ${every} --dialects ${flags.dialects}`,
    // Other work on a shared machine shows up here; the ratios are measured side by side in one run regardless.
    loadAverage1m: { start: loadAtStart, end: os.loadavg()[0] },
    machine: {
      nproc: os.availableParallelism(),
      cpuModel: cpu?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
    },
    node: process.version,
    entries,
    checkpointEvery: every,
    dialects: reports,
  };
  fs.mkdirSync(flags.out!, { recursive: true });
  fs.writeFileSync(path.join(flags.out!, 'audit-verify.json'), JSON.stringify(report, null, 2));

  console.log(`| dialect | Cohesion verifyAuditChain | naive (load all, sorted JSON.stringify) | ratio |`);
  console.log(`| --- | --- | --- | --- |`);
  for (const r of reports) {
    const cell = (s: DialectReport['cohesion']) =>
      `${s.entriesPerSecond.toLocaleString('en')} entries/s (${(s.medianMs / 1000).toFixed(2)} s, peak RSS ${s.peakRssMiB} MiB)`;
    console.log(`| ${r.dialect} | ${cell(r.cohesion)} | ${cell(r.naive)} | ×${r.ratio} |`);
  }
}

if (flags.worker) await workerMain();
else await main();
