/**
 * Drift: watches the objects Strata applied and reports, within a moment and
 * without polling, when one is deleted or a field Strata manages is changed by
 * someone else. Flux only notices drift at its interval, by dry-running every
 * object; here one watch per kind and namespace (or per kind, cluster-wide with
 * the owner-label selector, when the objects span many namespaces) streams changes.
 *
 * What counts as a change to a managed field: server-side apply records, in
 * `metadata.managedFields`, the fields each manager owns. When another manager
 * changes one of Strata's fields (`kubectl edit`, `kubectl patch`, a forced apply),
 * the field moves to that manager, so Strata's Apply entry loses it while its
 * `time` stays; when Strata itself applies, its entry's `time` or the object's uid
 * changes. So: our entry's field set changed with the same time and uid → drift;
 * anything else (status updates, other managers' own fields) → not drift.
 * Objects annotated `strata.dev/ssa: IfNotPresent` report only deletion; objects
 * whose reconcile is disabled are not watched.
 *
 * The caller corrects (re-applies the objects) or only reports, as it chooses.
 */
import { describeRef, refKey, refOf, type KubeObject, type ManifestSet, type ObjectRef } from '../manifest/index.ts';
import { FIELD_MANAGER, ownerSelector, ssaPolicyOf, type SsaPolicy } from '../api/index.ts';
import { appliedPaths, appliedTime, pathsOf, readablePath } from './_compare.ts';
import { KubeApiError, type KubeClient, type ResourceInfo, type WatchEvent } from '../kube/index.ts';
import { sleep } from './_util.ts';

export type DriftReason = 'deleted' | 'modified';

/** One object that drifted. */
export interface DriftEvent {
  readonly ref: ObjectRef;
  readonly subject: string;
  readonly reason: DriftReason;
  /** What happened, e.g. `fields changed by kubectl-edit`. */
  readonly message: string;
  /** When the change was seen (ms since the epoch). */
  readonly seenAt: number;
}

/** Options of {@link DriftWatcher}. */
export interface DriftWatcherOptions {
  /** Called with the objects that drifted, gathered over `debounceMs`. */
  readonly onDrift: (events: readonly DriftEvent[]) => void;
  /**
   * Gathers events for this long before calling `onDrift`.
   * @default 100
   */
  readonly debounceMs?: number;
  /**
   * The field manager whose fields count as managed.
   * @default FIELD_MANAGER ('strata')
   */
  readonly fieldManager?: string;
  /**
   * Watch with this label selector (the owner labels); needed for cluster-wide watches.
   * @default none: per-namespace watches of the whole kind
   */
  readonly ownerLabels?: Readonly<Record<string, string>>;
  /**
   * A kind whose objects span more namespaces than this is watched cluster-wide
   * (only with `ownerLabels`).
   * @default 3
   */
  readonly clusterWideAbove?: number;
  /**
   * Called when a watch fails; the watcher retries after `retryMs`.
   * @default ignore
   */
  readonly onError?: (error: Error) => void;
  /**
   * Pause before a failed watch is listed and watched again.
   * @default 1_000
   */
  readonly retryMs?: number;
}

export const DEFAULT_DRIFT_OPTIONS = { debounceMs: 100, fieldManager: FIELD_MANAGER, clusterWideAbove: 3, retryMs: 1_000 } as const;

/** An object to watch with the digest of its desired state; a `ManifestEntry` is one. */
export interface WatchEntry {
  readonly ref: ObjectRef;
  readonly object: KubeObject;
  readonly sha256: string;
}

interface Watched {
  readonly ref: ObjectRef;
  readonly policy: SsaPolicy;
  /** What was last seen of our ownership; undefined before the first read. */
  /** `paths`: our fieldsV1 paths, sorted and joined by newlines (one string per object keeps memory small). */
  baseline?: { readonly uid: string; readonly time: string | undefined; readonly paths: string };
  /** Drift was reported and Strata has not written the object since. */
  dirty?: boolean;
  /** Deleted (or missing) since last seen. */
  gone?: boolean;
}

