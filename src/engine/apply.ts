/**
 * Server-side apply of a manifest set, like Flux's `ssa.ResourceManager`:
 * `applyAllStaged` applies definitions (CRDs, Namespaces, ClusterRoles and their
 * bindings) first, waits until the CRDs are Established, then `*Class` kinds, then
 * everything else in kind order. Within a stage every object is first applied with a
 * server-side dry-run (all must pass, or nothing of the stage is written), the
 * result is compared with the live object, and only objects that differ are
 * applied, so unchanged objects keep their resourceVersion and a no-op reconcile
 * writes nothing. Requests within a stage run concurrently (bounded).
 *
 * One shortcut, for speed and for dry-runs that need their references: an object of
 * an inert kind (ConfigMap, Secret, Service, ServiceAccount, Role: nothing runs or is
 * granted when they appear) that is certainly absent (a 404, or missing from a full
 * LIST) is created first, without a dry-run; if any other object of the stage then
 * fails its dry-run, those creations are deleted again, so a failed stage still leaves
 * nothing behind. Every other create and every update is dry-run first, as in Flux,
 * and written one kind rank after another (ServiceAccounts and Roles before the
 * workloads and RoleBindings that use them).
 *
 * Opt-outs (see annotations.ts): `strata.dev/reconcile: disabled` and
 * `strata.dev/ssa: Ignore` skip an object, `strata.dev/ssa: IfNotPresent` only
 * creates it, `strata.dev/force: enabled` (or `force`) recreates it when an
 * immutable field changes.
 */
import pLimit from 'p-limit';
import { APPLY_STAGES, compareApplyOrder, describeRef, kindRank, refOf, stageOf, type ApplyStage, type KubeObject, type ManifestSet, type ObjectRef } from '../manifest/index.ts';
import { FIELD_MANAGER, forceEnabled, formatDuration, ownedByAnother, ssaPolicyOf, withOwnerLabels } from '../api/index.ts';
import { appliedFields, appliedStateOf, changedPaths, comparable, jsonEqual, type AppliedState } from './_compare.ts';
import { NoKindMatchError, isImmutableError, type FieldValidation, type KubeClient, type ResourceInfo } from '../kube/index.ts';
import type { ApplyAction } from './action.ts';
import { computeHealth } from './health.ts';
import { messageOf, sleep } from './_util.ts';
import { ignoresFields, withIgnoredFields } from './_ignore-fields.ts';

/** Options of {@link applyAllStaged} and {@link applyAll}. */
export interface ApplyOptions {
  /**
   * The field manager of every apply.
   * @default FIELD_MANAGER ('strata')
   */
  readonly fieldManager?: string;
  /**
   * Most requests in flight at once within a stage.
   * @default 16
   */
  readonly concurrency?: number;
  /**
   * Recreate objects whose immutable fields changed (else only objects annotated
   * `strata.dev/force: enabled` are recreated).
   * @default false
   */
  readonly force?: boolean;
  /**
   * Labels put on every applied object, naming its owner (see owner.ts).
   * @default none
   */
  readonly ownerLabels?: Readonly<Record<string, string>>;
  /**
   * Whether an object another Sync (`namespace/name`) owns may be taken over: the reconciler
   * allows it from the Sync of another unit of the same cluster that no longer holds the object
   * at this revision (it moved between units). Otherwise the apply is refused.
   * @default never
   */
  readonly mayAdopt?: (owner: string, ref: ObjectRef) => boolean;
  /** Aborts the apply between requests. @default never */
  readonly signal?: AbortSignal;
  /**
   * Apply as this user (`Impersonate-User`), e.g. `system:serviceaccount:ns:name`.
   * @default the client's own user
   */
  readonly impersonate?: string;
  /**
   * How long to wait for the set's CRDs to become Established after the definitions stage.
   * @default 60_000
   */
  readonly waitForCRDsMs?: number;
  /**
   * Unknown or duplicate fields: `Strict` fails the object's dry-run (nothing of its stage
   * is written), `Warn` and `Ignore` let the API server drop them (Flux's behaviour).
   * @default 'Strict'
   */
  readonly fieldValidation?: FieldValidation;
  /**
   * Objects (of `applyAllStaged`) for which this answers true are reported unchanged
   * without a request. Pass `driftWatcher.inSync` (drift.ts) with the owner the apply is
   * for: objects the watch saw as this owner last applied them, without a change since,
   * then cost nothing on a no-op reconcile. Leave it out for a full comparison.
   * @default every object is read and dry-run
   */
  readonly inSync?: (ref: ObjectRef, sha256: string) => boolean;
  /**
   * How long to wait for an object deleted for recreation to be gone.
   * @default 60_000
   */
  readonly recreateTimeoutMs?: number;
}

