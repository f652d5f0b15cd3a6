/**
 * Recompiling the clusters whose lock changed, so the commit carries both the
 * sources and the compiled output in `deploy/<cluster>/`.
 *
 * The default runs the compiler (`strata synth --root <root> <clusters>`) in a
 * child process rather than through its in-process API. The in-process compiler
 * does see an edited lock on a second compile (src/compiler/load.ts reloads
 * changed modules), but the agent's bundle leaves the compiler, TypeScript and
 * the construct library out to start small, and the clone it compiles links
 * this installation's node_modules; a child process keeps both true, and every
 * compile of a loop's long life starts with a clean module cache.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecompileError } from './errors.ts';

export interface RecompileRequest {
  /** The project root. */
  readonly root: string;
  /** Cluster folders under `clusters/` to compile (an environment's folder is its cluster). */
  readonly clusters: readonly string[];
}

/** Compiles the clusters; returns the paths written or removed, relative to the root, to commit. */
export type Recompile = (request: RecompileRequest) => Promise<readonly string[]>;

const STRATA_BIN = fileURLToPath(new URL('../../cli/bin/strata.js', import.meta.url));

/**
 * The default `Recompile`: `strata synth` for the changed clusters (type-check,
 * compile, write `deploy/<cluster>/` only when every cluster compiled); each
 * cluster's output folder is committed whole (additions and removals).
 * Environments without `clusters/<env>/index.ts` are skipped.
 */
export const recompileClusters: Recompile = async ({ root, clusters }) => {
  const selected = clusters.filter((cluster) => existsSync(path.join(root, 'clusters', cluster, 'index.ts')));
  if (selected.length === 0) return [];
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [STRATA_BIN, 'synth', '--root', root, ...selected], { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 }, (error, _stdout, stderr) => {
      if (error === null) return resolve();
      reject(new RecompileError(selected, stderr.trim() || error.message, { cause: error }));
    });
  });
  return selected.map((cluster) => path.join('deploy', cluster));
};
