// The Sync page: conditions, the inventory tree with live health, what the last revision changed
// and what the next would change, history and Events. It reloads its parts when the fleet stream
// says the Sync changed, so it stays live without polling.
import { html } from 'htm/preact';
import type { FleetRow, InventoryBranch, SyncDetail, SyncGitView, SyncNextView } from '../index.ts';
import { actions, sourceView, stateOf } from './fleet.ts';
import { age, draw, getJson, state } from './state.ts';

interface Part<T> {
  data?: T;
  error?: string;
  loading: boolean;
}

let key = '';
let lastRow = '';
let lastRevision: string | undefined;
let detail: Part<SyncDetail> = { loading: true };
let git: Part<SyncGitView> = { loading: true };
let next: Part<SyncNextView> = { loading: true };

/** Marks the part loading (drawn with the page being drawn) and draws again when it arrives. */
function load<T>(path: string, set: (part: Part<T>) => void, keep?: T): void {
  const forKey = key;
  set({ loading: true, ...(keep ? { data: keep } : {}) });
  getJson<T>(path).then(
    (data) => forKey === key && (set({ loading: false, data }), draw()),
    (error: Error) => forKey === key && (set({ loading: false, error: error.message }), draw()),
  );
}

const base = () => `/api/syncs/${key.split('/').map(encodeURIComponent).join('/')}`;
const loadDetail = () => load<SyncDetail>(base(), (part) => (detail = part), detail.data);
const loadGit = () => load<SyncGitView>(`${base()}/git`, (part) => (git = part), git.data);
const loadNext = () => load<SyncNextView>(`${base()}/next`, (part) => (next = part), next.data);
/** The button: the page is drawn already, so show the part loading now. */
const compareAgain = () => (loadNext(), draw());

/**
 * Larger inventories are compared with the cluster only when asked: the dry-run costs the API
 * server a request or two per object, too much to spend on every visit and every new revision.
 */
const AUTO_COMPARE_OBJECTS = 200;
const autoCompare = (row: FleetRow | undefined) => (row?.objects ?? 0) <= AUTO_COMPARE_OBJECTS;

/** Called on every draw: loads the parts for a new Sync, and again when its row changed. */
function follow(context: string, namespace: string, name: string, row: FleetRow | undefined): void {
  const wanted = `${context}/${namespace}/${name}`;
  if (wanted !== key) {
    key = wanted;
    lastRow = JSON.stringify(row ?? null);
    lastRevision = row?.revision;
    detail = { loading: true };
    git = { loading: true };
    next = { loading: autoCompare(row) };
    loadDetail();
    loadGit();
    if (autoCompare(row)) loadNext();
    return;
  }
  const now = JSON.stringify(row ?? null);
  if (now === lastRow) return;
  lastRow = now;
  loadDetail();
  if (row?.revision !== lastRevision) {
    lastRevision = row?.revision;
    loadGit();
    if (autoCompare(row)) loadNext();
  }
}

function section<T>(title: string, id: string, part: Part<T>, view: (data: T) => unknown, extra: unknown = '') {
  return html`<section aria-labelledby=${id} data-part=${id} data-loading=${part.loading ? 'true' : 'false'}>
    <h2 id=${id}>${title} ${extra}</h2>
    ${part.error ? html`<p class="error" role="alert">${part.error}</p>` : part.data ? view(part.data) : part.loading ? html`<p class="muted">Loading…</p>` : html`<p class="muted">Not compared yet: a dry-run of every object, on request for inventories over ${AUTO_COMPARE_OBJECTS} objects.</p>`}
  </section>`;
}

function tree(branches: readonly InventoryBranch[]) {
  if (branches.length === 0) return html`<p class="muted">No objects.</p>`;
  return html`<ul class="tree">${branches.map(
    (branch) => html`<li><span class="ns">${branch.namespace === '' ? '(cluster)' : `Namespace/${branch.namespace}`}</span>
      <ul>${branch.objects.map(
        (object) => html`<li data-object=${`${object.kind}/${branch.namespace ? `${branch.namespace}/` : ''}${object.name}`} data-health=${object.health}>
          <span class="health ${object.health}">${object.health}</span> ${object.kind}${object.group ? `.${object.group}` : ''}/${object.name}
          ${object.message ? html` <span class="muted">${object.message}</span>` : ''}</li>`,
      )}</ul></li>`,
  )}</ul>`;
}

const SIGN: Readonly<Record<string, string>> = { created: '+', configured: '~', pruned: '-', orphaned: '-', create: '+', update: '~', delete: '-', skip: '!', error: '!' };

function detailView(data: SyncDetail) {
  return html`<dl class="facts">
      <dt>Source</dt><dd><code>${data.url}</code> ${data.ref}, path <code>${data.path || '/'}</code></dd>
      <dt>Applied</dt><dd><code>${data.lastAppliedRevision || '—'}</code></dd>
      ${data.lastAttemptedRevision && data.lastAttemptedRevision !== data.lastAppliedRevision ? html`<dt>Attempted</dt><dd><code>${data.lastAttemptedRevision}</code></dd>` : ''}
    </dl>
    <table><thead><tr><th scope="col">Condition</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Since</th><th scope="col">Message</th></tr></thead>
    <tbody>${data.conditions.map((c) => html`<tr data-condition=${c.type}><td>${c.type}</td><td class=${c.status}>${c.status}</td><td>${c.reason}</td><td>${age(c.lastTransitionTime)}</td><td><pre class="message">${c.message}</pre></td></tr>`)}</tbody></table>`;
}

