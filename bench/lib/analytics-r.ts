import { runForJson } from './child.ts';
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
  return runForJson<T>(rscript, ['--vanilla', path.join(R_DIR, script), ...args], {
    label: `Rscript ${script}`,
    lastLineOnly: true,
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
