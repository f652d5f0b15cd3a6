// The fleet page: every Sync and ImageUpdate of every context, with filter and search.
import { html } from 'htm/preact';
import type { FleetRow } from '../index.ts';
import { act, age, draw, state, syncHref } from './state.ts';

let filter = '';
let wanted = '';

const STATES: readonly [string, string][] = [['', 'All states'], ['True', 'Ready'], ['False', 'Failing'], ['Unknown', 'Unknown'], ['suspended', 'Suspended']];

export function stateOf(row: FleetRow): string {
  return row.suspended ? 'suspended' : row.ready;
}

export function sourceView(row: Pick<FleetRow, 'revision' | 'source' | 'sourceError'>) {
  const source = row.source;
  if (!source) {
    return html`<code>${row.revision.replace(/^.*@sha1:/, '').slice(0, 12)}</code>${row.sourceError ? html`<div class="muted" title=${row.sourceError}>source commit unavailable</div>` : ''}`;
  }
  return html`<code title=${source.commit}>${source.commit.slice(0, 7)}</code> <span class="subject">${source.subject}</span>
    <div class="muted">${source.author}${source.time ? ` · ${age(source.time)} ago` : ''}</div>`;
}

export function actions(row: FleetRow) {
  if (state.config.readOnly) return '';
  return html`<button onClick=${() => act(row, 'reconcile')}>Reconcile</button>${row.suspended
    ? html`<button onClick=${() => act(row, 'resume')}>Resume</button>`
    : html`<button onClick=${() => act(row, 'suspend')}>Suspend</button>`}`;
}

function rowView(row: FleetRow) {
  const name = `${row.namespace}/${row.name}`;
  return html`<tr data-name=${name} data-state=${stateOf(row)} data-source=${row.source?.commit ?? ''}>
    <td>${row.context}</td><td>${row.kind}</td>
    <td class="name">${row.kind === 'Sync' ? html`<a href=${syncHref(row)}>${name}</a>` : name}</td>
    <td class=${row.ready}>${row.ready}${row.suspended ? html` <span class="suspended">(suspended)</span>` : ''}</td>
    <td>${row.reason}</td><td class="source">${sourceView(row)}</td><td>${age(row.created)}</td>
    <td class="muted">${row.message.split('\n')[0]}</td>
    ${state.config.readOnly ? '' : html`<td class="actions">${actions(row)}</td>`}
  </tr>`;
}

function matches(row: FleetRow, needle: string): boolean {
  if (wanted && stateOf(row) !== wanted) return false;
  if (!needle) return true;
  const text = `${row.context} ${row.kind} ${row.namespace}/${row.name} ${row.ready} ${row.reason} ${row.message} ${row.revision} ${row.source?.commit ?? ''} ${row.source?.subject ?? ''} ${row.source?.author ?? ''}`;
  return text.toLowerCase().includes(needle);
}

export function fleetPage() {
  const needle = filter.toLowerCase();
  const rows = state.snapshot.rows.filter((row) => matches(row, needle));
  return html`<h1 tabindex="-1">Fleet</h1>
    <div class="filters">
      <input type="search" aria-label="Filter" placeholder="Search: name, reason, commit, author…" value=${filter} onInput=${(event: Event) => { filter = (event.target as HTMLInputElement).value; draw(); }} />
      <select aria-label="State" value=${wanted} onChange=${(event: Event) => { wanted = (event.target as HTMLSelectElement).value; draw(); }}>
        ${STATES.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
      </select>
      <span class="muted" aria-live="polite">${rows.length} of ${state.snapshot.rows.length}</span>
    </div>
    <table><thead><tr><th scope="col">Context</th><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Ready</th><th scope="col">Reason</th><th scope="col">Source commit</th><th scope="col">Age</th><th scope="col">Message</th>${state.config.readOnly ? '' : html`<th scope="col">Actions</th>`}</tr></thead>
    <tbody>${rows.map(rowView)}</tbody></table>`;
}