export const DEFAULT_APPLY_OPTIONS = {
  fieldManager: FIELD_MANAGER,
  concurrency: 16,
  force: false,
  waitForCRDsMs: 60_000,
  fieldValidation: 'Strict',
  recreateTimeoutMs: 60_000,
} as const;

/** One object's outcome. */
export interface ChangeSetEntry {
  readonly ref: ObjectRef;
  /** `Kind/namespace/name` ({@link describeRef}). */
  readonly subject: string;
  readonly action: ApplyAction;
  /** Why: the changed fields, why it was skipped or recreated. */
  readonly message?: string;
  /**
   * The object as this apply left it (written) or found it (unchanged by dry-run, or skipped
   * as present): what the drift watch must see before it vouches for the object
   * (`DriftWatcher.record`). Absent for objects vouched for without a request.
   */
  readonly applied?: AppliedState;
}

export interface ChangeSet {
  readonly entries: readonly ChangeSetEntry[];
}

/** A failure about one object; the message starts with the object and the cause is kept. */
export class ObjectError extends Error {
  override readonly name = 'ObjectError';
  readonly subject: string;
  constructor(
    readonly ref: ObjectRef,
    message: string,
    options?: { cause?: unknown },
  ) {
    const subject = describeRef(ref);
    // A cause that already names the object (the client's errors do) is not prefixed twice.
    super(message.startsWith(`${subject}: `) ? message : `${subject}: ${message}`, options);
    this.subject = subject;
  }
}

/** Every object that failed, and what was applied before the failure. */
export class ApplyError extends AggregateError {
  override readonly name = 'ApplyError';
  /** One error per object, each naming it. */
  declare errors: ObjectError[];
  constructor(
    errors: readonly ObjectError[],
    /** What was applied before or beside the failures. */
    readonly changeSet: ChangeSet,
  ) {
    super(errors, errors.map((error) => error.message).join('\n'));
    this.errors = [...errors];
  }
}

type Plan =
  | { readonly kind: 'done'; readonly entry: ChangeSetEntry }
  | { readonly kind: 'direct'; readonly entry: ChangeSetEntry; readonly uid: string | undefined }
  | { readonly kind: 'write'; readonly object: KubeObject; readonly ref: ObjectRef; readonly action: 'created' | 'configured'; readonly message?: string }
  | { readonly kind: 'recreate'; readonly object: KubeObject; readonly ref: ObjectRef; readonly uid: string | undefined; readonly message: string };

/** Objects of one kind and namespace at least this many are read with one LIST instead of one GET each. */
const LIST_THRESHOLD = 8;

/** Kinds created without a dry-run when certainly absent (and deleted again if their stage fails): nothing runs or is granted when they appear. */
const INERT_KINDS: ReadonlySet<string> = new Set(['/ConfigMap', '/Secret', '/Service', '/ServiceAccount', 'rbac.authorization.k8s.io/Role']);

/**
 * Applies the set in stages (definitions, classes, resources), waiting for CRDs to be
 * Established between the first two. Stops at the first stage with a failure and throws
 * an ApplyError carrying every failed object and the change set of what was applied.
 */
