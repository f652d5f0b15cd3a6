/**
 * The objects of a cluster's output at a commit, whether the cluster is one folder
 * (`deploy/<cluster>/index.json`) or compiled into units (`deploy/<cluster>/<unit>/index.json`
 * each): one index for history, rollback and bootstrap to diff, each object's file relative
 * to `deploy/<cluster>/` and, for units, its unit.
 */
import pLimit from 'p-limit';
import type { Git } from '../git/index.ts';
import { compareStrings, type IndexEntry, type ManifestIndex } from '../manifest/index.ts';
import { parseIndex } from './object-changes.ts';

/** An object of a cluster's index, with the unit it belongs to when the cluster has units. */
export interface ClusterIndexEntry extends IndexEntry {
  readonly unit?: string;
}

/** Every object of a cluster, of all its units; `units` lists each unit's own index. */
export interface ClusterIndex extends ManifestIndex {
  readonly objects: readonly ClusterIndexEntry[];
  /** Unit → its index, when the cluster is compiled into units. */
  readonly units?: ReadonlyMap<string, ManifestIndex>;
}

/**
 * Joins the index texts of a cluster's folder: `index.json` for a cluster of one folder,
 * or `<unit>/index.json` per unit. Undefined when there is none (no output at that commit).
 */
export function combineIndexes(cluster: string, texts: ReadonlyMap<string, string | undefined>): ClusterIndex | undefined {
  const top = parseIndex(texts.get('index.json'));
  if (top !== undefined) return top;
  const units = new Map<string, ManifestIndex>();
  for (const [file, text] of texts) {
    const match = /^([^/]+)\/index\.json$/.exec(file);
    const index = match ? parseIndex(text) : undefined;
    if (match?.[1] !== undefined && index !== undefined) units.set(match[1], index);
  }
  if (units.size === 0) return undefined;
  const objects = [...units].flatMap(([unit, index]) => index.objects.map((entry): ClusterIndexEntry => ({ ...entry, file: `${unit}/${entry.file}`, unit })));
  return { apiVersion: 'strata.dev/v1alpha1', kind: 'ManifestIndex', cluster, objects: objects.sort((a, b) => compareStrings(a.file, b.file)), units };
}

/** The cluster index of `path` (`deploy/<cluster>`) at each commit; one `ls-tree` per commit and one blob read for all. */
export async function readClusterIndexes(git: Git, cluster: string, path: string, commits: readonly string[]): Promise<Map<string, ClusterIndex | undefined>> {
  const unique = [...new Set(commits)];
  const folders = new Map<string, string[]>();
  const limit = pLimit(4);
  await Promise.all(
    unique.map((commit) => limit(async () => {
      const listing = (await git.tryRun(['ls-tree', '-d', '--name-only', commit, '--', `${path}/`])) ?? '';
      folders.set(commit, listing.split('\n').filter(Boolean).map((folder) => folder.slice(path.length + 1)));
    })),
  );
  const spec = (commit: string, file: string) => `${commit}:${path}/${file}`;
  const filesOf = (commit: string) => ['index.json', ...(folders.get(commit) ?? []).map((unit) => `${unit}/index.json`)];
  const blobs = await git.readBlobs(unique.flatMap((commit) => filesOf(commit).map((file) => spec(commit, file))));
  const result = new Map<string, ClusterIndex | undefined>();
  for (const commit of unique) result.set(commit, combineIndexes(cluster, new Map(filesOf(commit).map((file) => [file, blobs.get(spec(commit, file))]))));
  return result;
}
