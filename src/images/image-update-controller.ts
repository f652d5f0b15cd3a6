/**
 * The ImageUpdate controller: keeps a watch on ImageUpdate objects and runs
 * `runImageUpdate` for each on its interval, on a spec change and on the
 * reconcile-requested-at annotation; never two runs of one object at once.
 * Each object has one private clone under the agent's cache folder, reused
 * between runs and removed with the object. Its Secrets are read at every run,
 * so a rotated password is used by the next run. Secret values never reach
 * status, Events or logs: messages are scrubbed of every value read.
 */
import { existsSync, symlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { parseCredentials, type CredentialLookup } from './credentials.ts';
import { recompileClusters, strataInstallation, type Recompile } from './recompile.ts';
import { runImageUpdate, type ImageUpdateStatus } from './update-loop.ts';
import type { GitCredentials } from '../git/index.ts';
import { Informer, KubeApiError, WorkQueue, objectKey, type AgentApi, type EventRecorder, type ResourceInfo } from '../kube/index.ts';
import type { ImageUpdateMetrics } from './image-update-metrics.ts';
import { IMAGE_UPDATE_API_VERSION, IMAGE_UPDATE_KIND, IMAGE_UPDATE_PLURAL, RECONCILE_REQUESTED_AT, SYNC_GROUP, SYNC_VERSION, imageUpdatePath, resolveImageUpdateSpec, type ImageUpdate, type ImageUpdateCondition, type ImageUpdateConditionReason, type ImageUpdateObjectStatus } from '../api/index.ts';

const RESOURCE: ResourceInfo = { group: SYNC_GROUP, version: SYNC_VERSION, kind: IMAGE_UPDATE_KIND, resource: IMAGE_UPDATE_PLURAL, namespaced: true };

export interface ImageUpdateControllerProps {
  readonly api: AgentApi;
  readonly log: Logger;
  /** @default no Events */
  readonly events?: EventRecorder;
  /** @default no metrics */
  readonly metrics?: ImageUpdateMetrics;
  /** Watch ImageUpdates in this namespace only. @default all namespaces */
  readonly namespace?: string;
  /** Watch only the ImageUpdates matching this label selector (the agent's shard, `src/api/shard.ts`). @default every ImageUpdate */
  readonly labelSelector?: string;
  /** Parent of the private clones (`<dir>/<namespace>/<name>`). @default a temporary folder, removed on stop */
  readonly workDir?: string;
  /** Runs at once (each clones, scans and compiles). @default DEFAULT_IMAGE_UPDATE_CONTROLLER_OPTIONS.concurrency (2) */
  readonly concurrency?: number;
  /** @default the compiler in a child process, with this installation's node_modules linked into the clone */
  readonly recompile?: Recompile | false;
  /** Told of each push (the commit and one line per image changed), for `image-updated` notifications. @default nobody */
  readonly onPushed?: (object: ImageUpdate, commit: string, lines: readonly string[]) => void;
  /** Retry delay after a Secret could not be read, or a run crashed. @default the object's interval; DEFAULT_IMAGE_UPDATE_CONTROLLER_OPTIONS.crashRetryMs (60 s) after a crash */
  readonly retryMs?: number;
}

export const DEFAULT_IMAGE_UPDATE_CONTROLLER_OPTIONS = {
  concurrency: 2,
  /** Retry delay after a run crashed. */
  crashRetryMs: 60_000,
} as const;

interface State {
  object: ImageUpdate;
  deleted: boolean;
  workDir: string;
  last?: ImageUpdateStatus;
}

/** A Secret an ImageUpdate names could not be read or has the wrong shape; the message never holds a value. */
export class ImageUpdateSecretError extends Error {
  override readonly name = 'ImageUpdateSecretError';
  constructor(
    readonly secret: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`Secret ${secret}: ${message}`, options);
  }
}

export class ImageUpdateController {
  private readonly states = new Map<string, State>();
  private queue: WorkQueue;
  private abort = new AbortController();
  private watching: Promise<void> | undefined;
  private root: string | undefined;
  private readonly informer: Informer<ImageUpdate>;

  constructor(private readonly props: ImageUpdateControllerProps) {
    this.queue = this.newQueue();
    this.informer = new Informer<ImageUpdate>({
      api: props.api,
      resource: RESOURCE,
      ...(props.namespace ? { namespace: props.namespace } : {}),
      ...(props.labelSelector === undefined ? {} : { labelSelector: props.labelSelector }),
      log: props.log,
      label: 'ImageUpdates',
      onEvent: (type, object) => this.observe(type, object),
      onList: (seen) => {
        for (const key of [...this.states.keys()]) if (!seen.has(key)) this.forget(key);
      },
      // The CRD is not installed (an older cluster, or image automation unused): look again now and then, quietly.
      onMissing: () => props.log.info({ event: 'imageupdate-crd-missing' }, `the ${IMAGE_UPDATE_PLURAL}.${SYNC_GROUP} CRD is not installed; image automation idle`),
      missingRetryMs: 30_000,
    });
  }

