// The fleet page in headless Chromium (Debian's chromium, driven by playwright-core) against the
// real kube-apiserver: seeded Syncs show their state, Reconcile sets the annotation and the page
// shows the new result without a reload, a rights-less context sees Kubernetes' Forbidden, and no
// Secret value is in any response of the UI server.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MERGE_PATCH_TYPE } from '../../src/kube/index.ts';
import { SyncClient } from '../../src/reconciler/index.ts';
import { UiServer } from '../../src/ui/index.ts';
import { createTestNamespace, eventually, type TestNamespace } from '../cluster/index.ts';
import { testKubeConfig } from '../cluster/context.ts';
import { startGitServer, type GitServer } from '../git/git-server.ts';

const CHROMIUM = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium';
const SECRET_VALUE = 'ui-test-secret-value-7f3a9c';
const ARTIFACTS = path.resolve('test-results');

describe('strata ui in Chromium', () => {
  const admin = testKubeConfig('admin');
  const syncs = new SyncClient(admin);
  let ns: TestNamespace;
  let server: UiServer;
  let browser: Browser;
  let url: string;
  let git: GitServer;
  let source: string;
  let deploy: string;
  const bodies: string[] = [];

  async function seed(name: string, suspend: boolean, ready: { status: string; reason: string; message: string }, repo?: { url: string; revision: string }): Promise<void> {
    await syncs.create({ metadata: { name, namespace: ns.name }, spec: { suspend, url: repo?.url ?? 'file:///nowhere', path: 'deploy/x' } });
    await setReady(name, ready, repo?.revision);
  }
  async function setReady(name: string, ready: { status: string; reason: string; message: string }, revision = 'main@sha1:0123456789abcdef'): Promise<void> {
    const condition = { type: 'Ready', ...ready, lastTransitionTime: new Date().toISOString(), observedGeneration: 1 };
    await syncs.api.request('PATCH', `/apis/strata.dev/v1alpha1/namespaces/${ns.name}/syncs/${name}/status`, { status: { conditions: [condition], lastAppliedRevision: revision } }, { contentType: MERGE_PATCH_TYPE });
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (or set STRATA_CHROMIUM)`);
    await syncs.installCrd();
    ns = await createTestNamespace(admin, 'ui');
    await syncs.api.request('POST', `/api/v1/namespaces/${ns.name}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: SECRET_VALUE } });
    // The web Sync's revision is a `strata commit` on a real Git server: its row shows the source commit.
    git = await startGitServer();
    await git.createRepo('fleet');
    source = await git.push('fleet', { files: { 'apps/web.ts': 'export const replicas = 3;\n' }, message: 'Scale web to 3 replicas' });
    deploy = await git.push('fleet', { files: { 'deploy/x/app.yaml': 'kind: ConfigMap\n' }, message: `deploy: compile ${source.slice(0, 12)}\n\nSource-Commit: ${source}\n` });
    await seed('web', false, { status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision main@sha1:${deploy}` }, { url: git.daemonUrl('fleet'), revision: `main@sha1:${deploy}` });
    await seed('broken', false, { status: 'False', reason: 'BuildFailed', message: 'deploy/x/app.yaml: Deployment web: spec.replicas: expected integer' });
    await seed('paused', true, { status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision main@sha1:0123456789abcdef' });
    server = new UiServer({ contexts: [{ name: 'admin', kubeConfig: admin }, { name: 'alice', kubeConfig: testKubeConfig('alice') }], log: pino({ level: 'silent' }) });
    url = await server.listen(0);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await git?.teardown();
    await ns?.delete();
  });

  it('shows Ready, BuildFailed and suspended, reconciles live, and says Forbidden for alice', async () => {
    const page = await browser.newPage();
    page.on('response', (response) => void response.text().then((text) => bodies.push(text), () => undefined));
    await page.goto(url);
    const row = (name: string) => page.locator(`tr[data-name="${ns.name}/${name}"]`);
    await row('web').waitFor();
    expect(await row('web').getAttribute('data-state')).toBe('True');
    expect(await row('broken').getAttribute('data-state')).toBe('False');
    expect(await row('broken').textContent()).toContain('BuildFailed');
    expect(await row('paused').getAttribute('data-state')).toBe('suspended');
    expect(await page.locator('.error').textContent()).toMatch(/Context alice: Forbidden/);
    // The source commit of web's revision, read from the Git server: short sha, subject, author, age.
    await page.locator(`tr[data-name="${ns.name}/web"][data-source="${source}"]`).waitFor({ timeout: 20_000 });
    const commit = await row('web').locator('td.source').textContent();
    expect(commit).toContain(source.slice(0, 7));
    expect(commit).toContain('Scale web to 3 replicas');
    expect(commit).toMatch(/Strata Test · \d+s ago/);
    // Search finds a row by its commit's subject; the state filter keeps only the failing one.
    await page.getByLabel('Filter').fill('scale web');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    // (Narrowed to this test's namespace: other test files' Syncs are in the fleet too.)
    await page.getByLabel('Filter').fill(ns.name);
    await page.getByLabel('State').selectOption('False');
    await expect.poll(() => page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')))).toEqual([`${ns.name}/broken`]);
    await page.getByLabel('State').selectOption('');
    await page.getByLabel('Filter').fill('');
    await page.getByLabel('Filter').blur();
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-fleet.png'), fullPage: true });

    await row('broken').getByRole('button', { name: 'Reconcile' }).click();
    await eventually(async () => (await syncs.get(ns.name, 'broken')).metadata.annotations?.['strata.dev/reconcile-requested-at']);
    await setReady('broken', { status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision main@sha1:fedcba9876543210' });
    await page.locator(`tr[data-name="${ns.name}/broken"][data-state="True"]`).waitFor({ timeout: 10_000 });
    expect(await row('broken').textContent()).toContain('fedcba9876543210');

    await page.close();
    expect(bodies.length).toBeGreaterThan(2);
    expect(bodies.filter((body) => body.includes(SECRET_VALUE))).toEqual([]);
  }, 120_000);

  it('compares a large inventory with the cluster only when asked', async () => {
    const entries = Array.from({ length: 201 }, (_, index) => ({ id: `${ns.name}_cm-${index}__ConfigMap`, v: 'v1' }));
    await syncs.create({ metadata: { name: 'big', namespace: ns.name }, spec: { url: 'file:///nowhere', path: 'deploy/x' } });
    await syncs.api.request('PATCH', `/apis/strata.dev/v1alpha1/namespaces/${ns.name}/syncs/big/status`, { status: { inventory: { entries } } }, { contentType: MERGE_PATCH_TYPE });
    const page = await browser.newPage();
    const asked: string[] = [];
    page.on('request', (request) => void (request.url().endsWith('/next') && asked.push(request.url())));
    await page.goto(`${url}#/sync/admin/${ns.name}/big`);
    await page.locator('section[data-part="inventory"][data-loading="false"] li[data-object]').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('li[data-object]').count()).toBe(201);
    expect(await page.locator('section[data-part="next"]').textContent()).toContain('Not compared yet');
    expect(asked).toEqual([]);
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.locator('section[data-part="next"] .error').waitFor();
    expect(asked).toHaveLength(1);
    await page.close();
  }, 60_000);
});
