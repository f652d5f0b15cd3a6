/**
 * Operations on ImageUpdate objects for the CLI and tests: list, get, request a
 * run, suspend, resume, and wait for a run's result. The counterpart of
 * sync-client.ts; the controller (image-update-controller.ts) honours the same
 * reconcile-requested-at annotation and echoes it in status.lastHandledReconcileAt.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { AgentApi, KubeApiError, loadKubeConfig } from '../kube/index.ts';
import { IMAGE_UPDATE_API_VERSION, IMAGE_UPDATE_CRD, IMAGE_UPDATE_KIND, IMAGE_UPDATE_PLURAL, RECONCILE_REQUESTED_AT, imageUpdatePath, type ImageUpdate, type ImageUpdateCondition } from '../api/index.ts';

/** An ImageUpdate named on the command line does not exist. */
export class ImageUpdateNotFoundError extends Error {
  override readonly name = 'ImageUpdateNotFoundError';
  constructor(
    readonly namespace: string,
    readonly imageUpdateName: string,
  ) {
    super(`ImageUpdate ${namespace}/${imageUpdateName} not found`);
  }
}

/** A run was asked of a suspended ImageUpdate: the agent never runs it, so waiting would only time out. */
export class ImageUpdateSuspendedError extends Error {
  override readonly name = 'ImageUpdateSuspendedError';
  constructor(
    readonly namespace: string,
    readonly imageUpdateName: string,
  ) {
    super(`ImageUpdate ${namespace}/${imageUpdateName} is suspended: resume it to run it`);
  }
}

/** The Ready condition of an ImageUpdate, if it ran. */
export function imageUpdateReady(update: ImageUpdate): ImageUpdateCondition | undefined {
  return update.status?.conditions?.find((condition) => condition.type === 'Ready');
}

export interface WaitForRunOptions {
  /** The value of the reconcile-requested-at annotation to wait for. @default none: the first result at the current generation */
  readonly requestedAt?: string;
  /** @default 300000 (5 minutes) */
  readonly timeoutMs?: number;
  /** How often to read the object. @default 250 */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

export class ImageUpdateClient {
  readonly api: AgentApi;

  constructor(kubeConfig: KubeConfig | string | undefined) {
    this.api = new AgentApi(typeof kubeConfig === 'object' ? kubeConfig : loadKubeConfig(kubeConfig));
  }

  /** ImageUpdates of one namespace, or of all when namespace is undefined; sorted by namespace and name. */
  async list(namespace?: string): Promise<ImageUpdate[]> {
    const path = namespace === undefined ? `/apis/${IMAGE_UPDATE_API_VERSION}/${IMAGE_UPDATE_PLURAL}` : imageUpdatePath(namespace);
    let list: { items: ImageUpdate[] };
    try {
      list = await this.api.get<{ items: ImageUpdate[] }>(path);
    } catch (error) {
      // The collection itself is missing only when the CRD is: say so instead of a bare 404.
      if (error instanceof KubeApiError && error.status === 404) throw new Error(`the ${IMAGE_UPDATE_CRD.metadata.name} CRD is not installed in this cluster (the StrataAgent construct installs it)`, { cause: error });
      throw error;
    }
    return list.items
      .map((item) => ({ ...item, apiVersion: IMAGE_UPDATE_API_VERSION, kind: IMAGE_UPDATE_KIND }) as ImageUpdate)
      .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  async get(namespace: string, name: string): Promise<ImageUpdate> {
    const update = await this.api.find<ImageUpdate>(imageUpdatePath(namespace, name));
    if (!update) throw new ImageUpdateNotFoundError(namespace, name);
    return update;
  }

  /**
   * Sets the reconcile-requested-at annotation to now; returns the value set.
   * A suspended object is refused: the agent would never answer.
   */
  async requestRun(namespace: string, name: string): Promise<string> {
    const update = await this.get(namespace, name);
    if (update.spec.suspend) throw new ImageUpdateSuspendedError(namespace, name);
    const value = new Date().toISOString();
    // No resourceVersion precondition: the agent's status writes would make it fail for nothing;
    // an object suspended in between is caught by waitForRun.
    await this.patch(namespace, name, { metadata: { annotations: { [RECONCILE_REQUESTED_AT]: value } } });
    return value;
  }

  async setSuspended(namespace: string, name: string, suspend: boolean): Promise<ImageUpdate> {
    return this.patch(namespace, name, { spec: { suspend } });
  }

  /**
   * Resumes the object and asks for a run now; returns the requested value (for waitForRun).
   * One patch: the agent sees the spec change and the request together and runs once.
   */
  async resume(namespace: string, name: string): Promise<string> {
    const value = new Date().toISOString();
    await this.patch(namespace, name, { metadata: { annotations: { [RECONCILE_REQUESTED_AT]: value } }, spec: { suspend: false } });
    return value;
  }

  /**
   * Waits until the agent handled the request `requestedAt` (status.lastHandledReconcileAt
   * equals it) or, without it, until a run reported at the current generation; resolves
   * with the object. Fails when the object is suspended meanwhile or the time is up.
   */
  async waitForRun(namespace: string, name: string, options: WaitForRunOptions = {}): Promise<ImageUpdate> {
    const timeoutMs = options.timeoutMs ?? 300_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const update = await this.get(namespace, name);
      const handled =
        options.requestedAt === undefined
          ? imageUpdateReady(update) !== undefined && update.status?.observedGeneration === update.metadata.generation
          : update.status?.lastHandledReconcileAt === options.requestedAt;
      if (handled) return update;
      if (update.spec.suspend) throw new ImageUpdateSuspendedError(namespace, name);
      if (Date.now() > deadline) throw new Error(`ImageUpdate ${namespace}/${name}: no result within ${Math.round(timeoutMs / 1000)}s (is the agent running with --image-updates?)`);
      if (options.signal?.aborted) throw options.signal.reason;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
    }
  }

  /** Creates or updates the ImageUpdate CRD and waits until its collection is served. */
  installCrd(): Promise<void> {
    return this.api.installCrd(IMAGE_UPDATE_CRD, `/apis/${IMAGE_UPDATE_API_VERSION}/${IMAGE_UPDATE_PLURAL}`);
  }

  private async patch(namespace: string, name: string, patch: unknown): Promise<ImageUpdate> {
    try {
      return await this.api.mergePatch<ImageUpdate>(imageUpdatePath(namespace, name), patch);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) throw new ImageUpdateNotFoundError(namespace, name);
      throw error;
    }
  }
}
