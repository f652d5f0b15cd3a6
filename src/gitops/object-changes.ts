/**
 * What a commit did to an environment's objects, from the `index.json` of
 * `deploy/<cluster>/` before and after it: one entry per object, a closed set
 * of actions, in the index's order (by file).
 */
import { compareStrings, splitApiVersion, type IndexEntry, type ManifestIndex } from '../manifest/index.ts';

export type ObjectChangeAction = 'added' | 'changed' | 'removed';

export interface ObjectChange {
  readonly action: ObjectChangeAction;
  readonly apiVersion: string;
  readonly kind: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  /** The file inside `deploy/<cluster>/` (`<unit>/…` when the cluster has units). */
  readonly file: string;
  /** The unit the object is in (after the change; before it, when removed), when the cluster has units. */
  readonly unit?: string;
  /** `Kind/namespace/name`, or `Kind/name` when cluster-scoped. */
  readonly subject: string;
}

/** How many objects each action touched. */
export type ChangeCounts = Readonly<Record<ObjectChangeAction, number>>;

/** Changes between two indexes (either may be absent: no output yet, or output removed). */
export function diffIndexes(before: ManifestIndex | undefined, after: ManifestIndex | undefined): ObjectChange[] {
  // An object that moved to another unit changed file: that is a change too.
  // Identity without the version, as refKey: a new apiVersion of one object is a change, not a swap.
  const keyOf = (entry: IndexEntry): string => `${splitApiVersion(entry.apiVersion).group}/${entry.kind}/${entry.namespace ?? ''}/${entry.name}`;
  const old = new Map((before?.objects ?? []).map((entry) => [keyOf(entry), entry]));
  const changes: ObjectChange[] = [];
  for (const entry of after?.objects ?? []) {
    const previous = old.get(keyOf(entry));
    old.delete(keyOf(entry));
    if (!previous) changes.push(changeOf('added', entry));
    else if (previous.sha256 !== entry.sha256 || previous.file !== entry.file) changes.push(changeOf('changed', entry));
  }
  for (const entry of old.values()) changes.push(changeOf('removed', entry));
  return changes.sort((a, b) => compareStrings(a.file, b.file) || compareStrings(a.action, b.action));
}

/**
 * Changes from a name-status diff of a folder without `index.json` (plain YAML):
 * objects are named by their file only.
 */
export function changesOfFiles(files: readonly { readonly status: string; readonly file: string }[]): ObjectChange[] {
  return files
    .filter(({ file }) => /\.ya?ml$/.test(file))
    .map(({ status, file }): ObjectChange => {
      const action: ObjectChangeAction = status.startsWith('A') ? 'added' : status.startsWith('D') ? 'removed' : 'changed';
      return { action, apiVersion: '', kind: '', namespace: '', name: file, file, subject: file };
    })
    .sort((a, b) => compareStrings(a.file, b.file));
}

export function countChanges(changes: readonly ObjectChange[]): ChangeCounts {
  const counts = { added: 0, changed: 0, removed: 0 };
  for (const change of changes) counts[change.action] += 1;
  return counts;
}

/** `2 added, 1 changed, 3 removed` (actions with no objects left out), or `no object changes`. */
export function describeCounts(counts: ChangeCounts): string {
  const parts = (['added', 'changed', 'removed'] as const).filter((action) => counts[action] > 0).map((action) => `${counts[action]} ${action}`);
  return parts.length === 0 ? 'no object changes' : parts.join(', ');
}

/** Parses an `index.json` text; undefined when absent or not an index. */
export function parseIndex(text: string | undefined): ManifestIndex | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<ManifestIndex>;
    return parsed.kind === 'ManifestIndex' && Array.isArray(parsed.objects) ? (parsed as ManifestIndex) : undefined;
  } catch {
    return undefined;
  }
}

/** `apps: Deployment/shop/api` for an object of a unit, else the subject. */
export function describeChange(change: ObjectChange): string {
  return change.unit === undefined ? change.subject : `${change.unit}: ${change.subject}`;
}

function changeOf(action: ObjectChangeAction, entry: IndexEntry & { readonly unit?: string }): ObjectChange {
  const namespace = entry.namespace ?? '';
  return {
    action,
    apiVersion: entry.apiVersion,
    kind: entry.kind,
    namespace,
    name: entry.name,
    file: entry.file,
    ...(entry.unit === undefined ? {} : { unit: entry.unit }),
    subject: namespace === '' ? `${entry.kind}/${entry.name}` : `${entry.kind}/${namespace}/${entry.name}`,
  };
}
