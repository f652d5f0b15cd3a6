/**
 * The agent's access to its own objects (Syncs, ImageUpdates, Events,
 * Leases, Secrets, its CRDs): path-based JSON requests and watches, over the engine's
 * KubeClient. It has a connection pool of its own, so that Lease renewals and
 * status writes never queue behind a large apply.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../api/index.ts';
import type { KubeObject } from '../manifest/index.ts';
import { KubeApiError, KubeClient, type ResourceInfo, type WatchEvent } from './client.ts';

export class AgentApi {
  private readonly client: Promise<KubeClient>;

  constructor(readonly kubeConfig: KubeConfig) {
    this.client = KubeClient.fromKubeConfig(kubeConfig, { maxSockets: 16 });
    this.client.catch(() => undefined); // reported by the first request
  }

  async request<T>(method: string, path: string, body?: unknown, options: { contentType?: string; signal?: AbortSignal } = {}): Promise<T> {
    return (await this.client).request<T>(method, path, body, options);
  }

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, undefined, { signal });
  }

  /** GET that returns undefined for 404. */
  async find<T>(path: string, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return await this.get<T>(path, signal);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  mergePatch<T>(path: string, patch: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>('PATCH', path, patch, { contentType: 'application/merge-patch+json', signal });
  }

  /**
   * Watches a collection (of one namespace, or all) from `resourceVersion` until the stream
   * ends (resolves) or fails (rejects; 410 Gone as a KubeApiError with status 410); with
   * `labelSelector`, only the objects matching it.
   */
  async watch(resource: ResourceInfo, namespace: string | undefined, resourceVersion: string, onEvent: (event: WatchEvent) => void, signal: AbortSignal, labelSelector?: string): Promise<void> {
    await (await this.client).watch(resource, namespace, { resourceVersion, timeoutSeconds: 300, ...(labelSelector === undefined ? {} : { labelSelector }) }, onEvent, signal);
  }

  /**
   * Applies a CRD (server-side, forced: we own it) and waits until `collectionPath` answers:
   * discovery of a new resource lags Established by a moment, and serving is what callers need.
   */
  async installCrd(crd: KubeObject, collectionPath: string, timeoutMs = 30_000): Promise<void> {
    const name = crd.metadata.name ?? '';
    await this.request('PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}?fieldManager=${FIELD_MANAGER}&force=true`, crd, { contentType: 'application/apply-patch+yaml' });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.get(`${collectionPath}?limit=1`);
        return;
      } catch {
        // not served yet
      }
      if (Date.now() > deadline) throw new Error(`CustomResourceDefinition/${name} not served within ${Math.round(timeoutMs / 1000)}s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async close(): Promise<void> {
    (await this.client.catch(() => undefined))?.close();
  }
}

/** Loads a KubeConfig from a file, or in-cluster config when no file is given; with `context`, that context (an error listing the contexts when it is not there). */
export function loadKubeConfig(file?: string, context?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (file) kubeConfig.loadFromFile(file);
  else if (process.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  if (context !== undefined) {
    const names = kubeConfig.getContexts().map((entry) => entry.name);
    if (!names.includes(context)) throw new Error(`context ${JSON.stringify(context)} is not in the kubeconfig (contexts: ${names.join(', ') || 'none'})`);
    kubeConfig.setCurrentContext(context);
  }
  return kubeConfig;
}
