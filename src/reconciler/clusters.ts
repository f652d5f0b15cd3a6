/**
 * The clusters Syncs apply to: the agent's own, and for a Sync with `spec.kubeConfig` the
 * cluster of the kubeconfig in its Secret. Each remote cluster gets an engine of its own (its
 * connection pools, its drift watch), made on first use and closed when no Sync uses it.
 *
 * One unreachable cluster delays no other Sync: its requests give up after
 * `requestTimeoutMs` (not the 30 s of the agent's own cluster), and once a request found it
 * unreachable, its Syncs fail at once with `ClusterUnreachable` until a single probe
 * (`GET /version`) after a back-off finds it answering again. The Syncs of other clusters
 * never wait on it: they share no connection, no queue slot is held longer than a timeout.
 */
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { DEFAULT_KUBECONFIG_KEY, type Sync } from '../api/index.ts';
import { KubeApiError, KubeConfigError, parseRemoteKubeConfig, type AgentApi } from '../kube/index.ts';
import type { SecretMask } from '../secrets/mask.ts';
import type { DriftPort } from './controller.ts';
import { createEngine, type BoundEngine } from './engine-binding.ts';
import type { ReconcileEngine } from './sync-reconciler.ts';

/** Why a Sync's cluster cannot be used now: its kubeconfig (`config`), or no answer (`unreachable`). */
export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  constructor(
    readonly kind: 'config' | 'unreachable',
    message: string,
  ) {
    super(message);
  }
}

export interface SyncClustersProps {
  /** Reads the kubeconfig Secrets (on the agent's cluster). */
  readonly api: Pick<AgentApi, 'find'>;
  /** The agent's own cluster. */
  readonly local: { readonly engine: ReconcileEngine; readonly drift?: DriftPort };
  readonly log: Logger;
  /** The credentials of each kubeconfig are masked in everything that leaves the agent. */
  readonly mask?: SecretMask;
  /** One request to a remote cluster gives up after this long. @default DEFAULT_CLUSTER_OPTIONS.requestTimeoutMs (10 s) */
  readonly requestTimeoutMs?: number;
  /** Requests at once within one apply stage, per remote cluster. @default the engine's (16) */
  readonly applyConcurrency?: number;
  /** After a remote cluster did not answer, the first wait before it is probed again; doubles up to `maxBackoffMs`. @default 1 s */
  readonly backoffMs?: number;
  /** @default 30 s */
  readonly maxBackoffMs?: number;
  /** Makes the engine of a remote cluster. @default createEngine with the options above */
  readonly connect?: (kubeConfig: KubeConfig) => BoundEngine;
}

export const DEFAULT_CLUSTER_OPTIONS = { requestTimeoutMs: 10_000, backoffMs: 1_000, maxBackoffMs: 30_000 } as const;

interface Remote {
  readonly id: string;
  /** `namespace/name` of the Secret and its server, for messages. */
  readonly label: string;
  readonly bound: BoundEngine;
  readonly engine: ReconcileEngine;
  readonly users: Set<string>;
  /** Set while the cluster is known not to answer. */
  down?: { readonly message: string; readonly until: number; readonly backoffMs: number };
  probe?: Promise<void>;
}

export class SyncClusters {
  private readonly remotes = new Map<string, Remote>();
  /** The remote cluster each Sync (`namespace/name`) was last reconciled on; absent: the agent's own. */
  private readonly clusterOf = new Map<string, string>();
  readonly drift: DriftPort;

  constructor(private readonly props: SyncClustersProps) {
    const local = props.local.drift;
    this.drift = {
      watch: (key, set, onDrift, as) => {
        const remote = this.remotes.get(this.clusterOf.get(key) ?? '');
        (remote ? remote.bound.drift : local)?.watch(key, set, onDrift, as);
      },
      unwatch: (key) => {
        local?.unwatch(key);
        for (const remote of this.remotes.values()) remote.bound.drift.unwatch(key);
      },
      forget: (key) => this.assign(key, undefined),
      stop: async () => {
        await Promise.all([local?.stop(), ...[...this.remotes.values()].map((remote) => remote.bound.drift.stop())]);
      },
    };
  }

