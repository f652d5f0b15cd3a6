/**
 * One reconciliation of one Sync: source → parse → decrypt → dependsOn →
 * apply → inventory → prune → health → status. Each step that fails ends the
 * run with its reason; nothing after it runs, the inventory and the last
 * applied revision stay as they were, and nothing is pruned.
 */
import type { Logger } from 'pino';
import { setMaxListeners } from 'node:events';
import { describeRef, parseManifestFiles, refKey, setDigest, splitApiVersion, type ManifestSet, type ObjectRef, type ParseOptions } from '../manifest/index.ts';
import { KubeApiError, type AgentApi, type EventRecorder } from '../kube/index.ts';
import { sopsDecryptHook } from '../secrets/decrypt-manifests.ts';
import type { SecretMask } from '../secrets/mask.ts';
import { refuseEncrypted, type DecryptHook } from './decrypt.ts';
import { RECONCILE_REQUESTED_AT, SYNC_API_VERSION, SYNC_PLURAL, ownerLabels, resolveSpec, type ConditionReason, type InventoryEntry, type Sync, type SyncStatus } from '../api/index.ts';
import type { AgentMetrics } from './metrics.ts';
import { handedOver, heldBySibling, readUnitSiblings, type UnitSiblings } from './unit-siblings.ts';
import { readSourceFiles, type Artifact, type GitAuth, type GitSource, type ReadOptions } from './source.ts';
import { CommitVerifier, signersOf } from './verify.ts';
import { findCondition, nextStatus, progressingConditions, type Outcome } from './status.ts';
import { withTargetNamespace } from './target-namespace.ts';
import { HealthExpressionError, HookError, compileHealthExpressions, describeWave, hookPrerequisites, hooksOf, splitHooks, wavesOf, type ChangeSetEntry, type HealthEntry, type HealthRule, type HookObject, type HookResult, type Wave } from '../engine/index.ts';
import { applyingIdentity, checkTenancy, type TenancyOptions } from './tenancy.ts';
import { ClusterError, isUnreachable } from './clusters.ts';

export interface EngineCallOptions {
  readonly signal: AbortSignal;
  /** `system:serviceaccount:<ns>:<name>` to act as, or undefined for the agent itself. */
  readonly impersonate?: string;
}

export interface ApplyCallOptions {
  readonly force: boolean;
  readonly ownerLabels: Readonly<Record<string, string>>;
  /** The Sync applying (`namespace/name`): with the identity, whom the drift watch may vouch to. */
  readonly sync: string;
  /** Compare every object by dry-run, whatever the drift watch vouches for (the backstop). */
  readonly fullCheck: boolean;
  /** As the engine's `ApplyOptions.mayAdopt`: objects handed over by another unit's Sync. @default never */
  readonly mayAdopt?: (owner: string, ref: ObjectRef) => boolean;
}

export interface PruneResult {
  readonly entries: readonly ChangeSetEntry[];
  /** Objects not deleted; they stay in the inventory. */
  readonly failed: readonly ObjectRef[];
  /** Those of `failed` the identity may not delete (403 Forbidden): retrying cannot help. */
  readonly forbidden?: readonly ObjectRef[];
  readonly error?: Error;
}

/**
 * What the reconciler needs from the apply engine (`apply.ts`, `prune.ts`,
 * `inventory.ts`, `wait.ts`); `engine-binding.ts` connects the real one.
 */
export interface ReconcileEngine {
  apply(set: ManifestSet, options: EngineCallOptions & ApplyCallOptions): Promise<readonly ChangeSetEntry[]>;
  prune(stale: readonly ObjectRef[], options: EngineCallOptions & { readonly ownerLabels: Readonly<Record<string, string>> }): Promise<PruneResult>;
  inventoryOf(set: ManifestSet): InventoryEntry[];
  staleOf(previous: readonly InventoryEntry[], next: readonly InventoryEntry[]): ObjectRef[];
  /** `onPending`: told which objects are not ready yet whenever that changes. */
  waitForHealthy(refs: readonly ObjectRef[], options: EngineCallOptions & { readonly timeoutMs: number; readonly rules?: ReadonlyMap<string, HealthRule>; readonly onPending?: (pending: readonly HealthEntry[]) => void }): Promise<void>;
  /** Runs hooks of one phase (`hooks.ts`); throws HookError naming each failed hook. */
  runHooks(hooks: readonly HookObject[], options: EngineCallOptions & HookCallOptions): Promise<readonly HookResult[]>;
}

export interface HookCallOptions {
  readonly revision: string;
  readonly timeoutMs: number;
  readonly ownerLabels: Readonly<Record<string, string>>;
  /** Run hooks again that failed for this revision (an explicit `strata reconcile`). */
  readonly rerunFailed: boolean;
}

/** The on-failure hooks of a new revision, and the engine (the Sync's cluster) to run them with. */
interface FailureHooks {
  readonly hooks: readonly HookObject[];
  readonly engine: ReconcileEngine;
}

/** Picks the engine of a Sync's cluster (`clusters.ts`): its own, or that of `spec.kubeConfig`. */
export interface ClusterPort {
  /** Throws ClusterError when the cluster's kubeconfig cannot be used or the cluster does not answer. */
  engineFor(sync: Sync, signal: AbortSignal): Promise<ReconcileEngine>;
}

