/**
 * The agent process: HTTP endpoints (/metrics, /healthz, /readyz, webhook
 * receiver), leader election, and while leading the Sync controller and the
 * ImageUpdate controller (image update automation).
 * `startAgent` runs it in-process (tests, `strata agent`) and returns a handle.
 */
import http from 'node:http';
import path from 'node:path';
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { AgentApi, EventRecorder, LeaderElector, loadKubeConfig } from '../kube/index.ts';
import { AgentMetrics, AlertSender, GitSource, Notifier, SyncClusters, SyncController, SyncReconciler, createEngine, imageUpdatedNotification, refuseEncrypted, type AlertTarget, type TenancyOptions, type DecryptHook, type DriftPort, type ReadOptions, type ReconcileEngine } from '../reconciler/index.ts';
import { SecretMask, sopsDecryptHook } from '../secrets/index.ts';
import { ImageUpdateController, ImageUpdateMetrics, type Recompile } from '../images/index.ts';
import { resolveSpec, shardLeaseName, shardSelector, type Sync } from '../api/index.ts';
import { commitOf } from '../git/index.ts';
import { waitForPrerequisites } from './prerequisites.ts';
import { hookReceiver } from './hook.ts';

export { pushUrls } from './push-urls.ts';
export { HOOK_BODY_LIMIT_BYTES } from './hook.ts';

/** Commit-message trailers naming the source commit of a compiled revision, most specific first (src/gitops/trailers.ts). */
const SOURCE_COMMIT_TRAILERS = ['strata-source-commit', 'source-commit', 'source'] as const;


export interface AgentProps {
  /** A KubeConfig, a kubeconfig file, or nothing for in-cluster config (then $KUBECONFIG / ~/.kube/config). */
  readonly kubeconfig?: KubeConfig | string;
  /** The agent's own namespace: where its Lease lives. @default 'strata-system' */
  readonly namespace?: string;
  /** Watch Syncs in this namespace only. @default all namespaces */
  readonly watchNamespace?: string;
  /**
   * Reconcile only the Syncs and ImageUpdates labelled `strata.dev/shard: <shard>`, leader-elected
   * on the Lease `strata-agent-shard-<shard>` (`src/api/shard.ts`).
   * @default the objects without the label, on the Lease `strata-agent`
   */
  readonly shard?: string;
  /** This replica's name in the Lease. @default $POD_NAME or the host name plus the pid */
  readonly identity?: string;
  /** HTTP port for /metrics, /healthz, /readyz and /hook; 0 picks a free one. @default 8080 */
  readonly port?: number;
  /** @default '0.0.0.0' */
  readonly host?: string;
  /** Compete for the Lease before reconciling; off, this replica always reconciles. @default true */
  readonly leaderElection?: boolean;
  /** @default 10000 */
  readonly leaseDurationMs?: number;
  /** @default 2000 */
  readonly leaseRetryMs?: number;
  /** Syncs reconciled at once. @default DEFAULT_SYNC_CONTROLLER_OPTIONS.concurrency (8) */
  readonly concurrency?: number;
  /** Requests at once within one apply stage. @default DEFAULT_APPLY_OPTIONS.concurrency (16) */
  readonly applyConcurrency?: number;
  /** Where Git checkouts are cached. @default a temporary folder */
  readonly cacheDir?: string;
  /** Webhooks told when a Sync turns not-Ready or recovers. @default none */
  readonly alerts?: readonly AlertTarget[];
  /** Accepted as `Authorization: Bearer <token>` on /hook. @default no token */
  readonly webhookToken?: string;
  /**
   * Secrets forge deliveries to /hook are signed with (GitHub, Gitea/Forgejo, Bitbucket Server,
   * generic HMAC) or carry (GitLab); any one verifies, so a secret can be rotated (src/agent/webhook-auth.ts).
   * @default none
   */
  readonly webhookSecrets?: readonly string[];
  /**
   * Refuse /hook deliveries no secret or token authenticates; `false` accepts them unchecked
   * (`--no-webhook-auth`, for a listener nothing untrusted can reach).
   * @default true
   */
  readonly webhookAuth?: boolean;
  /** How long a delivery id or signature is remembered: a repeat within it is dropped. @default 600000 */
  readonly hookReplayWindowMs?: number;
  /**
   * The ServiceAccount Syncs without serviceAccountName apply as: `namespace/name`, or a bare
   * `name` for that account in each Sync's own namespace (the locked-down install).
   * @default the agent's identity
   */
  readonly defaultServiceAccount?: string;
  /** Refuse a Sync whose dependsOn names another namespace. @default false */
  readonly noCrossNamespaceRefs?: boolean;
  /** Namespaces besides the agent's own whose Syncs may read `file://` (or path) repositories; `'*'` for all. @default none */
  readonly localSourceNamespaces?: readonly string[];
  /** Most /hook requests a second (the bucket refills at this rate and holds twice as many); more get 429. @default 10 */
  readonly hookRatePerSecond?: number;
  /** @default SOPS with age keys from `spec.decryption.secretRef`; encrypted objects of Syncs without it are refused */
  readonly decrypt?: DecryptHook;
  readonly readOptions?: ReadOptions;
  /** @default a JSON logger on stdout at `info` (or $LOG_LEVEL) */
  readonly logger?: Logger;
  /** Replaces the apply engine (benchmarks, other engines). @default the engine of this folder */
  readonly engine?: ReconcileEngine;
  /** Replaces the drift watcher. @default the engine's DriftWatcher */
  readonly drift?: DriftPort | null;
  /** @default DEFAULT_SYNC_CONTROLLER_OPTIONS.jitter (0.1) */
  readonly jitter?: number;
  /** How often to look again for a missing namespace or CRD (src/agent/prerequisites.ts). @default 5000 */
  readonly prerequisiteIntervalMs?: number;
  /**
   * Run ImageUpdate objects (image update automation) while leading; `false` leaves them alone.
   * Their clones live under `<cacheDir>/image-updates/`.
   * @default true
   */
  readonly imageUpdates?: boolean | { readonly concurrency?: number; readonly recompile?: Recompile | false };
}

