/**
 * Recompiling the clusters whose lock changed, so the commit carries both the
 * sources and the compiled output in `deploy/<cluster>/`.
 *
 * The default runs the compiler (`strata synth --root <root> <clusters>`) in a
 * child process rather than through its in-process API. The in-process compiler
 * does see an edited lock on a second compile (src/compiler/load.ts reloads
 * changed modules), but the agent's bundle leaves the compiler, TypeScript and
 * the construct library out of its own module graph to start small (the agent
 * image ships them beside it, see the Dockerfile), and the clone it compiles
 * links this installation's node_modules; a child process keeps both true, and
 * every compile of a loop's long life starts with a clean module cache.
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

/** Where an installation keeps its CLI, relative to the installation's root. */
const CLI_BIN = path.join('cli', 'bin', 'strata.js');

/**
 * The Strata installation this module runs from: the nearest folder above it
 * holding `cli/bin/strata.js` (two levels up from `src/images/`, one from the
 * agent bundle in `dist/`), or undefined when the compiler is not installed
 * beside it (a bundle copied on its own).
 */
export function strataInstallation(from: string = path.dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, CLI_BIN))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The default `Recompile`: `strata synth` for the changed clusters (type-check,
 * compile, write `deploy/<cluster>/` only when every cluster compiled); each
 * cluster's output folder is committed whole (additions and removals).
 * Environments without `clusters/<env>/index.ts` are skipped.
 */
export const recompileClusters: Recompile = async ({ root, clusters }) => {
  const selected = clusters.filter((cluster) => existsSync(path.join(root, 'clusters', cluster, 'index.ts')));
  if (selected.length === 0) return [];
  const installation = strataInstallation();
  if (installation === undefined) {
    throw new RecompileError(selected, `the compiler (${CLI_BIN}) is not installed beside ${fileURLToPath(import.meta.url)}; run from a Strata installation (the agent image ships one)`);
  }
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [path.join(installation, CLI_BIN), 'synth', '--root', root, ...selected], { env: compilerEnv(), maxBuffer: 16 * 1024 * 1024, timeout: 600_000 }, (error, _stdout, stderr) => {
      if (error === null) return resolve();
      reject(new RecompileError(selected, stderr.trim() || error.message, { cause: error }));
    });
  });
  return selected.map((cluster) => path.join('deploy', cluster));
};

/** The agent caps its own heap (the Dockerfile's NODE_OPTIONS); the compiler needs more than the agent, so the cap is not passed on. */
function compilerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const options = (env['NODE_OPTIONS'] ?? '').split(/\s+/).filter((option) => option !== '' && !/^--max-(old|semi)-space-size=/.test(option));
  return { ...env, NODE_OPTIONS: options.join(' ') };
}
