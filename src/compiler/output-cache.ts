import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles } from './write.ts';

/**
 * Remembers, per output folder, the source fingerprint it was compiled from and the
 * size and modification time of every file written, so an unchanged compile can skip
 * loading the constructs altogether. Any edit of a source or of an output file
 * (a hand edit included) makes the record stale and the cluster is compiled again.
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

  /** True when `dir` still holds exactly what was compiled from `fingerprint`. */
  isCurrent(dir: string, fingerprint: string): boolean {
    const record = this.records[dir];
    if (!record || record.fingerprint !== fingerprint) return false;
    const files = listFiles(dir);
    if (files.length !== Object.keys(record.files).length) return false;
    for (const file of files) {
      const expected = record.files[file];
      if (!expected) return false;
      const stat = statSync(join(dir, file));
      if (stat.size !== expected[0] || stat.mtimeMs !== expected[1]) return false;
    }
    return true;
  }

  record(dir: string, fingerprint: string): void {
    const files: Record<string, [number, number]> = {};
    for (const file of listFiles(dir)) {
      const stat = statSync(join(dir, file));
      files[file] = [stat.size, stat.mtimeMs];
    }
    this.records[dir] = { fingerprint, files };
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
  /** Relative path → [size, mtimeMs]. */
  readonly files: Record<string, [number, number]>;
}
