import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartInputFiles } from '../charts/vendored.ts';

/** sha256 over the given files' paths and contents (a missing file counts as empty), plus `extra` strings. */
export function fingerprintFiles(files: readonly string[], extra: readonly string[] = []): string {
  const hash = createHash('sha256');
  for (const part of extra) hash.update(part).update('\0');
  for (const file of [...files].sort()) {
    hash.update(file).update('\0');
    if (existsSync(file)) hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * Files outside the sources that change what a compile produces: the package lock, the
 * TypeScript config, the chart lock and every file of the charts it vendors.
 */
export function environmentFiles(root: string): string[] {
  return [...['package-lock.json', 'package.json', 'tsconfig.json'].map((name) => join(root, name)), ...chartInputFiles(root)];
}
