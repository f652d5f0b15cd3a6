/**
 * Recompiling the clusters whose lock changed, through the compiler's API
 * (`synth` of `src/compiler/`), so the commit carries both the sources and
 * the compiled output in `deploy/<cluster>/`.
 */
import path from 'node:path';

export interface RecompileRequest {
  /** The project root. */
  readonly root: string;
  /** Cluster folders under `clusters/` to compile (an environment's folder is its cluster). */
  readonly clusters: readonly string[];
}

/** Compiles the clusters; returns the paths written or removed, relative to the root, to commit. */
export type Recompile = (request: RecompileRequest) => Promise<readonly string[]>;

/**
 * The default `Recompile`: the compiler's `synth` (type-check, compile, write
 * `deploy/<cluster>/` only when every cluster compiled) for the changed clusters;
 * each cluster's output folder is committed whole (additions and removals).
 * Environments without `clusters/<env>/index.ts` are skipped.
 */
export const recompileClusters: Recompile = async ({ root, clusters }) => {
  // Loaded on first use: scanning needs neither the compiler nor TypeScript.
  const { discoverClusters, projectLayout, synth } = await import('../compiler/index.ts');
  // An environment folder without an index.ts has a lock but no cluster to compile.
  const known = new Set(discoverClusters(projectLayout(root)));
  const selected = clusters.filter((cluster) => known.has(cluster));
  if (selected.length === 0) return [];
  const result = await synth({ root, clusters: selected });
  return result.clusters.map((cluster) => path.relative(root, cluster.dir));
};
