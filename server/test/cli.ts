import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type CliResult = { code: number; stdout: string; stderr: string };

const root = path.resolve(import.meta.dirname, '..', '..');

/**
 * Runs the real CLI (`server/cli/main.ts`) in a child process against its own embedded database in a temp
 * DATA_DIR. The promise never rejects: tests assert on the exit code and the output.
 */
export function createCliRunner(name: string): {
  dataDir: string;
  cohesion: (...args: string[]) => Promise<CliResult>;
  cleanup: () => void;
} {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `cohesion-${name}-cli-`));
  const cohesion = (...args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        ['server/cli/main.ts', ...args],
        {
          cwd: root,
          env: { ...process.env, DATA_DIR: dataDir, DEMO_CITY: '0', DATABASE_URL: '', LOG_LEVEL: 'silent' },
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  return { dataDir, cohesion, cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}
