import { mkdirSync, readdirSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';

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

/** Options of {@link syncDirectory}. */
export interface SyncOptions {
  /**
   * The file written after all others, so it never lists a file not there yet.
   * @default 'index.json'
   */
  readonly indexFile?: string;
  /**
   * Files read, written or renamed at once.
   * @default 32
   */
  readonly concurrency?: number;
}

/**
 * Makes `dir` hold exactly `files`: writes the files whose content differs (a file that
 * exists is replaced by writing a temporary file beside it and renaming it over, so no
 * reader sees half a file), removes files that no longer belong and the folders they
 * leave empty. Touches nothing outside `dir`. The index file is written last. File I/O
 * runs `concurrency` operations at a time.
 */
export async function syncDirectory(dir: string, files: ReadonlyMap<string, string>, options: SyncOptions = {}): Promise<WriteResult> {
  const indexFile = options.indexFile ?? 'index.json';
  const concurrency = options.concurrency ?? 32;
  const existing = new Set(listFiles(dir));
  const written: string[] = [];
  const removed: string[] = [];
  let unchanged = 0;
  const folders = new Set<string>();
  const writeOne = async (file: string): Promise<void> => {
    const text = files.get(file)!;
    const target = join(dir, file);
    const present = existing.delete(file);
    if (present) {
      if ((await readFile(target, 'utf8')) === text) {
        unchanged += 1;
        return;
      }
      const temporary = join(dirname(target), `.${basename(target)}.strata-tmp-${process.pid}`);
      await writeFile(temporary, text);
      await rename(temporary, target);
    } else {
      const folder = dirname(target);
      if (!folders.has(folder)) {
        mkdirSync(folder, { recursive: true });
        folders.add(folder);
      }
      await writeFile(target, text);
    }
    written.push(file);
  };
  const order = [...files.keys()].filter((file) => file !== indexFile);
  await inBatches(order, concurrency, writeOne);
  if (files.has(indexFile)) await writeOne(indexFile);
  for (const file of existing) {
    unlinkSync(join(dir, file));
    removed.push(file);
    removeEmptyParents(dir, dirname(join(dir, file)));
  }
  return { written: written.sort(), removed: removed.sort(), unchanged };
}

async function inBatches<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
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
