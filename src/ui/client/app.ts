// The fleet page: every Sync and ImageUpdate of every context, live from the server's event stream.
import { html, render } from 'htm/preact';
import type { FleetRow, FleetSnapshot } from '../index.ts';

let snapshot: FleetSnapshot = { rows: [], errors: {} };
let filter = '';
let notice = '';

function age(created: string): string {
  const s = Math.floor((Date.now() - Date.parse(created)) / 1000);
  if (!Number.isFinite(s)) return '';
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.floor(s / 60)}m` : s < 172800 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86400)}d`;
}

async function act(row: FleetRow, verb: string): Promise<void> {
  const path = ['api', row.context, row.kind, row.namespace, row.name, verb].map(encodeURIComponent).join('/');
  const response = await fetch(`/${path}`, { method: 'POST' });
  const body = (await response.json()) as { message: string };
  notice = response.ok ? body.message : `${row.namespace}/${row.name}: ${body.message}`;
  draw();
}

function rowView(row: FleetRow) {
  const state = row.suspended ? 'suspended' : row.ready;
  return html`<tr data-name=${`${row.namespace}/${row.name}`} data-state=${state}>
    <td>${row.context}</td><td>${row.kind}</td><td>${row.namespace}/${row.name}</td>
    <td class=${row.ready}>${row.ready}${row.suspended ? html` <span class="suspended">(suspended)</span>` : ''}</td>
    <td>${row.reason}</td><td><code>${row.revision.slice(0, 12)}</code></td><td>${age(row.created)}</td>
    <td class="muted">${row.message.split('\n')[0]}</td>
    <td><button onClick=${() => act(row, 'reconcile')}>Reconcile</button>${row.suspended
      ? html`<button onClick=${() => act(row, 'resume')}>Resume</button>`
      : html`<button onClick=${() => act(row, 'suspend')}>Suspend</button>`}</td>
  </tr>`;
}

function draw(): void {
  const needle = filter.toLowerCase();
  const rows = snapshot.rows.filter((row) => !needle || `${row.context} ${row.kind} ${row.namespace}/${row.name} ${row.ready} ${row.reason} ${row.message}`.toLowerCase().includes(needle));
  render(
    html`<h1>Fleet</h1>
      ${Object.entries(snapshot.errors).map(([context, message]) => html`<p class="error" role="alert">Context ${context}: ${message}</p>`)}
      ${notice ? html`<p role="status" class="notice">${notice}</p>` : ''}
      <input type="search" aria-label="Filter" placeholder="Filter: name, state, reason…" value=${filter} onInput=${(event: Event) => { filter = (event.target as HTMLInputElement).value; draw(); }} />
      <table><thead><tr><th>Context</th><th>Kind</th><th>Name</th><th>Ready</th><th>Reason</th><th>Revision</th><th>Age</th><th>Message</th><th>Actions</th></tr></thead>
      <tbody>${rows.map(rowView)}</tbody></table>`,
    document.getElementById('app')!,
  );
}

new EventSource('/api/events').addEventListener('fleet', (event) => {
  snapshot = JSON.parse((event as MessageEvent<string>).data) as FleetSnapshot;
  draw();
});