export interface SyncReconcilerProps {
  readonly api: AgentApi;
  readonly source: GitSource;
  /** The engine of the agent's own cluster. */
  readonly engine: ReconcileEngine;
  /** The engine of each Sync's cluster. @default `engine` for every Sync (a Sync with spec.kubeConfig fails) */
  readonly clusters?: ClusterPort;
  readonly log: Logger;
  readonly events?: EventRecorder;
  readonly metrics?: AgentMetrics;
  /** @default SOPS decryption for Syncs with spec.decryption (age keys from its Secret), refuseEncrypted otherwise */
  readonly decrypt?: DecryptHook;
  /** Who a Sync applies as, and what it may name and read. @default the agent's identity, no other rule but local sources in the agent's namespace only */
  readonly tenancy?: TenancyOptions;
  readonly readOptions?: ReadOptions;
  /** What one revision may cost to parse (documents, nodes, aliases). @default DEFAULT_PARSE_LIMITS */
  readonly parseLimits?: ParseOptions;
  /** Masks decrypted values in the condition messages written. @default none */
  readonly mask?: SecretMask;
  readonly now?: () => Date;
}

/** How the controller runs one reconcile. */
export interface ReconcileHooks {
  /**
   * Compare every object with Git by dry-run, whatever the drift watch vouches for
   * (`strata reconcile` asks for this too, through the request annotation).
   * @default false
   */
  readonly fullCheck?: boolean;
  /** Aborts only the health wait (a newer revision arrived). */
  readonly healthSignal?: AbortSignal;
  readonly onHealthWait?: (revision: string) => void;
}

/** What one run decided. */
export interface ReconcileResult {
  readonly outcome: Outcome | { readonly kind: 'suspended' } | { readonly kind: 'superseded' } | { readonly kind: 'gone' };
  readonly status?: SyncStatus;
  readonly transition?: 'degraded' | 'recovered';
  /** When to run again (interval with jitter applied by the controller). */
  readonly requeueAfterMs: number;
  /** The set now applied, for the drift watcher. */
  readonly applied?: ManifestSet;
  readonly revision?: string;
  readonly changes?: readonly ChangeSetEntry[];
  /** The pre- or post-apply hooks that failed in this run (`Kind/namespace/name`), for the hook-failed notification. */
  readonly failedHooks?: readonly string[];
}

/** Held on every Sync the agent reconciled, so that deleting it prunes what it applied. */
export const SYNC_FINALIZER = 'strata.dev/finalizer';

export function ownerLabelsOf(sync: Sync): Record<string, string> {
  return ownerLabels(sync.metadata.name, sync.metadata.namespace ?? 'default');
}

export function syncPath(namespace: string, name?: string): string {
  return `/apis/${SYNC_API_VERSION}/namespaces/${namespace}/${SYNC_PLURAL}${name === undefined ? '' : `/${name}`}`;
}


/** A step failed: carries the condition reason and whether retrying can help. */
class StepError extends Error {
  constructor(
    readonly reason: Extract<Outcome, { kind: 'failed' }>['reason'],
    message: string,
    readonly stalled = false,
    readonly failedHooks: readonly string[] = [],
  ) {
    super(message);
  }
}

/** The hooks of a phase that did not succeed: those a HookError names, or all when the run failed otherwise. */
function failedHooksOf(error: unknown, hooks: readonly HookObject[]): string[] {
  if (error instanceof HookError) return error.errors.map((failure) => failure.subject);
  return hooks.map((hook) => hook.subject);
}

export class SyncReconciler {
  private readonly decrypt: DecryptHook;
  private readonly now: () => Date;
  private readonly verifier = new CommitVerifier();

  constructor(private readonly props: SyncReconcilerProps) {
    // Syncs with spec.decryption get SOPS decryption with the age keys of their Secret; others refuse encrypted objects.
    this.decrypt =
      props.decrypt ??
      sopsDecryptHook({ readSecret: (namespace, name, signal) => props.api.find(`/api/v1/namespaces/${namespace}/secrets/${name}`, signal), refuse: refuseEncrypted });
    this.now = props.now ?? (() => new Date());
  }

