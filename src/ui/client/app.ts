// The page script: routes (#/, #/sync/<context>/<namespace>/<name>, #/environments) to the page
// that draws them, from the fleet the server streams (server-sent events).
import { html, render } from 'htm/preact';
import type { FleetSnapshot } from '../index.ts';
import { environmentsPage } from './environments.ts';
import { fleetPage } from './fleet.ts';
import { state, onDraw } from './state.ts';
import { syncPage } from './sync.ts';

let route = '';

function page() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'sync' && parts.length === 4) return syncPage(parts[1] ?? '', parts[2] ?? '', parts[3] ?? '');
  if (parts[0] === 'environments') return environmentsPage();
  return fleetPage();
}

function drawAll(): void {
  const current = location.hash.startsWith('#/sync/') ? 'sync' : location.hash.startsWith('#/environments') ? 'environments' : 'fleet';
  render(
    html`<nav aria-label="Pages"><a href="#/" aria-current=${current === 'fleet' ? 'page' : undefined}>Fleet</a> <a href="#/environments" aria-current=${current === 'environments' ? 'page' : undefined}>Environments</a>${state.config.readOnly ? html` <span class="muted">read-only</span>` : ''}</nav>
      ${Object.entries(state.snapshot.errors).map(([context, message]) => html`<p class="error" role="alert">Context ${context}: ${message}</p>`)}
      ${state.notice ? html`<p role="status" class="notice">${state.notice}</p>` : ''}
      ${page()}`,
    document.getElementById('app')!,
  );
  // A new page moves the keyboard focus to its heading, as a page load would.
  if (location.hash !== route) {
    route = location.hash;
    document.querySelector<HTMLElement>('h1')?.focus();
  }
}

onDraw(drawAll);
window.addEventListener('hashchange', () => {
  state.notice = '';
  drawAll();
});
new EventSource('/api/events').addEventListener('fleet', (event) => {
  state.snapshot = JSON.parse((event as MessageEvent<string>).data) as FleetSnapshot;
  drawAll();
});
