// What the Sync page shows from the cluster: the conditions, the inventory as a tree with each
// object's live health (the agent's kstatus rules, src/engine/health.ts), the Events and the
// agent's own history. Plain fields only: a live object's health leaves the server, the object
// (a Secret's data, say) does not.
import pLimit from 'p-limit';
import type { Condition, HistoryEntry, Sync } from '../api/index.ts';
import { computeHealth, refOfInventoryEntry, type HealthStatus } from '../engine/index.ts';
import { redactUrl } from '../git/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { compareStrings } from '../manifest/index.ts';
import type { SyncClient, SyncEventRecord } from '../reconciler/index.ts';
import { kubeAnswer } from './answer.ts';

export interface InventoryObject {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly name: string;
  readonly health: HealthStatus;
  readonly message: string;
}

/** One branch of the tree: a namespace (empty: cluster-scoped objects) and its objects, sorted. */
export interface InventoryBranch {
  readonly namespace: string;
  readonly objects: readonly InventoryObject[];
}

export interface SyncDetail {
  readonly context: string;
  readonly namespace: string;
  readonly name: string;
  /** The Git URL, credentials redacted. */
  readonly url: string;
  /** `branch main`, `tag v1`, `semver ^1`, `commit <hash>`. */
  readonly ref: string;
  readonly path: string;
  readonly suspended: boolean;
  readonly lastAppliedRevision: string;
  readonly lastAttemptedRevision: string;
  readonly conditions: readonly Condition[];
  readonly inventory: readonly InventoryBranch[];
  readonly events: readonly SyncEventRecord[];
  /** Why the Events could not be read (Kubernetes' answer). */
  readonly eventsError?: string;
  /** The agent's `status.history`, newest first. */
  readonly history: readonly HistoryEntry[];
}

export function describeRef(ref: Sync['spec']['ref']): string {
  if (ref?.commit) return `commit ${ref.commit}${ref.branch ? ` on branch ${ref.branch}` : ''}`;
  if (ref?.tag) return `tag ${ref.tag}`;
  if (ref?.semver) return `semver ${ref.semver}`;
  return `branch ${ref?.branch ?? 'main'}`;
}

export async function syncDetail(context: string, sync: Sync, client: KubeClient, syncs: SyncClient): Promise<SyncDetail> {
  const namespace = sync.metadata.namespace ?? '';
  const [inventory, events] = await Promise.all([
    inventoryTree(sync, client),
    syncs.events(namespace, sync.metadata.name).then(
      (records) => ({ records }),
      (error: unknown) => ({ records: [], error: kubeAnswer(error).message }),
    ),
  ]);
  return {
    context,
    namespace,
    name: sync.metadata.name,
    url: redactUrl(sync.spec.url),
    ref: describeRef(sync.spec.ref),
    path: sync.spec.path ?? '',
    suspended: sync.spec.suspend === true,
    lastAppliedRevision: sync.status?.lastAppliedRevision ?? '',
    lastAttemptedRevision: sync.status?.lastAttemptedRevision ?? '',
    conditions: sync.status?.conditions ?? [],
    inventory,
    events: [...events.records].reverse(),
    ...('error' in events ? { eventsError: events.error } : {}),
    history: sync.status?.history ?? [],
  };
}

/** The inventory by namespace (cluster-scoped first), each object with its live health. */
async function inventoryTree(sync: Sync, client: KubeClient): Promise<InventoryBranch[]> {
  const limit = pLimit(8);
  const objects = await Promise.all(
    (sync.status?.inventory?.entries ?? []).map((entry) =>
      limit(async (): Promise<{ namespace: string; object: InventoryObject }> => {
        let ref;
        try {
          ref = refOfInventoryEntry(entry);
        } catch (error) {
          return { namespace: '', object: { group: '', version: entry.v, kind: '?', name: entry.id, health: 'Unknown', message: (error as Error).message } };
        }
        const base = { group: ref.group, version: ref.version, kind: ref.kind, name: ref.name };
        try {
          // Only the health is kept; the live object (a Secret's values too) stays here.
          const health = computeHealth(await client.get(ref));
          return { namespace: ref.namespace, object: { ...base, health: health.status, message: health.message } };
        } catch (error) {
          return { namespace: ref.namespace, object: { ...base, health: 'Unknown', message: kubeAnswer(error).message } };
        }
      }),
    ),
  );
  const byNamespace = new Map<string, InventoryObject[]>();
  for (const { namespace, object } of objects) byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), object]);
  return [...byNamespace.keys()].sort(compareStrings).map((namespace) => ({
    namespace,
    objects: (byNamespace.get(namespace) ?? []).sort((a, b) => compareStrings(`${a.kind}/${a.name}`, `${b.kind}/${b.name}`)),
  }));
}