export async function applyAllStaged(client: KubeClient, set: ManifestSet, options: ApplyOptions = {}): Promise<ChangeSet> {
  const done: ChangeSetEntry[] = [];
  const byStage = new Map<ApplyStage, KubeObject[]>();
  for (const entry of set.entries) {
    if (options.inSync?.(entry.ref, entry.sha256)) {
      done.push(entryOf(entry.ref, 'unchanged', 'in sync: watched without a change since last applied'));
      continue;
    }
    const stage = stageOf(entry.ref);
    const objects = byStage.get(stage);
    if (objects) objects.push(entry.object);
    else byStage.set(stage, [entry.object]);
  }
  for (const stage of APPLY_STAGES) {
    const objects = byStage.get(stage);
    if (!objects) continue;
    options.signal?.throwIfAborted();
    try {
      done.push(...(await applyAll(client, objects, options)).entries);
      done.sort((a, b) => compareApplyOrder(a.ref, b.ref));
      if (stage === 'definitions') await waitForEstablished(client, objects, options);
    } catch (error) {
      if (error instanceof ApplyError) throw new ApplyError(error.errors, { entries: [...done, ...error.changeSet.entries] });
      throw error;
    }
  }
  return { entries: done };
}

/**
 * Applies objects of one stage: a dry-run of each (all must pass, else nothing of the
 * stage is left written), then a real apply of those that differ from the live object.
 */
export async function applyAll(client: KubeClient, objects: readonly KubeObject[], options: ApplyOptions = {}): Promise<ChangeSet> {
  const api = client.impersonating(options.impersonate);
  const limit = pLimit(options.concurrency ?? DEFAULT_APPLY_OPTIONS.concurrency);
  const signal = options.signal;
  const desired = objects.map((object) => withOwnerLabels(object, options.ownerLabels));

  const live = await readLive(api, desired, options);
  const fieldManager = options.fieldManager ?? DEFAULT_APPLY_OPTIONS.fieldManager;
  const fieldValidation = options.fieldValidation ?? DEFAULT_APPLY_OPTIONS.fieldValidation;
  const isDirect = (index: number): boolean => {
    const ref = refOf(desired[index]!);
    return live[index] === null && INERT_KINDS.has(`${ref.group}/${ref.kind}`) && ssaPolicyOf(desired[index]!) !== 'Ignore';
  };
  const plans: (Plan | ObjectError)[] = new Array<Plan | ObjectError>(desired.length);
  // 1a. Inert objects known to be absent are created at once, so that the dry-runs of what
  //     refers to them (a Pod's ServiceAccount, a RoleBinding's Role) find them.
  // 1b. Everything else is dry-run and compared with the live object.
  for (const direct of [true, false]) {
    await Promise.all(
      desired.map((object, index) =>
        isDirect(index) !== direct
          ? undefined
          : limit(async () => {
              signal?.throwIfAborted();
              const found = live[index];
              const ref = refOf(object);
              if (found instanceof ObjectError) {
                plans[index] = found;
                return;
              }
              try {
                if (direct) {
                  const result = await api.apply(object, { fieldManager, force: true, fieldValidation, signal });
                  // 200 instead of 201: someone created it since it was read; it was updated, and is not ours to delete.
                  const uid = result.created ? (result.object.metadata.uid as string | undefined) : undefined;
                  plans[index] = { kind: 'direct', entry: entryOf(ref, result.created ? 'created' : 'configured', undefined, appliedStateOf(result.object, fieldManager)), uid };
                } else {
                  plans[index] = await plan(api, object, found, options);
                }
              } catch (error) {
                plans[index] = asObjectError(ref, error, signal);
              }
            }),
      ),
    );
  }
  const errors = plans.filter((result): result is ObjectError => result instanceof ObjectError);
  if (errors.length > 0) {
    const direct = plans.filter((result): result is Extract<Plan, { kind: 'direct' }> => !(result instanceof ObjectError) && result.kind === 'direct' && result.uid !== undefined);
    const undone = await Promise.all(
      direct.map((step) =>
        limit(() =>
          api.delete(step.entry.ref, { uid: step.uid!, propagationPolicy: 'Background' }).then(
            () => undefined,
            (error: unknown) => new ObjectError(step.entry.ref, `created, then not deleted again after the stage failed: ${messageOf(error)}`, { cause: error }),
          ),
        ),
      ),
    );
    throw new ApplyError([...errors, ...undone.filter((error): error is ObjectError => error !== undefined)], { entries: [] });
  }

  // 2. Writes, one kind rank after another (ServiceAccounts and Roles before what uses them),
  //    concurrently within a rank.
  const results: (ChangeSetEntry | ObjectError)[] = [];
  const waves = new Map<number, Plan[]>();
  for (const step of plans as Plan[]) {
    if (step.kind === 'done' || step.kind === 'direct') {
      results.push(step.entry);
      continue;
    }
    const rank = kindRank(step.ref.kind);
    const wave = waves.get(rank);
    if (wave) wave.push(step);
    else waves.set(rank, [step]);
  }
  for (const rank of [...waves.keys()].sort((a, b) => a - b)) {
    const wave = await Promise.all(
      waves.get(rank)!.map((step) =>
        limit(async (): Promise<ChangeSetEntry | ObjectError> => {
          if (step.kind === 'done' || step.kind === 'direct') return step.entry;
          signal?.throwIfAborted();
          try {
            if (step.kind === 'recreate') await recreateDelete(api, step.ref, step.uid, options);
            const written = await api.apply(step.object, { fieldManager, force: true, fieldValidation, signal });
            return entryOf(step.ref, step.kind === 'recreate' ? 'created' : step.action, step.message, appliedStateOf(written.object, fieldManager));
          } catch (error) {
            return asObjectError(step.ref, error, signal);
          }
        }),
      ),
    );
    results.push(...wave);
  }
  const entries = results.filter((result): result is ChangeSetEntry => !(result instanceof ObjectError)).sort((a, b) => compareApplyOrder(a.ref, b.ref));
  const failed = results.filter((result): result is ObjectError => result instanceof ObjectError);
  if (failed.length > 0) throw new ApplyError(failed, { entries });
  return { entries };
}

