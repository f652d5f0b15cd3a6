/** The revision a cluster runs: `status.lastAppliedRevision` of its root Sync. */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../kube/index.ts';
import { SYNC_GROUP, SYNC_KIND, SYNC_VERSION, type Sync } from '../api/index.ts';
import { selectContext } from './cluster-access.ts';
import { ROOT_SYNC_NAMESPACE, rootSyncName } from './root-sync.ts';

export interface LiveRevisionOptions {
  readonly cluster: string;
  readonly kubeconfig?: KubeConfig | string;
  readonly context?: string;
  /** `namespace/name` of the Sync. @default `strata-system/<cluster>` (the root Sync) */
  readonly sync?: string;
}

/** Thrown when the Sync is absent or has applied nothing yet; names the Sync and the server. */
export class LiveRevisionError extends Error {
  override readonly name = 'LiveRevisionError';
  constructor(
    readonly sync: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Sync ${sync}: ${message}`, options);
  }
}

export async function liveRevision(options: LiveRevisionOptions): Promise<string> {
  const kubeConfig = selectContext({ cluster: options.cluster, ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }), ...(options.context === undefined ? {} : { context: options.context }) });
  const [namespace, name] = options.sync?.includes('/') ? (options.sync.split('/', 2) as [string, string]) : [ROOT_SYNC_NAMESPACE, options.sync ?? rootSyncName(options.cluster)];
  const label = `${namespace}/${name}`;
  const client = await KubeClient.fromKubeConfig(kubeConfig);
  try {
    const sync = (await client.get({ group: SYNC_GROUP, version: SYNC_VERSION, kind: SYNC_KIND, namespace, name }).catch((error: unknown) => {
      throw new LiveRevisionError(label, `cannot read it from ${kubeConfig.getCurrentCluster()?.server}: ${(error as Error).message}`, { cause: error });
    })) as Sync | undefined;
    if (!sync) throw new LiveRevisionError(label, `not found on ${kubeConfig.getCurrentCluster()?.server} (is this cluster bootstrapped as ${options.cluster}?)`);
    const revision = sync.status?.lastAppliedRevision;
    if (!revision) throw new LiveRevisionError(label, 'has not applied a revision yet');
    return revision;
  } finally {
    client.close();
  }
}
