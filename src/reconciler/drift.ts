/**
 * Drift: watches the objects of an inventory and calls `onDrift` when one is
 * deleted or a field Strata manages is changed by someone else. No polling.
 * (Implementation in progress: API is final.)
 */
import type { KubeObject, ObjectRef } from '../manifest/index.ts';
import type { KubeClient } from './client.ts';

export type DriftReason = 'deleted' | 'modified';

export interface DriftEvent {
  readonly ref: ObjectRef;
  readonly subject: string;
  readonly reason: DriftReason;
  /** e.g. `fields taken over by kubectl-edit: spec.replicas` */
  readonly message: string;
}

export interface DriftWatcherOptions {
  /** Called with the objects that drifted since the last call (debounced). */
  readonly onDrift: (events: readonly DriftEvent[]) => void;
  /** Gathers events for this long before calling onDrift. @default 100 */
  readonly debounceMs?: number;
  /** @default 'strata' */
  readonly fieldManager?: string;
  /** Watch only objects carrying these labels (server-side selector). @default none */
  readonly ownerLabels?: Readonly<Record<string, string>>;
  /** Called when a watch fails and is retried (the watcher keeps going). @default ignore */
  readonly onError?: (error: Error) => void;
}

export class DriftWatcher {
  constructor(
    readonly client: KubeClient,
    readonly options: DriftWatcherOptions,
  ) {}

  /** Watches exactly these objects (desired state), replacing what was watched; resolves once the watches are established. */
  async watch(objects: readonly KubeObject[]): Promise<void> {
    void objects;
    throw new Error('not implemented yet');
  }

  stop(): void {}
}
