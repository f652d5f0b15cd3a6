// Content digests of vendored charts. An archive (`.tgz`) is pinned by the sha256 of its bytes:
// the same value a Helm repository's index.yaml lists as `digest` and an OCI registry as the
// chart layer's digest. A chart folder is pinned by a tree digest: sha256 over every file's
// relative path (forward slashes, sorted by code unit) and the sha256 of its bytes, so it is
// the same on every machine and file system.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** `sha256:<hex>` of a file's bytes. */
export function fileDigest(file: string): string {
  return `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
}

/** `sha256:<hex>` of a folder's files (paths and contents; modes and times ignored). */
export function treeDigest(dir: string): string {
  const hash = createHash('sha256');
  for (const relative of treeFiles(dir)) {
    hash.update(relative).update('\0').update(createHash('sha256').update(readFileSync(join(dir, relative))).digest('hex')).update('\n');
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Every regular file under `dir`, relative with `/`, sorted. */
export function treeFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(dir, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() || (entry.isSymbolicLink() && statSync(join(dir, path)).isFile())) files.push(path);
    }
  };
  walk('');
  return files.sort();
}

/** The digest of a vendored chart: a folder's tree digest, an archive's file digest. */
export function chartDigest(path: string): string {
  return statSync(path).isDirectory() ? treeDigest(path) : fileDigest(path);
}

/** sha256 hex of a string. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
