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
  const bodies: string[] = [];

  async function seed(name: string, suspend: boolean, ready: { status: string; reason: string; message: string }): Promise<void> {
    await syncs.create({ metadata: { name, namespace: ns.name }, spec: { suspend, url: 'file:///nowhere', path: 'deploy/x' } });
    await setReady(name, ready);
  }
  async function setReady(name: string, ready: { status: string; reason: string; message: string }): Promise<void> {
    const condition = { type: 'Ready', ...ready, lastTransitionTime: new Date().toISOString(), observedGeneration: 1 };
    await syncs.api.request('PATCH', `/apis/strata.dev/v1alpha1/namespaces/${ns.name}/syncs/${name}/status`, { status: { conditions: [condition], lastAppliedRevision: 'main@sha1:0123456789abcdef' } }, { contentType: MERGE_PATCH_TYPE });
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (or set STRATA_CHROMIUM)`);
    await syncs.installCrd();
    ns = await createTestNamespace(admin, 'ui');
    await syncs.api.request('POST', `/api/v1/namespaces/${ns.name}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: SECRET_VALUE } });
    await seed('web', false, { status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision main@sha1:0123456789abcdef' });
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
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-fleet.png'), fullPage: true });

    await row('broken').getByRole('button', { name: 'Reconcile' }).click();
    await eventually(async () => expect((await syncs.get(ns.name, 'broken')).metadata.annotations?.['strata.dev/reconcile-requested-at']).toBeTruthy());
    await setReady('broken', { status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision main@sha1:fedcba9876543210' });
    await page.locator(`tr[data-name="${ns.name}/broken"][data-state="True"]`).waitFor({ timeout: 10_000 });
    expect(await row('broken').textContent()).toContain('fedcba9876543210');

    await page.close();
    expect(bodies.length).toBeGreaterThan(2);
    expect(bodies.filter((body) => body.includes(SECRET_VALUE))).toEqual([]);
  }, 120_000);
});
