import fs from 'node:fs';
import path from 'node:path';

/**
 * Path of a Toronto demo file for tests: the copy the repository carries in demo/toronto/ when present,
 * else the shared data folder beside the project.
 */
export function torontoFile(name: string): string {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const inRepo = path.join(root, 'demo', 'toronto', name);
  if (fs.existsSync(inRepo)) return inRepo;
  return path.join(root, '..', 'shared', 'data', 'toronto', name);
}
