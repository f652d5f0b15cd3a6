/**
 * The apply engine's view of the Kubernetes API: a thin JSON client over the
 * transport and credentials of a `@kubernetes/client-node` KubeConfig, with one
 * keep-alive connection pool, per-request impersonation, request counters and
 * discovery (kind → resource name and scope), cached and refreshed on a miss so
 * that kinds of CRDs created a moment ago resolve.
 *
 * Every verb of the engine (apply, prune, wait, drift, diff) takes a KubeClient;
 * `client.impersonating(user)` gives a view that acts as another user while
 * sharing the pool, the counters and the discovery cache.
 */
import http from 'node:http';
import https from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../api/index.ts';
import { apiVersionOf, describeRef, refOf, splitApiVersion, type KubeObject, type ObjectRef } from '../manifest/index.ts';
import { formatDuration } from '../api/index.ts';
import { KubeApiError, NoKindMatchError, errorOf } from './errors.ts';
import { countRequest, headersOf, readAll, retryAfterMs } from './_http.ts';
import { withStringDataEncoded } from './secret-data.ts';

export { KubeApiError, NoKindMatchError, isImmutableError, type StatusCause } from './errors.ts';

/** Options of {@link KubeClient}. */
export interface KubeClientOptions {
  /**
   * Most connections kept open to the API server.
   * @default 32
   */
  readonly maxSockets?: number;
  /**
   * Gives up on a request (not a watch) after this long.
   * @default 30_000
   */
  readonly requestTimeoutMs?: number;
  /**
   * Sent as User-Agent.
   * @default FIELD_MANAGER ('strata')
   */
  readonly userAgent?: string;
  /**
   * How long credentials read from the kubeconfig are reused before they are read again
   * (token files and exec plugins rotate).
   * @default 60_000
   */
  readonly credentialsTtlMs?: number;
  /**
   * How many times a request refused with 429 (or a 5xx) and a `Retry-After` header is sent
   * again after the time the server asked for, as client-go does: API Priority and Fairness
   * refuses requests beyond a flow's share that way, which many requests in flight can meet.
   * @default 10
   */
  readonly maxRetries?: number;
}

/** Where a kind lives in the API: what discovery says about it. */
export interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** The plural resource name used in paths, e.g. `deployments`. */
  readonly resource: string;
  readonly namespaced: boolean;
}

/** Requests made through a client and its impersonating views, by kind of request. */
export interface RequestStats {
  /** Every request, including watches and discovery. */
  requests: number;
  /** Requests that change the cluster: POST, PUT, PATCH and DELETE without dryRun. */
  writes: number;
  /** Server-side dry-run requests. */
  dryRuns: number;
  /** Requests by HTTP method. */
  readonly byMethod: Record<string, number>;
}

/** One event of a watch stream. */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: KubeObject;
}

export interface RequestOptions {
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  readonly query?: Readonly<Record<string, string | undefined>>;
}

export interface ApplyRequestOptions {
  /** @default FIELD_MANAGER ('strata') */
  readonly fieldManager?: string;
  /** Take fields owned by other managers (SSA `force`). @default true */
  readonly force?: boolean;
  /** Server-side dry-run. @default false */
  readonly dryRun?: boolean;
  /**
   * What the API server does with unknown or duplicate fields: `Strict` refuses the
   * object (as kubectl does), `Warn` and `Ignore` drop them.
   * @default 'Strict'
   */
  readonly fieldValidation?: FieldValidation;
  readonly signal?: AbortSignal;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface DeleteRequestOptions {
  /** @default 'Background' */
  readonly propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** Delete only this incarnation of the object. */
  readonly uid?: string;
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
}

export interface ListResult {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
}

interface Transport {
  readonly server: URL;
  readonly agent: http.Agent;
  readonly kubeConfig: KubeConfig;
  readonly stats: RequestStats;
  readonly discovery: Map<string, Promise<Map<string, ResourceInfo>>>;
  readonly options: Required<KubeClientOptions>;
  headers: Record<string, string>;
  headersAt: number;
}

const JSON_TYPE = 'application/json';
export const APPLY_PATCH_TYPE = 'application/apply-patch+yaml';
export const MERGE_PATCH_TYPE = 'application/merge-patch+json';

export class KubeClient {
  /** The user this view impersonates, if any (`Impersonate-User`). */
  readonly impersonate: string | undefined;

