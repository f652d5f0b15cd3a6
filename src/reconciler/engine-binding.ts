/**
 * Connects the reconciler and controller to the apply engine of this folder:
 * one KubeClient (created lazily, shared by every Sync), `applyAllStaged`,
 * `pruneStale`, `waitForHealthy` and one DriftWatcher per Sync.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ManifestSet, ObjectRef } from '../manifest/index.ts';
import { applyAllStaged } from './apply.ts';
import { KubeClient } from './client.ts';
import type { DriftPort } from './controller.ts';
import { DriftWatcher } from './drift.ts';
import { inventoryOf, staleOf } from './inventory.ts';
import { ownerLabels } from './owner.ts';
import { PruneError, pruneStale } from './prune.ts';
import type { ReconcileEngine } from './sync-reconciler.ts';
import { waitForHealthy } from './wait.ts';

export interface EngineBindingOptions {
  /** Requests at once within one apply stage. @default 16 */
  readonly concurrency?: number;
  /** @default 'strata' */
  readonly fieldManager?: string;
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
  const fieldManager = options.fieldManager ?? 'strata';
  const concurrency = options.concurrency ?? 16;
  let clientPromise: Promise<KubeClient> | undefined;
  const client = (): Promise<KubeClient> => (clientPromise ??= KubeClient.fromKubeConfig(kubeConfig, { maxSockets: Math.max(32, concurrency * 2) }));

  const engine: ReconcileEngine = {
    async apply(set, call) {
      const changeSet = await applyAllStaged(await client(), set, {
        fieldManager,
        concurrency,
        force: call.force,
        ownerLabels: call.ownerLabels,
        signal: call.signal,
        ...(call.impersonate ? { impersonate: call.impersonate } : {}),
      });
      return changeSet.entries;
    },
    async prune(stale, call) {
      try {
        const changeSet = await pruneStale(await client(), stale, {
          ownerLabels: call.ownerLabels,
          signal: call.signal,
          ...(call.impersonate ? { impersonate: call.impersonate } : {}),
        });
        return { entries: changeSet.entries, failed: [] };
      } catch (error) {
        if (error instanceof PruneError) return { entries: error.changeSet.entries, failed: error.failed, error };
        return { entries: [], failed: [...stale], error: error as Error };
      }
    },
    inventoryOf: (set) => inventoryOf(set),
    staleOf: (previous, next) => staleOf(previous, next),
    async waitForHealthy(refs, call) {
      await waitForHealthy(await client(), refs, {
        timeoutMs: call.timeoutMs,
        signal: call.signal,
        ...(call.impersonate ? { impersonate: call.impersonate } : {}),
      });
    },
  };

  const watchers = new Map<string, DriftWatcher>();
  const drift: DriftPort = {
    watch(key: string, set: ManifestSet, _impersonate: string | undefined, onDrift: (refs: readonly ObjectRef[], detail: string) => void): void {
      const [namespace = '', name = ''] = key.split('/');
      void client().then((shared) => {
        let watcher = watchers.get(key);
        if (!watcher) {
          watcher = new DriftWatcher(shared, {
            ownerLabels: ownerLabels(name, namespace),
            fieldManager,
            onDrift: (events) => onDrift(events.map((event) => event.ref), events.map((event) => `${event.subject}: ${event.message}`).join('; ')),
            onError: (error) => options.log?.debug({ sync: key, event: 'drift-watch-error', err: error.message }, 'drift watch failed; retrying'),
          });
          watchers.set(key, watcher);
        }
        return watcher.watch(set);
      }).catch((error: unknown) => options.log?.warn({ sync: key, event: 'drift-watch-error', err: (error as Error).message }, 'could not watch for drift'));
    },
    unwatch(key: string): void {
      watchers.get(key)?.stop();
      watchers.delete(key);
    },
    async stop(): Promise<void> {
      for (const watcher of watchers.values()) watcher.stop();
      watchers.clear();
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
