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
 * changes. So: our entry's field set lost a field with the same time and uid → drift;
 * a change of our entry's time or the uid with our entry present → Strata's own write;
 * anything else (status updates, other managers' own fields) → not drift.
 * Objects annotated `strata.dev/ssa: IfNotPresent` report only deletion; objects
 * whose reconcile is disabled are not watched.
 *
 * No window after Strata's write: `record` takes what each apply left of every object
 * (its resourceVersion and Strata's managed fields, from the write or the dry-run), even
 * before the object is watched. A watch that starts later compares what it lists with
 * that, and a state seen later than a record is checked against it, so an edit made in
 * the moment between Strata's write and the watch is drift like any other.
 *
 * What `inSync` vouches for: an object whose last record (same digest, same owner: the
 * Sync and the identity that applied it) the watch has seen, by resourceVersion, with
 * its stream unbroken and no change since that it could not attribute to another
 * manager's own fields. A relist, a 410, a reconnect, a restarted stream, Strata's own
 * write, or a change it cannot attribute withdraws that until the next record at or
 * after what the watch saw (the next apply's dry-run). It compares resourceVersions as
 * numbers (etcd revisions); where they are not numbers it vouches for nothing.
 *
 * The caller corrects (re-applies the objects) or only reports, as it chooses.
 */
import { describeRef, refKey, refOf, type KubeObject, type ManifestSet, type ObjectRef } from '../manifest/index.ts';
import { FIELD_MANAGER, ownerSelector, ssaPolicyOf, type SsaPolicy } from '../api/index.ts';
import { appliedStateOf, pathsOf, readablePath, type AppliedState } from './_compare.ts';
import type { ChangeSetEntry } from './apply.ts';
import { KubeApiError, type KubeClient, type ResourceInfo, type WatchEvent } from '../kube/index.ts';
import { sleep } from './_util.ts';
import { ignoredFieldPaths, isIgnoredPath } from './_ignore-fields.ts';

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
  /**
   * Lists and watches as this user (`Impersonate-User`, e.g. the Sync's ServiceAccount), so
   * the watch sees only what the identity that applied the object may read.
   * @default the watcher's client's own user
   */
  readonly as?: string;
}

/** A state of an object, as Strata left it or as the watch saw it. */
interface State {
  /** The resourceVersion as a number; undefined when it is not one. */
  readonly rv: bigint | undefined;
  readonly uid: string;
  readonly time: string | undefined;
  readonly fields: string;
}

/** What Strata last wrote or dry-ran of an object, for whom, with which desired digest. */
interface Applied extends State {
  readonly sha256: string;
  readonly owner: string;
}

interface Watched {
  readonly ref: ObjectRef;
  readonly policy: SsaPolicy;
  /** `fieldsV1` paths of its `strata.dev/ignore-fields`: losing them to another manager is not drift. */
  readonly ignored: readonly string[];
  /** The last state the stream saw; undefined before the first list and while deleted. */
  seen?: State;
  /**
   * The resourceVersion from which the stream has seen every change of the object and could
   * attribute each one; a record older than this is not vouched for.
   */
  cleanSince?: bigint;
  /** Deleted (or missing) since last seen. */
  gone?: boolean;
}

interface Stream {
  readonly key: string;
  readonly info: ResourceInfo;
  /** The user the stream lists and watches as; undefined for the client's own. */
  readonly as: string | undefined;
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
 * objects did not change keep running); `record(…)` takes what an apply left; `stop()`
 * ends every watch.
 */
export class DriftWatcher {
  private streams = new Map<string, Stream>();
  private pending = new Map<string, DriftEvent>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** refKey → what Strata last wrote or dry-ran of it. */
  private records = new Map<string, Applied>();

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
    const list: readonly { object: KubeObject; as?: string | undefined }[] = !Array.isArray(objects)
      ? (objects as ManifestSet).entries
      : objects.length > 0 && isWatchEntry(objects[0])
        ? (objects as readonly WatchEntry[])
        : (objects as readonly KubeObject[]).map((object) => ({ object }));
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
   * Takes what an apply left of each object (`ChangeSetEntry.applied`: the state after
   * Strata's write, or the live state its dry-run found in sync), with the digest of the
   * desired object from `set` and the `owner` it was applied for (the Sync and identity).
   * Objects need not be watched yet: a watch that starts later compares with this. A state
   * the watch already saw after it is checked against it at once.
   */
  record(changes: readonly ChangeSetEntry[], set: ManifestSet, owner = ''): void {
    for (const change of changes) {
      if (change.applied === undefined) continue;
      const sha256 = set.get(change.ref)?.sha256;
      if (sha256 === undefined) continue;
      const record: Applied = { ...stateOf(change.applied), sha256, owner };
      const key = refKey(change.ref);
      this.records.set(key, record);
      for (const stream of this.streams.values()) {
        const watched = stream.objects.get(key) ?? stream.objects.get(refKey({ ...change.ref, namespace: '' }));
        // Seen later than written: what happened in between must be attributable.
        if (watched?.seen && isAfter(watched.seen.rv, record.rv)) this.compare(watched, record, watched.seen, 'changed after Strata applied it');
      }
    }
  }

  /**
   * True when applying the object (desired digest `sha256`, for `owner`) would change
   * nothing, as far as the watch knows: Strata last applied (or dry-ran) it with this digest
   * for this owner, its stream has seen that state and watched it without a gap since, and
   * every change since was another manager's own fields. Pass it as `ApplyOptions.inSync`
   * to skip such objects without a request (a no-op reconcile then reads nothing).
   */
  inSync(ref: ObjectRef, sha256: string, owner = ''): boolean {
    const key = refKey(ref);
    const record = this.records.get(key);
    if (this.stopped || record === undefined || record.sha256 !== sha256 || record.owner !== owner || record.rv === undefined) return false;
    for (const stream of this.streams.values()) {
      const watched = stream.objects.get(key) ?? stream.objects.get(refKey({ ...ref, namespace: '' }));
      if (!watched) continue;
      const { seen, cleanSince } = watched;
      if (!stream.synced || watched.gone || seen?.rv === undefined || cleanSince === undefined) return false;
      return cleanSince <= record.rv && record.rv <= seen.rv && !this.pending.has(describeRef(watched.ref));
    }
    return false;
  }

  /**
   * Stops reporting these objects (e.g. before prune deletes them) without touching
   * the streams; a later `watch(set)` without them keeps the streams as they are.
   */
  forget(refs: Iterable<ObjectRef>): void {
    const keys = new Set(Array.from(refs, (ref) => refKey(ref)));
    for (const key of keys) this.records.delete(key);
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

  private async plan(objects: readonly { object: KubeObject; as?: string | undefined }[]): Promise<Map<string, Omit<Stream, 'key' | 'abort' | 'ready' | 'synced'>>> {
    const byResource = new Map<string, { info: ResourceInfo; as: string | undefined; entries: Watched[] }>();
    for (const { object, as } of objects) {
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
      // One stream per identity too: a stream never shows one identity what only another may read.
      const key = `${as === undefined ? '' : `${as} `}${info.group}/${info.resource}`;
      const group = byResource.get(key) ?? { info, as, entries: [] };
      group.entries.push({ ref: info.namespaced ? ref : { ...ref, namespace: '' }, policy, ignored: ignoredFieldPaths(object) });
      byResource.set(key, group);
    }
    const clusterWideAbove = this.options.clusterWideAbove ?? DEFAULT_DRIFT_OPTIONS.clusterWideAbove;
    const plans = new Map<string, Omit<Stream, 'key' | 'abort' | 'ready' | 'synced'>>();
    for (const [resourceKey, { info, as, entries }] of byResource) {
      const namespaces = new Set(entries.map((entry) => entry.ref.namespace));
      const clusterWide = !info.namespaced || (this.options.ownerLabels !== undefined && namespaces.size > clusterWideAbove);
      const split = clusterWide ? new Map([['', entries]]) : groupBy(entries, (entry) => entry.ref.namespace);
      for (const [namespace, members] of split) {
        const objectsOf = new Map(members.map((member) => [refKey(member.ref), member]));
        plans.set(`${resourceKey}/${namespace}`, { info, as, namespace, objects: objectsOf, signature: signatureOf(objectsOf) });
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
      const client = this.client.impersonating(stream.as);
      const loop = async (): Promise<void> => {
        let resourceVersion: string | undefined;
        while (!signal.aborted) {
          try {
            if (resourceVersion === undefined) {
              const list = await client.list(stream.info, namespace, { ...(selector === undefined ? {} : { labelSelector: selector }), signal });
              this.reconcileList(stream, list.items, first);
              resourceVersion = list.resourceVersion;
              stream.synced = true;
              if (first) {
                first = false;
                resolveReady();
              }
            }
            await client.watch(
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

  /**
   * After a (re-)list: objects missing are deleted; others are compared with the newer of
   * what the stream saw before and what Strata last applied, and vouched for again only
   * from this state on.
   */
  private reconcileList(stream: Stream, items: readonly KubeObject[], first: boolean): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = refKey(stream.info.namespaced ? refOf(item) : { ...refOf(item), namespace: '' });
      const watched = stream.objects.get(key);
      if (!watched) continue;
      seen.add(key);
      const now = stateOf(appliedStateOf(item, this.fieldManager));
      const record = this.records.get(refKey(watched.ref));
      const before = newer(watched.gone ? undefined : watched.seen, record);
      watched.seen = now;
      watched.gone = false;
      watched.cleanSince = now.rv;
      if (item.metadata.deletionTimestamp) this.report(watched, 'deleted', 'being deleted');
      else if (before) this.compare(watched, before, now, first ? 'changed after Strata applied it, before the watch started' : 'changed while the watch was down', item);
    }
    for (const [key, watched] of stream.objects) {
      if (seen.has(key)) continue;
      watched.gone = true;
      watched.seen = undefined;
      watched.cleanSince = undefined;
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
      watched.seen = undefined;
      watched.cleanSince = undefined;
      const selected = this.options.ownerLabels !== undefined;
      this.report(watched, 'deleted', selected ? 'deleted, or its owner labels were removed' : 'deleted');
      return;
    }
    const now = stateOf(appliedStateOf(event.object, this.fieldManager));
    const before = watched.gone ? undefined : watched.seen;
    watched.seen = now;
    watched.gone = false;
    if (event.object.metadata.deletionTimestamp) {
      watched.cleanSince = now.rv;
      this.report(watched, 'deleted', 'being deleted');
      return;
    }
    if (before === undefined) {
      // Back after a deletion (or first seen by an event): Strata's if it holds our fields.
      watched.cleanSince = now.rv;
      if (now.time === undefined && watched.policy !== 'IfNotPresent') this.report(watched, 'modified', 'created again by another manager');
      return;
    }
    this.compare(watched, before, now, undefined, event.object);
  }

  /**
   * Attributes the change from `before` to `now`: another manager's own fields (nothing to
   * do), Strata's own write (vouched for from here once recorded), or drift (reported).
   */
  private compare(watched: Watched, before: State, now: State, context: string | undefined, live?: KubeObject): void {
    if (before.rv !== undefined && before.rv === now.rv) return;
    if (watched.policy === 'IfNotPresent') return; // only its deletion is drift
    const withdraw = (): void => {
      if (now.rv !== undefined && (watched.cleanSince === undefined || now.rv > watched.cleanSince)) watched.cleanSince = now.rv;
    };
    if (now.time === undefined) {
      withdraw();
      this.report(watched, 'modified', withContext('every field Strata applied was taken or removed', context));
      return;
    }
    if (before.uid !== now.uid || before.time !== now.time) {
      withdraw(); // Strata wrote it (re-asserting every field it applies): vouched for again once recorded
      return;
    }
    if (before.fields === now.fields) return;
    const current = pathsOf(now.fields === '' ? {} : JSON.parse(now.fields));
    const lost = [...pathsOf(before.fields === '' ? {} : JSON.parse(before.fields))].filter((path) => !current.has(path) && !isIgnoredPath(path, watched.ignored));
    // Our own apply within the same second may add fields; only fields taken from us are drift (and not ignored ones).
    if (lost.length === 0) return;
    withdraw();
    this.report(watched, 'modified', withContext(live ? describeLoss(live, this.fieldManager, lost) : describeLost(lost), context));
  }

  private get fieldManager(): string {
    return this.options.fieldManager ?? DEFAULT_DRIFT_OPTIONS.fieldManager;
  }

  private report(watched: Watched, reason: DriftReason, message: string): void {
    if (this.stopped) return;
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

function stateOf(applied: AppliedState): State {
  return { rv: /^[0-9]+$/.test(applied.resourceVersion) ? BigInt(applied.resourceVersion) : undefined, uid: applied.uid, time: applied.time, fields: applied.fields };
}

/** True when `a` is a later resourceVersion than `b`. */
function isAfter(a: bigint | undefined, b: bigint | undefined): boolean {
  return a !== undefined && b !== undefined && a > b;
}

/** The later of two states (by resourceVersion); either when only one is known. */
function newer(a: State | undefined, b: State | undefined): State | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return isAfter(b.rv, a.rv) ? b : a;
}

function withContext(message: string, context: string | undefined): string {
  return context === undefined ? message : `${message} (${context})`;
}

/** `data.level changed or removed by another manager`: the fields taken, when who took them is not known. */
function describeLost(lost: readonly string[]): string {
  const leaves = lost.filter((path) => !lost.some((other) => other.startsWith(`${path}.`)));
  return `${leaves.slice(0, 5).map(readablePath).join(', ')}${leaves.length > 5 ? ', …' : ''} changed or removed by another manager`;
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
    .map(([key, member]) => `${key}:${member.policy}:${member.ignored.join('|')}`)
    .sort()
    .join(',');
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
}
