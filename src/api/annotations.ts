/**
 * The annotations users put on objects to steer the apply engine. They mirror
 * Flux's kustomize-controller annotations (`kustomize.toolkit.fluxcd.io/...`)
 * under `strata.dev/`, with the same meaning, and are read both on the object in
 * Git and on the live object in the cluster (so an operator can pause an object
 * with `kubectl annotate` without a commit):
 *
 * | annotation                      | effect                                                                |
 * | ------------------------------- | --------------------------------------------------------------------- |
 * | `strata.dev/reconcile: disabled`| never applied, never pruned: the object is left alone (action skipped) |
 * | `strata.dev/ssa: Ignore`        | same as `reconcile: disabled` (Flux's `ssa: Ignore`)                   |
 * | `strata.dev/ssa: IfNotPresent`  | created when missing, never updated afterwards (Flux's `ssa: IfNotPresent`) |
 * | `strata.dev/ssa: Override`      | the default: every field Strata manages is kept as in Git              |
 * | `strata.dev/force: enabled`     | an immutable-field change deletes and recreates the object             |
 * | `strata.dev/prune: disabled`    | never deleted by prune, even when it leaves Git                        |
 * | `strata.dev/ignore-fields: /spec/replicas,…` | fields another controller owns: set from Git on creation, then left as the cluster has them (Argo CD's `ignoreDifferences`) |
 *
 * Values are case-insensitive.
 */
import type { KubeObject } from '../manifest/index.ts';

export const RECONCILE_ANNOTATION = 'strata.dev/reconcile';
export const SSA_ANNOTATION = 'strata.dev/ssa';
export const FORCE_ANNOTATION = 'strata.dev/force';
export const PRUNE_ANNOTATION = 'strata.dev/prune';
export const IGNORE_FIELDS_ANNOTATION = 'strata.dev/ignore-fields';

export const DISABLED = 'disabled';
export const ENABLED = 'enabled';

/** How server-side apply treats an object (`strata.dev/ssa`). */
export type SsaPolicy = 'Override' | 'IfNotPresent' | 'Ignore';

function annotation(object: KubeObject | undefined, key: string): string | undefined {
  return object?.metadata.annotations?.[key]?.toLowerCase();
}

/** The ssa policy of an object: `Ignore` when reconcile is disabled, else the `ssa` annotation, else Override. */
export function ssaPolicyOf(object: KubeObject | undefined): SsaPolicy {
  if (annotation(object, RECONCILE_ANNOTATION) === DISABLED) return 'Ignore';
  switch (annotation(object, SSA_ANNOTATION)) {
    case 'ignore':
      return 'Ignore';
    case 'ifnotpresent':
      return 'IfNotPresent';
    default:
      return 'Override';
  }
}

/** True when the object asks to be recreated on immutable-field changes. */
export function forceEnabled(object: KubeObject | undefined): boolean {
  return annotation(object, FORCE_ANNOTATION) === ENABLED;
}

/** True when the object must not be pruned (`prune: disabled`, or reconcile disabled / ssa Ignore). */
export function pruneDisabled(object: KubeObject | undefined): boolean {
  return annotation(object, PRUNE_ANNOTATION) === DISABLED || ssaPolicyOf(object) === 'Ignore';
}

/** Fields that identify an object: ignoring them would make it another object. */
const UNIGNORABLE = new Set(['/apiVersion', '/kind', '/metadata', '/metadata/name', '/metadata/namespace']);

/** The fields of `strata.dev/ignore-fields`, each a JSON pointer (RFC 6901) split into its unescaped tokens. */
export interface IgnoredFields {
  readonly pointers: readonly (readonly string[])[];
  /** One message per entry that is not a usable JSON pointer. */
  readonly problems: readonly string[];
}

/**
 * Parses `strata.dev/ignore-fields` (comma-separated JSON pointers, `/spec/replicas`,
 * `/metadata/annotations/deployment.kubernetes.io~1revision`). The value is read as written:
 * pointers are case-sensitive.
 */
export function ignoredFieldsOf(object: KubeObject | null | undefined): IgnoredFields {
  const value = object?.metadata.annotations?.[IGNORE_FIELDS_ANNOTATION];
  if (value === undefined || value.trim() === '') return { pointers: [], problems: [] };
  const pointers: string[][] = [];
  const problems: string[] = [];
  for (const raw of value.split(',')) {
    const pointer = raw.trim();
    if (pointer === '') continue;
    if (!pointer.startsWith('/')) problems.push(`${JSON.stringify(pointer)} is not a JSON pointer: it must start with / (e.g. /spec/replicas)`);
    else if (/~(?![01])/.test(pointer)) problems.push(`${JSON.stringify(pointer)} is not a JSON pointer: ~ must be escaped as ~0, and / inside a key as ~1`);
    else if (UNIGNORABLE.has(pointer)) problems.push(`${JSON.stringify(pointer)} names the object itself and cannot be ignored`);
    else pointers.push(pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~')));
  }
  return { pointers, problems };
}
