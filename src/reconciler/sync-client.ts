/**
 * Operations on Sync objects for the CLI and tests: list, get, request a
 * reconcile, suspend, resume, read events, and wait for a result.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { AgentApi, KubeApiError, REPORTING_CONTROLLER, loadKubeConfig } from '../kube/index.ts';
import { findCondition } from './status.ts';
import { RECONCILE_REQUESTED_AT, SYNC_API_VERSION, SYNC_CRD, SYNC_PLURAL, type Sync, type SyncSpec } from '../api/index.ts';
import { syncPath } from './sync-reconciler.ts';

/** A Sync named on the command line does not exist. */
export class SyncNotFoundError extends Error {
  override readonly name = 'SyncNotFoundError';
  constructor(
    readonly namespace: string,
    readonly syncName: string,
  ) {
    super(`Sync ${namespace}/${syncName} not found`);
  }
}

/** An event about a Sync, as `strata events` prints it. */
export interface SyncEventRecord {
  readonly time: string;
  readonly type: string;
  readonly reason: string;
  readonly note: string;
  readonly revision?: string;
}

export class SyncClient {
  readonly api: AgentApi;

  constructor(kubeConfig: KubeConfig | string | undefined) {
    this.api = new AgentApi(typeof kubeConfig === 'object' ? kubeConfig : loadKubeConfig(kubeConfig));
  }

  /** Syncs of one namespace, or of all when namespace is undefined; sorted by namespace and name. */
  async list(namespace?: string): Promise<Sync[]> {
    const path = namespace === undefined ? `/apis/${SYNC_API_VERSION}/${SYNC_PLURAL}` : syncPath(namespace);
    const list = await this.api.get<{ items: Sync[] }>(path);
    return list.items
      .map((item) => ({ ...item, apiVersion: SYNC_API_VERSION, kind: 'Sync' }) as Sync)
      .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  async get(namespace: string, name: string): Promise<Sync> {
    const sync = await this.api.find<Sync>(syncPath(namespace, name));
    if (!sync) throw new SyncNotFoundError(namespace, name);
    return sync;
  }

  async create(sync: { readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> }; readonly spec: SyncSpec }): Promise<Sync> {
    const namespace = sync.metadata.namespace ?? 'default';
    return this.api.request<Sync>('POST', syncPath(namespace), { ...sync, apiVersion: SYNC_API_VERSION, kind: 'Sync' });
  }

  /** Merge-patches the spec (and bumps generation). */
  async patchSpec(namespace: string, name: string, spec: Record<string, unknown>): Promise<Sync> {
    return this.patch(namespace, name, { spec });
  }

  async delete(namespace: string, name: string): Promise<void> {
    try {
      await this.api.request('DELETE', syncPath(namespace, name));
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
  }

  /** Sets the reconcile-requested-at annotation to now; returns the value set. */
  async requestReconcile(namespace: string, name: string): Promise<string> {
    const value = new Date().toISOString();
    await this.patch(namespace, name, { metadata: { annotations: { [RECONCILE_REQUESTED_AT]: value } } });
    return value;
  }

  async setSuspended(namespace: string, name: string, suspend: boolean): Promise<Sync> {
    return this.patch(namespace, name, { spec: { suspend } });
  }

  /**
   * Waits until the agent handled the request `requestedAt` (or, without it,
   * until Ready is decided at the current generation); resolves with the Sync.
   */
  async waitForReconcile(namespace: string, name: string, options: { requestedAt?: string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Sync> {
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    for (;;) {
      const sync = await this.get(namespace, name);
      const ready = findCondition(sync.status, 'Ready');
      const handled = options.requestedAt === undefined || sync.status?.lastHandledReconcileAt === options.requestedAt;
      const decided = ready !== undefined && ready.status !== 'Unknown' && sync.status?.observedGeneration === sync.metadata.generation;
      const reconciling = findCondition(sync.status, 'Reconciling')?.status === 'True';
      if (handled && decided && !reconciling) return sync;
      if (Date.now() > deadline) throw new Error(`Sync ${namespace}/${name}: no result within ${Math.round((options.timeoutMs ?? 300_000) / 1000)}s`);
      if (options.signal?.aborted) throw options.signal.reason;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Events about the Sync, oldest first. */
  async events(namespace: string, name: string): Promise<SyncEventRecord[]> {
    const selector = new URLSearchParams({ fieldSelector: `regarding.kind=Sync,regarding.name=${name}` });
    const list = await this.api.get<{
      items: { eventTime?: string; deprecatedLastTimestamp?: string; metadata: { creationTimestamp?: string; annotations?: Record<string, string> }; type?: string; reason?: string; note?: string; reportingController?: string }[];
    }>(`/apis/events.k8s.io/v1/namespaces/${namespace}/events?${selector}`);
    return list.items
      .filter((item) => item.reportingController === undefined || item.reportingController === REPORTING_CONTROLLER)
      .map((item) => ({
        time: item.eventTime ?? item.deprecatedLastTimestamp ?? item.metadata.creationTimestamp ?? '',
        type: item.type ?? '',
        reason: item.reason ?? '',
        note: item.note ?? '',
        ...(item.metadata.annotations?.['strata.dev/revision'] ? { revision: item.metadata.annotations['strata.dev/revision'] } : {}),
      }))
      .sort((a, b) => a.time.localeCompare(b.time));
  }

  /** Creates or updates the Sync CRD and waits until its collection is served. */
  installCrd(): Promise<void> {
    return this.api.installCrd(SYNC_CRD, `/apis/${SYNC_API_VERSION}/${SYNC_PLURAL}`);
  }

  private async patch(namespace: string, name: string, patch: unknown): Promise<Sync> {
    try {
      return await this.api.mergePatch<Sync>(syncPath(namespace, name), patch);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) throw new SyncNotFoundError(namespace, name);
      throw error;
    }
  }
}
