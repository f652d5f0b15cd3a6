// The environments page: which source commit each environment runs, side by side, and the
// `strata parity` difference between two of them (of what each one runs).
import { html } from 'htm/preact';
import type { FleetRow, Lineage, ParityResult } from '../index.ts';
import { sourceView, stateOf } from './fleet.ts';
import { draw, getJson, state, syncHref } from './state.ts';

const ORDER = ['development', 'dev', 'staging', 'stage', 'production', 'prod'];
let a = '';
let b = '';
let parity: { key: string; loading: boolean; data?: ParityResult; error?: string } | undefined;

const idOf = (row: FleetRow) => `${row.context}/${row.namespace}/${row.name}`;
/** Lineage of one environment against the newest, by both source commits (they never change). */
const lineages = new Map<string, Lineage | 'loading' | 'none'>();
/** Tries so far of a lineage the server could not tell yet (its mirror behind, a fetch failing). */
const lineageTries = new Map<string, number>();
const LINEAGE_TRIES = 5;

function lineage(row: FleetRow, newest: FleetRow): Lineage | undefined {
  if (!row.source || !newest.source || row.source.commit === newest.source.commit) return undefined;
  const key = `${idOf(row)} ${idOf(newest)} ${row.source.commit} ${newest.source.commit}`;
  const known = lineages.get(key);
  if (known === undefined) {
    lineages.set(key, 'loading');
    // No answer yet is not "none" for good: ask again a few times, later each time, and draw then
    // (nothing else redraws the page while the fleet stands still).
    const later = (): void => {
      lineages.set(key, 'none');
      const tries = (lineageTries.get(key) ?? 0) + 1;
      lineageTries.set(key, tries);
      if (tries < LINEAGE_TRIES) setTimeout(() => (lineages.delete(key), draw()), 2000 * tries);
    };
    getJson<Partial<Lineage>>(`/api/lineage?${new URLSearchParams({ a: idOf(row), b: idOf(newest) })}`).then((found) => {
      if (found.behind === undefined || found.ahead === undefined) return later();
      lineages.set(key, { behind: found.behind, ahead: found.ahead });
      draw();
    }, later);
  }
  return typeof known === 'object' ? known : undefined;
}

function lineageView(row: FleetRow, newest: FleetRow | undefined) {
  const found = newest && newest !== row ? lineage(row, newest) : undefined;
  if (!found || !newest) return '';
  const commits = (n: number) => `${n} source commit${n === 1 ? '' : 's'}`;
  const text = found.ahead === 0 ? `${commits(found.behind)} behind ${newest.environment}` : found.behind === 0 ? `${commits(found.ahead)} ahead of ${newest.environment}` : `apart from ${newest.environment}: ${commits(found.behind)} behind, ${found.ahead} ahead`;
  return html`<p class="lineage" data-behind=${found.behind} data-ahead=${found.ahead}>${text}</p>`;
}
const rank = (row: FleetRow) => {
  const index = ORDER.indexOf(row.environment);
  return index < 0 ? ORDER.length : index;
};

function compare(): void {
  const key = `${a} ${b}`;
  parity = { key, loading: true };
  draw();
  getJson<ParityResult>(`/api/parity?${new URLSearchParams({ a, b })}`).then(
    (data) => parity?.key === key && ((parity = { key, loading: false, data }), draw()),
    (error: Error) => parity?.key === key && ((parity = { key, loading: false, error: error.message }), draw()),
  );
}

const show = (value: unknown) => (value === undefined ? '(absent)' : JSON.stringify(value));

