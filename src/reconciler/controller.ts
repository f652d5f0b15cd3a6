/**
 * The controller: keeps a watch on Syncs, and runs the reconciler for each on
 * its triggers (interval with jitter, spec change, the reconcile-requested-at
 * annotation, a webhook, a dependency turning Ready, drift), never two runs
 * of one Sync at once and at most `concurrency` runs in all.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { Informer, WorkQueue, objectKey, type AgentApi, type ResourceInfo } from '../kube/index.ts';
import { notificationsOf, type Notification } from './notification.ts';
import type { AgentMetrics } from './metrics.ts';
import type { GitSource } from './source.ts';
import { findCondition } from './status.ts';
import { SYNC_GROUP, SYNC_KIND, SYNC_PLURAL, SYNC_VERSION, RECONCILE_REQUESTED_AT, resolveSpec, type Sync } from '../api/index.ts';
import { errorText, syncPath, type ReconcileResult, type SyncReconciler } from './sync-reconciler.ts';
import type { ManifestSet, ObjectRef } from '../manifest/index.ts';

/** What the controller needs from the drift watcher (`drift.ts`); `engine-binding.ts` connects the real one. */
export interface DriftPort {
  /** Watches the objects of `set` for the Sync `key`, replacing what was watched before, as `as` (the identity that applied them; undefined: the agent itself). */
  watch(key: string, set: ManifestSet, onDrift: (refs: readonly ObjectRef[], detail: string) => void, as?: string): void;
  unwatch(key: string): void;
  /** The Sync is gone from this controller (deleted, or moved to another shard): release what it held. */
  forget?(key: string): void;
  stop(): Promise<void>;
}

const SYNC_RESOURCE: ResourceInfo = { group: SYNC_GROUP, version: SYNC_VERSION, kind: SYNC_KIND, resource: SYNC_PLURAL, namespaced: true };

export interface SyncControllerProps {
  readonly api: AgentApi;
  readonly reconciler: SyncReconciler;
  readonly source: GitSource;
  readonly log: Logger;
  readonly metrics?: AgentMetrics;
  /** Told what each reconcile is worth telling (notifier.ts). @default nobody */
  readonly notifier?: { notify(sync: Sync, notifications: readonly Notification[]): Promise<unknown> };
  readonly drift?: DriftPort;
  /** Watch Syncs in this namespace only. @default all namespaces */
  readonly namespace?: string;
  /** Watch only the Syncs matching this label selector (the agent's shard, `src/api/shard.ts`). @default every Sync */
  readonly labelSelector?: string;
  /** Syncs reconciled at once. @default DEFAULT_SYNC_CONTROLLER_OPTIONS.concurrency (8) */
  readonly concurrency?: number;
  /** Fraction of the interval added or taken at random. @default DEFAULT_SYNC_CONTROLLER_OPTIONS.jitter (0.1) */
  readonly jitter?: number;
  /**
   * The first retry after a failure, for Syncs without `retryInterval`: it doubles with each
   * failure in a row, up to the interval.
   * @default DEFAULT_SYNC_CONTROLLER_OPTIONS.retryBaseMs (2 s)
   */
  readonly retryBaseMs?: number;
}

export const DEFAULT_SYNC_CONTROLLER_OPTIONS = { concurrency: 8, jitter: 0.1, retryBaseMs: 2_000 } as const;

interface SyncState {
  sync: Sync;
  healthRevision?: string;
  healthAbort?: AbortController;
  /** Aborts the running reconcile when the Sync leaves this controller (deleted, or relabelled to another shard). */
  runAbort?: AbortController;
  lastResult?: ReconcileResult;
  /** Why the next run was asked for (triggers since the last run started). */
  reasons: Set<TriggerReason>;
  /** Why the run scheduled after the last one is due: the interval, or a retry. */
  scheduled?: TriggerReason;
  /** Interval runs so far: every `fullCheckEvery`th is a full comparison. */
  intervalRuns: number;
  /** Failed runs in a row, for the retry back-off. */
  failures: number;
}

/** Runs that compare every object by dry-run whatever the drift watch vouches for: first sight, and asked for. */
const FULL_CHECK_REASONS: ReadonlySet<TriggerReason> = new Set(['added', 'annotation', 'manual']);

export type TriggerReason = 'added' | 'deleted' | 'interval' | 'spec' | 'annotation' | 'webhook' | 'dependency' | 'drift' | 'retry' | 'manual';

