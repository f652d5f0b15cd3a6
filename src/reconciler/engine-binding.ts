/**
 * Connects the reconciler and controller to the apply engine of this folder:
 * one KubeClient (created lazily, shared by every Sync), `applyAllStaged`,
 * `pruneStale`, `waitForHealthy`, and one DriftWatcher shared by all Syncs.
 *
 * Every apply records what it left with the watcher, for the Sync and the identity it
 * applied as (its owner), before the reconcile goes on; a later apply skips an object
 * only when the watch vouches for it for that same owner, and a full check skips nothing.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { refKey, type ManifestEntry, type ManifestSet, type ObjectRef } from '../manifest/index.ts';
import { FIELD_MANAGER } from '../api/index.ts';
import { ApplyError, DEFAULT_APPLY_OPTIONS, DriftWatcher, PruneError, applyAllStaged, inventoryOf, pruneStale, runHooks, staleOf, waitForHealthy, type DriftEvent } from '../engine/index.ts';
import { KubeApiError, KubeClient } from '../kube/index.ts';
import type { DriftPort } from './controller.ts';
import type { ReconcileEngine } from './sync-reconciler.ts';

// Gathers the Syncs finishing together into one re-plan of the drift watches (each re-plan may
// restart streams, which then list again); short, since a new object is watched only after it.
const DRIFT_REFRESH_MS = 150;

export interface EngineBindingOptions {
  /** Requests at once within one apply stage. @default DEFAULT_APPLY_OPTIONS.concurrency (16) */
  readonly concurrency?: number;
  /** @default FIELD_MANAGER ('strata') */
  readonly fieldManager?: string;
  /** Gives up on one request (not a watch) after this long: shorter for remote clusters. @default the KubeClient's (30 s) */
  readonly requestTimeoutMs?: number;
  readonly log?: Logger;
}

export interface BoundEngine {
  readonly engine: ReconcileEngine;
  readonly drift: DriftPort;
  /** The shared client, once created (request counters for benchmarks). */
  client(): Promise<KubeClient>;
  close(): Promise<void>;
}

