// `strata ui`'s HTTP server: the fleet of each kubeconfig context, kept by one watch per kind and
// context (the agent's Informer), pushed to pages as server-sent events. Requests to the clusters
// use the user's own credentials, so Kubernetes RBAC decides what a page may see and do.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { kubeAnswer, PageError } from './answer.ts';
import { authorized, LOGIN_HTML, readForm, tokenCookie } from './auth.ts';
import { ContextFleet } from './context-fleet.ts';
import { environmentOf, lineageOf, parityOf } from './environments.ts';
import type { Sync } from '../api/index.ts';
import type { FleetRow } from './fleet.ts';
import { pageHtml } from './page.ts';
import { Repositories } from './repositories.ts';
import { syncDetail } from './sync-detail.ts';
import { syncGitView } from './sync-history.ts';
import { syncNextView } from './sync-next.ts';

export interface UiContext {
  readonly name: string;
  readonly kubeConfig: KubeConfig;
}

export interface UiServerOptions {
  readonly contexts: readonly UiContext[];
  readonly log: Logger;
  /**
   * Where mirrors of the Syncs' Git repositories are kept (source commits, history).
   * @default a temporary folder, removed on close
   */
  readonly cacheDir?: string;
  /**
   * Pages only: no reconcile, suspend or resume (the agent's pages, `strata agent --ui`).
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Every request must carry this bearer token (or the cookie /login sets from it).
   * @default none: whoever reaches the address may use the UI (127.0.0.1 by default)
   */
  readonly token?: string;
}


export interface FleetSnapshot {
  readonly rows: readonly FleetRow[];
  /** Per context, why it could not be read (Kubernetes' own answer, e.g. Forbidden). */
  readonly errors: Readonly<Record<string, string>>;
}

const ACTION_PATH = /^\/api\/([^/]+)\/(Sync|ImageUpdate)\/([^/]+)\/([^/]+)\/(reconcile|suspend|resume)$/;
const SYNC_PATH = /^\/api\/syncs\/([^/]+)\/([^/]+)\/([^/]+)(?:\/(git|next))?$/;

export class UiServer {
  private readonly fleets: ContextFleet[];
  private readonly clients = new Set<ServerResponse>();
  private readonly abort = new AbortController();
  private pending: NodeJS.Timeout | undefined;
  private server: Server | undefined;
  private bundle: Promise<string> | undefined;
  private readonly repositories: Repositories;
  private readonly readOnly: boolean;
  private readonly token: string | undefined;

  constructor(options: UiServerOptions) {
    this.readOnly = options.readOnly ?? false;
    this.token = options.token;
    this.repositories = new Repositories(options.cacheDir ? { cacheDir: options.cacheDir } : {});
    this.fleets = options.contexts.map((context) => new ContextFleet(context, options.log, this.repositories, () => this.scheduleBroadcast()));
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
    await Promise.all(this.fleets.map((fleet) => fleet.close()));
    await this.repositories.close();
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
    const get = request.method === 'GET';
    try {
      if (this.token !== undefined) {
        if (url.pathname === '/login' && request.method === 'POST') return await this.login(request, response);
        if (!authorized(request, this.token)) {
          if (url.pathname.startsWith('/api/')) return json(response, 401, { message: 'Unauthorized: send the UI token as a bearer token, or sign in at /login' });
          return send(response, 401, 'text/html; charset=utf-8', LOGIN_HTML(false));
        }
      }
      if (get && url.pathname === '/') return send(response, 200, 'text/html; charset=utf-8', pageHtml(this.readOnly));
      if (get && url.pathname === '/favicon.ico') return send(response, 204, 'image/x-icon', '');
      if (get && url.pathname === '/app.js') return send(response, 200, 'text/javascript; charset=utf-8', await this.clientBundle());
      if (get && url.pathname === '/api/fleet') return json(response, 200, this.snapshot());
      if (get && url.pathname === '/api/events') return this.subscribe(response);
      if (get && url.pathname === '/api/parity') return await this.parity(response, url.searchParams.get('a') ?? '', url.searchParams.get('b') ?? '');
      if (get && url.pathname === '/api/lineage') return await this.lineage(response, url.searchParams.get('a') ?? '', url.searchParams.get('b') ?? '');
      const sync = SYNC_PATH.exec(url.pathname);
      if (get && sync) return await this.sync(response, sync.slice(1, 4).map(decodeURIComponent) as [string, string, string], sync[4]);
      const action = ACTION_PATH.exec(url.pathname);
      if (request.method === 'POST' && action) {
        if (this.readOnly) return json(response, 405, { message: 'these pages are read-only: reconcile, suspend and resume with strata or kubectl' });
        return await this.act(response, action.slice(1).map(decodeURIComponent) as [string, string, string, string, string]);
      }
      json(response, 404, { message: `no such page: ${url.pathname}` });
    } catch (error) {
      const answer = kubeAnswer(error);
      json(response, answer.status, { message: answer.message });
    }
  }