export class SyncController {
  private readonly states = new Map<string, SyncState>();
  private queue: WorkQueue;
  private readonly jitter: number;
  private abort = new AbortController();
  private watching: Promise<void> | undefined;
  private readonly informer: Informer<Sync>;

  constructor(private readonly props: SyncControllerProps) {
    this.jitter = props.jitter ?? DEFAULT_SYNC_CONTROLLER_OPTIONS.jitter;
    this.queue = this.newQueue();
    this.informer = new Informer<Sync>({
      api: props.api,
      resource: SYNC_RESOURCE,
      ...(props.namespace ? { namespace: props.namespace } : {}),
      ...(props.labelSelector === undefined ? {} : { labelSelector: props.labelSelector }),
      log: props.log,
      label: 'Syncs',
      errorText,
      onEvent: (type, sync) => this.observe(type, sync),
      onList: (seen) => {
        for (const key of [...this.states.keys()]) if (!seen.has(key)) this.forget(key);
      },
    });
  }

  /** True once the first list of Syncs has been read. */
  get hasSynced(): boolean {
    return this.informer.hasSynced;
  }

  start(): void {
    if (this.abort.signal.aborted) this.queue = this.newQueue();
    this.abort = new AbortController();
    setMaxListeners(0, this.abort.signal);
    this.watching = this.informer.run(this.abort.signal);
  }

  /** Stops watching, cancels timers, aborts running reconciliations and waits for them. */
  async stop(): Promise<void> {
    this.abort.abort();
    for (const state of this.states.values()) state.healthAbort?.abort();
    await this.props.drift?.stop().catch(() => undefined);
    await Promise.allSettled([this.watching, this.queue.stop()]);
    this.states.clear();
  }

  private newQueue(): WorkQueue {
    return new WorkQueue({
      concurrency: this.props.concurrency ?? DEFAULT_SYNC_CONTROLLER_OPTIONS.concurrency,
      run: async (key) => {
        const state = this.states.get(key);
        if (state) await this.run(key, state);
      },
      // run() reports its own failures; this is a bug in the controller.
      onError: (key, error) => this.props.log.error({ sync: key, event: 'reconcile-error', err: errorText(error) }, 'reconcile crashed'),
    });
  }

  /** Reconcile this Sync now. */
  trigger(key: string, reason: TriggerReason): boolean {
    const state = this.states.get(key);
    if (!state) return false;
    this.props.log.debug({ sync: key, event: 'trigger', reason }, `reconcile requested (${reason})`);
    this.maybePreemptHealth(key, state);
    state.reasons.add(reason);
    this.enqueue(key);
    return true;
  }

  /** Reconcile every Sync fetching from this URL now (a push webhook). Returns their keys. */
  triggerUrl(url: string): string[] {
    const wanted = normalizeUrl(url);
    const keys = [...this.states.entries()].filter(([, state]) => normalizeUrl(state.sync.spec.url) === wanted).map(([key]) => key);
    for (const key of keys) this.trigger(key, 'webhook');
    return keys;
  }

  /** The Syncs of these `namespace/name` keys that this controller holds, as last seen. */
  syncsOfKeys(keys: readonly string[]): Sync[] {
    return keys.flatMap((key) => {
      const state = this.states.get(key);
      return state ? [state.sync] : [];
    });
  }

  /** The Syncs fetching from this URL, as last seen. */
  syncsOfUrl(url: string): Sync[] {
    const wanted = normalizeUrl(url);
    return [...this.states.values()].filter((state) => normalizeUrl(state.sync.spec.url) === wanted).map((state) => state.sync);
  }

  get keys(): string[] {
    return [...this.states.keys()];
  }

  private observe(type: 'ADDED' | 'MODIFIED' | 'DELETED', sync: Sync): void {
    const key = objectKey(sync);
    if (type === 'DELETED') return this.forget(key);
    const state = this.states.get(key);
    if (!state) {
      this.states.set(key, { sync, reasons: new Set(['added']), intervalRuns: 0, failures: 0 });
      this.enqueue(key);
      return;
    }
    const before = state.sync;
    state.sync = sync;
    if (sync.metadata.deletionTimestamp && !before.metadata.deletionTimestamp) {
      this.trigger(key, 'deleted');
      return;
    }
    const wasReady = findCondition(before.status, 'Ready')?.status === 'True' && before.status?.observedGeneration === before.metadata.generation;
    const isReady = findCondition(sync.status, 'Ready')?.status === 'True' && sync.status?.observedGeneration === sync.metadata.generation;
    if (before.metadata.generation !== sync.metadata.generation) {
      if (!sync.spec.suspend) this.trigger(key, 'spec');
      else this.props.log.info({ sync: key, event: 'suspended' }, 'Sync suspended');
    } else {
      const requested = sync.metadata.annotations?.[RECONCILE_REQUESTED_AT];
      if (requested !== undefined && requested !== before.metadata.annotations?.[RECONCILE_REQUESTED_AT] && requested !== sync.status?.lastHandledReconcileAt) {
        this.trigger(key, 'annotation');
      }
    }
    if ((!wasReady && isReady) || before.status?.lastAppliedRevision !== sync.status?.lastAppliedRevision) this.wakeDependents(sync);
  }

