import type { KubeObject } from './object.ts';

/**
 * What makes an object unique in a cluster: group, kind, namespace and name.
 * The version is carried along because the agent needs it to talk to the API,
 * but two versions of one object are the same object.
 */
export interface ObjectRef {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function refOf(object: KubeObject): ObjectRef {
  const { group, version } = splitApiVersion(object.apiVersion);
  return { group, version, kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name };
}

/** A stable key for maps and sets, like Flux's `namespace_name_group_kind`; the version is left out on purpose. */
export function refKey(ref: ObjectRef): string {
  return `${ref.namespace}_${ref.name}_${ref.group}_${ref.kind}`;
}

/** How errors and logs name an object: `Kind/namespace/name`, or `Kind/name` when cluster-scoped. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace === '' ? `${ref.kind}/${ref.name}` : `${ref.kind}/${ref.namespace}/${ref.name}`;
}

export function apiVersionOf(ref: ObjectRef): string {
  return ref.group === '' ? ref.version : `${ref.group}/${ref.version}`;
}

export function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return refKey(a) === refKey(b);
}