interface Stream {
  readonly key: string;
  readonly info: ResourceInfo;
  /** Empty for cluster-wide or cluster-scoped. */
  readonly namespace: string;
  /** refKey → object. */
  readonly objects: Map<string, Watched>;
  signature: string;
  readonly abort: AbortController;
  ready: Promise<void>;
  /** Listed and watching without a gap since. */
  synced: boolean;
}

/**
 * Watches a set of applied objects. `watch(set)` replaces what is watched (streams whose
 * objects did not change keep running); `stop()` ends every watch.
 */
export class DriftWatcher {
  private streams = new Map<string, Stream>();
  private pending = new Map<string, DriftEvent>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** refKey → sha256 of the desired object last given to `watch`. */
  private digests = new Map<string, string>();

  constructor(
    private readonly client: KubeClient,
    private readonly options: DriftWatcherOptions,
  ) {}

  /** How many watch streams are open. */
  get streamCount(): number {
    return this.streams.size;
  }

  /**
   * Watches exactly these objects (their desired state, as applied) and resolves once
   * every watch is established, so a change made after it resolves is seen.
   */
  async watch(objects: ManifestSet | readonly WatchEntry[] | readonly KubeObject[]): Promise<void> {
    this.stopped = false;
    // Only entries carry digests, and only objects with a digest can be vouched for by `inSync`.
    const entries: readonly WatchEntry[] | undefined = !Array.isArray(objects)
      ? (objects as ManifestSet).entries
      : objects.length > 0 && isWatchEntry(objects[0])
        ? (objects as readonly WatchEntry[])
        : undefined;
    const list: readonly KubeObject[] = entries ? entries.map((entry) => entry.object) : (objects as readonly KubeObject[]);
    this.digests = new Map((entries ?? []).map((entry) => [refKey(entry.ref), entry.sha256]));
    const wanted = await this.plan(list);
    for (const [key, stream] of this.streams) {
      if (wanted.get(key)?.signature !== stream.signature) {
        stream.abort.abort();
        this.streams.delete(key);
      }
    }
    for (const [key, plan] of wanted) {
      if (this.streams.has(key)) continue;
      const stream: Stream = { ...plan, key, abort: new AbortController(), ready: Promise.resolve(), synced: false };
      this.streams.set(key, stream);
      stream.ready = this.run(stream);
    }
    await Promise.all([...this.streams.values()].map((stream) => stream.ready));
  }

  /**
   * True when applying the object (desired digest `sha256`) would change nothing, as far
   * as the watch knows: it was given to `watch` with this digest, its stream has listed and
   * watched it without a gap, and since it was last seen written by Strata nobody deleted
   * it or took a field from it. Pass it as `ApplyOptions.inSync` to skip such objects
   * without a request (a no-op reconcile then reads nothing).
   */
  inSync(ref: ObjectRef, sha256: string): boolean {
    const key = refKey(ref);
    if (this.stopped || this.digests.get(key) !== sha256) return false;
    for (const stream of this.streams.values()) {
      const watched = stream.objects.get(key);
      if (!watched) continue;
      // IfNotPresent objects are watched for deletion only: present means in sync.
      return stream.synced && watched.baseline !== undefined && !watched.gone && !watched.dirty && !this.pending.has(describeRef(watched.ref));
    }
    return false;
  }

  /**
   * Stops reporting these objects (e.g. before prune deletes them) without touching
   * the streams; a later `watch(set)` without them keeps the streams as they are.
   */
  forget(refs: Iterable<ObjectRef>): void {
    const keys = new Set(Array.from(refs, (ref) => refKey(ref)));
    for (const stream of this.streams.values()) {
      let changed = false;
      for (const key of [...stream.objects.keys()]) {
        const watched = stream.objects.get(key)!;
        if (keys.has(refKey(watched.ref)) || keys.has(refKey({ ...watched.ref, namespace: '' }))) {
          stream.objects.delete(key);
          this.pending.delete(describeRef(watched.ref));
          changed = true;
        }
      }
      if (changed) stream.signature = signatureOf(stream.objects);
    }
  }

