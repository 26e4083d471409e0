import { bootstrap } from '../bootstrap.ts';
import { loadConfig, type Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { isAppError } from '../platform/errors.ts';
import { systemClock, type Clock } from '../platform/clock.ts';

export type CliContext = { db: Db; config: Config; clock: Clock };

/** Opens the instance's database for one command and closes it after, turning known errors into a clear message and exit code. */
export async function withContext(run: (ctx: CliContext) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const db = await bootstrap(config, { loadDemo: false });
  try {
    await run({ db, config, clock: systemClock });
  } finally {
    await db.close();
  }
}

export function reportCliError(e: unknown): never {
  if (isAppError(e)) {
    console.error(`Error (${e.code}): ${e.message}`);
    for (const d of e.details.slice(0, 20)) console.error(`  - ${formatDetail(d)}`);
    if (e.details.length > 20) console.error(`  … and ${e.details.length - 20} more`);
    process.exit(1);
  }
  if (e instanceof Error && e.name === 'ConfigError') {
    console.error(e.message);
    process.exit(2);
  }
  console.error(e);
  process.exit(1);
}

export function formatDetail(d: Record<string, unknown>): string {
  return Object.entries(d)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}
