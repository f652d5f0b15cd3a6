/**
 * Recompiling the clusters whose lock changed, through the compiler's API
 * (`src/compiler/`), so the commit carries both the sources and the compiled
 * output in `deploy/<cluster>/`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImageFileError } from './errors.ts';

export interface RecompileRequest {
  /** The project root. */
  readonly root: string;
  /** Cluster folders under `clusters/` to compile (an environment's folder is its cluster). */
  readonly clusters: readonly string[];
}

/** Compiles the clusters; returns the paths written or removed, relative to the root, to commit. */
export type Recompile = (request: RecompileRequest) => Promise<readonly string[]>;

/** The compiler's API as image automation uses it. */
interface CompilerModule {
  synth(options: { root?: string; clusters?: readonly string[] }): Promise<unknown>;
}

/** The default `Recompile`: the compiler's `synth` for the changed clusters, then `deploy/<cluster>` is committed whole. */
export const recompileClusters: Recompile = async ({ root, clusters }) => {
  if (clusters.length === 0) return [];
  const entry = path.join(import.meta.dirname, '..', 'compiler', 'index.ts');
  if (!existsSync(entry)) throw new ImageFileError(entry, 'the compiler is not available; cannot recompile the updated clusters');
  const compiler = (await import(pathToFileURL(entry).href)) as CompilerModule;
  await compiler.synth({ root, clusters });
  return clusters.map((cluster) => path.join('deploy', cluster));
};
