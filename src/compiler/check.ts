import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { committedKeys, committedText, renderFile, renderText, RENDERS_DIR, type RenderSession } from '../charts/render-store.ts';
import { compileWithRenders, type SynthOptions } from './synth.ts';
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
  /** Committed chart renders (`charts/renders/<key>.json.gz`) missing, different from Helm's or unused. */
  readonly renders: readonly FileDifference[];
}

/** Options of {@link checkOutput}: those of synth (`outDir` is the committed folder to compare with). */
export type CheckOptions = SynthOptions;

/**
 * `strata check`: compiles every selected cluster into a temporary folder and compares
 * it, file by file, with the committed `deploy/<cluster>/`. Charts are rendered by the
 * pinned Helm (or this machine's cache of its renders), never taken from the committed
 * charts/renders/, which are compared with those renders instead: so a hand-edited render
 * cannot make stale output look current. Writes nothing in the project.
 */
export async function checkOutput(options: CheckOptions = {}): Promise<CheckResult> {
  const layout = projectLayout(options.root ?? process.cwd());
  const committedDir = resolve(options.outDir ?? join(layout.root, 'deploy'));
  const { compiled, session, all } = await compileWithRenders(options, 'verify');
  const temporary = mkdtempSync(join(tmpdir(), 'strata-check-'));
  try {
    const clusters: ClusterCheck[] = [];
    for (const cluster of compiled) {
      const fresh = join(temporary, cluster.name);
      await syncDirectory(fresh, cluster.files);
      const differences = compareDirectories(join(committedDir, cluster.name), fresh, cluster.name);
      clusters.push({ cluster: cluster.name, upToDate: differences.length === 0, differences });
    }
    const renders = compareRenders(session, all);
    return { upToDate: clusters.every((c) => c.upToDate) && renders.length === 0, clusters, renders };
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

/** Each render the compile used against its committed file; with `all`, committed renders nobody used too. */
export function compareRenders(session: RenderSession, all: boolean): FileDifference[] {
  const differences: FileDifference[] = [];
  const path = (key: string): string => `${RENDERS_DIR.split('\\').join('/')}/${renderFile(key)}`;
  const keys = new Set([...session.used.keys(), ...(all ? committedKeys(session.dir) : [])]);
  for (const key of [...keys].sort()) {
    const render = session.used.get(key);
    const committed = committedText(session.dir, key);
    const fresh = render === undefined ? undefined : renderText(render);
    if (committed === fresh) continue;
    const change: FileChange = committed === undefined ? 'added' : fresh === undefined ? 'removed' : 'modified';
    // A whole render is megabytes: name the chart and say what to run rather than print it.
    const what = render ?? { chart: '(unused)', version: '', releaseName: '' };
    const diff =
      change === 'added'
        ? `${path(key)}: chart ${what.chart} ${what.version} (release ${what.releaseName}) is not rendered in charts/renders/ yet`
        : change === 'removed'
          ? `${path(key)}: no cluster uses this render any more`
          : `${path(key)}: differs from what Helm renders for chart ${what.chart} ${what.version} (release ${what.releaseName})`;
    differences.push({ file: path(key), change, diff });
  }
  return differences;
}
