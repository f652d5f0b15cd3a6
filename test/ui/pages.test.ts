// The Sync page and the environments page in headless Chromium (Debian's chromium via
// playwright-core), against the real kube-apiserver, a real Git server on 127.0.0.1 and an
// in-process agent: three environments compiled by `strata commit`-style commits, staging moved
// on to a second source commit. The Sync page shows conditions, the inventory with live health,
// Events, history, what the last revision created/configured/pruned and what the next would
// change; the environments page shows the source commit each runs and their parity. No Secret
// value (plain or base64) is in any response; pages are keyboard-navigable and readable (4.5:1)
// in light and dark; a screenshot of each page is written to test-results/.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentHandle } from '../../src/agent/agent.ts';
import { ManifestSet, serializeIndex, type KubeObject } from '../../src/manifest/index.ts';
import { SyncClient } from '../../src/reconciler/index.ts';
import { findCondition } from '../../src/reconciler/status.ts';
import { UiServer } from '../../src/ui/index.ts';
import { createTestNamespace, eventually, type TestNamespace } from '../cluster/index.ts';
import { testKubeConfig } from '../cluster/context.ts';
import { startGitServer, type GitServer } from '../git/git-server.ts';
import { releaseSyncs } from '../reconciler/_harness.ts';

const CHROMIUM = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-results');
const ENVIRONMENTS = ['development', 'staging', 'production'] as const;
type Environment = (typeof ENVIRONMENTS)[number];
/** Every Secret value the test puts into Git: none may reach a page, plain or base64. */
const SECRETS: Record<string, string> = { development: 'pw-dev-31c9a4e7', staging: 'pw-staging-8e02b6d1', production: 'pw-prod-5f7a9c20', next: 'pw-prod-next-4b1d8e93' };

/** In the page: the contrast of every text colour it uses against the body's background. */
const CONTRAST = `(() => {
  const luminance = (rgb) => {
    const [r = 0, g = 0, b = 0] = (rgb.match(/\\d+(\\.\\d+)?/g) ?? []).map(Number).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = getComputedStyle(document.body).backgroundColor;
  const out = {};
  for (const element of document.querySelectorAll('h1, h2, a, td, .muted, .True, .False, .Unknown, .Current, .NotFound, .created, .configured, .pruned, .update, .create, button, pre')) {
    const colour = getComputedStyle(element).color;
    const [hi, lo] = [luminance(colour), luminance(background)].sort((x, y) => y - x);
    out[colour] = Math.round(((hi + 0.05) / (lo + 0.05)) * 10) / 10;
  }
  return { background, out };
})()`;

const configMap = (namespace: string, name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
const secret = (namespace: string, password: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace }, type: 'Opaque', stringData: { password } });

/** The compiled output of one environment, as `strata synth` writes it: a file per object plus index.json. */
function output(cluster: string, objects: readonly KubeObject[]): Record<string, string> {
  const set = ManifestSet.fromObjects(objects);
  const files: Record<string, string> = { [`deploy/${cluster}/index.json`]: serializeIndex(set.index(cluster)) };
  for (const entry of set.entries) files[`deploy/${cluster}/${entry.file}`] = entry.text;
  return files;
}

