// What every page shares: the fleet from the server's event stream, the server's config, the
// current route, and one draw() that renders the page the route names.
import type { FleetRow, FleetSnapshot } from '../index.ts';

export const state = {
  snapshot: { rows: [], errors: {} } as FleetSnapshot,
  config: { readOnly: document.getElementById('app')?.dataset['readOnly'] === 'true' },
  notice: '',
};

let drawer: () => void = () => undefined;
export function onDraw(draw: () => void): void {
  drawer = draw;
}
export function draw(): void {
  drawer();
}

export function age(time: string): string {
  const s = Math.floor((Date.now() - Date.parse(time)) / 1000);
  if (!Number.isFinite(s)) return '';
  return s < 120 ? `${Math.max(s, 0)}s` : s < 7200 ? `${Math.floor(s / 60)}m` : s < 172800 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86400)}d`;
}

export function syncHref(row: { context: string; namespace: string; name: string }): string {
  return `#/sync/${[row.context, row.namespace, row.name].map(encodeURIComponent).join('/')}`;
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path);
  const body = (await response.json()) as T & { message?: string };
  if (!response.ok) throw new Error(body.message ?? `${response.status}`);
  return body;
}

/** Reconcile, suspend or resume; the notice says what Kubernetes answered. */
export async function act(row: Pick<FleetRow, 'context' | 'kind' | 'namespace' | 'name'>, verb: string): Promise<void> {
  const path = ['api', row.context, row.kind, row.namespace, row.name, verb].map(encodeURIComponent).join('/');
  const response = await fetch(`/${path}`, { method: 'POST' });
  const body = (await response.json()) as { message: string };
  state.notice = response.ok ? body.message : `${row.namespace}/${row.name}: ${body.message}`;
  draw();
}
