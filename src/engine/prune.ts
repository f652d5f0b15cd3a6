/**
 * Prune: deletes objects that left the manifest set (the stale part of the old
 * inventory). Deletes walk the kind order in reverse (workloads before what they
 * mount; namespaces and CRDs last), one kind rank after another and concurrently
 * within one. An object is deleted only if the live object still carries the owner
 * labels, and never when it is annotated `strata.dev/prune: disabled` (or its
 * reconcile is disabled). A failed delete is reported, and its object is listed in
 * `PruneError.failed` so the caller keeps it in the inventory.
 */
import pLimit from 'p-limit';
import { compareApplyOrder, describeRef, kindRank, type ObjectRef } from '../manifest/index.ts';
import { hasOwnerLabels, pruneDisabled } from '../api/index.ts';
import { ObjectError, type ChangeSet, type ChangeSetEntry } from './apply.ts';
import { KubeApiError, type KubeClient } from '../kube/index.ts';
import { messageOf } from './_util.ts';

/** Options of {@link pruneStale}. */
export interface PruneOptions {
  /** Only objects carrying all of these labels are deleted; must not be empty. */
  readonly ownerLabels: Readonly<Record<string, string>>;
  /** Aborts between requests. @default never */
  readonly signal?: AbortSignal;
  /**
   * Delete as this user (`Impersonate-User`).
   * @default the client's own user
   */
  readonly impersonate?: string;
  /**
   * Most deletes in flight at once within one kind rank.
   * @default 8
   */
  readonly concurrency?: number;
  /**
   * How dependents are deleted.
   * @default 'Background'
   */
  readonly propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /**
   * Report what would be deleted (server-side dry-run delete) without deleting.
   * @default false
   */
  readonly dryRun?: boolean;
}

export const DEFAULT_PRUNE_OPTIONS = { concurrency: 8, propagationPolicy: 'Background', dryRun: false } as const;

/** Some deletes failed; `failed` lists their objects, which stay in the inventory. */
export class PruneError extends AggregateError {
  override readonly name = 'PruneError';
  /** One error per object, each naming it. */
  declare errors: ObjectError[];
  readonly failed: readonly ObjectRef[];
  constructor(
    errors: readonly ObjectError[],
    /** What was deleted or skipped. */
    readonly changeSet: ChangeSet,
  ) {
    super(errors, errors.map((error) => error.message).join('\n'));
    this.errors = [...errors];
    this.failed = errors.map((error) => error.ref);
  }
}

/** Deletes `stale` objects in reverse kind order; throws PruneError with the partial change set. */
export async function pruneStale(client: KubeClient, stale: readonly ObjectRef[], options: PruneOptions): Promise<ChangeSet> {
  if (Object.keys(options.ownerLabels).length === 0) throw new Error('prune needs owner labels: without them it could delete objects Strata does not own');
  const api = client.impersonating(options.impersonate);
  const limit = pLimit(options.concurrency ?? DEFAULT_PRUNE_OPTIONS.concurrency);
  const ranks = new Map<number, ObjectRef[]>();
  for (const ref of stale) ranks.set(kindRank(ref.kind), [...(ranks.get(kindRank(ref.kind)) ?? []), ref]);
  const entries: ChangeSetEntry[] = [];
  const errors: ObjectError[] = [];
  for (const rank of [...ranks.keys()].sort((a, b) => b - a)) {
    const results = await Promise.all(ranks.get(rank)!.map((ref) => limit(() => pruneOne(api, ref, options))));
    for (const result of results) (result instanceof ObjectError ? errors : entries).push(result as never);
  }
  entries.sort((a, b) => compareApplyOrder(b.ref, a.ref));
  if (errors.length > 0) throw new PruneError(errors, { entries });
  return { entries };
}

async function pruneOne(api: KubeClient, ref: ObjectRef, options: PruneOptions): Promise<ChangeSetEntry | ObjectError> {
  const signal = options.signal;
  signal?.throwIfAborted();
  const entry = (action: 'deleted' | 'skipped', message?: string): ChangeSetEntry => ({ ref, subject: describeRef(ref), action, ...(message ? { message } : {}) });
  try {
    const live = await api.get(ref, signal);
    if (!live) return entry('skipped', 'already gone');
    if (!hasOwnerLabels(live, options.ownerLabels)) return entry('skipped', 'not owned: the owner labels are missing or name another Sync');
    if (pruneDisabled(live)) return entry('skipped', 'prune disabled by annotation');
    if (live.metadata.deletionTimestamp) return entry('deleted', 'deletion already in progress');
    const dryRun = options.dryRun ?? DEFAULT_PRUNE_OPTIONS.dryRun;
    const uid = live.metadata.uid as string | undefined;
    const deleted = await api.delete(ref, {
      propagationPolicy: options.propagationPolicy ?? DEFAULT_PRUNE_OPTIONS.propagationPolicy,
      ...(uid === undefined ? {} : { uid }),
      dryRun,
      signal,
    });
    if (!deleted) return entry('skipped', 'already gone');
    return entry('deleted', dryRun ? 'would be deleted (dry-run)' : undefined);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof KubeApiError && error.status === 409) return entry('skipped', 'replaced by a new object since it was read');
    return new ObjectError(ref, `delete failed: ${messageOf(error)}`, { cause: error });
  }
}
