/**
 * Live diff, for `strata diff`: what applying a set would change, found the
 * way apply finds it (a server-side dry-run apply compared with the live object),
 * without writing anything. With the last inventory it also lists what prune would
 * delete. Secret values never appear: changed values show as `*** (before)` /
 * `*** (after)`, unchanged ones as `***`.
 */
import { createTwoFilesPatch } from 'diff';
import pLimit from 'p-limit';
import { compareApplyOrder, describeRef, refOf, toCanonicalYaml, type KubeObject, type ManifestSet, type ObjectRef } from '../manifest/index.ts';
import { FIELD_MANAGER, hasOwnerLabels, hookOf, pruneDisabled, ssaPolicyOf, withOwnerLabels, type InventoryEntry } from '../api/index.ts';
import { ObjectError, type ApplyOptions } from './apply.ts';
import { appliedFields, changedPaths, comparable, jsonEqual } from './_compare.ts';
import { KubeApiError, NoKindMatchError, type FieldValidation, type KubeClient } from '../kube/index.ts';
import type { DiffAction } from './action.ts';
import { staleOf } from './inventory.ts';
import { messageOf } from './_util.ts';
import { withIgnoredFields } from './_ignore-fields.ts';

/** Options of {@link diffLive}. */
export interface DiffOptions {
  /**
   * The field manager the dry-run applies as.
   * @default FIELD_MANAGER ('strata')
   */
  readonly fieldManager?: string;
  /**
   * Owner labels, as apply would add them; prune candidates must carry them.
   * @default none
   */
  readonly ownerLabels?: Readonly<Record<string, string>>;
  /**
   * Most requests in flight at once.
   * @default 8
   */
  readonly concurrency?: number;
  /**
   * Dry-run as this user.
   * @default the client's own user
   */
  readonly impersonate?: string;
  /** @default never */
  readonly signal?: AbortSignal;
  /**
   * As {@link ApplyOptions.fieldValidation}.
   * @default 'Strict'
   */
  readonly fieldValidation?: FieldValidation;
  /**
   * Objects applied before this set (the units a unit depends on): their CustomResourceDefinitions
   * and Namespaces count as created, like the set's own.
   * @default none
   */
  readonly appliedBefore?: ManifestSet;
  /**
   * The inventory last applied: its objects that left the set are listed as `delete`
   * (when the live object is still owned and not annotated `prune: disabled`).
   * @default none
   */
  readonly inventory?: readonly InventoryEntry[];
}

export const DEFAULT_DIFF_OPTIONS = { fieldManager: FIELD_MANAGER, concurrency: 8 } as const;

export interface DiffEntry {
  readonly ref: ObjectRef;
  readonly subject: string;
  readonly action: DiffAction;
  /** Unified diff of live → desired as YAML (create: from nothing; delete: to nothing). */
  readonly diff?: string;
  /** Why, e.g. the changed fields or why it is skipped. */
  readonly message?: string;
}

export interface DiffResult {
  /** One entry per object of the set, then the prune candidates, in apply order. */
  readonly entries: readonly DiffEntry[];
  /** True when any entry would create, update or delete. */
  readonly changed: boolean;
}

/** Some objects could not be compared; `result` holds the ones that could. */
export class DiffError extends AggregateError {
  override readonly name = 'DiffError';
  declare errors: ObjectError[];
  constructor(
    errors: readonly ObjectError[],
    readonly result: DiffResult,
  ) {
    super(errors, errors.map((error) => error.message).join('\n'));
    this.errors = [...errors];
  }
}