  /** Dependents wait on this Sync: run those not Ready yet now, rather than at their retry interval. */
  private wakeDependents(sync: Sync): void {
    const namespace = sync.metadata.namespace ?? 'default';
    for (const [key, state] of this.states) {
      const depends = (state.sync.spec.dependsOn ?? []).some((dep) => dep.name === sync.metadata.name && (dep.namespace ?? state.sync.metadata.namespace) === namespace);
      if (!depends) continue;
      const ready = findCondition(state.sync.status, 'Ready');
      if (ready?.status === 'True' && state.sync.status?.lastAppliedRevision === sync.status?.lastAppliedRevision) continue;
      this.trigger(key, 'dependency');
    }
  }

  private forget(key: string): void {
    const state = this.states.get(key);
    if (!state) return;
    this.queue.forget(key);
    state.healthAbort?.abort();
    state.runAbort?.abort();
    this.states.delete(key);
    this.props.drift?.unwatch(key);
    this.props.drift?.forget?.(key);
    const [namespace = '', name = ''] = key.split('/');
    this.props.metrics?.forget(namespace, name);
  }

  private enqueue(key: string): void {
    if (this.states.has(key) && !this.abort.signal.aborted) this.queue.add(key);
  }

  private async run(key: string, state: SyncState): Promise<void> {
    state.runAbort = new AbortController();
    const signal = AbortSignal.any([this.abort.signal, state.runAbort.signal]);
    setMaxListeners(0, signal);
    let result: ReconcileResult;
    let before: Sync | undefined;
    let drift = false;
    try {
      const [namespace = '', name = ''] = key.split('/');
      const fresh = await this.props.api.find<Sync>(syncPath(namespace, name), signal);
      if (!fresh) return this.forget(key);
      state.sync = fresh;
      state.healthAbort = new AbortController();
      // A run nothing asked for is the scheduled one.
      const reasons: ReadonlySet<TriggerReason> = state.reasons.size > 0 ? state.reasons : new Set([state.scheduled ?? 'interval']);
      state.reasons = new Set();
      before = fresh;
      drift = reasons.has('drift');
      result = await this.props.reconciler.reconcile(fresh, signal, {
        fullCheck: this.isFullCheck(state, reasons),
        healthSignal: state.healthAbort.signal,
        onHealthWait: (revision) => {
          state.healthRevision = revision;
        },
      });
    } catch (error) {
      if (signal.aborted) return;
      this.props.log.error({ sync: key, event: 'reconcile-error', err: errorText(error) }, 'reconcile crashed');
      this.schedule(key, state, 5000, 'retry');
      return;
    } finally {
      state.healthRevision = undefined;
      state.healthAbort = undefined;
      state.runAbort = undefined;
    }
    // Keep the outcome, not the applied set: the drift watcher holds what it needs.
    state.lastResult = { ...result, applied: undefined, changes: [] };
    if (result.outcome.kind === 'superseded') {
      state.reasons.add('retry');
      this.queue.add(key); // runs again when this run ends
      return;
    }
    if (result.applied && this.props.drift) {
      const sync = state.sync;
      let mode = 'correct';
      try {
        mode = resolveSpec(sync.spec).driftMode;
      } catch {
        // invalid spec: reported by the reconciler
      }
      if (mode === 'disabled') this.props.drift.unwatch(key);
      else this.props.drift.watch(key, result.applied, (refs, detail) => this.onDrift(key, refs, detail), this.props.reconciler.applyingIdentityOf(sync));
    }
    if (this.props.notifier && before) {
      const notifications = notificationsOf({ before, result, drift, now: new Date() });
      if (notifications.length > 0) this.props.notifier.notify(state.sync, notifications).catch((error: unknown) => this.props.log.error({ sync: key, event: 'notify-error', err: errorText(error) }, 'notifying crashed'));
    }
    if (result.outcome.kind === 'gone') return;
    if (result.outcome.kind !== 'failed') {
      state.failures = 0;
      this.schedule(key, state, result.requeueAfterMs, 'interval');
      return;
    }
    state.failures += 1;
    this.schedule(key, state, this.retryDelay(state, result.requeueAfterMs), 'retry');
  }