  /**
   * Reconciles `sync` once. `signal` aborts everything (agent stopping);
   * `healthSignal` aborts only the health wait (a newer revision arrived).
   */
  async reconcile(sync: Sync, signal: AbortSignal, hooks: ReconcileHooks = {}): Promise<ReconcileResult> {
    const started = performance.now();
    const namespace = sync.metadata.namespace ?? 'default';
    const name = sync.metadata.name;
    const generation = sync.metadata.generation ?? 0;
    const log = this.props.log.child({ sync: `${namespace}/${name}` });
    let spec;
    let healthRules;
    try {
      spec = resolveSpec(sync.spec);
      // A bad expression stops the Sync before anything is applied, naming the entry, its kind and field.
      healthRules = compileHealthExpressions(sync.spec.healthCheckExprs ?? []);
    } catch (error) {
      const what = error instanceof HealthExpressionError ? `invalid healthCheckExprs of Sync/${namespace}/${name}` : 'invalid spec';
      return this.finish(sync, { kind: 'failed', reason: 'ReconciliationFailed', message: `${what}: ${(error as Error).message}`, stalled: true }, { started, requeueAfterMs: 60_000, log });
    }
    const requestedAt = sync.metadata.annotations?.[RECONCILE_REQUESTED_AT];
    if (sync.metadata.deletionTimestamp) return this.finalize(sync, spec.prune, signal, log);
    if (!(sync.metadata.finalizers ?? []).includes(SYNC_FINALIZER)) {
      // The finalizer lets the agent prune what the Sync applied when the Sync is deleted.
      await this.props.api.mergePatch(syncPath(namespace, name), { metadata: { finalizers: [...(sync.metadata.finalizers ?? []), SYNC_FINALIZER], resourceVersion: sync.metadata.resourceVersion } }, signal);
    }
    if (sync.spec.suspend) {
      log.info({ event: 'suspended' }, 'Sync is suspended; skipping');
      return { outcome: { kind: 'suspended' }, requeueAfterMs: spec.intervalMs };
    }

    const run = AbortSignal.any([signal, AbortSignal.timeout(spec.timeoutMs + 2000)]);
    // Every concurrent request of the engine listens on this signal.
    setMaxListeners(0, run);
    await this.writeStatus(sync, { conditions: progressingConditions(sync.status?.conditions, 'Reconciliation in progress', generation, this.now()) }, run).catch(() => undefined);

    let revision: string | undefined;
    let digest: string | undefined;
    // The on-failure hooks of a new revision, once it got as far as running hooks or applying.
    let onFailure: FailureHooks | undefined;
    try {
      // 1. Source (after the tenancy rules: who may name what, and read from the agent's disk)
      try {
        checkTenancy(sync, this.props.tenancy ?? {});
      } catch (error) {
        throw new StepError('ReconciliationFailed', errorText(error), true);
      }
      const engine = await this.engineOf(sync, run);
      const auth = await this.readAuth(sync, run);
      let artifact;
      // Set when the source did not answer and the last fetched revision is applied again.
      let sourceFailure: string | undefined;
      try {
        artifact = await this.props.source.fetch({ url: sync.spec.url, ref: spec.ref, auth, signal: run });
      } catch (error) {
        // Correcting drift must not need the source: re-apply what was last fetched, and say the source failed.
        const last = run.aborted ? undefined : this.props.source.last({ url: sync.spec.url, ref: spec.ref, auth });
        if (last === undefined) throw new StepError('ArtifactFailed', `fetch failed: ${(error as Error).message}`);
        sourceFailure = `fetch failed: ${(error as Error).message}`;
        log.warn({ event: 'source-failed', revision: last.revision, err: sourceFailure }, `${sourceFailure}; applying the last fetched revision ${last.revision} again`);
        artifact = last;
      }
      revision = artifact.revision;
      // 1b. Signature (spec.verify), of whatever is about to be applied, the last fetched revision too.
      if (sync.spec.verify) await this.verifyRevision(sync, artifact, run);

      // 2. Parse (path safety, size caps, alias bombs), decrypt, targetNamespace
      let set: ManifestSet;
      let waves: Wave[];
      let revisionHooks: readonly HookObject[];
      let siblings: UnitSiblings | undefined;
      try {
        const files = await readSourceFiles(artifact.dir, spec.path, this.props.readOptions);
        // A unit of a cluster: what its sibling units hold at this revision, for objects moving between them.
        siblings = await readUnitSiblings(artifact.dir, spec.path, namespace);
        set = parseManifestFiles(files, this.props.parseLimits);
        // The digest of what Git holds (ciphertext, no target namespace), so it matches the committed index.json.
        digest = setDigest(set);
        set = await this.decrypt(set, sync, run);
        set = withTargetNamespace(set, sync.spec.targetNamespace);
        // Hooks run around the revision, not in it: never in the inventory, never pruned.
        ({ set, hooks: revisionHooks } = splitHooks(set));
        waves = wavesOf(set);
      } catch (error) {
        throw new StepError('BuildFailed', `revision ${revision}: ${errorText(error)}`, true);
      }
      // 3. dependsOn
      await this.checkDependencies(sync, revision, run);

      // 4. Empty revision guard
      const previous = sync.status?.inventory?.entries ?? [];
      if (set.size === 0 && previous.length > 0 && !sync.spec.allowEmpty) {
        throw new StepError(
          'ReconciliationFailed',
          `revision ${revision} has no objects under ${JSON.stringify(spec.path || '.')} while the inventory holds ${previous.length}; refusing to prune everything (set spec.allowEmpty: true to allow)`,
          true,
        );
      }

      // 5. Apply, after recording what it may create: an apply that fails or is killed part way
      // leaves its objects in status.pendingInventory, where the next prune and the finalizer find them.
      const impersonate = this.applyingIdentityOf(sync);
      const ownerLabels = ownerLabelsOf(sync);
      const inventory = engine.inventoryOf(set);
      const oldPending = sync.status?.pendingInventory?.entries ?? [];
      const pending = unionOf(oldPending, withoutEntries(inventory, previous));
      if (pending.length !== oldPending.length) {
        try {
          await this.writeStatus(sync, { pendingInventory: { entries: pending } }, run);
        } catch (error) {
          throw new StepError('ReconciliationFailed', `could not record the pending inventory before applying revision ${revision}: ${errorText(error)}`);
        }
      }
      // An explicit `strata reconcile` trusts no watch (every object is compared with Git) and runs failed hooks again.
      const requested = requestedAt !== undefined && requestedAt !== sync.status?.lastHandledReconcileAt;
      const fullCheck = (hooks.fullCheck ?? false) || requested;
      const changes: ChangeSetEntry[] = [];
      const mayAdopt = siblings === undefined ? {} : { mayAdopt: (owner: string, ref: ObjectRef) => handedOver(siblings, owner, ref) };
      // Hooks belong to rolling a revision out: once it was applied, later runs of it (interval, drift) run
      // none; Events about waves too only while a new revision rolls out.
      const newRevision = revision !== sync.status?.lastAppliedRevision;
      const hookCall = (): EngineCallOptions & HookCallOptions => ({
        revision: revision!,
        ownerLabels,
        signal: run,
        impersonate,
        rerunFailed: requested,
        timeoutMs: Math.max(1000, spec.timeoutMs - (performance.now() - started)),
      });
      if (newRevision) onFailure = { hooks: hooksOf(revisionHooks, 'on-failure'), engine };
      const preApply = newRevision ? hooksOf(revisionHooks, 'pre-apply') : [];
      if (preApply.length > 0) {
        // What the hooks cannot run without (their Namespace, ServiceAccount, ConfigMaps, Secrets), and nothing else.
        const needed = hookPrerequisites(set, preApply);
        if (needed.size > 0) {
          try {
            changes.push(...(await engine.apply(needed, { force: sync.spec.force ?? false, ownerLabels, signal: run, impersonate, sync: `${namespace}/${name}`, fullCheck })));
          } catch (error) {
            throw new StepError(isUnreachable(error) ? 'ClusterUnreachable' : 'ReconciliationFailed', `apply of what the pre-apply hooks of revision ${revision} need failed: ${errorText(error)}`);
          }
        }
        await this.reportProgress(sync, `Running the pre-apply hooks of revision ${revision}: ${preApply.map((hook) => hook.subject).join(', ')}`, revision, true, run);
        try {
          this.reportHooks(sync, 'pre-apply', await engine.runHooks(preApply, hookCall()), revision);
        } catch (error) {
          if (signal.aborted) throw error;
          throw new StepError('HealthCheckFailed', `pre-apply hook of revision ${revision} failed, nothing else of the revision was applied: ${errorText(error)}`, false, failedHooksOf(error, preApply));
        }
      }
      // Wave by wave (one wave without annotations), each healthy before the next is applied.
      for (const [index, wave] of waves.entries()) {
        const named = waves.length > 1 ? `${describeWave(waves, index)} of ` : '';
        if (waves.length > 1) await this.reportProgress(sync, `Applying ${named}revision ${revision}`, revision, newRevision, run);
        try {
          changes.push(...(await engine.apply(wave.set, { force: sync.spec.force ?? false, ownerLabels, signal: run, impersonate, sync: `${namespace}/${name}`, fullCheck, ...mayAdopt })));
        } catch (error) {
          throw new StepError(isUnreachable(error) ? 'ClusterUnreachable' : 'ReconciliationFailed', `apply of ${named}revision ${revision} failed: ${errorText(error)}`);
        }
        if (index === waves.length - 1) break;
        await this.reportProgress(sync, `Waiting for ${named}revision ${revision} to be healthy`, revision, newRevision, run);
        const waiting = this.waitReporter(sync, `${named}revision ${revision}`, revision, wave.set.entries.length, run);
        hooks.onHealthWait?.(revision);
        const healthAbort = hooks.healthSignal ? AbortSignal.any([run, hooks.healthSignal]) : run;
        try {
          await engine.waitForHealthy(
            wave.set.entries.map((entry) => entry.ref),
            {
              timeoutMs: Math.max(1000, spec.timeoutMs - (performance.now() - started)),
              signal: healthAbort,
              impersonate,
              rules: healthRules,
              onPending: waiting.onPending,
            },
          ).finally(waiting.settled);
        } catch (error) {
          if (hooks.healthSignal?.aborted && !signal.aborted) {
            log.info({ event: 'superseded', revision }, 'health check cancelled: a newer revision arrived');
            return { outcome: { kind: 'superseded' }, requeueAfterMs: 0, revision, changes };
          }
          const later = waves.slice(index + 1).map((next) => next.wave);
          throw new StepError('HealthCheckFailed', `health check of ${named}revision ${revision} failed (${later.length === 1 ? 'wave' : 'waves'} ${later.join(', ')} not applied): ${errorText(error)}`);
        }
      }
      for (const change of changes) {
        if (change.action === 'created' || change.action === 'configured') this.props.metrics?.objectsApplied.inc({ namespace, name, action: change.action });
      }

      // 6. Prune (only after a successful apply): what the last inventory or an unfinished apply held and this revision does not
      const candidates = unionOf(previous, pending);
      let finalInventory = inventory;
      let pruneError: string | undefined;
      const pruned: ChangeSetEntry[] = [];
      if (spec.prune) {
        // An object that became a hook left the inventory but is not stale: its run is the hook's now.
        const hookKeys = new Set(revisionHooks.map((hook) => refKey(hook.ref)));
        const left = engine.staleOf(candidates, inventory).filter((ref) => !hookKeys.has(refKey(ref)));
        // An object that moved to a sibling unit is handed over, not deleted: that unit's Sync takes it over.
        const moved = siblings === undefined ? [] : left.filter((ref) => heldBySibling(siblings, ref) !== undefined);
        if (moved.length > 0) log.info({ event: 'handed-over', revision, objects: moved.map(describeRef) }, `left to the units that hold them now: ${moved.map((ref) => `${describeRef(ref)} → ${heldBySibling(siblings!, ref)}`).join(', ')}`);
        const stale = left.filter((ref) => !moved.includes(ref));
        if (stale.length > 0) {
          const result = await engine.prune(stale, { ownerLabels, signal: run, impersonate });
          pruned.push(...result.entries.filter((entry) => entry.action === 'deleted'));
          this.props.metrics?.objectsPruned.inc({ namespace, name }, pruned.length);
          if (result.failed.length > 0 || result.error) {
            const failedKeys = new Set(result.failed.map((ref) => `${ref.namespace}_${ref.name}_${ref.group}_${ref.kind}`));
            // A failed delete keeps the object in the inventory so the next run tries again.
            finalInventory = [...inventory, ...candidates.filter((entry) => failedKeys.has(entry.id))];
            pruneError = result.error ? errorText(result.error) : `could not delete ${result.failed.map(describeRef).join(', ')}`;
          }
        }
      }
      const allChanges = [...changes, ...pruned];
      if (pruneError !== undefined) {
        await this.writeStatus(sync, { inventory: { entries: finalInventory }, pendingInventory: null }, signal).catch(() => undefined);
        return this.finish(sync, { kind: 'failed', reason: 'PruneFailed', message: `prune failed: ${pruneError}`, revision, digest }, {
          started,
          requeueAfterMs: spec.retryIntervalMs,
          log,
          inventory: finalInventory,
          requestedAt,
          applied: set,
          changes: allChanges,
        });
      }

      // 7. Health: every applied object with `wait` or post-apply hooks, and the objects of spec.healthChecks in any case;
      //    then the post-apply hooks
      const checks = healthCheckRefs(sync);
      const postApply = newRevision ? hooksOf(revisionHooks, 'post-apply') : [];
      const healthFailed = async (message: string, failedHooks: readonly string[] = []): Promise<ReconcileResult> =>
        this.finish(sync, { kind: 'failed', reason: 'HealthCheckFailed', message: await this.withFailureHooks(sync, onFailure, message, { ...hookCall(), timeoutMs: spec.timeoutMs }, signal, log), revision: revision!, digest: digest! }, {
          started,
          requeueAfterMs: spec.retryIntervalMs,
          log,
          inventory: finalInventory,
          requestedAt,
          applied: set,
          changes: allChanges,
          failedHooks,
        });
      if (spec.wait || checks.length > 0 || postApply.length > 0) {
        await this.writeStatus(sync, { inventory: { entries: finalInventory }, pendingInventory: null }, signal).catch(() => undefined);
        hooks.onHealthWait?.(revision);
        // The wait has its own deadline (what is left of the timeout) so that it reports what is not ready, not an abort.
        const healthAbort = hooks.healthSignal ? AbortSignal.any([signal, hooks.healthSignal]) : signal;
        const refs = [...new Map([...(spec.wait || postApply.length > 0 ? set.entries.map((entry) => entry.ref) : []), ...checks].map((ref) => [refKey(ref), ref])).values()];
        const remainingMs = Math.max(1000, spec.timeoutMs - (performance.now() - started));
        try {
          const waiting = this.waitReporter(sync, `revision ${revision}`, revision, refs.length, run);
          await engine.waitForHealthy(refs, { timeoutMs: remainingMs, signal: healthAbort, impersonate, rules: healthRules, onPending: waiting.onPending }).finally(waiting.settled);
        } catch (error) {
          if (hooks.healthSignal?.aborted && !signal.aborted) {
            log.info({ event: 'superseded', revision }, 'health check cancelled: a newer revision arrived');
            return { outcome: { kind: 'superseded' }, requeueAfterMs: 0, applied: set, revision, changes: allChanges };
          }
          return healthFailed(`health check of revision ${revision} failed: ${errorText(error)}`);
        }
      }
      if (postApply.length > 0) {
        await this.reportProgress(sync, `Running the post-apply hooks of revision ${revision}: ${postApply.map((hook) => hook.subject).join(', ')}`, revision, true, run);
        try {
          this.reportHooks(sync, 'post-apply', await engine.runHooks(postApply, hookCall()), revision);
        } catch (error) {
          if (signal.aborted) throw error;
          return healthFailed(`post-apply hook of revision ${revision} failed: ${errorText(error)}`, failedHooksOf(error, postApply));
        }
      }
      const outcome: Outcome =
        sourceFailure === undefined
          ? { kind: 'succeeded', revision, digest, healthChecked: spec.wait || checks.length > 0 }
          : { kind: 'failed', reason: 'ArtifactFailed', message: `${sourceFailure}; the last fetched revision ${revision} was applied again`, revision, digest };
      return this.finish(sync, outcome, {
        started,
        requeueAfterMs: sourceFailure === undefined ? spec.intervalMs : spec.retryIntervalMs,
        log,
        inventory: finalInventory,
        requestedAt,
        applied: set,
        changes: allChanges,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      const step =
        error instanceof StepError
          ? error
          : new StepError('ReconciliationFailed', run.aborted ? `timed out after ${sync.spec.timeout ?? '5m'}` : errorText(error));
      const message = await this.withFailureHooks(sync, onFailure, step.message, { revision: revision ?? '', ownerLabels: ownerLabelsOf(sync), impersonate: this.applyingIdentityOf(sync), rerunFailed: false, timeoutMs: spec.timeoutMs, signal }, signal, log);
      return this.finish(sync, { kind: 'failed', reason: step.reason, message, revision, digest, stalled: step.stalled }, {
        failedHooks: step.failedHooks,
        started,
        requeueAfterMs: spec.retryIntervalMs,
        log,
        requestedAt,
      });
    }
  }

  /**
   * A deleted Sync: with `prune` (and not suspended) every object of its inventory is
   * deleted, in reverse apply order, then the finalizer is removed. A failed delete keeps
   * the finalizer and is retried.
   */
  private async finalize(sync: Sync, prune: boolean, signal: AbortSignal, log: Logger): Promise<ReconcileResult> {
    const namespace = sync.metadata.namespace ?? 'default';
    const finalizers = sync.metadata.finalizers ?? [];
    if (!finalizers.includes(SYNC_FINALIZER)) return { outcome: { kind: 'gone' }, requeueAfterMs: 0 };
    // With what an unfinished apply may have created.
    const inventory = unionOf(sync.status?.inventory?.entries ?? [], sync.status?.pendingInventory?.entries ?? []);
    if (prune && !sync.spec.suspend && inventory.length > 0) {
      let engine: ReconcileEngine;
      try {
        engine = await this.engineOf(sync, signal);
      } catch (error) {
        const message = `could not delete the objects of the deleted Sync: ${errorText(error)}`;
        log.warn({ event: 'finalize-failed', message }, message);
        return { outcome: { kind: 'failed', reason: 'PruneFailed', message }, requeueAfterMs: 10_000 };
      }
      const stale = engine.staleOf(inventory, []);
      const result = await engine.prune(stale, { ownerLabels: ownerLabelsOf(sync), signal, impersonate: this.applyingIdentityOf(sync) });
      const deleted = result.entries.filter((entry) => entry.action === 'deleted');
      this.props.metrics?.objectsPruned.inc({ namespace, name: sync.metadata.name }, deleted.length);
      // What the Sync's identity may not delete (403) is left in place: retrying cannot help, and the Sync must not hang.
      const forbidden = new Set((result.forbidden ?? []).map(refKey));
      const retryable = result.failed.filter((ref) => !forbidden.has(refKey(ref)));
      if (retryable.length > 0 || (result.error && result.failed.length === 0)) {
        const message = `could not delete the objects of the deleted Sync: ${result.error ? errorText(result.error) : retryable.map(describeRef).join(', ')}`;
        log.warn({ event: 'finalize-failed', message }, message);
        void this.props.events?.record(sync, { type: 'Warning', reason: 'PruneFailed', lines: [message] });
        return { outcome: { kind: 'failed', reason: 'PruneFailed', message }, requeueAfterMs: 10_000 };
      }
      if (forbidden.size > 0) {
        const left = result.failed.map(describeRef);
        const message = `left ${left.length} object(s) the Sync's identity may not delete: ${left.join(', ')}`;
        log.warn({ event: 'finalize-left', objects: left }, message);
        void this.props.events?.record(sync, { type: 'Warning', reason: 'PruneFailed', lines: [message] });
      }
      log.info({ event: 'finalized', deleted: deleted.length }, `Sync deleted: pruned ${deleted.length} object(s)`);
    }
    await this.props.api
      .mergePatch(syncPath(namespace, sync.metadata.name), { metadata: { finalizers: finalizers.filter((item) => item !== SYNC_FINALIZER), resourceVersion: sync.metadata.resourceVersion } }, signal)
      .catch((error: unknown) => {
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      });
    return { outcome: { kind: 'gone' }, requeueAfterMs: 0 };
  }

  /** Fetches the Sync's source (shared and cached like any fetch) and returns its current revision. */
  async latestRevision(sync: Sync, signal: AbortSignal): Promise<string> {
    const spec = resolveSpec(sync.spec);
    const auth = await this.readAuth(sync, signal);
    return (await this.props.source.fetch({ url: sync.spec.url, ref: spec.ref, auth, signal })).revision;
  }

  /** The engine of the Sync's cluster; a StepError when it cannot be used now. */
  private async engineOf(sync: Sync, signal: AbortSignal): Promise<ReconcileEngine> {
    if (!this.props.clusters) {
      if (sync.spec.kubeConfig) throw new StepError('ReconciliationFailed', 'spec.kubeConfig: this agent applies to its own cluster only', true);
      return this.props.engine;
    }
    try {
      return await this.props.clusters.engineFor(sync, signal);
    } catch (error) {
      if (error instanceof ClusterError) throw new StepError(error.kind === 'unreachable' ? 'ClusterUnreachable' : 'ReconciliationFailed', error.message);
      throw error;
    }
  }

  /** The user the Sync applies, prunes, checks health and is watched for drift as; undefined: the agent itself. */
  applyingIdentityOf(sync: Sync): string | undefined {
    return applyingIdentity(sync, this.props.tenancy ?? {});
  }

  /** Refuses the revision unless its commit is signed by a key of the `spec.verify` Secret (ArtifactFailed). */
  private async verifyRevision(sync: Sync, artifact: Artifact, signal: AbortSignal): Promise<void> {
    const verify = sync.spec.verify;
    if (!verify) return;
    const namespace = sync.metadata.namespace ?? 'default';
    const where = `Secret ${namespace}/${verify.secretRef.name} (spec.verify.secretRef)`;
    let secret: { data?: Record<string, string> } | undefined;
    try {
      secret = await this.props.api.find(`/api/v1/namespaces/${namespace}/secrets/${verify.secretRef.name}`, signal);
    } catch (error) {
      throw new StepError('ArtifactFailed', `${where} could not be read: ${(error as Error).message}`);
    }
    if (!secret) throw new StepError('ArtifactFailed', `${where} not found`);
    const signers = signersOf(secret.data ?? {});
    if (signers.allowedSigners === undefined && signers.openpgpKeys === undefined) {
      throw new StepError('ArtifactFailed', `${where} holds neither allowed_signers nor *.asc OpenPGP keys`, true);
    }
    const gitDir = artifact.gitDir;
    let result;
    try {
      result = await this.verifier.verify(gitDir, artifact.commit, signers, signal);
    } catch (error) {
      throw new StepError('ArtifactFailed', `revision ${artifact.revision}: signature check of commit ${artifact.commit} failed: ${errorText(error)}`);
    }
    if (!result.verified) throw new StepError('ArtifactFailed', `revision ${artifact.revision}: commit ${artifact.commit} ${result.reason}; nothing applied (spec.verify)`);
  }

  private async readAuth(sync: Sync, signal: AbortSignal): Promise<GitAuth | undefined> {
    const ref = sync.spec.secretRef;
    if (!ref) return undefined;
    const namespace = sync.metadata.namespace ?? 'default';
    let secret: { data?: Record<string, string> } | undefined;
    try {
      secret = await this.props.api.find(`/api/v1/namespaces/${namespace}/secrets/${ref.name}`, signal);
    } catch (error) {
      throw new StepError('ArtifactFailed', `Secret ${namespace}/${ref.name} could not be read: ${(error as Error).message}`);
    }
    if (!secret) throw new StepError('ArtifactFailed', `Secret ${namespace}/${ref.name} (spec.secretRef) not found`);
    const value = (key: string) => (secret?.data?.[key] === undefined ? undefined : Buffer.from(secret.data[key], 'base64').toString('utf8'));
    const identity = value('identity');
    if (identity !== undefined) return { kind: 'ssh', identity, knownHosts: value('known_hosts') };
    const username = value('username');
    const password = value('password');
    if (username !== undefined && password !== undefined) return { kind: 'basic', username, password };
    throw new StepError('ArtifactFailed', `Secret ${namespace}/${ref.name} has neither username/password nor identity`, true);
  }

  /** One Normal Event per phase of hooks run: each hook and how it ended. */
  private reportHooks(sync: Sync, phase: string, results: readonly HookResult[], revision: string): void {
    if (results.length === 0) return;
    void this.props.events?.record(sync, { type: 'Normal', reason: 'Progressing', lines: results.map((result) => `${phase} hook ${result.subject} ${result.action}: ${result.message}`), revision });
  }

  /**
   * Runs the on-failure hooks of a failed new revision, with a timeout of their own (the
   * failure may have used up the run's), and says how they ended after `message`.
   */
  private async withFailureHooks(sync: Sync, onFailure: FailureHooks | undefined, message: string, call: EngineCallOptions & HookCallOptions, signal: AbortSignal, log: Logger): Promise<string> {
    if (!onFailure || onFailure.hooks.length === 0 || signal.aborted) return message;
    const own = AbortSignal.any([signal, AbortSignal.timeout(call.timeoutMs + 2000)]);
    setMaxListeners(0, own);
    try {
      const results = await onFailure.engine.runHooks(onFailure.hooks, { ...call, signal: own });
      this.reportHooks(sync, 'on-failure', results, call.revision);
      return `${message}; on-failure hooks ran: ${results.map((result) => result.subject).join(', ')}`;
    } catch (error) {
      if (signal.aborted) throw error;
      log.warn({ event: 'on-failure-hook-failed', err: errorText(error) }, 'on-failure hook failed');
      return `${message}; on-failure hook failed: ${errorText(error)}`;
    }
  }

  /**
   * Says, in the Reconciling condition, which objects a health wait still waits for. The writes
   * run one after another, and `settled` (awaited before the run's result is written) lets none
   * land after the result.
   */
  private waitReporter(sync: Sync, what: string, revision: string, total: number, signal: AbortSignal): { onPending: (pending: readonly HealthEntry[]) => void; settled: () => Promise<void> } {
    let written = Promise.resolve();
    return {
      onPending: (pending) => {
        written = written.then(() => this.reportProgress(sync, waitingMessage(what, pending, total), revision, false, signal));
      },
      settled: () => written,
    };
  }

  /** Says which wave or hooks run: the Reconciling condition's message, and (with `event`) a Normal Event. */
  private async reportProgress(sync: Sync, message: string, revision: string, event: boolean, signal: AbortSignal): Promise<void> {
    if (event) void this.props.events?.record(sync, { type: 'Normal', reason: 'Progressing', lines: [message], revision });
    const generation = sync.metadata.generation ?? 0;
    await this.writeStatus(sync, { conditions: progressingConditions(sync.status?.conditions, message, generation, this.now()) }, signal).catch(() => undefined);
  }

  private async checkDependencies(sync: Sync, revision: string, signal: AbortSignal): Promise<void> {
    const namespace = sync.metadata.namespace ?? 'default';
    const waiting: string[] = [];
    for (const dependency of sync.spec.dependsOn ?? []) {
      const depNamespace = dependency.namespace ?? namespace;
      const key = `${depNamespace}/${dependency.name}`;
      const other = await this.props.api.find<Sync>(syncPath(depNamespace, dependency.name), signal);
      if (!other) {
        waiting.push(`${key} not found`);
        continue;
      }
      const ready = findCondition(other.status, 'Ready');
      if (ready?.status !== 'True' || other.status?.observedGeneration !== other.metadata.generation) {
        waiting.push(`${key} is not Ready${ready?.message ? ` (${ready.message})` : ''}`);
        continue;
      }
      const sameSource = other.spec.url === sync.spec.url && JSON.stringify(other.spec.ref ?? {}) === JSON.stringify(sync.spec.ref ?? {});
      if (sameSource && other.status?.lastAppliedRevision !== revision) {
        waiting.push(`${key} is at ${other.status?.lastAppliedRevision ?? 'no revision'}, not ${revision}`);
      }
    }
    if (waiting.length > 0) throw new StepError('DependencyNotReady', `dependencies not ready: ${waiting.join('; ')}`);
  }

  private async finish(
    sync: Sync,
    outcome: Outcome,
    context: {
      started: number;
      requeueAfterMs: number;
      log: Logger;
      inventory?: readonly InventoryEntry[];
      requestedAt?: string;
      applied?: ManifestSet;
      changes?: readonly ChangeSetEntry[];
      failedHooks?: readonly string[];
    },
  ): Promise<ReconcileResult> {
    const namespace = sync.metadata.namespace ?? 'default';
    const name = sync.metadata.name;
    const generation = sync.metadata.generation ?? 0;
    const update = nextStatus(sync.status, outcome, {
      generation,
      now: this.now(),
      historyLimit: resolveHistoryLimit(sync),
      ...(context.inventory === undefined ? {} : { inventory: context.inventory }),
      ...(context.requestedAt === undefined ? {} : { handledReconcileAt: context.requestedAt }),
    });
    // The pending inventory is the server's (written during this run): left out of the patch, or
    // removed once an apply succeeded (the inventory then holds it, or prune removed it).
    const { pendingInventory: _pending, ...rest } = update.status;
    const toWrite: SyncStatus = context.inventory === undefined ? rest : { ...rest, pendingInventory: null };
    let written: SyncStatus = toWrite;
    try {
      written = (await this.writeStatus(sync, toWrite)) ?? toWrite;
    } catch (error) {
      context.log.warn({ event: 'status-write-failed', err: errorText(error) }, 'could not write status');
    }
    const seconds = (performance.now() - context.started) / 1000;
    const reason: ConditionReason = outcome.kind === 'succeeded' ? 'ReconciliationSucceeded' : outcome.kind === 'failed' ? outcome.reason : 'Progressing';
    const result = outcome.kind === 'succeeded' ? 'success' : 'failure';
    this.props.metrics?.reconcileDuration.observe({ namespace, name, result }, seconds);
    this.props.metrics?.reconcileTotal.inc({ namespace, name, reason });
    this.props.metrics?.setReady(namespace, name, findCondition(update.status, 'Ready')?.status);
    const revision = outcome.kind === 'progressing' ? undefined : outcome.revision;
    const changes = context.changes ?? [];
    const fields = {
      event: 'reconciled',
      result,
      reason,
      revision,
      durationMs: Math.round(seconds * 1000),
      changed: changes.filter((entry) => entry.action !== 'unchanged').length,
      unchanged: changes.filter((entry) => entry.action === 'unchanged').length,
    };
    const changeLines = changes.filter((entry) => entry.action !== 'unchanged' && entry.action !== 'skipped').map((entry) => `${entry.subject} ${entry.action}`);
    if (outcome.kind === 'failed') {
      context.log.warn({ ...fields, message: outcome.message }, outcome.message);
      if (changeLines.length > 0) void this.props.events?.record(sync, { type: 'Normal', reason: 'Progressing', lines: changeLines, ...(revision ? { revision } : {}) });
      const previous = findCondition(sync.status, 'Ready');
      if (previous?.reason !== outcome.reason || previous.message !== outcome.message) {
        void this.props.events?.record(sync, { type: 'Warning', reason: outcome.reason, lines: [outcome.message], ...(revision ? { revision } : {}) });
      }
    } else {
      context.log.info(fields, `reconciled ${revision ?? ''}`.trim());
      // One event per successful run that changed something: a line per changed object, then the revision.
      if (changeLines.length > 0 || update.transition === 'recovered' || sync.status?.lastAppliedRevision !== revision) {
        void this.props.events?.record(sync, { type: 'Normal', reason: 'ReconciliationSucceeded', lines: [...changeLines, `Applied revision: ${revision}`], ...(revision ? { revision } : {}) });
      }
    }
    return {
      outcome,
      status: written,
      ...(update.transition ? { transition: update.transition } : {}),
      requeueAfterMs: context.requeueAfterMs,
      ...(context.applied && outcome.kind === 'succeeded' ? { applied: context.applied } : {}),
      ...(revision ? { revision } : {}),
      changes,
      ...(context.failedHooks?.length ? { failedHooks: context.failedHooks } : {}),
    };
  }

  /** Merge-patches the status subresource; returns the written status. */
  private async writeStatus(sync: Sync, status: SyncStatus, signal?: AbortSignal): Promise<SyncStatus | undefined> {
    try {
      // Only condition messages carry text; inventory ids and revisions are kept as they are.
      const mask = this.props.mask;
      const masked = mask && status.conditions ? { ...status, conditions: status.conditions.map((condition) => ({ ...condition, message: mask.mask(condition.message) })) } : status;
      const updated = await this.props.api.mergePatch<Sync>(`${syncPath(sync.metadata.namespace ?? 'default', sync.metadata.name)}/status`, { status: masked }, signal);
      return updated.status;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }
}

/** The objects of `spec.healthChecks`, in the Sync's namespace unless they name one (ignored for a cluster-scoped kind). */
function healthCheckRefs(sync: Sync): ObjectRef[] {
  return (sync.spec.healthChecks ?? []).map((check) => ({ ...splitApiVersion(check.apiVersion), kind: check.kind, name: check.name, namespace: check.namespace ?? sync.metadata.namespace ?? 'default' }));
}

/** The entries of all lists, each id once, sorted by id. */
function unionOf(...lists: readonly (readonly InventoryEntry[])[]): InventoryEntry[] {
  const byId = new Map<string, InventoryEntry>();
  for (const list of lists) for (const entry of list) if (!byId.has(entry.id)) byId.set(entry.id, entry);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The entries of `entries` that `other` does not hold. */
function withoutEntries(entries: readonly InventoryEntry[], other: readonly InventoryEntry[]): InventoryEntry[] {
  const ids = new Set(other.map((entry) => entry.id));
  return entries.filter((entry) => !ids.has(entry.id));
}

function resolveHistoryLimit(sync: Sync): number {
  try {
    return resolveSpec(sync.spec).historyLimit;
  } catch {
    return 5;
  }
}

/** An error's message, with AggregateError's parts joined. */
export function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map((part: unknown) => errorText(part)).join('; ');
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The Reconciling message while objects are waited for (`what`: `revision <rev>`, or a wave of it): how many, and the first few with their state. */
export function waitingMessage(what: string, pending: readonly HealthEntry[], total: number): string {
  const shown = pending.slice(0, 3).map((entry) => `${entry.subject}: ${entry.status}: ${entry.message}`);
  const more = pending.length > shown.length ? `; ${pending.length - shown.length} more` : '';
  return `Waiting for ${what} to be healthy: ${pending.length} of ${total} objects not ready: ${shown.join('; ')}${more}`;
}
