import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isClusterSource, type ClusterSource } from '../constructs/cluster-source.ts';
import type { ManifestSetEntryInput } from '../manifest/index.ts';
import { ClusterLoadError } from './errors.ts';
import { clusterEntry, type ProjectLayout } from './project.ts';

/** Imports `clusters/<name>/index.ts` and checks that it default-exports a ClusterSource named after its folder. */
export async function loadClusterSource(layout: ProjectLayout, name: string): Promise<ClusterSource> {
  const entry = clusterEntry(layout, name);
  const file = relative(layout.root, entry);
  let module: { default?: unknown };
  try {
    module = (await import(entryUrl(entry))) as { default?: unknown };
  } catch (error) {
    throw new ClusterLoadError(name, file, `cannot be imported: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
  const source = module.default;
  if (!isClusterSource(source)) {
    throw new ClusterLoadError(name, file, 'must default-export a ClusterSource ({ name, synthesize() }), e.g. `export default new Cluster({ ... })`');
  }
  if (source.name !== name) {
    throw new ClusterLoadError(name, file, `exports the cluster ${JSON.stringify(source.name)}; the folder and the cluster name must be the same`);
  }
  return source;
}

const imported = new Map<string, string>();

/**
 * The URL to import an entry by. A process that compiles twice (tests, the benchmark)
 * would get the first module back from the module cache; an entry whose content changed
 * since is imported under a new query. (Its own imports stay cached: a long-lived
 * process sees changes of the entry only; the CLI runs once per compile.)
 */
function entryUrl(entry: string): string {
  const digest = createHash('sha256').update(readFileSync(entry)).digest('hex').slice(0, 16);
  const previous = imported.get(entry);
  imported.set(entry, previous === undefined ? digest : previous);
  const url = pathToFileURL(entry).href;
  if (previous === undefined || previous === digest) return url;
  imported.set(entry, digest);
  return `${url}?v=${digest}`;
}

/** Runs a cluster's synthesis, wrapping any failure with the cluster and its entry file. */
export async function synthesizeCluster(layout: ProjectLayout, source: ClusterSource): Promise<readonly ManifestSetEntryInput[]> {
  try {
    return await source.synthesize();
  } catch (error) {
    const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
    throw new ClusterLoadError(source.name, relative(layout.root, clusterEntry(layout, source.name)), message, { cause: error });
  }
}
