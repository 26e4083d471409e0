import { buildApp } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import { ConfigError, loadConfig } from './config.ts';
import { systemClock } from './platform/clock.ts';
import { createAnalyticsRefresher } from './domains/analytics/refresher.ts';
import { maybeCheckpoint } from './platform/audit/checkpoints.ts';
import { loadAuditSigningKey } from './platform/audit/signing-key.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const db = await bootstrap(config, { loadDemo: true });
  // The key that signs audit checkpoints lives outside the database (DATA_DIR or AUDIT_SIGNING_KEY_FILE).
  const auditKey = loadAuditSigningKey(config);
  let log: { error(obj: object, msg: string): void; info(obj: object, msg: string): void } = console;
  const analytics = createAnalyticsRefresher(db, systemClock, {
    intervalMinutes: config.analyticsRefreshMinutes,
    onError: (e) => log.error({ err: e }, 'analytics recomputation failed'),
    onRun: (s) => {
      if (!s.skipped) log.info({ runId: s.runId, alarms: s.alarms, ms: s.ms }, 'analytics recomputed');
    },
  });
  const app = await buildApp({ db, config, clock: systemClock, analytics });
  log = app.log;
  // Checkpoints are signed after commits, never inside a request's transaction: after responses once enough
  // entries have accumulated, and every 15 minutes for whatever is left unsigned.
  const signAudit = (every = config.auditCheckpointEvery) =>
    maybeCheckpoint(db, systemClock, auditKey, every).catch((e: unknown) =>
      app.log.error(
        { err: e },
        'audit checkpoint refused: the chain does not verify (run npx cohesion audit verify)',
      ),
    );
  app.addHook('onResponse', async () => {
    void signAudit();
  });
  const checkpointTimer = setInterval(() => void signAudit(1), 15 * 60_000);
  checkpointTimer.unref();
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    clearInterval(checkpointTimer);
    analytics.stop();
    await analytics.settle();
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    `Cohesion is ready at http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`,
  );
  // There are no default credentials: a new instance says how to create its first administrator.
  const anyone = await db.kysely.selectFrom('appUser').select('id').limit(1).executeTakeFirst();
  if (!anyone)
    app.log.warn(
      'No account exists yet. Create the first administrator with: npx cohesion users create-admin --email you@city.example --name "Your Name" --organisation "City of …" (see README, "First account")',
    );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