export async function diffLive(client: KubeClient, set: ManifestSet, options: DiffOptions = {}): Promise<DiffResult> {
  const api = client.impersonating(options.impersonate);
  const limit = pLimit(options.concurrency ?? DEFAULT_DIFF_OPTIONS.concurrency);
  const fieldManager = options.fieldManager ?? DEFAULT_DIFF_OPTIONS.fieldManager;
  const signal = options.signal;
  // Objects whose CRD or Namespace the set itself creates cannot be dry-run yet.
  const defining = [...(options.appliedBefore?.entries ?? []), ...set.entries];
  const definedKinds = new Set(
    defining
      .filter((entry) => entry.ref.kind === 'CustomResourceDefinition')
      .map((entry) => {
        const spec = entry.object.spec as { group?: string; names?: { kind?: string } } | undefined;
        return `${spec?.group ?? ''}/${spec?.names?.kind ?? ''}`;
      }),
  );
  const definedNamespaces = new Set(defining.filter((entry) => entry.ref.kind === 'Namespace' && entry.ref.group === '').map((entry) => entry.ref.name));

  const one = async (object: KubeObject): Promise<DiffEntry | ObjectError> => {
    const ref = refOf(object);
    const subject = describeRef(ref);
    const desired = withOwnerLabels(object, options.ownerLabels);
    const created = (message?: string): DiffEntry => ({ ref, subject, action: 'create', diff: patch(subject, undefined, comparable(desired)), ...(message ? { message } : {}) });
    try {
      if (ssaPolicyOf(desired) === 'Ignore') return { ref, subject, action: 'skip', message: 'reconcile disabled by annotation' };
      if (isHook(desired)) return { ref, subject, action: 'skip', message: 'a hook (strata.dev/hook): run for each new revision, not applied with it' };
      let live: KubeObject | undefined;
      try {
        live = await api.get(ref, signal);
      } catch (error) {
        if (error instanceof NoKindMatchError && definedKinds.has(`${ref.group}/${ref.kind}`)) return created('its CustomResourceDefinition is created by this set');
        throw error;
      }
      if (live && ssaPolicyOf(live) === 'Ignore') return { ref, subject, action: 'skip', message: 'reconcile disabled by annotation on the live object' };
      if (live && ssaPolicyOf(desired) === 'IfNotPresent') return { ref, subject, action: 'skip', message: 'exists and is annotated strata.dev/ssa: IfNotPresent' };
      // As apply does: fields other controllers own (strata.dev/ignore-fields) as the cluster has them.
      const intent = withIgnoredFields(desired, live, fieldManager);
      let dryRun: KubeObject;
      try {
        dryRun = (await api.apply(intent, { fieldManager, force: true, dryRun: true, fieldValidation: options.fieldValidation ?? 'Strict', signal })).object;
      } catch (error) {
        if (!live && error instanceof KubeApiError && error.status === 404 && definedNamespaces.has(ref.namespace)) return created('its Namespace is created by this set');
        throw new ObjectError(ref, `dry-run failed: ${messageOf(error)}`, { cause: error });
      }
      if (!live) return created();
      const before = comparable(live);
      const after = comparable(dryRun);
      if (jsonEqual(before, after)) {
        const ownership = appliedFields(live, fieldManager) !== appliedFields(dryRun, fieldManager);
        return ownership ? { ref, subject, action: 'update', message: 'field ownership changes' } : { ref, subject, action: 'none' };
      }
      return { ref, subject, action: 'update', diff: patch(subject, before, after), message: `changed: ${changedPaths(before, after).join(', ')}` };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      return error instanceof ObjectError ? error : new ObjectError(ref, messageOf(error), { cause: error });
    }
  };

  const stale = async (ref: ObjectRef): Promise<DiffEntry | ObjectError | undefined> => {
    try {
      const live = await api.get(ref, signal);
      if (!live) return undefined;
      if (options.ownerLabels && !hasOwnerLabels(live, options.ownerLabels)) return { ref, subject: describeRef(ref), action: 'skip', message: 'would not be pruned: not owned' };
      if (pruneDisabled(live)) return { ref, subject: describeRef(ref), action: 'skip', message: 'would not be pruned: prune disabled by annotation' };
      return { ref, subject: describeRef(ref), action: 'delete', diff: patch(describeRef(ref), comparable(live), undefined) };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      return new ObjectError(ref, messageOf(error), { cause: error });
    }
  };

  const results = await Promise.all([
    ...set.entries.map((entry) => limit(() => one(entry.object))),
    ...(options.inventory ? staleOf(options.inventory, set).map((ref) => limit(() => stale(ref))) : []),
  ]);
  const entries = results.filter((result): result is DiffEntry => result !== undefined && !(result instanceof ObjectError)).sort((a, b) => compareApplyOrder(a.ref, b.ref));
  const result: DiffResult = { entries, changed: entries.some((entry) => entry.action === 'create' || entry.action === 'update' || entry.action === 'delete') };
  const errors = results.filter((result): result is ObjectError => result instanceof ObjectError);
  if (errors.length > 0) throw new DiffError(errors, result);
  return result;
}

/** A unified diff of two object states as YAML, with Secret values masked. */
function patch(subject: string, before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): string {
  const [maskedBefore, maskedAfter] = maskSecrets(before, after);
  const text = (value: Record<string, unknown> | undefined): string => (value === undefined ? '' : toCanonicalYaml(value));
  return createTwoFilesPatch(`live/${subject}`, `desired/${subject}`, text(maskedBefore), text(maskedAfter), undefined, undefined, { context: 3 });
}

type Obj = Record<string, unknown> | undefined;

/** Replaces Secret `data`/`stringData` values: equal on both sides `***`, else `*** (before)` / `*** (after)`. */
export function maskSecrets(before: Obj, after: Obj): [Obj, Obj] {
  const isSecret = (object: Obj): boolean => object?.kind === 'Secret' && object.apiVersion === 'v1';
  if (!isSecret(before) && !isSecret(after)) return [before, after];
  const mask = (own: Obj, other: Obj, label: string): Obj => {
    if (own === undefined) return undefined;
    const masked: Record<string, unknown> = { ...own };
    for (const field of ['data', 'stringData']) {
      const values = own[field] as Record<string, unknown> | undefined;
      if (!values || typeof values !== 'object') continue;
      const others = (other?.[field] ?? {}) as Record<string, unknown>;
      masked[field] = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, others[key] === value ? '***' : `*** (${label})`]));
    }
    return masked;
  };
  return [mask(before, after, 'before'), mask(after, before, 'after')];
}

/** A hook object (hooks.ts) is run around a revision, never compared with the cluster; a bad annotation is the agent's BuildFailed. */
function isHook(object: KubeObject): boolean {
  try {
    return hookOf(object) !== undefined;
  } catch {
    return true;
  }
}