function gitView(data: SyncGitView) {
  const change = data.lastChange;
  return html`${change
      ? html`<h3>What the last revision changed</h3>
        <p class="muted">${change.from ? html`<code>${change.from.replace(/^.*@sha1:/, '').slice(0, 12)}</code> → ` : ''}<code>${change.to.replace(/^.*@sha1:/, '').slice(0, 12)}</code></p>
        ${change.changes.length === 0 ? html`<p class="muted">No object changed.</p>` : html`<ul class="changes">${change.changes.map((c) => html`<li data-change=${c.action}><span class="change ${c.action}">${SIGN[c.action]} ${c.action}</span> ${c.subject}</li>`)}</ul>`}`
      : ''}
    <h3>History</h3>
    ${data.revisions.length === 0 ? html`<p class="muted">No revisions of this folder.</p>` : html`<table class="history"><thead><tr><th scope="col">Revision</th><th scope="col">Subject</th><th scope="col">Author</th><th scope="col">Age</th><th scope="col">Objects</th></tr></thead>
      <tbody>${data.revisions.map((r) => html`<tr data-commit=${r.commit} class=${r.running ? 'running' : ''}><td><code>${r.commit.slice(0, 12)}</code>${r.running ? html` <strong>running</strong>` : ''}${r.sourceCommit ? html`<div class="muted">source <code>${r.sourceCommit.slice(0, 7)}</code></div>` : ''}</td><td>${r.subject}</td><td>${r.author}</td><td>${age(r.time)}</td><td>+${r.counts.added} ~${r.counts.changed} -${r.counts.removed}</td></tr>`)}</tbody></table>`}`;
}

function nextView(data: SyncNextView) {
  return html`<p>Revision <code>${data.revision}</code>${data.applied ? ' (the one applied: what is left is drift)' : ' (not applied yet)'}: ${data.changes.length} to change, ${data.unchanged} unchanged.</p>
    ${data.changes.length === 0 ? '' : html`<ul class="changes">${data.changes.map((c) => html`<li data-next=${c.subject} data-action=${c.action}><span class="change ${c.action}">${SIGN[c.action] ?? ''} ${c.action}</span> ${c.subject}${c.message ? html` <span class="muted">${c.message}</span>` : ''}
      ${c.diff ? html`<details><summary>Diff</summary><pre class="diff">${c.diff}</pre></details>` : ''}</li>`)}</ul>`}`;
}

function historyAndEvents(data: SyncDetail) {
  return html`<h3>Reconciliations (the agent's record)</h3>
    ${data.history.length === 0 ? html`<p class="muted">None yet.</p>` : html`<table><thead><tr><th scope="col">Revision</th><th scope="col">Result</th><th scope="col">Reason</th><th scope="col">Times</th><th scope="col">Last</th></tr></thead>
      <tbody>${data.history.map((h) => html`<tr><td><code>${h.revision.replace(/^.*@sha1:/, '').slice(0, 12)}</code></td><td>${h.result}</td><td>${h.reason}</td><td>${h.totalReconciliations}</td><td>${age(h.lastReconciled)}</td></tr>`)}</tbody></table>`}
    <h3>Events</h3>
    ${data.eventsError ? html`<p class="error" role="alert">${data.eventsError}</p>` : ''}
    ${data.events.length === 0 ? html`<p class="muted">No Events.</p>` : html`<table class="events"><thead><tr><th scope="col">Age</th><th scope="col">Type</th><th scope="col">Reason</th><th scope="col">Note</th></tr></thead>
      <tbody>${data.events.map((e) => html`<tr data-reason=${e.reason}><td>${age(e.time)}</td><td class=${e.type === 'Warning' ? 'False' : ''}>${e.type}</td><td>${e.reason}</td><td><pre class="message">${e.note}</pre></td></tr>`)}</tbody></table>`}`;
}

export function syncPage(context: string, namespace: string, name: string) {
  const row = state.snapshot.rows.find((r) => r.kind === 'Sync' && r.context === context && r.namespace === namespace && r.name === name);
  follow(context, namespace, name, row);
  return html`<p><a href="#/">← Fleet</a></p>
    <h1 tabindex="-1">Sync ${namespace}/${name} <span class="muted">in ${context}</span></h1>
    ${row ? html`<p class="summary" data-state=${stateOf(row)}><span class=${row.ready}>${row.ready}</span>${row.suspended ? html` <span class="suspended">(suspended)</span>` : ''} ${row.reason} · ${sourceView(row)} ${actions(row)}</p>` : ''}
    ${section('Status', 'status', detail, detailView)}
    ${section('Inventory', 'inventory', detail, (data) => tree(data.inventory))}
    ${section('What the next reconcile would change', 'next', next, nextView, html`<button onClick=${compareAgain}>${next.data ? 'Compare again' : 'Compare'}</button>`)}
    ${section('Changes and history', 'git', git, gitView)}
    ${section('History and Events', 'events', detail, historyAndEvents)}`;
}