  private constructor(
    private readonly transport: Transport,
    impersonate: string | undefined,
  ) {
    this.impersonate = impersonate;
  }

  /** A client for the current context of `kubeConfig`. */
  static async fromKubeConfig(kubeConfig: KubeConfig, options: KubeClientOptions = {}): Promise<KubeClient> {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const resolved: Required<KubeClientOptions> = {
      maxSockets: options.maxSockets ?? 32,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      userAgent: options.userAgent ?? 'strata',
      credentialsTtlMs: options.credentialsTtlMs ?? 60_000,
      maxRetries: options.maxRetries ?? 10,
    };
    const server = new URL(cluster.server);
    const tls: https.RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(tls);
    const agentOptions: https.AgentOptions = {
      keepAlive: true,
      maxSockets: resolved.maxSockets,
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      pfx: tls.pfx,
      passphrase: tls.passphrase,
      ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
      ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    };
    const agent = server.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent({ keepAlive: true, maxSockets: resolved.maxSockets });
    const transport: Transport = {
      server,
      agent,
      kubeConfig,
      stats: { requests: 0, writes: 0, dryRuns: 0, byMethod: {} },
      discovery: new Map(),
      options: resolved,
      headers: headersOf(tls),
      headersAt: Date.now(),
    };
    return new KubeClient(transport, undefined);
  }

  /** A view acting as `user` (e.g. `system:serviceaccount:ns:name`); `undefined` acts as the client's own user. */
  impersonating(user: string | undefined): KubeClient {
    return user === this.impersonate ? this : new KubeClient(this.transport, user);
  }

  /** The counters shared by this client and its views. */
  get stats(): Readonly<RequestStats> {
    return this.transport.stats;
  }

  resetStats(): void {
    const stats = this.transport.stats;
    stats.requests = 0;
    stats.writes = 0;
    stats.dryRuns = 0;
    for (const key of Object.keys(stats.byMethod)) delete stats.byMethod[key];
  }

  /** Closes idle connections; the client stays usable. */
  close(): void {
    this.transport.agent.destroy();
  }

  // ---- discovery ----