/** Applies one object (all the rules of {@link applyAll}); throws ObjectError. */
export async function apply(client: KubeClient, object: KubeObject, options: ApplyOptions = {}): Promise<ChangeSetEntry> {
  try {
    const [entry] = (await applyAll(client, [object], options)).entries;
    if (!entry) throw new Error('no result');
    return entry;
  } catch (error) {
    if (error instanceof ApplyError && error.errors[0]) throw error.errors[0];
    throw error;
  }
}

/** What is known of each object before the dry-run: live object, absent (null), not known (undefined), or an error. */
type Live = KubeObject | null | undefined | ObjectError;

async function readLive(api: KubeClient, desired: readonly KubeObject[], options: ApplyOptions): Promise<Live[]> {
  const signal = options.signal;
  const result: Live[] = new Array<Live>(desired.length).fill(undefined);
  const groups = new Map<string, { info: ResourceInfo; namespace: string; indexes: number[] }>();
  await Promise.all(
    desired.map(async (object, index) => {
      const ref = refOf(object);
      try {
        const info = await api.resourceOf(ref, signal);
        const namespace = info.namespaced ? ref.namespace : '';
        const key = `${info.group}/${info.resource}/${namespace}`;
        const group = groups.get(key) ?? { info, namespace, indexes: [] };
        group.indexes.push(index);
        groups.set(key, group);
      } catch (error) {
        result[index] = asObjectError(ref, error, signal);
      }
    }),
  );
  const limit = pLimit(options.concurrency ?? DEFAULT_APPLY_OPTIONS.concurrency);
  const reads: Promise<void>[] = [];
  for (const group of groups.values()) {
    if (group.indexes.length >= LIST_THRESHOLD && (group.namespace !== '' || !group.info.namespaced)) {
      reads.push(
        limit(async () => {
          try {
            // Unfiltered, so that an object missing from the list is certainly absent.
            const list = await api.list(group.info, group.namespace || undefined, { signal });
            const byName = new Map(list.items.map((item) => [item.metadata.name, item]));
            for (const index of group.indexes) result[index] = byName.get(desired[index]!.metadata.name) ?? null;
          } catch {
            // Unknown: the dry-run tells created from existing.
          }
        }),
      );
    } else {
      for (const index of group.indexes) {
        reads.push(
          limit(async () => {
            const ref = refOf(desired[index]!);
            try {
              result[index] = (await api.get(ref, signal)) ?? null;
            } catch (error) {
              result[index] = asObjectError(ref, error, signal);
            }
          }),
        );
      }
    }
  }
  await Promise.all(reads);
  return result;
}