export interface AgentHandle {
  /** `http://host:port` of the agent's endpoints. */
  readonly url: string;
  readonly port: number;
  readonly metrics: AgentMetrics;
  readonly source: GitSource;
  readonly identity: string;
  isLeader(): boolean;
  /** The controller while leading. */
  controller(): SyncController | undefined;
  /** The ImageUpdate controller while leading (unless turned off). */
  imageUpdates(): ImageUpdateController | undefined;
  /** Stops reconciling, releases the Lease, closes the server; idempotent. */
  stop(): Promise<void>;
}

export async function startAgent(props: AgentProps = {}): Promise<AgentHandle> {
  const kubeConfig = props.kubeconfig instanceof KubeConfig ? props.kubeconfig : loadKubeConfig(props.kubeconfig);
  const namespace = props.namespace ?? 'strata-system';
  const labelSelector = shardSelector(props.shard); // throws on a bad key before anything starts
  const identity = props.identity ?? process.env.POD_NAME ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  // Every value a decryption produced is masked in whatever leaves the agent: log lines, status, Events, alerts, /metrics.
  const mask = new SecretMask();
  const maskText = (text: string): string => mask.mask(text);
  const log = maskedLogger(props.logger, maskText).child({ instance: identity, ...(props.shard === undefined ? {} : { shard: props.shard }) });
  const api = new AgentApi(kubeConfig);
  const metrics = new AgentMetrics(props.shard === undefined ? {} : { shard: props.shard });
  const source = new GitSource(props.cacheDir === undefined ? {} : { cacheDir: props.cacheDir });
  const bound = props.engine ? undefined : createEngine(kubeConfig, { concurrency: props.applyConcurrency, log });
  const engine = props.engine ?? bound?.engine;
  if (!engine) throw new Error('no apply engine');
  const drift = props.drift === null ? undefined : (props.drift ?? bound?.drift);
  const tenancy: TenancyOptions = {
    agentNamespace: namespace,
    ...(props.defaultServiceAccount ? { defaultServiceAccount: props.defaultServiceAccount } : {}),
    ...(props.noCrossNamespaceRefs ? { noCrossNamespaceRefs: true } : {}),
    ...(props.localSourceNamespaces ? { localSourceNamespaces: props.localSourceNamespaces } : {}),
  };
  // Syncs with spec.kubeConfig apply to the cluster of their Secret's kubeconfig.
  const clusters = new SyncClusters({ api, local: { engine, ...(drift ? { drift } : {}) }, log, mask, ...(props.applyConcurrency === undefined ? {} : { applyConcurrency: props.applyConcurrency }) });
  const events = new EventRecorder(api, identity, { mask: maskText });
  const alerts = new AlertSender(props.alerts ?? [], { mask: maskText });
  const readSecret = (secretNamespace: string, name: string, signal?: AbortSignal) => api.find<{ data?: Record<string, string> }>(`/api/v1/namespaces/${secretNamespace}/secrets/${name}`, signal);
  const notifier = new Notifier({
    readSecret,
    log,
    mask,
    ...(alerts.targets.length > 0 ? { alerts } : {}),
    // Commit status goes on the source commit the revision was compiled from (`strata commit`'s trailer).
    sourceCommit: async (sync, revision) => {
      const commit = commitOf(revision);
      if (!commit) return undefined;
      const trailers = await source.trailers(sync.spec.url, resolveSpec(sync.spec).ref, commit);
      const named = SOURCE_COMMIT_TRAILERS.map((key) => trailers.get(key)).find((value) => value !== undefined);
      return /\b([0-9a-f]{40})\b/.exec(named ?? '')?.[1] ?? commit;
    },
  });
  const reconciler = new SyncReconciler({
    api,
    source,
    engine,
    clusters,
    log,
    events,
    metrics,
    decrypt:
      props.decrypt ??
      sopsDecryptHook<Sync>({
        readSecret,
        refuse: refuseEncrypted,
        mask,
      }),
    mask,
    tenancy,
    ...(props.readOptions ? { readOptions: props.readOptions } : {}),
  });
  const hook = hookReceiver({
    controller: () => controller,
    auth: { secrets: props.webhookSecrets ?? [], tokens: props.webhookToken ? [props.webhookToken] : [], allowUnauthenticated: props.webhookAuth === false },
    readSecret,
    log,
    ...(props.hookRatePerSecond === undefined ? {} : { ratePerSecond: props.hookRatePerSecond }),
    ...(props.hookReplayWindowMs === undefined ? {} : { replayWindowMs: props.hookReplayWindowMs }),
  });

  let controller: SyncController | undefined;
  let imageUpdates: ImageUpdateController | undefined;
  const imageUpdateOptions = props.imageUpdates === false ? undefined : props.imageUpdates === true || props.imageUpdates === undefined ? {} : props.imageUpdates;
  // One set of series for the process: a registry takes each metric name once.
  const imageUpdateMetrics = imageUpdateOptions ? new ImageUpdateMetrics(metrics.registry) : undefined;
  let stopping: Promise<void> | undefined;
  let electionChecked = false;
  const startController = (): void => {
    if (controller) return;
    log.info({ event: 'leading' }, 'started leading: reconciling Syncs');
    metrics.leader.set(1);
    controller = new SyncController({
      api,
      reconciler,
      source,
      log,
      metrics,
      notifier,
      ...(drift ? { drift: clusters.drift } : {}),
      ...(props.watchNamespace ? { namespace: props.watchNamespace } : {}),
      labelSelector,
      concurrency: props.concurrency,
      jitter: props.jitter,
    });
    controller.start();
    if (imageUpdateOptions) {
      imageUpdates = new ImageUpdateController({
        api,
        log,
        events,
        ...(imageUpdateMetrics ? { metrics: imageUpdateMetrics } : {}),
        ...(props.watchNamespace ? { namespace: props.watchNamespace } : {}),
        labelSelector,
        ...(props.cacheDir ? { workDir: path.join(props.cacheDir, 'image-updates') } : {}),
        // `image-updated` goes to the Syncs of the ImageUpdate's namespace that fetch the repository it pushed to.
        onPushed: (object, commit, lines) => {
          const namespace = object.metadata.namespace ?? 'default';
          for (const sync of controller?.syncsOfUrl(object.spec.git.url) ?? []) {
            if ((sync.metadata.namespace ?? 'default') !== namespace) continue;
            void notifier.notify(sync, [imageUpdatedNotification(sync, `${namespace}/${object.metadata.name}`, commit, lines, new Date())]);
          }
        },
        ...imageUpdateOptions,
      });
      imageUpdates.start();
    }
  };
  const stopController = async (): Promise<void> => {
    const current = controller;
    const currentImageUpdates = imageUpdates;
    controller = undefined;
    imageUpdates = undefined;
    metrics.leader.set(0);
    if (current) {
      log.info({ event: 'stopped-leading' }, 'stopped leading: no longer reconciling');
      await Promise.all([current.stop(), currentImageUpdates?.stop()]);
    }
  };

  const elector =
    props.leaderElection === false
      ? undefined
      : new LeaderElector(api, {
          namespace,
          name: shardLeaseName(props.shard),
          identity,
          leaseDurationMs: props.leaseDurationMs ?? 10_000,
          retryPeriodMs: props.leaseRetryMs ?? 2000,
          onStartedLeading: () => {
            electionChecked = true;
            startController();
          },
          onStoppedLeading: () => void stopController(),
          onError: (error) => log.warn({ event: 'lease-error', err: error.message }, 'leader election request failed'),
        });

  const server = http.createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      log.error({ event: 'http-error', err: (error as Error).message }, 'request failed');
      if (!response.headersSent) response.writeHead(500).end('internal error\n');
    });
  });
  const handle = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://agent');
    if (request.method === 'GET' && url.pathname === '/metrics') {
      const text = mask.mask(await metrics.text());
      response.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text);
      return;
    }
    if (request.method === 'GET' && url.pathname === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
      return;
    }
    if (request.method === 'GET' && url.pathname === '/readyz') {
      const ready = controller ? controller.hasSynced : elector ? electionChecked || !elector.isLeader : false;
      response.writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ready ? 'ok\n' : 'not ready\n');
      return;
    }
    if (url.pathname === '/hook' || url.pathname.startsWith('/hook/')) {
      await hook(request, response, url);
      return;
    }
    response.writeHead(404).end('not found\n');
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(props.port ?? 8080, props.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  log.info({ event: 'started', port, namespace, leaderElection: elector !== undefined }, `agent listening on :${port}`);

  // Leader election and the informers start once the namespace and the CRDs exist.
  const waiting = new AbortController();
  const begin = (): void => {
    if (elector) elector.start();
    else startController();
  };
  void waitForPrerequisites(api, {
    namespace,
    namespaceNeeded: elector !== undefined,
    // Syncs need their CRD; the ImageUpdate controller waits for its own (its informer retries),
    // so an agent on a cluster with only the Sync CRD still reconciles Syncs.
    imageUpdates: false,
    ...(props.prerequisiteIntervalMs === undefined ? {} : { intervalMs: props.prerequisiteIntervalMs }),
    log,
    signal: waiting.signal,
  }).then(
    () => (waiting.signal.aborted ? undefined : begin()),
    () => undefined,
  );

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    metrics,
    source,
    identity,
    isLeader: () => controller !== undefined,
    controller: () => controller,
    imageUpdates: () => imageUpdates,
    stop: () => {
      stopping ??= (async () => {
        log.info({ event: 'stopping' }, 'agent stopping');
        waiting.abort();
        notifier.stop();
        await stopController();
        await elector?.stop();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await source.close();
        await clusters.close();
        await bound?.close();
        await api.close();
      })();
      return stopping;
    },
  };
}

/**
 * The agent's logger with `mask` applied to each serialised line: a new pino logger on the
 * stream and level of the one given (pino's hooks cannot be added to a logger once made).
 */
function maskedLogger(given: Logger | undefined, mask: (text: string) => string): Logger {
  const hooks = { streamWrite: mask };
  if (!given) return pino({ level: process.env.LOG_LEVEL ?? 'info', base: { component: 'strata-agent' }, hooks });
  const stream = (given as unknown as Record<symbol, pino.DestinationStream | undefined>)[pino.symbols.streamSym];
  return stream ? pino({ level: given.level, base: given.bindings(), hooks }, stream) : given;
}

