// The one test command: server suites on SQLite and (when reachable) PostgreSQL, then the browser journeys.
// Ends with the line `N passed, N failed` that CI reads.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const pgUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const requirePostgres = ['1', 'true', 'yes'].includes(process.env.REQUIRE_POSTGRES ?? '');

async function postgresReachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await client.end().catch(() => {});
  }
}

type Totals = { passed: number; failed: number; skipped: number };

function runVitest(label: string, args: string[], env: NodeJS.ProcessEnv): Totals {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-vitest-')), 'report.json');
  console.log(`\n=== ${label} ===`);
  const r = spawnSync(
    process.execPath,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      ...args,
      '--reporter=default',
      '--reporter=json',
      `--outputFile=${out}`,
    ],
    { stdio: 'inherit', env },
  );
  if (!fs.existsSync(out)) {
    console.error(`${label}: the test runner produced no report (exit ${r.status})`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    numFailedTestSuites: number;
  };
  // A suite that fails to load has no failed tests but must still fail the run.
  const failed = report.numFailedTests + report.numFailedTestSuites;
  return {
    passed: report.numPassedTests,
    failed: failed === 0 && r.status !== 0 ? 1 : failed,
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const problem = await postgresReachable(pgUrl);
  let preflightFailed = 0;
  if (problem === null) {
    env.TEST_POSTGRES_URL = pgUrl;
    console.log(
      `PostgreSQL reachable at ${new URL(pgUrl).host}: server suites run on SQLite and PostgreSQL.`,
    );
  } else if (requirePostgres) {
    console.error(
      `REQUIRE_POSTGRES is set but PostgreSQL at ${new URL(pgUrl).host} is unreachable: ${problem}`,
    );
    preflightFailed = 1;
  } else {
    delete env.TEST_POSTGRES_URL;
    console.warn(
      `NOTE: PostgreSQL at ${new URL(pgUrl).host} is unreachable (${problem}); server suites run on SQLite ONLY.`,
    );
  }

  const totals: Totals = { passed: 0, failed: preflightFailed, skipped: 0 };
  const add = (t: Totals) => {
    totals.passed += t.passed;
    totals.failed += t.failed;
    totals.skipped += t.skipped;
  };
  if (!preflightFailed) {
    add(runVitest('unit and server tests', [], env));
    if (process.env.SKIP_E2E !== '1') {
      const build = spawnSync(process.execPath, ['scripts/ensure-web-build.ts'], { stdio: 'inherit', env });
      if (build.status !== 0) add({ passed: 0, failed: 1, skipped: 0 });
      else add(runVitest('browser journeys (Chromium)', ['--config', 'vitest.e2e.config.ts'], env));
    }
  }
  console.log(
    `\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`,
  );
  process.exit(totals.failed > 0 ? 1 : 0);
}

await main();
