// `strata ui`'s HTTP server: the fleet of each kubeconfig context, kept by one watch per kind and
// context (the agent's Informer), pushed to pages as server-sent events. Requests to the clusters
// use the user's own credentials, so Kubernetes RBAC decides what a page may see and do.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { IMAGE_UPDATE_API_VERSION, IMAGE_UPDATE_KIND, IMAGE_UPDATE_PLURAL, SYNC_GROUP, SYNC_KIND, SYNC_PLURAL, SYNC_VERSION, type ImageUpdate, type Sync } from '../api/index.ts';
import { Informer, KubeApiError, objectKey, type ResourceInfo } from '../kube/index.ts';
import { ImageUpdateClient } from '../images/index.ts';
import { SyncClient } from '../reconciler/index.ts';
import { imageUpdateRow, syncRow, type FleetRow } from './fleet.ts';
import { PAGE_HTML } from './page.ts';

export interface UiContext {
  readonly name: string;
  readonly kubeConfig: KubeConfig;
}

export interface UiServerOptions {
  readonly contexts: readonly UiContext[];
  readonly log: Logger;
}

export interface FleetSnapshot {
  readonly rows: readonly FleetRow[];
  /** Per context, why it could not be read (Kubernetes' own answer, e.g. Forbidden). */
  readonly errors: Readonly<Record<string, string>>;
}

const [IMAGE_UPDATE_GROUP = '', IMAGE_UPDATE_VERSION = ''] = IMAGE_UPDATE_API_VERSION.split('/');
const SYNC_RESOURCE: ResourceInfo = { group: SYNC_GROUP, version: SYNC_VERSION, kind: SYNC_KIND, resource: SYNC_PLURAL, namespaced: true };
const IMAGE_UPDATE_RESOURCE: ResourceInfo = { group: IMAGE_UPDATE_GROUP, version: IMAGE_UPDATE_VERSION, kind: IMAGE_UPDATE_KIND, resource: IMAGE_UPDATE_PLURAL, namespaced: true };

/** Kubernetes' answer to a refused request, as a person reads it; anything else by its message. */
export function kubeAnswer(error: unknown): { status: number; message: string } {
  if (error instanceof KubeApiError) return { status: error.status, message: `${error.reason || 'Error'}: ${error.message}` };
  return { status: 500, message: error instanceof Error ? error.message : String(error) };
}

class ContextFleet {
  readonly syncs: SyncClient;
  readonly imageUpdates: ImageUpdateClient;
  readonly rows = new Map<string, FleetRow>();
  error: string | undefined;

  constructor(
    readonly context: UiContext,
    private readonly log: Logger,
    private readonly changed: () => void,
  ) {
    this.syncs = new SyncClient(context.kubeConfig);
    this.imageUpdates = new ImageUpdateClient(context.kubeConfig);
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
          else this.rows.set(key, row(object));
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
}

const ACTION_PATH = /^\/api\/([^/]+)\/(Sync|ImageUpdate)\/([^/]+)\/([^/]+)\/(reconcile|suspend|resume)$/;

export class UiServer {
  private readonly fleets: ContextFleet[];
  private readonly clients = new Set<ServerResponse>();
  private readonly abort = new AbortController();
  private pending: NodeJS.Timeout | undefined;
  private server: Server | undefined;
  private bundle: Promise<string> | undefined;

  constructor(options: UiServerOptions) {
    this.fleets = options.contexts.map((context) => new ContextFleet(context, options.log, () => this.scheduleBroadcast()));
  }

  snapshot(): FleetSnapshot {
    const errors: Record<string, string> = {};
    for (const fleet of this.fleets) if (fleet.error) errors[fleet.context.name] = fleet.error;
    const rows = this.fleets.flatMap((fleet) => [...fleet.rows.values()]);
    rows.sort((a, b) => `${a.context}/${a.kind}/${a.namespace}/${a.name}`.localeCompare(`${b.context}/${b.kind}/${b.namespace}/${b.name}`));
    return { rows, errors };
  }

  /** Listens on `address:port` (port 0: any free one); resolves with the URL. */
  async listen(port: number, address = '127.0.0.1'): Promise<string> {
    for (const fleet of this.fleets) void fleet.run(this.abort.signal);
    const server = createServer((request, response) => void this.handle(request, response));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => resolve());
    });
    const bound = server.address();
    const actualPort = typeof bound === 'object' && bound ? bound.port : port;
    return `http://${address.includes(':') ? `[${address}]` : address}:${actualPort}/`;
  }

  async close(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.pending);
    for (const client of this.clients) client.end();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Many watch events in a burst (a relist of 200 Syncs) become one message. */
  private scheduleBroadcast(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      const data = `event: fleet\ndata: ${JSON.stringify(this.snapshot())}\n\n`;
      for (const client of this.clients) client.write(data);
    }, 50);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://ui');
    try {
      if (request.method === 'GET' && url.pathname === '/') return send(response, 200, 'text/html; charset=utf-8', PAGE_HTML);
      if (request.method === 'GET' && url.pathname === '/app.js') return send(response, 200, 'text/javascript; charset=utf-8', await this.clientBundle());
      if (request.method === 'GET' && url.pathname === '/api/fleet') return send(response, 200, 'application/json', JSON.stringify(this.snapshot()));
      if (request.method === 'GET' && url.pathname === '/api/events') return this.subscribe(response);
      const action = ACTION_PATH.exec(url.pathname);
      if (request.method === 'POST' && action) return await this.act(response, action.slice(1).map(decodeURIComponent) as [string, string, string, string, string]);
      send(response, 404, 'application/json', JSON.stringify({ message: `no such page: ${url.pathname}` }));
    } catch (error) {
      const answer = kubeAnswer(error);
      send(response, answer.status, 'application/json', JSON.stringify({ message: answer.message }));
    }
  }

  private subscribe(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(`event: fleet\ndata: ${JSON.stringify(this.snapshot())}\n\n`);
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
  }

  private async act(response: ServerResponse, [context, kind, namespace, name, verb]: [string, string, string, string, string]): Promise<void> {
    const fleet = this.fleets.find((candidate) => candidate.context.name === context);
    if (!fleet) return send(response, 404, 'application/json', JSON.stringify({ message: `no context ${context}` }));
    if (verb === 'reconcile') await (kind === 'Sync' ? fleet.syncs.requestReconcile(namespace, name) : fleet.imageUpdates.requestRun(namespace, name));
    else await (kind === 'Sync' ? fleet.syncs : fleet.imageUpdates).setSuspended(namespace, name, verb === 'suspend');
    send(response, 200, 'application/json', JSON.stringify({ message: `${verb} of ${kind} ${namespace}/${name} requested` }));
  }

  /** The packaged bundle next to this module, else (a source checkout) built now with esbuild. */
  private clientBundle(): Promise<string> {
    this.bundle ??= (async () => {
      const packaged = fileURLToPath(new URL('./client.bundle.js', import.meta.url));
      if (existsSync(packaged)) return readFileSync(packaged, 'utf8');
      const { buildClientBundle } = await import('./bundle.ts');
      return buildClientBundle();
    })();
    return this.bundle;
  }
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  response.end(body);
}
