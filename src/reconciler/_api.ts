/**
 * @internal A small JSON client for the agent's own objects (Syncs, Events,
 * Leases, Secrets): get, list, create, merge-patch and watch over the
 * KubeConfig's transport. The apply engine has its own client in `client.ts`.
 */
import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface WatchEvent<T> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: T;
}

export class AgentApi {
  private readonly server: URL;

  constructor(readonly kubeConfig: KubeConfig) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  async request<T>(method: string, path: string, body?: unknown, options: { contentType?: string; signal?: AbortSignal; headers?: Record<string, string> } = {}): Promise<T> {
    const response = await this.open(method, path, body, options);
    const text = await readAll(response);
    const status = response.statusCode ?? 0;
    if (status >= 400) {
      let reason = 'Unknown';
      let message = text.slice(0, 500);
      try {
        const parsed = JSON.parse(text) as { reason?: string; message?: string };
        reason = parsed.reason ?? reason;
        message = parsed.message ?? message;
      } catch {
        // not a Status object
      }
      throw new ApiError(status, reason, `${method} ${path}: ${status} ${message}`);
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, undefined, { signal });
  }

  /** GET that returns undefined for 404. */
  async find<T>(path: string, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return await this.get<T>(path, signal);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  mergePatch<T>(path: string, patch: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>('PATCH', path, patch, { contentType: 'application/merge-patch+json', signal });
  }

  /**
   * Watches a collection from `resourceVersion`, calling `onEvent` per event until
   * the stream ends or `signal` aborts. Resolves when it ends; rejects on errors.
   */
  async watch<T>(path: string, query: Record<string, string>, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    const params = new URLSearchParams({ ...query, watch: 'true', allowWatchBookmarks: 'true' });
    const response = await this.open('GET', `${path}?${params}`, undefined, { signal });
    if ((response.statusCode ?? 0) >= 400) {
      const text = await readAll(response);
      throw new ApiError(response.statusCode ?? 0, 'WatchFailed', `watch ${path}: ${response.statusCode} ${text.slice(0, 300)}`);
    }
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (line !== '') {
            try {
              onEvent(JSON.parse(line) as WatchEvent<T>);
            } catch (error) {
              response.destroy(error as Error);
            }
          }
          newline = buffer.indexOf('\n');
        }
      });
      response.on('end', () => resolve());
      response.on('close', () => resolve());
      response.on('error', (error) => (signal.aborted ? resolve() : reject(error)));
    });
  }

  private async open(method: string, path: string, body: unknown, options: { contentType?: string; signal?: AbortSignal; headers?: Record<string, string> }): Promise<http.IncomingMessage> {
    const url = new URL(path, this.server);
    const base: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: 'application/json', ...((base.headers as Record<string, string>) ?? {}), ...(options.headers ?? {}) };
    if (payload !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        {
          ...base,
          agent: undefined,
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method,
          headers,
          signal: options.signal,
        },
        resolve,
      );
      request.on('error', reject);
      if (payload !== undefined) request.write(payload);
      request.end();
    });
  }
}

function readAll(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

/** Loads a KubeConfig from a file, or in-cluster config when no file is given. */
export function loadKubeConfig(file?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (file) kubeConfig.loadFromFile(file);
  else if (process.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}
