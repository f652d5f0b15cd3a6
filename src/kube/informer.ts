/**
 * @internal The list-watch loop both controllers run over their own kind, in
 * the manner of client-go's reflector but without a store: list the
 * collection (every item reported as ADDED, then the keys seen, so the caller
 * forgets the rest), watch from the list's resourceVersion, and relist after
 * any failure with a doubling backoff, so no event is missed. A missing CRD
 * (404) can be waited out quietly, reported once.
 */
import type { Logger } from 'pino';
import type { AgentApi } from './agent-api.ts';
import type { ResourceInfo, WatchEvent } from './client.ts';
import { KubeApiError } from './errors.ts';

/** The fields of an object the loop reads. */
export interface InformedObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly resourceVersion?: string };
}

export type InformerEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface InformerProps<T extends InformedObject> {
  readonly api: Pick<AgentApi, 'get' | 'watch'>;
  /** The collection watched; listed items get its apiVersion and kind, which a list leaves out. */
  readonly resource: ResourceInfo;
  /** @default all namespaces */
  readonly namespace?: string;
  /** Lists and watches only the objects matching this label selector (a shard's). @default every object */
  readonly labelSelector?: string;
  readonly log: Logger;
  /** Names the collection in log messages, e.g. `Syncs`. */
  readonly label: string;
  /** Every listed item as ADDED, then every watch event but BOOKMARK and ERROR. */
  readonly onEvent: (type: InformerEventType, object: T) => void;
  /** After every list, with the keys (`namespace/name`) it held: what the caller knows beyond them was deleted meanwhile. */
  readonly onList: (seen: ReadonlySet<string>) => void;
  /** How a failed list or watch is written in the log. @default the error's message */
  readonly errorText?: (error: unknown) => string;
  /**
   * The collection's CRD may be absent: a 404 calls this once (again only after
   * a list has succeeded) and the loop looks again every `missingRetryMs`.
   * @default a 404 is retried with backoff like any other failure
   */
  readonly onMissing?: () => void;
  /** @default 30000 */
  readonly missingRetryMs?: number;
}

/** The first delay after a failure; it doubles up to {@link MAX_BACKOFF_MS} and resets when a watch ends cleanly. */
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10_000;

export class Informer<T extends InformedObject> {
  private synced = false;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly props: InformerProps<T>) {}

  /** True once the first list of the current run has been read. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first list (of this run, or of the next one if none runs). */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Lists and watches until `signal` aborts; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await this.loop(signal);
    } finally {
      this.synced = false;
    }
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const { api, resource, namespace, labelSelector, log, label, onMissing } = this.props;
    const apiVersion = resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
    const base = `${resource.group === '' ? '/api' : '/apis'}/${apiVersion}${namespace ? `/namespaces/${namespace}` : ''}/${resource.resource}`;
    const errorText = this.props.errorText ?? ((error: unknown) => (error as Error).message);
    let resourceVersion = '';
    let backoff = FIRST_BACKOFF_MS;
    let missingReported = false;
    while (!signal.aborted) {
      try {
        if (resourceVersion === '') {
          const query = labelSelector === undefined ? '' : `?${new URLSearchParams({ labelSelector })}`;
          const list = await api.get<{ metadata: { resourceVersion: string }; items: T[] }>(`${base}${query}`, signal);
          const seen = new Set<string>();
          for (const item of list.items) {
            const object = { ...item, apiVersion, kind: resource.kind } as T;
            seen.add(objectKey(object));
            this.props.onEvent('ADDED', object);
          }
          this.props.onList(seen);
          resourceVersion = list.metadata.resourceVersion;
          missingReported = false;
          if (!this.synced) {
            this.synced = true;
            for (const waiter of this.waiters.splice(0)) waiter();
          }
        }
        // An object whose label stops matching the selector comes as DELETED: the caller forgets it.
        await api.watch(resource, namespace, resourceVersion, (event: WatchEvent) => {
          const object = event.object as unknown as T;
          const rv = object.metadata?.resourceVersion;
          if (rv) resourceVersion = rv;
          if (event.type === 'BOOKMARK' || event.type === 'ERROR') return;
          this.props.onEvent(event.type, object);
        }, signal, labelSelector);
        backoff = FIRST_BACKOFF_MS;
      } catch (error) {
        if (signal.aborted) return;
        // Relist after any failure, 410 Gone included, so no event is missed.
        resourceVersion = '';
        if (onMissing && error instanceof KubeApiError && error.status === 404) {
          if (!missingReported) onMissing();
          missingReported = true;
          await sleep(this.props.missingRetryMs ?? 30_000, signal);
          continue;
        }
        log.warn({ event: 'watch-error', err: errorText(error) }, `watch on ${label} failed; retrying`);
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }
}

/** The key of an object in informers and work queues: `namespace/name` (namespace `default` when unset). */
export function objectKey(object: InformedObject): string {
  return `${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;
}

/** Resolves (never rejects) after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
