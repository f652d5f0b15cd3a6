/**
 * Waits until a Sync is Ready at a revision (its current generation observed),
 * reporting each new condition message, and fails fast with the message when the
 * Sync is Stalled. Reads through the engine's KubeClient.
 */
import type { KubeObject } from '../manifest/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { SYNC_GROUP, SYNC_KIND, SYNC_VERSION, type Sync } from '../api/index.ts';

export interface WaitReadyOptions {
  readonly namespace: string;
  readonly name: string;
  /** The revision (`main@sha1:<hash>`) the Sync must have applied. */
  readonly revision: string;
  /** @default 300_000 */
  readonly timeoutMs?: number;
  /** @default 250 */
  readonly pollMs?: number;
  /** Called with each new status line ("Progressing: applying 42 objects"). */
  readonly onProgress?: (message: string) => void;
  readonly signal?: AbortSignal;
}

export const DEFAULT_WAIT_READY_OPTIONS = { timeoutMs: 300_000, pollMs: 250 } as const;

export type WaitReadyResult = { readonly ready: true; readonly sync: Sync } | { readonly ready: false; readonly sync: Sync | undefined; readonly message: string };

/** Polls the Sync; resolves when Ready at the revision, or with `ready: false` and the last message on timeout. */
export async function waitForSyncReady(client: KubeClient, options: WaitReadyOptions): Promise<WaitReadyResult> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_WAIT_READY_OPTIONS.timeoutMs);
  const ref = { group: SYNC_GROUP, version: SYNC_VERSION, kind: SYNC_KIND, namespace: options.namespace, name: options.name };
  let last = '';
  let sync: Sync | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const live: KubeObject | undefined = await client.get(ref, options.signal).catch(() => undefined);
    sync = live as Sync | undefined;
    const message = describe(sync, options.revision);
    if (message !== last) {
      last = message;
      options.onProgress?.(message);
    }
    if (sync && isReadyAt(sync, options.revision)) return { ready: true, sync };
    if (Date.now() > deadline) return { ready: false, sync, message };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? DEFAULT_WAIT_READY_OPTIONS.pollMs));
  }
}

export function isReadyAt(sync: Sync, revision: string): boolean {
  const ready = sync.status?.conditions?.find((condition) => condition.type === 'Ready');
  return ready?.status === 'True' && sync.status?.lastAppliedRevision === revision && sync.status?.observedGeneration === sync.metadata.generation;
}

function describe(sync: Sync | undefined, revision: string): string {
  if (!sync) return 'waiting for the root Sync to appear';
  const conditions = sync.status?.conditions ?? [];
  const ready = conditions.find((condition) => condition.type === 'Ready');
  const reconciling = conditions.find((condition) => condition.type === 'Reconciling' && condition.status === 'True');
  if (!ready && !reconciling) return 'waiting for the agent to pick up the root Sync';
  if (ready?.status === 'True' && sync.status?.lastAppliedRevision !== revision) return `waiting for revision ${revision} (applied: ${sync.status?.lastAppliedRevision ?? 'none'})`;
  const condition = reconciling ?? ready;
  return `${condition?.reason ?? 'Unknown'}: ${condition?.message ?? ''}`;
}
