import { mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync, type Dirent } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** What writing one cluster's output did, file by file (paths relative to the cluster folder). */
export interface WriteResult {
  readonly written: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: number;
}

/** Every file under `dir`, relative and `/`-separated, sorted; empty when `dir` is missing. */
export function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (folder: string, prefix: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) walk(join(folder, entry.name), `${prefix}${entry.name}/`);
      else if (entry.isFile()) files.push(`${prefix}${entry.name}`);
    }
  };
  walk(dir, '');
  return files.sort();
}

/** Options of {@link syncDirectory}. */
export interface SyncOptions {
  /**
   * The file written after all others, so it never lists a file not there yet.
   * @default 'index.json'
   */
  readonly indexFile?: string;
}

/**
 * Makes `dir` hold exactly `files`: writes the files whose content differs (a file that
 * exists is replaced by writing a temporary file beside it and renaming it over, so no
 * reader sees half a file), removes files that no longer belong and the folders they
 * leave empty. Touches nothing outside `dir`. The index file is written last.
 * Synchronous I/O: for thousands of small files it costs half the CPU of promise-based I/O.
 */
export async function syncDirectory(dir: string, files: ReadonlyMap<string, string>, options: SyncOptions = {}): Promise<WriteResult> {
  const indexFile = options.indexFile ?? 'index.json';
  const existing = new Set(listFiles(dir));
  const written: string[] = [];
  const removed: string[] = [];
  let unchanged = 0;
  const folders = new Set<string>();
  const writeOne = (file: string): void => {
    const text = files.get(file)!;
    const target = join(dir, file);
    const present = existing.delete(file);
    if (present) {
      if (readFileSync(target, 'utf8') === text) {
        unchanged += 1;
        return;
      }
      const temporary = join(dirname(target), `.${basename(target)}.strata-tmp-${process.pid}`);
      writeFileSync(temporary, text);
      renameSync(temporary, target);
    } else {
      const folder = dirname(target);
      if (!folders.has(folder)) {
        mkdirSync(folder, { recursive: true });
        folders.add(folder);
      }
      writeFileSync(target, text);
    }
    written.push(file);
  };
  const order = [...files.keys()].filter((file) => file !== indexFile);
  for (const file of order) writeOne(file);
  if (files.has(indexFile)) writeOne(indexFile);
  for (const file of existing) {
    unlinkSync(join(dir, file));
    removed.push(file);
    removeEmptyParents(dir, dirname(join(dir, file)));
  }
  return { written: written.sort(), removed: removed.sort(), unchanged };
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