async function plan(api: KubeClient, gitObject: KubeObject, knownLive: KubeObject | null | undefined, options: ApplyOptions): Promise<Plan> {
  const ref = refOf(gitObject);
  const fieldManager = options.fieldManager ?? DEFAULT_APPLY_OPTIONS.fieldManager;
  const signal = options.signal;
  // Fields other controllers own (strata.dev/ignore-fields) are applied as the live object has them: read it first.
  const known = knownLive === undefined && ignoresFields(gitObject) ? ((await api.get(ref, signal)) ?? null) : knownLive;
  const skip = skipReason(gitObject, known);
  if (skip) return { kind: 'done', entry: entryOf(ref, 'skipped', skip, known ? appliedStateOf(known, fieldManager) : undefined) };
  refuseOwnedByAnother(ref, known, options);
  let object: KubeObject;
  try {
    object = withIgnoredFields(gitObject, known, fieldManager);
  } catch (error) {
    throw new ObjectError(ref, messageOf(error), { cause: error });
  }

  let dryRun: { object: KubeObject; created: boolean };
  try {
    dryRun = await api.apply(object, { fieldManager, force: true, dryRun: true, fieldValidation: options.fieldValidation ?? DEFAULT_APPLY_OPTIONS.fieldValidation, signal });
  } catch (error) {
    if (!isImmutableError(error)) throw new ObjectError(ref, `dry-run failed: ${messageOf(error)}`, { cause: error });
    if (!(options.force ?? DEFAULT_APPLY_OPTIONS.force) && !forceEnabled(object)) {
      throw new ObjectError(ref, `immutable field changed; set force or annotate strata.dev/force: enabled to recreate: ${messageOf(error)}`, { cause: error });
    }
    const live = known ?? (await api.get(ref, signal));
    if (known === undefined) refuseOwnedByAnother(ref, live, options);
    return { kind: 'recreate', object, ref, uid: live?.metadata.uid as string | undefined, message: `recreated: ${messageOf(error)}` };
  }
  if (dryRun.created) return { kind: 'write', object, ref, action: 'created' };

  let live = known ?? (await api.get(ref, signal));
  // A dry-run keeps the stored resourceVersion, so a different one means someone wrote the
  // object after it was read (a Deployment's controller adds its revision annotation): compare
  // with what the dry-run started from, not with the older read.
  if (known && live && dryRun.object.metadata.resourceVersion !== live.metadata.resourceVersion) live = await api.get(ref, signal);
  if (!live) return { kind: 'write', object, ref, action: 'created' };
  const lateSkip = known === undefined ? skipReason(object, live) : undefined;
  if (lateSkip) return { kind: 'done', entry: entryOf(ref, 'skipped', lateSkip, appliedStateOf(live, fieldManager)) };
  if (known === undefined) refuseOwnedByAnother(ref, live, options);

  const before = comparable(live);
  const after = comparable(dryRun.object);
  if (!jsonEqual(before, after)) return { kind: 'write', object, ref, action: 'configured', message: `changed: ${changedPaths(before, after).join(', ')}` };
  if (appliedFields(live, fieldManager) !== appliedFields(dryRun.object, fieldManager)) {
    return { kind: 'write', object, ref, action: 'configured', message: 'field ownership changed' };
  }
  return { kind: 'done', entry: entryOf(ref, 'unchanged', undefined, appliedStateOf(live, fieldManager)) };
}

/** One object belongs to one Sync: another Sync's owner labels on the live object refuse the apply. */
function refuseOwnedByAnother(ref: ObjectRef, live: KubeObject | null | undefined, options: ApplyOptions): void {
  const other = live ? ownedByAnother(live, options.ownerLabels) : undefined;
  if (other === undefined || options.mayAdopt?.(other, ref)) return;
  throw new ObjectError(
    ref,
    `already owned by Sync ${other} (its owner labels are on the object); an object belongs to one Sync: remove it from ${other} first, or remove the labels strata.dev/name and strata.dev/namespace from the object to hand it over`,
  );
}

/** Why an object is not applied: Ignore on either side, or IfNotPresent and present. */
function skipReason(desired: KubeObject, live: KubeObject | null | undefined): string | undefined {
  const policies = [ssaPolicyOf(desired), live ? ssaPolicyOf(live) : 'Override'];
  if (policies.includes('Ignore')) return 'reconcile disabled by annotation';
  if (live && policies.includes('IfNotPresent')) return 'exists and is annotated strata.dev/ssa: IfNotPresent';
  return undefined;
}