  /** Ends every watch; pending events are dropped. */
  stop(): void {
    this.stopped = true;
    for (const stream of this.streams.values()) stream.abort.abort();
    this.streams.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private async plan(objects: readonly KubeObject[]): Promise<Map<string, Omit<Stream, 'key' | 'abort' | 'ready' | 'synced'>>> {
    const byResource = new Map<string, { info: ResourceInfo; entries: Watched[] }>();
    for (const object of objects) {
      const policy = ssaPolicyOf(object);
      if (policy === 'Ignore') continue;
      const ref = refOf(object);
      let info: ResourceInfo;
      try {
        info = await this.client.resourceOf(ref);
      } catch (error) {
        // E.g. its CRD was deleted: nothing to watch; the next apply reports it.
        this.options.onError?.(new Error(`${describeRef(ref)}: not watched for drift: ${(error as Error).message}`, { cause: error }));
        continue;
      }
      const key = `${info.group}/${info.resource}`;
      const group = byResource.get(key) ?? { info, entries: [] };
      group.entries.push({ ref: info.namespaced ? ref : { ...ref, namespace: '' }, policy });
      byResource.set(key, group);
    }
    const clusterWideAbove = this.options.clusterWideAbove ?? DEFAULT_DRIFT_OPTIONS.clusterWideAbove;
    const plans = new Map<string, Omit<Stream, 'key' | 'abort' | 'ready' | 'synced'>>();
    for (const [resourceKey, { info, entries }] of byResource) {
      const namespaces = new Set(entries.map((entry) => entry.ref.namespace));
      const clusterWide = !info.namespaced || (this.options.ownerLabels !== undefined && namespaces.size > clusterWideAbove);
      const split = clusterWide ? new Map([['', entries]]) : groupBy(entries, (entry) => entry.ref.namespace);
      for (const [namespace, members] of split) {
        const objectsOf = new Map(members.map((member) => [refKey(member.ref), member]));
        plans.set(`${resourceKey}/${namespace}`, { info, namespace, objects: objectsOf, signature: signatureOf(objectsOf) });
      }
    }
    return plans;
  }

  /** Lists, then watches until aborted; resolves `ready` after the first list. */
  private run(stream: Stream): Promise<void> {
    return new Promise<void>((resolveReady) => {
      let first = true;
      const selector = ownerSelector(this.options.ownerLabels);
      const namespace = stream.namespace === '' ? undefined : stream.namespace;
      const signal = stream.abort.signal;
      const loop = async (): Promise<void> => {
        let resourceVersion: string | undefined;
        while (!signal.aborted) {
          try {
            if (resourceVersion === undefined) {
              const list = await this.client.list(stream.info, namespace, { ...(selector === undefined ? {} : { labelSelector: selector }), signal });
              this.reconcileList(stream, list.items, first);
              resourceVersion = list.resourceVersion;
              stream.synced = true;
              if (first) {
                first = false;
                resolveReady();
              }
            }
            await this.client.watch(
              stream.info,
              namespace,
              { resourceVersion, ...(selector === undefined ? {} : { labelSelector: selector }) },
              (event) => {
                resourceVersion = (event.object.metadata.resourceVersion as string | undefined) ?? resourceVersion;
                this.onEvent(stream, event);
              },
              signal,
            );
          } catch (error) {
            if (signal.aborted) break;
            stream.synced = false;
            if (error instanceof KubeApiError && error.status === 410) {
              resourceVersion = undefined; // too old: list again and compare
              continue;
            }
            this.options.onError?.(error as Error);
            if (first) {
              first = false;
              resolveReady();
            }
            resourceVersion = undefined;
            await sleep(this.options.retryMs ?? DEFAULT_DRIFT_OPTIONS.retryMs, signal).catch(() => undefined);
          }
        }
        resolveReady();
      };
      void loop();
    });
  }

  /** After a (re-)list: objects missing are deleted; others are compared with their baseline. */
  private reconcileList(stream: Stream, items: readonly KubeObject[], first: boolean): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = refKey(stream.info.namespaced ? refOf(item) : { ...refOf(item), namespace: '' });
      if (!stream.objects.has(key)) continue;
      seen.add(key);
      this.observe(stream, key, item, first);
    }
    for (const [key, watched] of stream.objects) {
      if (seen.has(key)) continue;
      watched.gone = true;
      this.report(watched, 'deleted', first ? 'missing when the watch started' : 'deleted while the watch was down');
    }
  }

  private onEvent(stream: Stream, event: WatchEvent): void {
    if (event.type === 'BOOKMARK') return;
    const ref = refOf(event.object);
    const key = refKey(stream.info.namespaced ? ref : { ...ref, namespace: '' });
    const watched = stream.objects.get(key);
    if (!watched) return;
    if (event.type === 'DELETED') {
      watched.gone = true;
      const selected = this.options.ownerLabels !== undefined;
      this.report(watched, 'deleted', selected ? 'deleted, or its owner labels were removed' : 'deleted');
      return;
    }
    this.observe(stream, key, event.object, false);
  }

  private observe(stream: Stream, key: string, live: KubeObject, first: boolean): void {
    const watched = stream.objects.get(key);
    if (!watched) return;
    const fieldManager = this.options.fieldManager ?? DEFAULT_DRIFT_OPTIONS.fieldManager;
    const now = { uid: String(live.metadata.uid ?? ''), time: appliedTime(live, fieldManager), paths: [...(appliedPaths(live, fieldManager) ?? [])].sort().join('\n') };
    const before = watched.baseline;
    watched.baseline = now;
    if (live.metadata.deletionTimestamp) {
      this.report(watched, 'deleted', 'being deleted');
      return;
    }
    if (watched.gone) {
      // Back after a deletion: in sync again only when Strata created it.
      watched.gone = false;
      if (now.time === undefined) watched.dirty = true;
      else if (before === undefined || before.uid !== now.uid) watched.dirty = false;
      return;
    }
    if (first || before === undefined || watched.policy === 'IfNotPresent') return;
    if (before.uid !== now.uid || before.time !== now.time) {
      // Recreated, or written by Strata (which re-asserts every field it applies).
      if (now.time !== undefined) watched.dirty = false;
      return;
    }
    // Our own apply within the same second may add fields; only fields taken from us are drift.
    if (before.paths === now.paths) return;
    const current = new Set(now.paths.split('\n'));
    const lost = before.paths === '' ? [] : before.paths.split('\n').filter((path) => !current.has(path));
    if (lost.length === 0) return;
    this.report(watched, 'modified', describeLoss(live, fieldManager, lost));
  }

  private report(watched: Watched, reason: DriftReason, message: string): void {
    if (this.stopped) return;
    watched.dirty = true;
    const subject = describeRef(watched.ref);
    this.pending.set(subject, { ref: watched.ref, subject, reason, message, seenAt: Date.now() });
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const events = [...this.pending.values()];
      this.pending.clear();
      if (events.length > 0 && !this.stopped) this.options.onDrift(events);
    }, this.options.debounceMs ?? DEFAULT_DRIFT_OPTIONS.debounceMs);
  }
}

