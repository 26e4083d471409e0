import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { withContext } from './context.ts';
import type { Config } from '../config.ts';
import { AppError } from '../platform/errors.ts';
import {
  createCheckpoint,
  exportCheckpoints,
  maybeCheckpoint,
  parseCheckpointExport,
} from '../platform/audit/checkpoints.ts';
import {
  DEFAULT_SIGNING_KEY_FILE,
  loadAuditSigningKey,
  readAuditSigningKey,
  toAuditPublicKey,
  type AuditPublicKey,
  type AuditSigningKey,
} from '../platform/audit/signing-key.ts';
import { verifyAuditChain, type AuditCheckpointRecord } from '../platform/audit/verify.ts';

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('Check and sign the tamper-evident audit trail');

  audit
    .command('verify')
    .description(
      'Re-hash the whole audit chain and check every signed checkpoint; exits 1 at the first bad entry',
    )
    .option('--json', 'print the result as JSON')
    .option('--public-key <pem...>', 'also trust checkpoints signed with these public keys (earlier keys)')
    .option(
      '--checkpoints <file>',
      'also check checkpoints exported earlier (export-checkpoints) and kept elsewhere',
    )
    .option('--no-checkpoint', 'only read: do not sign the head afterwards, do not create a signing key')
    .action(
      async (opts: { json?: boolean; publicKey?: string[]; checkpoints?: string; checkpoint: boolean }) => {
        const extraKeys = (opts.publicKey ?? []).map(readPublicKeyFile);
        const exported =
          opts.checkpoints === undefined ? undefined : parseCheckpointExport(readText(opts.checkpoints));
        await withContext(async ({ db, config, clock }) => {
          const key = opts.checkpoint ? loadAuditSigningKey(config) : findLocalKey(config);
          const publicKeys: AuditPublicKey[] = [
            ...(key ? [key] : []),
            ...extraKeys,
            ...(exported?.publicKeys ?? []),
          ];
          const externalCheckpoints: AuditCheckpointRecord[] = exported?.checkpoints ?? [];
          const result = await verifyAuditChain(db, { publicKeys, externalCheckpoints });
          const signed =
            result.ok && key && opts.checkpoint
              ? await maybeCheckpoint(db, clock, key, config.auditCheckpointEvery)
              : null;
          if (!result.ok) process.exitCode = 1;
          if (opts.json) {
            console.log(JSON.stringify({ ...result, signedCheckpoint: signed }, null, 2));
            return;
          }
          if (result.firstBad) {
            console.log(`audit chain BROKEN at seq ${result.firstBad.seq}: ${result.firstBad.reason}`);
            console.log(`  ${result.firstBad.detail}`);
            return;
          }
          console.log(
            `audit chain ok: ${result.entries} entries, ${result.checkpoints} checkpoints, ` +
              `${result.entriesPerSecond} entries/s`,
          );
          if (exported) console.log(`${result.externalCheckpoints} exported checkpoints match`);
          if (signed) console.log(`signed checkpoint at seq ${signed.seq} (key ${signed.keyId})`);
        });
      },
    );

  audit
    .command('checkpoint')
    .description('Sign the current head of the audit chain now')
    .action(async () => {
      await withContext(async ({ db, config, clock }) => {
        const key = loadAuditSigningKey(config);
        const signed = await createCheckpoint(db, clock, key);
        console.log(
          signed
            ? `signed checkpoint at seq ${signed.seq} (key ${signed.keyId})`
            : 'nothing to sign: the audit trail is empty or its head is already signed',
        );
      });
    });

  audit
    .command('export-checkpoints')
    .description('Write the signed checkpoints as JSON lines, with the public key, for a system kept apart')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--after <seq>', 'only checkpoints after this seq (what the other system does not have yet)')
    .option('--public-key <pem...>', 'public keys of earlier signing keys to include')
    .action(async (opts: { out?: string; after?: string; publicKey?: string[] }) => {
      const afterSeq = opts.after === undefined ? 0 : Number(opts.after);
      if (!Number.isInteger(afterSeq) || afterSeq < 0) {
        throw new AppError('VALIDATION_FAILED', '--after must be a non-negative whole number', [
          { value: opts.after },
        ]);
      }
      const extraKeys = (opts.publicKey ?? []).map(readPublicKeyFile);
      await withContext(async ({ db, config }) => {
        const key = findLocalKey(config);
        const lines = await exportCheckpoints(db, {
          publicKeys: [...(key ? [key] : []), ...extraKeys],
          afterSeq,
        });
        const count = lines === '' ? 0 : lines.split('\n').length - 1;
        if (opts.out === undefined) {
          process.stdout.write(lines);
          return;
        }
        fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
        fs.writeFileSync(opts.out, lines);
        console.log(`exported ${count} checkpoints to ${opts.out}`);
      });
    });
}

/** The instance's key if it already exists: read-only commands must not create one. */
function findLocalKey(config: Config): AuditSigningKey | undefined {
  const file = config.auditSigningKeyFile ?? path.join(config.dataDir, DEFAULT_SIGNING_KEY_FILE);
  if (config.auditSigningKeyFile === undefined && !fs.existsSync(file)) return undefined;
  return readAuditSigningKey(file);
}

function readPublicKeyFile(file: string): AuditPublicKey {
  const pem = readText(file);
  try {
    return toAuditPublicKey(pem);
  } catch (e) {
    throw new AppError('VALIDATION_FAILED', `${file} is not an Ed25519 public key in PEM`, [
      { file, reason: (e as Error).message },
    ]);
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError('VALIDATION_FAILED', `Cannot read ${file}`, [
      { file, reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(e) },
    ]);
  }
}