  /**
   * The engine of the Sync's cluster, once it is known to answer. Throws ClusterError: the
   * Secret or its kubeconfig cannot be used (`config`), or the cluster does not answer (`unreachable`).
   */
  async engineFor(sync: Sync, signal: AbortSignal): Promise<ReconcileEngine> {
    const key = `${sync.metadata.namespace ?? 'default'}/${sync.metadata.name}`;
    const ref = sync.spec.kubeConfig?.secretRef;
    if (!ref) {
      this.assign(key, undefined);
      return this.props.local.engine;
    }
    const remote = await this.remoteOf(sync.metadata.namespace ?? 'default', ref.name, ref.key ?? DEFAULT_KUBECONFIG_KEY, signal);
    this.assign(key, remote.id);
    await this.reachable(remote);
    return remote.engine;
  }

  /** Closes every remote cluster's engine. */
  async close(): Promise<void> {
    const remotes = [...this.remotes.values()];
    this.remotes.clear();
    this.clusterOf.clear();
    await Promise.allSettled(remotes.map((remote) => remote.bound.close()));
  }

  private async remoteOf(namespace: string, name: string, key: string, signal: AbortSignal): Promise<Remote> {
    const secretName = `${namespace}/${name}`;
    let secret: { data?: Record<string, string> } | undefined;
    try {
      secret = await this.props.api.find(`/api/v1/namespaces/${namespace}/secrets/${name}`, signal);
    } catch (error) {
      throw new ClusterError('config', `Secret ${secretName} (spec.kubeConfig.secretRef) could not be read: ${(error as Error).message}`);
    }
    if (!secret) throw new ClusterError('config', `Secret ${secretName} (spec.kubeConfig.secretRef) not found`);
    const data = secret.data?.[key];
    if (data === undefined) throw new ClusterError('config', `Secret ${secretName} (spec.kubeConfig.secretRef) has no key ${JSON.stringify(key)}`);
    const text = Buffer.from(data, 'base64').toString('utf8');
    // A rotated kubeconfig is a new cluster entry; the old one closes when its last Sync moves.
    const id = `${secretName}/${key}@${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    const known = this.remotes.get(id);
    if (known) return known;
    let parsed;
    try {
      parsed = parseRemoteKubeConfig(text, secretName, key);
    } catch (error) {
      if (error instanceof KubeConfigError) throw new ClusterError('config', `${error.message} (spec.kubeConfig.secretRef)`);
      throw error;
    }
    this.props.mask?.remember(`kubeconfig:${id}`, parsed.credentials);
    const bound =
      this.props.connect?.(parsed.kubeConfig) ??
      createEngine(parsed.kubeConfig, {
        requestTimeoutMs: this.props.requestTimeoutMs ?? DEFAULT_CLUSTER_OPTIONS.requestTimeoutMs,
        ...(this.props.applyConcurrency === undefined ? {} : { concurrency: this.props.applyConcurrency }),
        log: this.props.log,
      });
    const remote: Remote = { id, label: `${parsed.server} (Secret ${secretName})`, bound, engine: bound.engine, users: new Set() };
    (remote as { engine: ReconcileEngine }).engine = this.guarded(remote);
    this.remotes.set(id, remote);
    this.props.log.info({ event: 'cluster-added', cluster: remote.label }, `remote cluster ${remote.label} in use`);
    return remote;
  }

  /** Moves a Sync to a cluster (undefined: the agent's own), closing a remote no Sync uses any more. */
  private assign(key: string, id: string | undefined): void {
    const previous = this.clusterOf.get(key);
    if (previous === id) return;
    if (id === undefined) this.clusterOf.delete(key);
    else this.clusterOf.set(key, id);
    if (id !== undefined) this.remotes.get(id)?.users.add(key);
    const old = previous === undefined ? undefined : this.remotes.get(previous);
    if (previous === undefined) this.props.local.drift?.unwatch(key);
    if (!old) return;
    old.bound.drift.unwatch(key);
    old.users.delete(key);
    if (old.users.size > 0) return;
    this.remotes.delete(old.id);
    this.props.mask?.forget(`kubeconfig:${old.id}`);
    this.props.log.info({ event: 'cluster-removed', cluster: old.label }, `remote cluster ${old.label} no longer used`);
    void old.bound.close().catch(() => undefined);
  }

  /** Resolves when the cluster is not known to be down; while it is, one probe at a time after the back-off. */
  private async reachable(remote: Remote): Promise<void> {
    const down = remote.down;
    if (!down) return;
    if (Date.now() < down.until) throw this.unreachable(remote, down.message);
    remote.probe ??= (async () => {
      try {
        // No caller's signal: the probe is shared, and bounded by the request timeout.
        await (await remote.bound.client()).request('GET', '/version');
        remote.down = undefined;
        this.props.log.info({ event: 'cluster-reachable', cluster: remote.label }, `remote cluster ${remote.label} answers again`);
      } catch (error) {
        this.markDown(remote, error);
      }
    })().finally(() => {
      remote.probe = undefined;
    });
    await remote.probe;
    if (remote.down) throw this.unreachable(remote, remote.down.message);
  }

  private unreachable(remote: Remote, message: string): ClusterError {
    const seconds = Math.max(0, Math.ceil(((remote.down?.until ?? 0) - Date.now()) / 1000));
    return new ClusterError('unreachable', `cluster ${remote.label} does not answer: ${message} (probed again in ${seconds}s)`);
  }

  private markDown(remote: Remote, error: unknown): void {
    const backoffMs = remote.down ? Math.min(remote.down.backoffMs * 2, this.props.maxBackoffMs ?? DEFAULT_CLUSTER_OPTIONS.maxBackoffMs) : (this.props.backoffMs ?? DEFAULT_CLUSTER_OPTIONS.backoffMs);
    const message = unreachableText(error) ?? (error as Error).message;
    if (!remote.down) this.props.log.warn({ event: 'cluster-unreachable', cluster: remote.label, err: message }, `remote cluster ${remote.label} does not answer`);
    remote.down = { message, until: Date.now() + backoffMs, backoffMs };
  }

  /** The remote's engine, marking the cluster down when a call finds it not answering. */
  private guarded(remote: Remote): ReconcileEngine {
    const inner = remote.bound.engine;
    // A call that found the cluster not answering says so, naming the cluster, rather than the first object it was at.
    const watch = <T>(promise: Promise<T>): Promise<T> =>
      promise.catch((error: unknown) => {
        const text = unreachableText(error);
        if (text === undefined) throw error;
        this.markDown(remote, error);
        throw new ClusterError('unreachable', `cluster ${remote.label} does not answer: ${text}`);
      });
    return {
      apply: (set, options) => watch(inner.apply(set, options)),
      prune: async (stale, options) => {
        const result = await watch(inner.prune(stale, options));
        if (result.error && unreachableText(result.error) !== undefined) this.markDown(remote, result.error);
        return result;
      },
      inventoryOf: (set) => inner.inventoryOf(set),
      staleOf: (previous, next) => inner.staleOf(previous, next),
      waitForHealthy: (refs, options) => watch(inner.waitForHealthy(refs, options)),
      runHooks: (hooks, options) => watch(inner.runHooks(hooks, options)),
    };
  }
}

/** True when an error (or one of its causes) is a request that got no answer: connection failed or timed out. */
export function isUnreachable(error: unknown): boolean {
  return unreachableText(error) !== undefined;
}

/** The message of the first "no answer" (connection failed, timed out) in an error and its causes; undefined if none. */
function unreachableText(error: unknown, depth = 0): string | undefined {
  if (depth > 4 || !error || typeof error !== 'object') return undefined;
  if (error instanceof ClusterError) return error.kind === 'unreachable' ? error.message : undefined;
  if (error instanceof KubeApiError && error.status === 0 && (error.reason === 'ConnectionFailed' || error.reason === 'Timeout')) return error.message;
  const parts = [...(error instanceof AggregateError ? error.errors : []), (error as { cause?: unknown }).cause];
  for (const part of parts) {
    const found = unreachableText(part, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
