import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { compile, type SynthOptions } from './synth.ts';
import { projectLayout } from './project.ts';
import { listFiles, syncDirectory } from './write.ts';

/** How a committed file differs from what the sources compile to: a closed set. */
export type FileChange = 'added' | 'removed' | 'modified';

export interface FileDifference {
  /** Path under the output folder, e.g. `production/shop/deployment-api.yaml`. */
  readonly file: string;
  /** `added`: the sources produce it but it is not committed; `removed`: committed but no longer produced. */
  readonly change: FileChange;
  /** Unified diff from the committed file to the compiled one. */
  readonly diff: string;
}

export interface ClusterCheck {
  readonly cluster: string;
  readonly upToDate: boolean;
  readonly differences: readonly FileDifference[];
}

export interface CheckResult {
  readonly upToDate: boolean;
  readonly clusters: readonly ClusterCheck[];
}

/** Options of {@link checkOutput}: those of synth (`outDir` is the committed folder to compare with). */
export type CheckOptions = SynthOptions;

/**
 * `strata check`: compiles every selected cluster into a temporary folder and compares
 * it, file by file, with the committed `deploy/<cluster>/`. Writes nothing in the project.
 */
export async function checkOutput(options: CheckOptions = {}): Promise<CheckResult> {
  const layout = projectLayout(options.root ?? process.cwd());
  const committedDir = resolve(options.outDir ?? join(layout.root, 'deploy'));
  const compiled = await compile(options);
  const temporary = mkdtempSync(join(tmpdir(), 'strata-check-'));
  try {
    const clusters: ClusterCheck[] = [];
    for (const cluster of compiled) {
      const fresh = join(temporary, cluster.name);
      await syncDirectory(fresh, cluster.files);
      const differences = compareDirectories(join(committedDir, cluster.name), fresh, cluster.name);
      clusters.push({ cluster: cluster.name, upToDate: differences.length === 0, differences });
    }
    return { upToDate: clusters.every((c) => c.upToDate), clusters };
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
}

/** Every file that differs between two folders, with a unified diff from `committed` to `fresh`. */
export function compareDirectories(committed: string, fresh: string, label: string): FileDifference[] {
  const before = new Set(listFiles(committed));
  const after = new Set(listFiles(fresh));
  const all = [...new Set([...before, ...after])].sort();
  const differences: FileDifference[] = [];
  for (const file of all) {
    const oldText = before.has(file) ? readFileSync(join(committed, file), 'utf8') : '';
    const newText = after.has(file) ? readFileSync(join(fresh, file), 'utf8') : '';
    if (before.has(file) && after.has(file) && oldText === newText) continue;
    const change: FileChange = !before.has(file) ? 'added' : !after.has(file) ? 'removed' : 'modified';
    const path = `${label}/${file}`;
    const diff = createTwoFilesPatch(
      before.has(file) ? `a/deploy/${path}` : '/dev/null',
      after.has(file) ? `b/deploy/${path}` : '/dev/null',
      oldText,
      newText,
      undefined,
      undefined,
      { context: 3 },
    );
    differences.push({ file: path, change, diff: diff.split('\n').slice(1).join('\n') });
  }
  return differences;
}