function isWatchEntry(value: unknown): value is WatchEntry {
  return typeof value === 'object' && value !== null && 'ref' in value && 'object' in value && typeof (value as { sha256?: unknown }).sha256 === 'string';
}

/** `spec.replicas changed by kubectl-scale`: the fields taken from us and who holds them now. */
function describeLoss(live: KubeObject, fieldManager: string, lost: readonly string[]): string {
  const entries = (Array.isArray(live.metadata.managedFields) ? live.metadata.managedFields : []) as { manager?: string; subresource?: string; fieldsV1?: unknown }[];
  const leaves = lost.filter((path) => !lost.some((other) => other.startsWith(`${path}.`)));
  const takers = new Set<string>();
  for (const entry of entries) {
    if (entry.manager === fieldManager) continue;
    const paths = pathsOf(entry.fieldsV1);
    if (leaves.some((path) => paths.has(path))) takers.add(entry.subresource ? `${entry.manager} (${entry.subresource})` : String(entry.manager));
  }
  const shown = leaves.slice(0, 5).map(readablePath).join(', ') + (leaves.length > 5 ? ', …' : '');
  return `${shown} ${takers.size > 0 ? `changed by ${[...takers].join(', ')}` : 'changed or removed by another manager'}`;
}

/** What a stream watches: its objects and their policies. */
function signatureOf(objects: ReadonlyMap<string, Watched>): string {
  return [...objects.entries()]
    .map(([key, member]) => `${key}:${member.policy}`)
    .sort()
    .join(',');
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
}