function parityView(result: ParityResult) {
  const renames = Object.entries(result.namespaces).map(([x, y]) => `${x} → ${y}`);
  return html`<p class="muted">Factored out: ${renames.length > 0 ? `namespaces ${renames.join(', ')}; ` : ''}${result.renamed} renamed objects. ${result.identical} identical, ${result.changed.length} differ, ${result.onlyInA.length} only in ${result.a}, ${result.onlyInB.length} only in ${result.b}.</p>
    ${result.same ? html`<p class="True">No difference beyond the expected overlay differences.</p>` : ''}
    <ul class="changes parity">
      ${result.changed.map((object) => html`<li data-parity=${object.id} data-action="differ"><span class="change update">~</span> ${object.a === object.b ? object.a : `${object.a} ↔ ${object.b}`}
        <ul>${object.differences.map((d) => html`<li><code>${d.path}</code>: <span class="False">${show(d.a)}</span> → <span class="True">${show(d.b)}</span></li>`)}</ul></li>`)}
      ${result.onlyInA.map((object) => html`<li data-parity=${object.id} data-action="only-a"><span class="change delete">-</span> ${object.object} <span class="muted">only in ${result.a}</span></li>`)}
      ${result.onlyInB.map((object) => html`<li data-parity=${object.id} data-action="only-b"><span class="change create">+</span> ${object.object} <span class="muted">only in ${result.b}</span></li>`)}
    </ul>`;
}

export function environmentsPage() {
  const rows = state.snapshot.rows.filter((row) => row.kind === 'Sync' && row.environment !== '').sort((x, y) => rank(x) - rank(y) || x.environment.localeCompare(y.environment) || idOf(x).localeCompare(idOf(y)));
  if (rows.length >= 2) {
    if (!rows.some((row) => idOf(row) === a)) a = idOf(rows[rows.length - 2]!);
    if (!rows.some((row) => idOf(row) === b)) b = idOf(rows[rows.length - 1]!);
  }
  const label = (row: FleetRow) => `${row.environment} (${row.context}, ${row.namespace}/${row.name})`;
  const picker = (name: string, value: string, set: (value: string) => void) =>
    html`<select aria-label=${name} value=${value} onChange=${(event: Event) => { set((event.target as HTMLSelectElement).value); draw(); }}>
      ${rows.map((row) => html`<option value=${idOf(row)}>${label(row)}</option>`)}</select>`;
  return html`<h1 tabindex="-1">Environments</h1>
    ${rows.length === 0 ? html`<p class="muted">No Sync applies a compiled cluster folder (${"deploy/<cluster>"}) in the selected contexts.</p>` : ''}
    <div class="environments">${rows.map((row, _index, all) => {
      // The newest source commit among the environments of the same repository.
      const newest = all.filter((other) => other.source?.time && other.repository === row.repository).sort((x, y) => Date.parse(y.source?.time ?? '') - Date.parse(x.source?.time ?? ''))[0];
      const same = rows.filter((other) => other !== row && other.source && other.source.commit === row.source?.commit).map((other) => other.environment);
      return html`<section class="environment" data-environment=${row.environment} data-sync=${`${row.namespace}/${row.name}`} data-state=${stateOf(row)} data-source=${row.source?.commit ?? ''} aria-label=${`Environment ${row.environment}`}>
        <h2>${row.environment}</h2>
        <p class="muted">${row.context} · <a href=${syncHref(row)}>${row.namespace}/${row.name}</a></p>
        <p><span class=${row.ready}>${row.ready}</span>${row.suspended ? html` <span class="suspended">(suspended)</span>` : ''} ${row.reason}</p>
        <div class="source">${sourceView(row)}</div>
        ${same.length > 0 ? html`<p class="muted">same source as ${same.join(', ')}</p>` : ''}
        ${lineageView(row, newest)}
      </section>`;
    })}</div>
    ${rows.length >= 2 ? html`<section aria-labelledby="parity" data-part="parity" data-loading=${parity?.loading ? 'true' : 'false'}>
      <h2 id="parity">Parity</h2>
      <p>${picker('Environment A', a, (value) => (a = value))} ↔ ${picker('Environment B', b, (value) => (b = value))} <button onClick=${compare}>Compare</button></p>
      ${parity?.key === `${a} ${b}` ? (parity.error ? html`<p class="error" role="alert">${parity.error}</p>` : parity.data ? parityView(parity.data) : html`<p class="muted">Comparing…</p>`) : ''}
    </section>` : ''}`;
}
