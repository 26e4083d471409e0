import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const R_DIR = path.resolve(import.meta.dirname, '..', 'r');

export type RVersions = {
  r: string;
  surveillance: string;
  spdep: string;
  sf: string;
  geos: string;
  blas: string;
};

/**
 * Runs bench/r/<script> with Rscript and parses the JSON object it prints last. R's stderr (messages, warnings)
 * is passed through so a failing script explains itself.
 */
export function runRscript<T>(rscript: string, script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(rscript, ['--vanilla', path.join(R_DIR, script), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`Rscript ${script} exited with ${code}: ${err.slice(-2000)}`));
        return;
      }
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`Rscript ${script} printed no JSON: ${out.slice(-2000)}`));
      }
    });
  });
}

export const rVersions = (rscript: string): Promise<RVersions> =>
  runRscript<RVersions>(rscript, 'versions.R', []);

/** A file of little-endian doubles written by R's writeBin (NA comes back as NaN). */
export function readDoubles(file: string): Float64Array {
  const b = fs.readFileSync(file);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** A file of little-endian 32-bit integers written by R's writeBin (NA is −2³¹). */
export function readInts(file: string): Int32Array {
  const b = fs.readFileSync(file);
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
