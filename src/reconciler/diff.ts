/**
 * Live diff (`strata diff --live`): what applying a set would change, by
 * server-side dry-run, without writing. (Implementation in progress: API is final.)
 */
import type { ManifestSet, ObjectRef } from '../manifest/index.ts';
import type { KubeClient } from './client.ts';
import type { InventoryEntry } from './inventory.ts';

export interface DiffOptions {
  /** @default 'strata' */
  readonly fieldManager?: string;
  readonly ownerLabels?: Readonly<Record<string, string>>;
  /** @default 8 */
  readonly concurrency?: number;
  readonly impersonate?: string;
  readonly signal?: AbortSignal;
  /** The inventory last applied: its objects missing from the set are listed as `delete`. */
  readonly inventory?: readonly InventoryEntry[];
}

export type DiffAction = 'create' | 'update' | 'none' | 'delete' | 'skip';

export interface DiffEntry {
  readonly ref: ObjectRef;
  readonly subject: string;
  readonly action: DiffAction;
  /** Unified diff of live → desired (YAML, Secret values masked). */
  readonly diff?: string;
  readonly message?: string;
}

export interface DiffResult {
  readonly entries: readonly DiffEntry[];
  /** True when anything would change. */
  readonly changed: boolean;
}

export async function diffLive(client: KubeClient, set: ManifestSet, options: DiffOptions = {}): Promise<DiffResult> {
  void client;
  void set;
  void options;
  throw new Error('not implemented yet');
}