  /**
   * Whether this run compares every object by dry-run: on first sight, when asked for
   * (`strata reconcile`), and every `fullCheckEvery`th interval run; other runs (drift,
   * webhook, dependency, retry) skip what the drift watch vouches for.
   */
  private isFullCheck(state: SyncState, reasons: ReadonlySet<TriggerReason>): boolean {
    if ([...reasons].some((reason) => FULL_CHECK_REASONS.has(reason))) return true;
    if (!reasons.has('interval')) return false;
    state.intervalRuns += 1;
    let every = 1;
    try {
      every = resolveSpec(state.sync.spec).fullCheckEvery;
    } catch {
      // invalid spec: reported by the reconciler
    }
    return state.intervalRuns % every === 0;
  }

  /** After a failure: the Sync's retryInterval when set, else `retryBaseMs` doubling with each failure in a row, up to the interval. */
  private retryDelay(state: SyncState, requeueAfterMs: number): number {
    try {
      const spec = resolveSpec(state.sync.spec);
      if (spec.retryIntervalSet) return spec.retryIntervalMs;
      const base = this.props.retryBaseMs ?? DEFAULT_SYNC_CONTROLLER_OPTIONS.retryBaseMs;
      return Math.min(spec.intervalMs, base * 2 ** Math.min(state.failures - 1, 30));
    } catch {
      return requeueAfterMs;
    }
  }

  private onDrift(key: string, refs: readonly ObjectRef[], detail: string): void {
    const state = this.states.get(key);
    if (!state) return;
    const [namespace = '', name = ''] = key.split('/');
    let mode = 'correct';
    try {
      mode = resolveSpec(state.sync.spec).driftMode;
    } catch {
      // keep the default
    }
    const subjects = refs.map((ref) => `${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`);
    this.props.metrics?.driftDetected.inc({ namespace, name, mode });
    this.props.log.warn({ sync: key, event: 'drift', mode, objects: subjects, detail }, `drift on ${subjects.join(', ')}`);
    if (mode === 'correct' && !state.sync.spec.suspend) {
      this.props.metrics?.driftCorrections.inc({ namespace, name });
      this.trigger(key, 'drift');
    }
  }

  private schedule(key: string, state: SyncState, delayMs: number, reason: TriggerReason): void {
    if (this.abort.signal.aborted || this.states.get(key) !== state) return;
    state.scheduled = reason;
    this.queue.addAfter(key, Math.max(0, delayMs * (1 + (Math.random() * 2 - 1) * this.jitter)));
  }

  /** A trigger during a health wait: if the remote moved to a new revision, cancel the wait. */
  private maybePreemptHealth(key: string, state: SyncState): void {
    const waitingOn = state.healthRevision;
    if (!this.queue.isRunning(key) || waitingOn === undefined || !state.healthAbort) return;
    const abort = state.healthAbort;
    this.props.reconciler
      .latestRevision(state.sync, this.abort.signal)
      .then((revision) => {
        if (revision !== waitingOn && state.healthRevision === waitingOn) {
          this.props.log.info({ sync: key, event: 'health-preempted', from: waitingOn, to: revision }, 'new revision: cancelling the running health check');
          abort.abort();
        }
      })
      .catch((error: unknown) => this.props.log.debug({ sync: key, event: 'preempt-check-failed', err: errorText(error) }, 'could not check for a new revision'));
  }

  /** Resolves after the first list of Syncs. */
  waitForSync(): Promise<void> {
    return this.informer.waitForSync();
  }

  /** The last result per Sync (for tests and the CLI's in-process use). */
  resultOf(key: string): ReconcileResult | undefined {
    return this.states.get(key)?.lastResult;
  }
}

/** Compares Git URLs loosely: scheme, userinfo, trailing `.git` and `/` do not matter. */
export function normalizeUrl(url: string): string {
  return url
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/^[^/@]*@/, '')
    .replace(/:(?!\d)/, '/')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .toLowerCase();
}