  get hasSynced(): boolean {
    return this.informer.hasSynced;
  }

  get keys(): string[] {
    return [...this.states.keys()];
  }

  /** The last run's result per object (tests, diagnostics). */
  resultOf(key: string): ImageUpdateStatus | undefined {
    return this.states.get(key)?.last;
  }

  start(): void {
    if (this.abort.signal.aborted) this.queue = this.newQueue();
    this.abort = new AbortController();
    setMaxListeners(0, this.abort.signal);
    this.watching = this.informer.run(this.abort.signal);
  }

  /** Stops watching and scheduling; waits for the runs in progress (a push is never cut in half). */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([this.watching, this.queue.stop()]);
    this.states.clear();
    if (this.root !== undefined && this.props.workDir === undefined) await rm(this.root, { recursive: true, force: true });
    this.root = undefined;
  }

  /** Run this object now. */
  trigger(key: string, reason: string): boolean {
    if (!this.states.has(key)) return false;
    this.props.log.debug({ imageUpdate: key, event: 'trigger', reason }, `image update requested (${reason})`);
    this.queue.add(key);
    return true;
  }

  private newQueue(): WorkQueue {
    return new WorkQueue({
      concurrency: this.props.concurrency ?? DEFAULT_IMAGE_UPDATE_CONTROLLER_OPTIONS.concurrency,
      run: async (key) => {
        const state = this.states.get(key);
        if (!state) return;
        try {
          await this.run(key, state);
        } catch (error) {
          this.props.log.error({ imageUpdate: key, event: 'run-crashed', err: (error as Error).message }, 'image update crashed');
          this.schedule(state, this.props.retryMs ?? DEFAULT_IMAGE_UPDATE_CONTROLLER_OPTIONS.crashRetryMs);
        } finally {
          if (state.deleted) void rm(state.workDir, { recursive: true, force: true });
        }
      },
      onError: (key, error) => this.props.log.error({ imageUpdate: key, event: 'run-crashed', err: (error as Error).message }, 'image update crashed'),
    });
  }

  /** Resolves after the first list of ImageUpdates. */
  waitForSync(): Promise<void> {
    return this.informer.waitForSync();
  }

  private observe(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: ImageUpdate): void {
    const key = objectKey(object);
    if (type === 'DELETED' || object.metadata.deletionTimestamp) return this.forget(key);
    const state = this.states.get(key);
    if (!state) {
      const [namespace = '', name = ''] = key.split('/');
      this.states.set(key, { object, deleted: false, workDir: path.join(this.workRoot(), namespace, name) });
      if (!object.spec.suspend) this.queue.add(key);
      return;
    }
    const before = state.object;
    state.object = object;
    if (before.metadata.generation !== object.metadata.generation) {
      if (!object.spec.suspend) this.trigger(key, 'spec');
      else {
        this.queue.forget(key);
        this.props.log.info({ imageUpdate: key, event: 'suspended' }, 'ImageUpdate suspended');
      }
      return;
    }
    const requested = object.metadata.annotations?.[RECONCILE_REQUESTED_AT];
    if (requested !== undefined && requested !== before.metadata.annotations?.[RECONCILE_REQUESTED_AT] && requested !== object.status?.lastHandledReconcileAt) {
      this.trigger(key, 'annotation');
    }
  }

  private workRoot(): string {
    // The parent folder is made lazily by the first clone; a temporary one is named now.
    this.root ??= this.props.workDir ?? path.join(tmpdir(), `strata-image-updates-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    return this.root;
  }

  private forget(key: string): void {
    const state = this.states.get(key);
    if (!state) return;
    this.queue.forget(key);
    state.deleted = true;
    this.states.delete(key);
    this.props.log.info({ imageUpdate: key, event: 'forgotten' }, 'ImageUpdate deleted: its loop stopped');
    const [namespace = '', name = ''] = key.split('/');
    this.props.metrics?.forget(namespace, name);
    if (!this.queue.isRunning(key)) void rm(state.workDir, { recursive: true, force: true });
  }

  private schedule(state: State, delayMs: number): void {
    if (this.abort.signal.aborted || state.deleted) return;
    this.queue.addAfter(objectKey(state.object), delayMs);
  }

  private async run(key: string, state: State): Promise<void> {
    const signal = this.abort.signal;
    if (signal.aborted || state.deleted) return;
    const [namespace = '', name = ''] = key.split('/');
    const object = await this.props.api.find<ImageUpdate>(imageUpdatePath(namespace, name), signal);
    if (!object || object.metadata.deletionTimestamp) return this.forget(key);
    state.object = { ...object, apiVersion: IMAGE_UPDATE_API_VERSION, kind: IMAGE_UPDATE_KIND };
    if (object.spec.suspend) return;
    const requested = object.metadata.annotations?.[RECONCILE_REQUESTED_AT];
    const started = new Date().toISOString();

    let resolved;
    try {
      resolved = resolveImageUpdateSpec(object.spec);
    } catch (error) {
      // A spec change triggers the next run; there is nothing to retry until then.
      await this.report(state, { reason: 'InvalidSpec', message: `ImageUpdate ${key}: ${(error as Error).message}`, runTime: started, requested });
      return;
    }

    const secrets: string[] = [];
    let credentials: GitCredentials | undefined;
    let registryCredentials: CredentialLookup | undefined;
    try {
      if (object.spec.git.secretRef) credentials = await this.gitCredentials(namespace, object.spec.git.secretRef.name, secrets, signal);
    } catch (error) {
      await this.report(state, { reason: 'GitFailed', message: (error as Error).message, runTime: started, requested });
      return this.schedule(state, this.props.retryMs ?? resolved.intervalMs);
    }
    try {
      if (object.spec.registrySecretRef) registryCredentials = await this.registryCredentials(namespace, object.spec.registrySecretRef.name, secrets, signal);
    } catch (error) {
      await this.report(state, { reason: 'ScanFailed', message: (error as Error).message, runTime: started, requested });
      return this.schedule(state, this.props.retryMs ?? resolved.intervalMs);
    }
    if (signal.aborted || state.deleted) return;

    this.props.log.debug({ imageUpdate: key, event: 'run' }, 'image update run');
    const result = await runImageUpdate({
      repoUrl: object.spec.git.url,
      branch: resolved.branch,
      workDir: state.workDir,
      ...(credentials ? { credentials } : {}),
      ...(registryCredentials ? { registryCredentials } : {}),
      ...(object.spec.environments ? { environments: object.spec.environments } : {}),
      ...(object.spec.author ? { identity: object.spec.author } : {}),
      recompile: this.props.recompile ?? defaultRecompile,
    });
    state.last = result;
    await this.report(state, {
      reason: result.condition.reason,
      message: result.condition.message,
      runTime: started,
      requested,
      ...(result.observedCommit ? { observedCommit: result.observedCommit } : {}),
      ...(result.pushedCommit ? { pushedCommit: result.pushedCommit, changes: result.changes } : {}),
      secrets,
    });
    this.schedule(state, resolved.intervalMs);
  }

  private async gitCredentials(namespace: string, name: string, secrets: string[], signal: AbortSignal): Promise<GitCredentials> {
    const data = await this.readSecret(namespace, name, signal);
    const username = decode(data.username);
    const password = decode(data.password);
    if (password !== undefined) secrets.push(password, Buffer.from(`${username ?? ''}:${password}`).toString('base64'));
    if (username === undefined || password === undefined) throw new ImageUpdateSecretError(`${namespace}/${name}`, 'needs the keys "username" and "password" (HTTP basic auth for spec.git)');
    return { username, password };
  }

  private async registryCredentials(namespace: string, name: string, secrets: string[], signal: AbortSignal): Promise<CredentialLookup> {
    const label = `${namespace}/${name}`;
    const data = await this.readSecret(namespace, name, signal);
    const text = decode(data['.dockerconfigjson']);
    if (text === undefined) throw new ImageUpdateSecretError(label, 'needs the key ".dockerconfigjson" (a Secret of type kubernetes.io/dockerconfigjson, for spec.registrySecretRef)');
    secrets.push(...secretValuesOf(text));
    // parseCredentials names its input in errors and never quotes it.
    return parseCredentials(`Secret ${label} key .dockerconfigjson`, text);
  }

  private async readSecret(namespace: string, name: string, signal: AbortSignal): Promise<Record<string, string>> {
    let secret: { data?: Record<string, string> } | undefined;
    try {
      secret = await this.props.api.find<{ data?: Record<string, string> }>(`/api/v1/namespaces/${namespace}/secrets/${name}`, signal);
    } catch (error) {
      throw new ImageUpdateSecretError(`${namespace}/${name}`, `cannot be read: ${(error as Error).message}`);
    }
    if (!secret) throw new ImageUpdateSecretError(`${namespace}/${name}`, 'not found');
    return secret.data ?? {};
  }

  /** Writes the status subresource, records an Event and logs; every message scrubbed of the Secrets' values. */
  private async report(
    state: State,
    run: {
      readonly reason: ImageUpdateConditionReason;
      readonly message: string;
      readonly runTime: string;
      readonly requested: string | undefined;
      readonly observedCommit?: string;
      readonly pushedCommit?: string;
      readonly changes?: ImageUpdateObjectStatus['lastChanges'];
      readonly secrets?: readonly string[];
    },
  ): Promise<void> {
    const object = state.object;
    const key = objectKey(object);
    const message = scrub(run.message, run.secrets ?? []);
    const ready = run.reason === 'Updated' || run.reason === 'UpToDate';
    const previous = object.status?.conditions?.find((condition) => condition.type === 'Ready');
    const status: 'True' | 'False' = ready ? 'True' : 'False';
    const condition: ImageUpdateCondition = {
      type: 'Ready',
      status,
      reason: run.reason,
      message,
      lastTransitionTime: previous?.status === status ? previous.lastTransitionTime : new Date().toISOString(),
      ...(object.metadata.generation === undefined ? {} : { observedGeneration: object.metadata.generation }),
    };
    const patch: ImageUpdateObjectStatus = {
      conditions: [condition],
      lastRunTime: run.runTime,
      ...(object.metadata.generation === undefined ? {} : { observedGeneration: object.metadata.generation }),
      ...(run.observedCommit ? { observedCommit: run.observedCommit } : {}),
      ...(run.pushedCommit ? { lastPushedCommit: run.pushedCommit, lastChanges: run.changes ?? [] } : {}),
      ...(run.requested === undefined ? {} : { lastHandledReconcileAt: run.requested }),
    };
    const [namespace = '', name = ''] = key.split('/');
    try {
      await this.props.api.mergePatch(`${imageUpdatePath(namespace, name)}/status`, { status: patch });
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) {
        this.props.log.warn({ imageUpdate: key, event: 'status-failed', err: scrub((error as Error).message, run.secrets ?? []) }, 'could not write the ImageUpdate status');
      }
    }

    const metrics = this.props.metrics;
    if (metrics) {
      metrics.runs.inc({ namespace, name, reason: run.reason });
      metrics.duration.observe({ namespace, name }, Math.max(0, Date.now() - Date.parse(run.runTime)) / 1000);
      if (run.pushedCommit) metrics.lastPush.set({ namespace, name }, Date.now() / 1000);
    }

    const fields = { imageUpdate: key, event: 'image-update', reason: run.reason, ...(run.pushedCommit ? { commit: run.pushedCommit } : {}) };
    if (ready) this.props.log.info(fields, message);
    else this.props.log.warn(fields, message);

    if (run.pushedCommit) this.props.onPushed?.(object, run.pushedCommit, (run.changes ?? []).map((change) => `${change.environment}/${change.component}: ${change.from} → ${change.to}`));

    // Events: every push, and every failure whose message differs from the last one (a failure repeated each interval is one Event).
    const pushed = run.pushedCommit !== undefined;
    const changedFailure = !ready && (previous?.reason !== run.reason || previous.message !== message);
    if (this.props.events && (pushed || changedFailure)) {
      const lines = pushed ? [message, ...(run.changes ?? []).map((change) => `${change.environment}/${change.component}: ${change.from} → ${change.to}`)] : [message];
      const error = await this.props.events.record(object, { type: run.reason === 'Updated' ? 'Normal' : 'Warning', reason: run.reason, lines, ...(run.pushedCommit ? { revision: run.pushedCommit } : {}) });
      if (error) this.props.log.debug({ imageUpdate: key, event: 'event-failed', err: error.message }, 'could not record an Event');
    }
  }
}

/** The compiler, with this installation's node_modules linked into the clone: cluster sources import cdk8s. */
const defaultRecompile: Recompile = async (request) => {
  const installation = strataInstallation();
  const modules = installation === undefined ? undefined : path.join(installation, 'node_modules');
  const target = path.join(request.root, 'node_modules');
  if (modules !== undefined && !existsSync(target) && existsSync(modules)) symlinkSync(modules, target, 'dir');
  return recompileClusters(request);
};

function decode(value: string | undefined): string | undefined {
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/** Passwords and `auth` values of a docker config, to scrub from messages. */
function secretValuesOf(text: string): string[] {
  const values: string[] = [];
  try {
    const auths = (JSON.parse(text) as { auths?: Record<string, { auth?: unknown; password?: unknown; identitytoken?: unknown }> }).auths ?? {};
    for (const entry of Object.values(auths)) {
      for (const value of [entry?.auth, entry?.password, entry?.identitytoken]) if (typeof value === 'string' && value !== '') values.push(value);
      if (typeof entry?.auth === 'string') {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon >= 0 && colon < decoded.length - 1) values.push(decoded.slice(colon + 1));
      }
    }
  } catch {
    // parseCredentials reports it
  }
  return values;
}

/** Replaces every secret value in a message with `***` (longest first, so no part of one is left). */
export function scrub(message: string, secrets: readonly string[]): string {
  let text = message;
  for (const secret of [...secrets].filter((value) => value.length >= 3).sort((a, b) => b.length - a.length)) text = text.split(secret).join('***');
  return text;
}
