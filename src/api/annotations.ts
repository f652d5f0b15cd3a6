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
 * Values are case-insensitive. Two more steer the order within a revision (Argo CD's sync
 * waves and hooks, but a wave waits for health): `strata.dev/wave: "<integer>"` (see
 * {@link waveOf}) and `strata.dev/hook: pre-apply | post-apply | on-failure` on a Job or Pod
 * with `strata.dev/hook-delete-policy` (see {@link hookOf}). Their values are checked by the
 * compiler and again by the agent ({@link orderingProblems}).
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

export const WAVE_ANNOTATION = 'strata.dev/wave';
export const HOOK_ANNOTATION = 'strata.dev/hook';
export const HOOK_DELETE_POLICY_ANNOTATION = 'strata.dev/hook-delete-policy';
/** Written by the agent on the hook objects it creates: the revision they ran for. */
export const HOOK_REVISION_ANNOTATION = 'strata.dev/hook-revision';

/** When a hook runs: before anything of the revision is applied, after it is healthy, or when it failed. */
export type HookPhase = 'pre-apply' | 'post-apply' | 'on-failure';
export const HOOK_PHASES: readonly HookPhase[] = ['pre-apply', 'post-apply', 'on-failure'];

/** When the agent deletes a hook object: before it creates the next one, once it succeeded, once it failed. */
export type HookDeletePolicy = 'before-creation' | 'succeeded' | 'failed';
export const HOOK_DELETE_POLICIES: readonly HookDeletePolicy[] = ['before-creation', 'succeeded', 'failed'];

/**
 * The hook kinds the agent waits for to complete (`group/Kind`). Hooks of other kinds (the
 * ServiceAccount or Role a Helm chart's hook Job runs as) are applied before them, not waited for.
 */
export const HOOK_KINDS: readonly string[] = ['batch/Job', '/Pod'];

export interface Hook {
  readonly phase: HookPhase;
  /** @default ['before-creation'] */
  readonly deletePolicies: readonly HookDeletePolicy[];
}

/** A wave or hook annotation that does not parse; names the annotation and its value. */
export class OrderingAnnotationError extends Error {
  override readonly name = 'OrderingAnnotationError';
  constructor(
    readonly annotation: string,
    /** What is wrong with the value, without the annotation's name. */
    readonly detail: string,
  ) {
    super(`annotation ${annotation}: ${detail}`);
  }
}

const INTEGER = /^-?[0-9]+$/;

/** The object's wave (`strata.dev/wave`, an integer, default 0); throws OrderingAnnotationError. */
export function waveOf(object: KubeObject): number {
  const value = object.metadata.annotations?.[WAVE_ANNOTATION];
  if (value === undefined) return 0;
  const trimmed = typeof value === 'string' ? value.trim() : '';
  const wave = Number(trimmed);
  if (!INTEGER.test(trimmed) || !Number.isSafeInteger(wave)) throw new OrderingAnnotationError(WAVE_ANNOTATION, `${JSON.stringify(value)} is not an integer (waves are applied in ascending order, default 0)`);
  return wave;
}

/** The object's hook (`strata.dev/hook`), or undefined for an ordinary object; throws OrderingAnnotationError. */
export function hookOf(object: KubeObject): Hook | undefined {
  const annotations = object.metadata.annotations ?? {};
  const value = annotations[HOOK_ANNOTATION];
  const policy = annotations[HOOK_DELETE_POLICY_ANNOTATION];
  if (value === undefined) {
    if (policy !== undefined) throw new OrderingAnnotationError(HOOK_DELETE_POLICY_ANNOTATION, `set on an object that is not a hook (no ${HOOK_ANNOTATION})`);
    return undefined;
  }
  const phase = String(value).trim().toLowerCase() as HookPhase;
  if (!HOOK_PHASES.includes(phase)) throw new OrderingAnnotationError(HOOK_ANNOTATION, `${JSON.stringify(value)} is not one of ${HOOK_PHASES.join(', ')}`);
  if (annotations[WAVE_ANNOTATION] !== undefined) throw new OrderingAnnotationError(WAVE_ANNOTATION, `a hook has no wave: ${phase} hooks run ${phase === 'pre-apply' ? 'before every wave' : 'after every wave'}`);
  if (policy === undefined) return { phase, deletePolicies: ['before-creation'] };
  const policies = String(policy)
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');
  const unknown = policies.filter((item) => !HOOK_DELETE_POLICIES.includes(item as HookDeletePolicy));
  if (unknown.length > 0 || policies.length === 0) {
    throw new OrderingAnnotationError(HOOK_DELETE_POLICY_ANNOTATION, `${JSON.stringify(policy)} is not a comma-separated list of ${HOOK_DELETE_POLICIES.join(', ')}`);
  }
  return { phase, deletePolicies: [...new Set(policies as HookDeletePolicy[])] };
}

/** Every problem of the object's wave and hook annotations, each naming its annotation. */
export function orderingProblems(object: KubeObject): OrderingAnnotationError[] {
  const problems: OrderingAnnotationError[] = [];
  for (const check of [waveOf, hookOf]) {
    try {
      check(object);
    } catch (error) {
      if (!(error instanceof OrderingAnnotationError)) throw error;
      if (!problems.some((problem) => problem.message === error.message)) problems.push(error);
    }
  }
  return problems;
}
