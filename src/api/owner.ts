/**
 * Owner labels: every object Strata applies carries the name and namespace of
 * the Sync that owns it (like Flux's `kustomize.toolkit.fluxcd.io/name` and
 * `/namespace`). Prune deletes only objects that still carry them, and the drift
 * watcher selects objects by them.
 */
import type { KubeObject } from '../manifest/index.ts';

export const OWNER_NAME_LABEL = 'strata.dev/name';
export const OWNER_NAMESPACE_LABEL = 'strata.dev/namespace';

/** The owner labels of the Sync `namespace/name`. */
export function ownerLabels(name: string, namespace: string): Record<string, string> {
  return { [OWNER_NAME_LABEL]: name, [OWNER_NAMESPACE_LABEL]: namespace };
}

/** A copy of `object` with `labels` added (they win over labels of the same key). */
export function withOwnerLabels(object: KubeObject, labels: Readonly<Record<string, string>> | undefined): KubeObject {
  if (labels === undefined || Object.keys(labels).length === 0) return object;
  return { ...object, metadata: { ...object.metadata, labels: { ...object.metadata.labels, ...labels } } };
}

/** True when the live object carries every one of `labels` with the same value. */
export function hasOwnerLabels(live: KubeObject, labels: Readonly<Record<string, string>>): boolean {
  const actual = live.metadata.labels ?? {};
  return Object.entries(labels).every(([key, value]) => actual[key] === value);
}

/**
 * `namespace/name` of the other Sync whose owner labels the live object carries, when
 * `labels` (this Sync's) name another one; undefined when it carries none or ours.
 */
export function ownedByAnother(live: KubeObject, labels: Readonly<Record<string, string>> | undefined): string | undefined {
  const name = live.metadata.labels?.[OWNER_NAME_LABEL];
  const namespace = live.metadata.labels?.[OWNER_NAMESPACE_LABEL];
  if (labels === undefined || name === undefined || namespace === undefined) return undefined;
  if (labels[OWNER_NAME_LABEL] === undefined || labels[OWNER_NAMESPACE_LABEL] === undefined) return undefined;
  return name === labels[OWNER_NAME_LABEL] && namespace === labels[OWNER_NAMESPACE_LABEL] ? undefined : `${namespace}/${name}`;
}

/** A label selector (`a=b,c=d`, sorted) matching objects with `labels`; undefined when there are none. */
export function ownerSelector(labels: Readonly<Record<string, string>> | undefined): string | undefined {
  if (labels === undefined) return undefined;
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`);
  return pairs.length === 0 ? undefined : pairs.join(',');
}