async function recreateDelete(api: KubeClient, ref: ObjectRef, uid: string | undefined, options: ApplyOptions): Promise<void> {
  await api.delete(ref, { propagationPolicy: 'Background', ...(uid === undefined ? {} : { uid }), signal: options.signal });
  const timeoutMs = options.recreateTimeoutMs ?? DEFAULT_APPLY_OPTIONS.recreateTimeoutMs;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const live = await api.get(ref, options.signal);
    if (!live || (uid !== undefined && live.metadata.uid !== uid)) return;
    if (Date.now() > deadline) throw new Error(`deleted for recreation but still present after ${formatDuration(timeoutMs)} (finalizers: ${JSON.stringify(live.metadata.finalizers ?? [])})`);
    await sleep(100, options.signal);
  }
}

/** Waits until every CRD among `objects` is Established, then forgets discovery of their groups. */
async function waitForEstablished(client: KubeClient, objects: readonly KubeObject[], options: ApplyOptions): Promise<void> {
  const crds = objects.filter((object) => object.kind === 'CustomResourceDefinition' && object.apiVersion.startsWith('apiextensions.k8s.io/'));
  if (crds.length === 0) return;
  const api = client.impersonating(options.impersonate);
  const timeoutMs = options.waitForCRDsMs ?? DEFAULT_APPLY_OPTIONS.waitForCRDsMs;
  const deadline = Date.now() + timeoutMs;
  let pending = crds.map(refOf);
  let last = new Map<string, string>();
  // A new CRD is usually Established within tens of milliseconds: poll soon, then back off.
  let pause = 10;
  const backOff = async (): Promise<void> => {
    await sleep(pause, options.signal);
    pause = Math.min(pause * 2, 100);
  };
  while (pending.length > 0) {
    const checks = await Promise.all(pending.map(async (ref) => ({ ref, health: computeHealth(await api.get(ref, options.signal)) })));
    const failures = checks.filter((check) => check.health.status === 'Failed');
    if (failures.length > 0) throw new ApplyError(failures.map((check) => new ObjectError(check.ref, check.health.message)), { entries: [] });
    pending = checks.filter((check) => check.health.status !== 'Current').map((check) => check.ref);
    last = new Map(checks.map((check) => [describeRef(check.ref), check.health.message]));
    if (pending.length === 0) break;
    if (Date.now() > deadline) {
      throw new ApplyError(
        pending.map((ref) => new ObjectError(ref, `not Established after ${formatDuration(timeoutMs)}: ${last.get(describeRef(ref)) ?? ''}`)),
        { entries: [] },
      );
    }
    await backOff();
  }
  // Established does not mean discovery lists the kind yet: wait until it resolves.
  for (const crd of crds) {
    const spec = crd.spec as { group?: string; names?: { kind?: string }; versions?: { name?: string; served?: boolean }[] } | undefined;
    for (const version of spec?.versions ?? []) {
      if (!spec?.group || !spec.names?.kind || !version.name || version.served === false) continue;
      const apiVersion = `${spec.group}/${version.name}`;
      client.invalidate(apiVersion);
      for (;;) {
        try {
          await api.resource(apiVersion, spec.names.kind, options.signal);
          break;
        } catch (error) {
          if (!(error instanceof NoKindMatchError) || Date.now() > deadline) throw new ApplyError([new ObjectError(refOf(crd), `Established, but ${spec.names.kind} is not served by ${apiVersion}: ${messageOf(error)}`, { cause: error })], { entries: [] });
          await backOff();
        }
      }
    }
  }
}

function entryOf(ref: ObjectRef, action: ApplyAction, message?: string, applied?: AppliedState): ChangeSetEntry {
  return { ref, subject: describeRef(ref), action, ...(message === undefined ? {} : { message }), ...(applied === undefined ? {} : { applied }) };
}

/** The error about one object; an abort is rethrown, not blamed on the object. */
function asObjectError(ref: ObjectRef, error: unknown, signal: AbortSignal | undefined): ObjectError {
  if (signal?.aborted) throw signal.reason;
  if (error instanceof ObjectError) return error;
  return new ObjectError(ref, messageOf(error), { cause: error });
}