  private async login(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = await readForm(request);
    const token = this.token ?? '';
    if (!authorized({ headers: { authorization: `Bearer ${form.get('token') ?? ''}` } } as IncomingMessage, token)) return send(response, 401, 'text/html; charset=utf-8', LOGIN_HTML(true));
    response.writeHead(303, { location: '/', 'set-cookie': tokenCookie(token), 'cache-control': 'no-store' });
    response.end();
  }

  private fleet(context: string): ContextFleet {
    const fleet = this.fleets.find((candidate) => candidate.context.name === context);
    if (!fleet) throw new PageError(404, `no context ${context}`);
    return fleet;
  }

  /** The Sync page's parts: the cluster's view (default), Git's (`git`), or the next revision's dry-run (`next`). */
  private async sync(response: ServerResponse, [context, namespace, name]: [string, string, string], part: string | undefined): Promise<void> {
    const fleet = this.fleet(context);
    const sync = await fleet.syncs.get(namespace, name);
    if (part === 'git') return json(response, 200, await syncGitView(this.repositories, sync));
    if (part === 'next') return json(response, 200, await syncNextView(this.repositories, await fleet.client(), sync));
    json(response, 200, await syncDetail(context, sync, await fleet.client(), fleet.syncs));
  }

  /** A Sync named `context/namespace/name`, read now with the context's credentials. */
  private syncOf(id: string): Promise<Sync> {
    const [context = '', namespace = '', name = ''] = id.split('/');
    return this.fleet(context).syncs.get(namespace, name);
  }

  /** `a` and `b` are `context/namespace/name` of two Syncs applying cluster folders. */
  private async parity(response: ServerResponse, a: string, b: string): Promise<void> {
    const [left, right] = await Promise.all([this.syncOf(a), this.syncOf(b)]);
    const side = (sync: Sync) => ({ cluster: environmentOf(sync) || sync.metadata.name, sync });
    json(response, 200, await parityOf(this.repositories, side(left), side(right)));
  }

  /** How many source commits the environment `a` is behind (and ahead of) `b`; `{}` when not comparable. */
  private async lineage(response: ServerResponse, a: string, b: string): Promise<void> {
    const [left, right] = await Promise.all([this.syncOf(a), this.syncOf(b)]);
    json(response, 200, (await lineageOf(this.repositories, left, right)) ?? {});
  }

  private subscribe(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(`event: fleet\ndata: ${JSON.stringify(this.snapshot())}\n\n`);
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
  }

  private async act(response: ServerResponse, [context, kind, namespace, name, verb]: [string, string, string, string, string]): Promise<void> {
    const fleet = this.fleet(context);
    if (verb === 'reconcile') await (kind === 'Sync' ? fleet.syncs.requestReconcile(namespace, name) : fleet.imageUpdates.requestRun(namespace, name));
    else await (kind === 'Sync' ? fleet.syncs : fleet.imageUpdates).setSuspended(namespace, name, verb === 'suspend');
    json(response, 200, { message: `${verb} of ${kind} ${namespace}/${name} requested` });
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

function json(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, 'application/json', JSON.stringify(body));
}