export function createEngine(kubeConfig: KubeConfig, options: EngineBindingOptions = {}): BoundEngine {
  const fieldManager = options.fieldManager ?? FIELD_MANAGER;
  const concurrency = options.concurrency ?? DEFAULT_APPLY_OPTIONS.concurrency;
  let clientPromise: Promise<KubeClient> | undefined;
  const timeout = options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs };
  const client = (): Promise<KubeClient> => (clientPromise ??= KubeClient.fromKubeConfig(kubeConfig, { maxSockets: Math.max(32, concurrency * 2), ...timeout }));

  const engine: ReconcileEngine = {
    async apply(set, call) {
      const drift = await watcherOf();
      const owner = ownerOf(call.sync, call.impersonate);
      try {
        const changeSet = await applyAllStaged(await client(), set, {
          fieldManager,
          concurrency,
          force: call.force,
          ownerLabels: call.ownerLabels,
          ...(call.mayAdopt ? { mayAdopt: call.mayAdopt } : {}),
          signal: call.signal,
          ...(call.impersonate ? { impersonate: call.impersonate } : {}),
          // What the drift watch vouches for this Sync and identity costs no request; a full check reads everything.
          ...(call.fullCheck ? {} : { inSync: (ref: ObjectRef, sha256: string) => drift.inSync(ref, sha256, owner) }),
        });
        drift.record(changeSet.entries, set, owner);
        return changeSet.entries;
      } catch (error) {
        if (error instanceof ApplyError) drift.record(error.changeSet.entries, set, owner);
        throw error;
      }
    },
    async prune(stale, call) {
      // Deleting watched objects must not come back as drift (a stray reconcile that re-creates nothing).
      (await watcherOf()).forget(stale);
      try {
        const changeSet = await pruneStale(await client(), stale, {
          ownerLabels: call.ownerLabels,
          signal: call.signal,
          ...(call.impersonate ? { impersonate: call.impersonate } : {}),
        });
        return { entries: changeSet.entries, failed: [] };
      } catch (error) {
        if (error instanceof PruneError) {
          const forbidden = error.errors.filter((failure) => failure.cause instanceof KubeApiError && failure.cause.status === 403).map((failure) => failure.ref);
          return { entries: error.changeSet.entries, failed: error.failed, forbidden, error };
        }
        return { entries: [], failed: [...stale], error: error as Error };
      }
    },
    inventoryOf: (set) => inventoryOf(set),
    staleOf: (previous, next) => staleOf(previous, next),
    async runHooks(hooks, call) {
      return runHooks(await client(), hooks, {
        revision: call.revision,
        timeoutMs: call.timeoutMs,
        ownerLabels: call.ownerLabels,
        rerunFailed: call.rerunFailed,
        fieldManager,
        signal: call.signal,
        ...(call.impersonate ? { impersonate: call.impersonate } : {}),
      });
    },
    async waitForHealthy(refs, call) {
      await waitForHealthy(await client(), refs, {
        timeoutMs: call.timeoutMs,
        signal: call.signal,
        ...(call.impersonate ? { impersonate: call.impersonate } : {}),
        ...(call.rules ? { rules: call.rules } : {}),
        ...(call.onPending ? { onPending: call.onPending } : {}),
      });
    },
  };

  // One DriftWatcher for every Sync: its streams are one per kind, namespace and applying
  // identity (not per Sync), on a client of its own so long-lived watches never take the
  // apply pool's sockets. Watching as the identity that applied keeps the agent's own role
  // free of reading what Syncs manage (Secrets above all).
  const sets = new Map<string, { set: ManifestSet; as: string | undefined }>();
  const callbacks = new Map<string, (refs: readonly ObjectRef[], detail: string) => void>();
  const syncOf = new Map<string, string>();
  let driftClient: Promise<KubeClient> | undefined;
  let watcher: Promise<DriftWatcher> | undefined;
  let pending: NodeJS.Timeout | undefined;
  const watcherOf = (): Promise<DriftWatcher> => {
    driftClient ??= KubeClient.fromKubeConfig(kubeConfig, { maxSockets: 1024, ...timeout });
    return (watcher ??= driftClient.then(
      (shared) =>
        new DriftWatcher(shared, {
          fieldManager,
          onDrift: dispatch,
          onError: (error) => options.log?.debug({ event: 'drift-watch-error', err: error.message }, 'drift watch failed; retrying'),
        }),
    ));
  };
  const dispatch = (events: readonly DriftEvent[]): void => {
    const bySync = new Map<string, DriftEvent[]>();
    for (const event of events) {
      const key = syncOf.get(refKey(event.ref));
      if (key !== undefined) bySync.set(key, [...(bySync.get(key) ?? []), event]);
    }
    for (const [key, list] of bySync) {
      callbacks.get(key)?.(
        list.map((event) => event.ref),
        list.map((event) => `${event.subject}: ${event.message}`).join('; '),
      );
    }
  };
  const refresh = (): void => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      syncOf.clear();
      const entries: (ManifestEntry & { as: string | undefined })[] = [];
      for (const [key, { set, as }] of sets) {
        for (const entry of set.entries) {
          if (syncOf.has(refKey(entry.ref))) continue;
          syncOf.set(refKey(entry.ref), key);
          entries.push({ ...entry, as });
        }
      }
      void watcherOf()
        .then((shared) => shared.watch(entries))
        .catch((error: unknown) => options.log?.warn({ event: 'drift-watch-error', err: (error as Error).message }, 'could not watch for drift'));
    }, DRIFT_REFRESH_MS);
  };
  const drift: DriftPort = {
    watch(key: string, set: ManifestSet, onDrift: (refs: readonly ObjectRef[], detail: string) => void, as?: string): void {
      sets.set(key, { set, as });
      callbacks.set(key, onDrift);
      refresh();
    },
    unwatch(key: string): void {
      if (!sets.delete(key)) return;
      callbacks.delete(key);
      refresh();
    },
    async stop(): Promise<void> {
      if (pending) clearTimeout(pending);
      pending = undefined;
      if (watcher) (await watcher).stop();
      watcher = undefined;
      sets.clear();
      callbacks.clear();
      if (driftClient) (await driftClient).close();
      driftClient = undefined;
    },
  };

  return {
    engine,
    drift,
    client,
    async close() {
      await drift.stop();
      if (clientPromise) (await clientPromise).close();
    },
  };
}

/** Whom an apply was for: the Sync and the identity it applied as; the watch vouches for nothing across owners. */
function ownerOf(sync: string, impersonate: string | undefined): string {
  return `${sync} as ${impersonate ?? 'the agent'}`;
}
