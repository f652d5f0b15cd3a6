import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

/**
 * Remembers, per output folder, the source fingerprint it was compiled from, the number
 * of objects and the size and modification time of every file written, so an unchanged
 * compile can skip loading the constructs altogether. Any edit of a source or of an
 * output file (a hand edit, an added or removed file included) makes the record stale and
 * the cluster is compiled again.
 *
 * At 10k objects checking is most of an unchanged recompile, so it walks the folders
 * once in directory order and compares with the record in that order (another order
 * only costs a recompile), keeps the record as flat arrays (cheap to parse) and joins
 * paths by concatenation.
 * @internal
 */
export class OutputCache {
  private records: Record<string, OutputRecord>;
  private readonly file: string;

  constructor(cacheDir: string) {
    this.file = join(cacheDir, 'synth.json');
    this.records = {};
    if (existsSync(this.file)) {
      try {
        this.records = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, OutputRecord>;
      } catch {
        this.records = {};
      }
    }
  }

  /** The number of objects in `dir` when it still holds exactly what was compiled from `fingerprint`; else undefined. */
  current(dir: string, fingerprint: string): number | undefined {
    const record = this.records[dir];
    // A record of an older shape (or a hand-edited one) is simply stale.
    if (!record || record.fingerprint !== fingerprint || !Array.isArray(record.files) || typeof record.objects !== 'number') return undefined;
    const files = record.files;
    let at = 0;
    const same = walkFiles(dir, (path, name) => {
      if (files[at] !== name) return false;
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat === undefined || stat.size !== files[at + 1] || stat.mtimeMs !== files[at + 2]) return false;
      at += 3;
      return true;
    });
    return same && at === files.length ? record.objects : undefined;
  }

  record(dir: string, fingerprint: string, objects: number): void {
    const files: (string | number)[] = [];
    walkFiles(dir, (path, name) => {
      const stat = statSync(path);
      files.push(name, stat.size, stat.mtimeMs);
      return true;
    });
    this.records[dir] = { fingerprint, objects, files };
  }

  forget(dir: string): void {
    delete this.records[dir];
  }

  /** Writes the records, dropping those of folders that no longer exist (temporary outputs). */
  save(): void {
    for (const dir of Object.keys(this.records)) if (!existsSync(dir)) delete this.records[dir];
    mkdirSync(join(this.file, '..'), { recursive: true });
    writeFileSync(this.file, `${JSON.stringify(this.records)}\n`);
  }
}

interface OutputRecord {
  readonly fingerprint: string;
  /** Objects in the output (what index.json lists). */
  readonly objects: number;
  /** Flat triples in directory order: file path relative to the output folder, size, mtimeMs. */
  readonly files: readonly (string | number)[];
}

/** Calls `each` with every file under `dir` (full path, relative path) in directory order until it returns false; false then. */
function walkFiles(dir: string, each: (path: string, name: string) => boolean): boolean {
  const walk = (folder: string, relative: string): boolean => {
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return true;
    }
    for (const entry of entries) {
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!walk(`${folder}/${entry.name}`, name)) return false;
      } else if (entry.isFile() && !each(`${folder}/${entry.name}`, name)) return false;
    }
    return true;
  };
  return walk(dir, '');
}
