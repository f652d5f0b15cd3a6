// The environments page's server side: which Syncs are environments (they apply a compiled
// cluster folder `deploy/<cluster>`, as the root Sync `strata bootstrap` makes does, in whichever
// context), and the `strata parity` difference between two of them, computed from the output each
// one runs (read from Git at its applied revision), not from a local compile.
import path from 'node:path';
import type { Sync } from '../api/index.ts';
import { commitOf, type Git } from '../git/index.ts';
// The file, not the room's index: the compiler's index pulls in cdk8s and the constructs.
import { compareEnvironments, type ParityResult } from '../compiler/parity.ts';
import { ManifestSet, parseManifestFiles } from '../manifest/index.ts';
import type { Repositories } from './repositories.ts';
import { filesAt } from './sync-next.ts';

/** The cluster a Sync deploys when it applies a compiled folder `deploy/<cluster>` (the root Sync does); else empty. */
export function environmentOf(sync: Sync): string {
  const folder = path.posix.normalize((sync.spec.path ?? '').replace(/\/+$/, '') || '.');
  return /^(?:.*\/)?deploy\/([^/]+)$/.exec(folder)?.[1] ?? '';
}

/** A name with its content hash (`checkout-api-config-9fa3fcf635`) as the same object in every environment. */
function stableName(name: string): string {
  return name.replace(/-[0-9a-f]{10}$/, '');
}

const MASK = '***';

/**
 * The parity of what two Syncs run: their folders at their applied revisions, objects paired by
 * group, kind and name (hash suffixes dropped), as `strata parity` pairs construct paths. Secret values differ without being shown.
 */
export async function parityOf(repositories: Repositories, a: { cluster: string; sync: Sync }, b: { cluster: string; sync: Sync }): Promise<ParityResult> {
  const load = async ({ cluster, sync }: { cluster: string; sync: Sync }) => {
    const revision = sync.status?.lastAppliedRevision;
    const commit = revision ? commitOf(revision) : undefined;
    if (!revision || !commit) throw new Error(`Sync ${sync.metadata.namespace}/${sync.metadata.name} has applied no revision yet`);
    const git: Git = await repositories.repository(sync.spec.url, revision);
    const set = parseManifestFiles(await filesAt(git, commit, sync.spec.path ?? ''));
    // Paired by group, kind and name, so objects in each environment's own namespace pair up (the
    // namespaces are then factored out); the namespace joins the id only where a name repeats.
    const idOf = (entry: (typeof set.entries)[number]) => `${entry.ref.group}/${entry.ref.kind}/${stableName(entry.ref.name)}`;
    const counts = new Map<string, number>();
    for (const entry of set.entries) counts.set(idOf(entry), (counts.get(idOf(entry)) ?? 0) + 1);
    return {
      name: cluster,
      files: new Map<string, string>(),
      set: ManifestSet.of(set.entries.map((entry) => ({ object: entry.object, source: `${cluster}/${idOf(entry)}${(counts.get(idOf(entry)) ?? 0) > 1 ? `@${entry.ref.namespace}` : ''}` }))),
    };
  };
  const [left, right] = await Promise.all([load(a), load(b)]);
  const result = compareEnvironments(left, right);
  const secret = (object: string) => object.startsWith('Secret/');
  return {
    ...result,
    changed: result.changed.map((object) =>
      secret(object.a) || secret(object.b)
        ? { ...object, differences: object.differences.map((difference) => ({ path: difference.path, ...('a' in difference ? { a: MASK } : {}), ...('b' in difference ? { b: MASK } : {}) })) }
        : object,
    ),
  };
}

/** How far apart the source commits two environments run are: commits of the sources (not of the compiled output). */
export interface Lineage {
  /** Source commits B runs that A does not: A is this many behind B. */
  readonly behind: number;
  /** Source commits A runs that B does not. */
  readonly ahead: number;
}

/**
 * The source commits between what `a` and `b` run, counted in the mirror of their repository,
 * leaving out commits that only changed the compiled output (`deploy/`); undefined when they
 * follow different repositories or a source commit is not in it.
 */
export async function lineageOf(repositories: Repositories, a: Sync, b: Sync): Promise<Lineage | undefined> {
  const [revisionA, revisionB] = [a.status?.lastAppliedRevision, b.status?.lastAppliedRevision];
  if (!revisionA || !revisionB || a.spec.url !== b.spec.url) return undefined;
  const [sourceA, sourceB] = await Promise.all([repositories.sourceCommit(a.spec.url, revisionA), repositories.sourceCommit(b.spec.url, revisionB)]);
  if (!sourceA?.subject || !sourceB?.subject) return undefined;
  const git = await repositories.repository(b.spec.url, revisionB);
  const output = path.posix.dirname(path.posix.normalize((b.spec.path ?? '').replace(/\/+$/, '') || '.'));
  const exclude = output === '.' ? [] : ['--', '.', `:(exclude)${output}`];
  const count = async (range: string) => Number(await git.run(['rev-list', '--count', range, ...exclude]));
  const [behind, ahead] = await Promise.all([count(`${sourceA.commit}..${sourceB.commit}`), count(`${sourceB.commit}..${sourceA.commit}`)]);
  return { behind, ahead };
}