  /**
   * Where `kind` of `apiVersion` is served. A miss re-reads the group version once
   * (a CRD may have been created since); still missing → NoKindMatchError.
   */
  async resource(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceInfo> {
    const cached = await this.discover(apiVersion, false, signal);
    const hit = cached.get(kind);
    if (hit) return hit;
    const fresh = await this.discover(apiVersion, true, signal);
    const found = fresh.get(kind);
    if (!found) throw new NoKindMatchError(apiVersion, kind);
    return found;
  }

  /** The resource of an object reference. */
  resourceOf(ref: ObjectRef, signal?: AbortSignal): Promise<ResourceInfo> {
    return this.resource(apiVersionOf(ref), ref.kind, signal);
  }

  /** Forgets discovery of one group version, or of all. */
  invalidate(apiVersion?: string): void {
    if (apiVersion === undefined) this.transport.discovery.clear();
    else this.transport.discovery.delete(apiVersion);
  }

  private discover(apiVersion: string, refresh: boolean, signal?: AbortSignal): Promise<Map<string, ResourceInfo>> {
    const cache = this.transport.discovery;
    const existing = cache.get(apiVersion);
    if (existing && !refresh) return existing;
    const { group, version } = splitApiVersion(apiVersion);
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    const loading = this.request<{ resources?: { name: string; kind: string; namespaced: boolean }[] }>('GET', path, undefined, { signal })
      .then((list) => {
        const byKind = new Map<string, ResourceInfo>();
        for (const resource of list?.resources ?? []) {
          if (resource.name.includes('/')) continue; // subresources
          byKind.set(resource.kind, { group, version, kind: resource.kind, resource: resource.name, namespaced: resource.namespaced });
        }
        return byKind;
      })
      .catch((error: unknown) => {
        cache.delete(apiVersion);
        if (error instanceof KubeApiError && error.status === 404) return new Map<string, ResourceInfo>();
        throw error;
      });
    cache.set(apiVersion, loading);
    return loading;
  }

  // ---- paths ----

  /** `/api/v1/namespaces/ns/configmaps` (namespace omitted → all namespaces). */
  collectionPath(info: ResourceInfo, namespace?: string): string {
    const base = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
    return info.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${info.resource}` : `${base}/${info.resource}`;
  }

  /** The path of one object; a namespaced kind without namespace is an error naming the object. */
  objectPath(info: ResourceInfo, ref: ObjectRef): string {
    if (info.namespaced && ref.namespace === '') throw new Error(`${describeRef(ref)}: ${ref.kind} is namespaced but the object has no namespace`);
    return `${this.collectionPath(info, info.namespaced ? ref.namespace : undefined)}/${encodeURIComponent(ref.name)}`;
  }

  // ---- verbs ----

  /** The live object, or undefined when it does not exist. */
  async get(ref: ObjectRef, signal?: AbortSignal): Promise<KubeObject | undefined> {
    const info = await this.resourceOf(ref, signal);
    try {
      return await this.request<KubeObject>('GET', this.objectPath(info, ref), undefined, { signal });
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Every object of a collection, read in pages of `pageSize`. */
  async list(info: ResourceInfo, namespace: string | undefined, options: { labelSelector?: string; signal?: AbortSignal; pageSize?: number } = {}): Promise<ListResult> {
    const apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
    const items: KubeObject[] = [];
    let resourceVersion = '';
    let next: string | undefined;
    do {
      const page = await this.request<{ items?: KubeObject[]; metadata?: { resourceVersion?: string; continue?: string } }>('GET', this.collectionPath(info, namespace), undefined, {
        signal: options.signal,
        query: { labelSelector: options.labelSelector, limit: String(options.pageSize ?? 500), continue: next },
      });
      // List items come without apiVersion and kind; put them back.
      for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind: info.kind });
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      next = page.metadata?.continue || undefined;
    } while (next !== undefined);
    return { items, resourceVersion };
  }

  /**
   * Server-side apply of `object` (a PATCH with its whole desired state; a Secret's `stringData`
   * as `data`, see {@link withStringDataEncoded}). Returns the object as stored (or as it would
   * be, with `dryRun`) and whether it was created.
   */
  async apply(object: KubeObject, options: ApplyRequestOptions = {}): Promise<{ object: KubeObject; created: boolean }> {
    const ref = refOf(object);
    const info = await this.resourceOf(ref, options.signal);
    const { status, body } = await this.send<KubeObject>('PATCH', this.objectPath(info, ref), withStringDataEncoded(object), {
      contentType: APPLY_PATCH_TYPE,
      signal: options.signal,
      query: {
        fieldManager: options.fieldManager ?? FIELD_MANAGER,
        force: String(options.force ?? true),
        dryRun: options.dryRun ? 'All' : undefined,
        fieldValidation: options.fieldValidation ?? 'Strict',
      },
    });
    return { object: body, created: status === 201 };
  }

  /** Deletes an object; false when it was already gone. */
  async delete(ref: ObjectRef, options: DeleteRequestOptions = {}): Promise<boolean> {
    const info = await this.resourceOf(ref, options.signal);
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: options.propagationPolicy ?? 'Background',
      ...(options.uid === undefined ? {} : { preconditions: { uid: options.uid } }),
      ...(options.dryRun ? { dryRun: ['All'] } : {}),
    };
    try {
      await this.request('DELETE', this.objectPath(info, ref), body, { signal: options.signal, query: { dryRun: options.dryRun ? 'All' : undefined } });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false;
      throw error;
    }
  }

  /**
   * Streams a watch of a collection from `resourceVersion` until it ends (resolves),
   * fails (rejects; 410 Gone as a KubeApiError with status 410) or `signal` aborts (resolves).
   */
  async watch(
    info: ResourceInfo,
    namespace: string | undefined,
    options: { resourceVersion: string; labelSelector?: string; timeoutSeconds?: number },
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const path = this.collectionPath(info, namespace);
    const query = {
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: options.resourceVersion,
      labelSelector: options.labelSelector,
      timeoutSeconds: String(options.timeoutSeconds ?? 300 + Math.floor(Math.random() * 300)),
    };
    const response = await this.open('GET', path, undefined, { signal, query }, false);
    if ((response.statusCode ?? 0) >= 400) throw errorOf('GET', path, response.statusCode ?? 0, await readAll(response));
    const apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      const onAbort = (): void => {
        response.destroy();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const finish = (error?: Error): void => {
        signal.removeEventListener('abort', onAbort);
        if (error && !signal.aborted) reject(error);
        else resolve();
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf('\n');
          if (line === '') continue;
          let event: WatchEvent;
          try {
            event = JSON.parse(line) as WatchEvent;
          } catch (error) {
            response.destroy();
            finish(new KubeApiError('GET', path, 0, 'InvalidWatchEvent', `watch ${path}: unreadable event: ${(error as Error).message}`));
            return;
          }
          if (event.type === 'ERROR') {
            const status = event.object as unknown as { code?: number; reason?: string; message?: string };
            response.destroy();
            finish(new KubeApiError('GET', path, status.code ?? 0, status.reason ?? 'WatchError', `watch ${path}: ${status.message ?? 'error event'}`));
            return;
          }
          onEvent({ type: event.type, object: { ...event.object, apiVersion, kind: info.kind } });
        }
      });
      response.on('end', () => finish());
      response.on('close', () => finish());
      response.on('error', (error) => finish(error));
    });
  }

  /** A JSON request; throws KubeApiError for answers ≥ 400. */
  async request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return (await this.send<T>(method, path, body, options)).body;
  }

  /** Like {@link request}, with the status code. */
  async send<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<{ status: number; body: T }> {
    let response = await this.open(method, path, body, options, true);
    if (response.statusCode === 401 && this.transport.headersAt > 0) {
      // Credentials may have rotated (token files, exec plugins): read them again once.
      await readAll(response);
      this.transport.headersAt = 0;
      response = await this.open(method, path, body, options, true);
    }
    for (let retry = 1; retry <= this.transport.options.maxRetries; retry += 1) {
      const waitMs = retryAfterMs(response);
      if (waitMs === undefined) break;
      await readAll(response);
      await delay(waitMs, undefined, { signal: options.signal });
      response = await this.open(method, path, body, options, true);
    }
    const text = await readAll(response);
    const status = response.statusCode ?? 0;
    if (status >= 400) throw errorOf(method, path, status, text);
    return { status, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }

  private async credentials(): Promise<Record<string, string>> {
    const transport = this.transport;
    if (transport.headersAt === 0 || Date.now() - transport.headersAt > transport.options.credentialsTtlMs) {
      const tls: https.RequestOptions = {};
      await transport.kubeConfig.applyToHTTPSOptions(tls);
      transport.headers = headersOf(tls);
      transport.headersAt = Date.now();
    }
    return transport.headers;
  }

  private async open(method: string, path: string, body: unknown, options: RequestOptions, timeout: boolean): Promise<http.IncomingMessage> {
    const transport = this.transport;
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) query.set(key, value);
    const search = query.size > 0 ? `?${query}` : '';
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {
      Accept: JSON_TYPE,
      'User-Agent': transport.options.userAgent,
      ...(await this.credentials()),
    };
    if (this.impersonate !== undefined) headers['Impersonate-User'] = this.impersonate;
    if (payload !== undefined) {
      headers['Content-Type'] = options.contentType ?? JSON_TYPE;
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    countRequest(transport.stats, method, query.get('dryRun') !== null || (method === 'DELETE' && (body as { dryRun?: unknown } | undefined)?.dryRun !== undefined));
    const send = transport.server.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const request = send({
        agent: transport.agent,
        protocol: transport.server.protocol,
        hostname: transport.server.hostname.replace(/^\[|\]$/g, ''),
        port: transport.server.port,
        path: `${transport.server.pathname.replace(/\/$/, '')}${path}${search}`,
        method,
        headers,
        signal: options.signal,
      });
      if (timeout) {
        request.setTimeout(transport.options.requestTimeoutMs, () => {
          request.destroy(new KubeApiError(method, path, 0, 'Timeout', `${method} ${path}: no answer after ${formatDuration(transport.options.requestTimeoutMs)}`));
        });
      }
      request.on('response', resolve);
      request.on('error', (error) => {
        reject(error instanceof KubeApiError || error.name === 'AbortError' ? error : new KubeApiError(method, path, 0, 'ConnectionFailed', `${method} ${path}: ${error.message}`, [], { cause: error }));
      });
      if (payload !== undefined) request.write(payload);
      request.end();
    });
  }
}
