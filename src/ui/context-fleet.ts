// One kubeconfig context as the UI keeps it: its Syncs and ImageUpdates as fleet rows, kept by
// one watch per kind (the agent's Informer), and the clients a page's requests use, all with the
// user's own credentials.
import type { Logger } from 'pino';
import { IMAGE_UPDATE_API_VERSION, IMAGE_UPDATE_KIND, IMAGE_UPDATE_PLURAL, SYNC_GROUP, SYNC_KIND, SYNC_PLURAL, SYNC_VERSION, type ImageUpdate, type Sync } from '../api/index.ts';
import { Informer, KubeClient, objectKey, type ResourceInfo } from '../kube/index.ts';
import { ImageUpdateClient } from '../images/index.ts';
import { SyncClient } from '../reconciler/index.ts';
import { kubeAnswer } from './answer.ts';
import { imageUpdateRow, syncRow, type FleetRow } from './fleet.ts';
import type { Repositories } from './repositories.ts';
import type { UiContext } from './server.ts';

const [IMAGE_UPDATE_GROUP = '', IMAGE_UPDATE_VERSION = ''] = IMAGE_UPDATE_API_VERSION.split('/');
const SYNC_RESOURCE: ResourceInfo = { group: SYNC_GROUP, version: SYNC_VERSION, kind: SYNC_KIND, resource: SYNC_PLURAL, namespaced: true };
const IMAGE_UPDATE_RESOURCE: ResourceInfo = { group: IMAGE_UPDATE_GROUP, version: IMAGE_UPDATE_VERSION, kind: IMAGE_UPDATE_KIND, resource: IMAGE_UPDATE_PLURAL, namespaced: true };

export class ContextFleet {
  readonly syncs: SyncClient;
  readonly imageUpdates: ImageUpdateClient;
  readonly rows = new Map<string, FleetRow>();
  error: string | undefined;
  private kube: Promise<KubeClient> | undefined;

  constructor(
    readonly context: UiContext,
    private readonly log: Logger,
    private readonly repositories: Repositories,
    private readonly changed: () => void,
  ) {
    this.syncs = new SyncClient(context.kubeConfig);
    this.imageUpdates = new ImageUpdateClient(context.kubeConfig);
  }

  /** A client for objects of any kind (inventory health, dry-runs), made on first use. */
  client(): Promise<KubeClient> {
    this.kube ??= KubeClient.fromKubeConfig(this.context.kubeConfig);
    this.kube.catch(() => (this.kube = undefined));
    return this.kube;
  }

  async close(): Promise<void> {
    const kube = this.kube;
    this.kube = undefined;
    (await kube?.catch(() => undefined))?.close();
  }

  async run(signal: AbortSignal): Promise<void> {
    // The informer retries quietly; a first list shows a refusal (Forbidden) to the page instead.
    try {
      await this.syncs.list();
    } catch (error) {
      this.error = kubeAnswer(error).message;
      this.changed();
      return;
    }
    const watch = <T extends Sync | ImageUpdate>(resource: ResourceInfo, kind: FleetRow['kind'], row: (object: T) => FleetRow) =>
      new Informer<T>({
        api: this.syncs.api,
        resource,
        log: this.log,
        label: `${kind}s of ${this.context.name}`,
        onMissing: () => undefined,
        onEvent: (type, object) => {
          const key = `${kind}/${objectKey(object)}`;
          if (type === 'DELETED') this.rows.delete(key);
          else this.rows.set(key, kind === 'Sync' ? this.withSource(key, object as Sync, row(object)) : row(object));
          this.changed();
        },
        onList: (seen) => {
          for (const key of [...this.rows.keys()]) if (key.startsWith(`${kind}/`) && !seen.has(key.slice(kind.length + 1))) this.rows.delete(key);
          this.changed();
        },
      }).run(signal);
    await Promise.all([
      watch<Sync>(SYNC_RESOURCE, 'Sync', (sync) => syncRow(this.context.name, sync)),
      watch<ImageUpdate>(IMAGE_UPDATE_RESOURCE, 'ImageUpdate', (update) => imageUpdateRow(this.context.name, update)),
    ]);
  }

  /** The row with its source commit when known; else read from Git, and the row redrawn once it is. */
  private withSource(key: string, sync: Sync, row: FleetRow): FleetRow {
    if (!row.revision) return row;
    const known = this.repositories.knownSourceCommit(sync.spec.url, row.revision);
    if (known) return { ...row, source: known };
    const previous = this.rows.get(key);
    if (previous?.revision === row.revision && previous.sourceError) row = { ...row, sourceError: previous.sourceError };
    const update = (extra: Partial<FleetRow>): void => {
      const current = this.rows.get(key);
      if (current?.revision !== row.revision) return;
      this.rows.set(key, { ...current, ...extra });
      this.changed();
    };
    this.repositories.sourceCommit(sync.spec.url, row.revision).then(
      (source) => source && update({ source }),
      (error: unknown) => update({ sourceError: error instanceof Error ? error.message : String(error) }),
    );
    return row;
  }
}
