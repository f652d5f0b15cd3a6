import { mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

/** What writing one cluster's output did, file by file (paths relative to the cluster folder). */
export interface WriteResult {
  readonly written: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: number;
}

/** Every file under `dir`, relative and `/`-separated, sorted; empty when `dir` is missing. */
export function listFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => {
      try {
        return statSync(join(dir, entry)).isFile();
      } catch {
        return false;
      }
    })
    .map((entry) => entry.split(sep).join('/'))
    .sort();
}

/**
 * Makes `dir` hold exactly `files`: writes the files whose content differs (each to a
 * temporary name beside it, then renamed over, so no reader sees half a file), removes
 * files that no longer belong and the folders they leave empty. Touches nothing outside
 * `dir`. index.json is written last, so it never lists a file that is not there yet.
 */
export function syncDirectory(dir: string, files: ReadonlyMap<string, string>, indexFile = 'index.json'): WriteResult {
  const existing = new Set(listFiles(dir));
  const written: string[] = [];
  const removed: string[] = [];
  let unchanged = 0;
  const order = [...files.keys()].filter((file) => file !== indexFile);
  if (files.has(indexFile)) order.push(indexFile);
  for (const file of order) {
    const text = files.get(file)!;
    const target = join(dir, file);
    if (existing.has(file)) {
      existing.delete(file);
      if (readFileSync(target, 'utf8') === text) {
        unchanged += 1;
        continue;
      }
    }
    mkdirSync(dirname(target), { recursive: true });
    const temporary = join(dirname(target), `.${file.split('/').pop()}.strata-tmp-${process.pid}`);
    writeFileSync(temporary, text);
    renameSync(temporary, target);
    written.push(file);
  }
  for (const file of existing) {
    unlinkSync(join(dir, file));
    removed.push(file);
    removeEmptyParents(dir, dirname(join(dir, file)));
  }
  return { written, removed: removed.sort(), unchanged };
}

function removeEmptyParents(root: string, folder: string): void {
  let current = folder;
  while (current.length > root.length && current.startsWith(root)) {
    try {
      if (readdirSync(current).length > 0) return;
      rmdirSync(current);
    } catch {
      return;
    }
    current = dirname(current);
  }
}