describe('strata ui: the Sync and environments pages in Chromium', () => {
  const admin = testKubeConfig('admin');
  const syncs = new SyncClient(admin);
  const namespaces: Partial<Record<Environment | 'syncs', TestNamespace>> = {};
  const ns = (name: Environment | 'syncs') => namespaces[name]?.name ?? '';
  let git: GitServer;
  let agent: AgentHandle;
  let server: UiServer;
  let browser: Browser;
  let url: string;
  const commits: Record<string, string> = {};
  const bodies: string[] = [];

  /** Each environment's objects at the first and the second source commit. */
  const objects = (env: Environment, second: boolean): KubeObject[] => {
    const n = ns(env);
    if (env === 'staging' && second) return [configMap(n, 'web-config', { replicas: '3' }), configMap(n, 'web-extra', { feature: 'on' }), secret(n, SECRETS.staging ?? '')];
    if (env === 'staging') return [configMap(n, 'web-config', { replicas: '1' }), configMap(n, 'old-config', { legacy: 'yes' }), secret(n, SECRETS.staging ?? '')];
    if (env === 'production') return [configMap(n, 'web-config', { replicas: second ? '2' : '1' }), configMap(n, 'web-flags', { beta: 'off' }), secret(n, second ? (SECRETS.next ?? '') : (SECRETS.production ?? ''))];
    return [configMap(n, 'web-config', { replicas: '1' }), secret(n, SECRETS.development ?? '')];
  };
  const tree = (second: boolean): Record<string, string> => ({
    'apps/web.ts': `export const replicas = ${second ? 3 : 1};\n`,
    ...Object.assign({}, ...ENVIRONMENTS.map((env) => output(env, objects(env, second)))),
  });

  const waitReady = (name: Environment, commit: string) =>
    eventually(async () => {
      const sync = await syncs.get(ns('syncs'), name);
      expect(findCondition(sync.status, 'Ready')?.status, JSON.stringify(sync.status?.conditions)).toBe('True');
      expect(sync.status?.lastAppliedRevision).toBe(`main@sha1:${commit}`);
      return true;
    }, { timeoutMs: 60_000 });

  async function record(page: Page): Promise<void> {
    page.on('response', (response) => void response.text().then((text) => bodies.push(text), () => undefined));
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (or set STRATA_CHROMIUM)`);
    await syncs.installCrd();
    for (const name of ['syncs', ...ENVIRONMENTS] as const) namespaces[name] = await createTestNamespace(admin, `ui-${name.slice(0, 4)}`);
    git = await startGitServer();
    await git.createRepo('fleet');
    commits.s1 = await git.push('fleet', { files: { 'apps/web.ts': 'export const replicas = 1;\n' }, message: 'Add the web app' });
    commits.d1 = await git.push('fleet', { files: tree(false), replaceAll: true, message: `deploy: compile ${commits.s1.slice(0, 12)}\n\nSource-Commit: ${commits.s1}\n` });
    for (const env of ENVIRONMENTS) {
      await syncs.create({ metadata: { name: env, namespace: ns('syncs') }, spec: { url: git.daemonUrl('fleet'), ref: { branch: 'main' }, path: `deploy/${env}`, interval: '1h', ...(env === 'staging' ? { driftDetection: { mode: 'disabled' } } : {}) } });
    }
    agent = await startAgent({ kubeconfig: admin, namespace: ns('syncs'), watchNamespace: ns('syncs'), port: 0, host: '127.0.0.1', leaderElection: false, jitter: 0, imageUpdates: false, logger: pino({ level: 'silent' }) });
    for (const env of ENVIRONMENTS) await waitReady(env, commits.d1);
    // Staging moves on to the second source commit; development and production stay on the first.
    commits.s2 = await git.push('fleet', { files: { 'apps/web.ts': 'export const replicas = 3;\n' }, message: 'Raise web to 3 replicas' });
    commits.d2 = await git.push('fleet', { files: tree(true), replaceAll: true, message: `deploy: compile ${commits.s2.slice(0, 12)}\n\nSource-Commit: ${commits.s2}\n` });
    await syncs.requestReconcile(ns('syncs'), 'staging');
    await waitReady('staging', commits.d2);

    server = new UiServer({ contexts: [{ name: 'admin', kubeConfig: admin }], log: pino({ level: 'silent' }) });
    url = await server.listen(0);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await agent?.stop();
    await git?.teardown();
    await releaseSyncs(syncs, ns('syncs')).catch(() => undefined);
    await Promise.allSettled(Object.values(namespaces).map((namespace) => namespace.delete()));
  });

  it('the Sync page: conditions, inventory with live health, last and next change, history, Events', async () => {
    const page = await browser.newPage();
    await record(page);
    await page.goto(`${url}#/sync/admin/${ns('syncs')}/staging`);
    const part = (id: string) => page.locator(`section[data-part="${id}"][data-loading="false"]`);
    await part('status').waitFor();
    expect(await page.locator('tr[data-condition="Ready"]').textContent()).toContain('True');
    await expect.poll(() => page.locator('.summary').textContent(), { timeout: 20_000 }).toContain('Raise web to 3 replicas');

    // The inventory tree, each object with its health by the agent's rules.
    const object = (subject: string) => page.locator(`li[data-object="${subject}"]`);
    expect(await object(`ConfigMap/${ns('staging')}/web-config`).getAttribute('data-health')).toBe('Current');
    expect(await object(`Secret/${ns('staging')}/db`).getAttribute('data-health')).toBe('Current');
    expect(await object(`ConfigMap/${ns('staging')}/old-config`).count()).toBe(0);

    // What the last revision did: created web-extra, configured web-config, pruned old-config.
    await part('git').waitFor({ timeout: 20_000 });
    const changes = await page.locator('section[data-part="git"] li[data-change]').evaluateAll((items) => items.map((item) => `${item.getAttribute('data-change')} ${item.textContent?.replace(/^.*?(created|configured|pruned)\s*/, '').trim()}`));
    expect(changes.sort()).toEqual([`configured ConfigMap/${ns('staging')}/web-config`, `created ConfigMap/${ns('staging')}/web-extra`, `pruned ConfigMap/${ns('staging')}/old-config`].sort());
    // History: both revisions of deploy/staging, the applied one marked, with its source commit.
    expect(await page.locator(`tr[data-commit="${commits.d2}"]`).textContent()).toMatch(/running/);
    expect(await page.locator(`tr[data-commit="${commits.d2}"]`).textContent()).toContain(commits.s2.slice(0, 7));
    expect(await page.locator(`tr[data-commit="${commits.d1}"]`).count()).toBe(1);
    // The agent's Events about this Sync.
    await eventually(async () => {
      await page.reload();
      await part('events').waitFor();
      expect(await page.locator('table.events tbody tr').count()).toBeGreaterThan(0);
      return true;
    });

    // Live health: an object deleted by hand (drift detection is off for staging) shows NotFound.
    await syncs.api.request('DELETE', `/api/v1/namespaces/${ns('staging')}/configmaps/web-extra`);
    await page.reload();
    await part('inventory').waitFor();
    expect(await object(`ConfigMap/${ns('staging')}/web-extra`).getAttribute('data-health')).toBe('NotFound');
    // And the next reconcile would create it again (server-side dry-run), nothing else.
    await part('next').waitFor({ timeout: 20_000 });
    expect(await page.locator(`li[data-next="ConfigMap/${ns('staging')}/web-extra"]`).getAttribute('data-action')).toBe('create');
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-sync.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('the next revision of production: a dry-run diff, the Secret by name only', async () => {
    const page = await browser.newPage();
    await record(page);
    await page.goto(`${url}#/sync/admin/${ns('syncs')}/production`);
    await page.locator('section[data-part="next"][data-loading="false"]').waitFor({ timeout: 30_000 });
    const config = page.locator(`li[data-next="ConfigMap/${ns('production')}/web-config"]`);
    expect(await config.getAttribute('data-action')).toBe('update');
    await config.locator('summary').click();
    expect(await config.locator('pre.diff').textContent()).toMatch(/-\s+replicas: "1"[\s\S]*\+\s+replicas: "2"/);
    const db = page.locator(`li[data-next="Secret/${ns('production')}/db"]`);
    expect(await db.getAttribute('data-action')).toBe('update');
    expect(await db.locator('pre').count()).toBe(0);
    expect(await page.locator('section[data-part="next"]').textContent()).toContain(`main@sha1:${commits.d2}`);
    await page.close();
  }, 60_000);

  it('the environments page: the source commit each runs, side by side, and their parity', async () => {
    const page = await browser.newPage();
    await record(page);
    await page.goto(`${url}#/environments`);
    // Other test files' Syncs may be environments too: this test looks at its own.
    const card = (env: Environment) => page.locator(`section[data-sync="${ns('syncs')}/${env}"]`);
    await card('staging').and(page.locator(`[data-source="${commits.s2}"]`)).waitFor({ timeout: 20_000 });
    await card('production').and(page.locator(`[data-source="${commits.s1}"]`)).waitFor({ timeout: 20_000 });
    expect(await card('development').getAttribute('data-source')).toBe(commits.s1);
    expect(await card('staging').textContent()).toContain('Raise web to 3 replicas');
    expect(await card('production').textContent()).toContain('Add the web app');
    expect(await card('production').textContent()).toContain('same source as development');
    // How far behind: one source commit (the deploy commit between them does not count).
    await card('production').locator('.lineage').waitFor({ timeout: 20_000 });
    expect(await card('production').locator('.lineage').textContent()).toBe('1 source commit behind staging');
    expect(await card('development').locator('.lineage').getAttribute('data-behind')).toBe('1');
    expect(await card('staging').locator('.lineage').count()).toBe(0);
    const order = await page.locator(`section[data-sync^="${ns('syncs')}/"]`).evaluateAll((cards) => cards.map((c) => c.getAttribute('data-environment')));
    expect(order).toEqual([...ENVIRONMENTS]);

    // Parity of staging and production, of what each one runs.
    await page.getByLabel('Environment A').selectOption(`admin/${ns('syncs')}/staging`);
    await page.getByLabel('Environment B').selectOption(`admin/${ns('syncs')}/production`);
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.locator('section[data-part="parity"][data-loading="false"] ul.parity').waitFor({ timeout: 20_000 });
    const items = await page.locator('li[data-parity]').evaluateAll((lis) => Object.fromEntries(lis.map((li) => [li.getAttribute('data-parity'), `${li.getAttribute('data-action')} ${li.textContent}`])));
    expect(items['/ConfigMap/web-config']).toMatch(/^differ[\s\S]*data\.replicas[\s\S]*"3"[\s\S]*"1"/);
    expect(items['/ConfigMap/web-extra']).toMatch(/^only-a/);
    expect(items['/ConfigMap/web-flags']).toMatch(/^only-b/);
    expect(items['/Secret/db']).toMatch(/^differ[\s\S]*\*\*\*/);
    expect(await page.locator('section[data-part="parity"]').textContent()).toContain(`namespaces ${ns('staging')} → ${ns('production')}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-environments.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('is keyboard-navigable and readable in light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await browser.newPage({ colorScheme });
      await record(page);
      await page.goto(url);
      await page.locator(`tr[data-name="${ns('syncs')}/staging"]`).waitFor();
      // From the search box (narrowed to this test's Syncs), Tab reaches the staging Sync's link;
      // Enter opens its page, and the focus is on its heading.
      await page.getByLabel('Filter').fill(ns('syncs'));
      await page.getByLabel('Filter').focus();
      let reached = false;
      for (let step = 0; step < 20 && !reached; step += 1) {
        await page.keyboard.press('Tab');
        reached = (await page.evaluate<string>("document.activeElement?.textContent ?? ''")) === `${ns('syncs')}/staging`;
      }
      expect(reached, 'Tab reaches the link to the staging Sync').toBe(true);
      await page.keyboard.press('Enter');
      await page.locator('section[data-part="status"][data-loading="false"]').waitFor();
      expect(await page.evaluate<string>('document.activeElement?.tagName')).toBe('H1');
      // Every text colour the page uses against its background: 4.5:1 at least (WCAG AA).
      const ratios = await page.evaluate<{ background: string; out: Record<string, number> }>(CONTRAST);
      expect(Object.keys(ratios.out).length).toBeGreaterThan(2);
      for (const [colour, ratio] of Object.entries(ratios.out)) expect(ratio, `${colour} on ${ratios.background} (${colorScheme})`).toBeGreaterThanOrEqual(4.5);
      if (colorScheme === 'dark') await page.screenshot({ path: path.join(ARTIFACTS, 'ui-sync-dark.png'), fullPage: true });
      await page.close();
    }
  }, 90_000);

  it('no Secret value, plain or base64, is in any response of the UI server', async () => {
    // The JSON behind the pages too, including the Sync page's parts and the parity.
    for (const env of ENVIRONMENTS) for (const part of ['', '/git', '/next']) bodies.push(await (await fetch(`${url}api/syncs/admin/${ns('syncs')}/${env}${part}`)).text());
    bodies.push(await (await fetch(`${url}api/parity?a=admin/${ns('syncs')}/staging&b=admin/${ns('syncs')}/production`)).text());
    expect(bodies.length).toBeGreaterThan(15);
    const leaks = Object.values(SECRETS).flatMap((value) => [value, Buffer.from(value).toString('base64')]).filter((needle) => bodies.some((body) => body.includes(needle)));
    expect(leaks).toEqual([]);
  }, 60_000);
});

