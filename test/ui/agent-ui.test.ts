// `strata agent --ui` as a real process against the real kube-apiserver, seen in headless
// Chromium: off unless asked, refused without a token file, and with one the same pages behind a
// sign-in, read-only (no action buttons; a POST gets 405), while the agent reconciles as usual.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncClient } from '../../src/reconciler/index.ts';
import { spawnAgent, strata, type AgentProcess } from '../agent/_agent-process.ts';
import { createTestNamespace, eventually, type TestNamespace } from '../cluster/index.ts';
import { testCluster, testKubeConfig } from '../cluster/context.ts';
import { startGitServer, type GitServer } from '../git/git-server.ts';
import { releaseSyncs } from '../reconciler/_harness.ts';

const CHROMIUM = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium';
const TOKEN = 'agent-ui-token-0c4f9e2a7b';

describe('strata agent --ui', () => {
  const admin = testKubeConfig('admin');
  const syncs = new SyncClient(admin);
  let ns: TestNamespace;
  let git: GitServer;
  let agent: AgentProcess;
  let browser: Browser;
  let dir: string;
  let url: string;

  beforeAll(async () => {
    await syncs.installCrd();
    ns = await createTestNamespace(admin, 'ui-agent');
    dir = mkdtempSync(path.join(tmpdir(), 'strata-agent-ui-'));
    writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
    git = await startGitServer();
    await git.createRepo('app');
    await git.push('app', { files: { 'deploy/app/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: ${ns.name}\ndata:\n  a: "1"\n` }, message: 'Add web' });
    await syncs.create({ metadata: { name: 'app', namespace: ns.name }, spec: { url: git.daemonUrl('app'), path: 'deploy/app', interval: '1h' } });
    agent = spawnAgent(['--kubeconfig', testCluster().kubeconfigPath, '--namespace', ns.name, '--watch-namespace', ns.name, '--leader-elect=false', '--image-updates=false', '--ui', '--ui-token-file', path.join(dir, 'token'), '--ui-port', '0']);
    url = await eventually(async () => {
      const found = /Strata UI \(read-only\) on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(agent.output())?.[1];
      expect(found, agent.output()).toBeDefined();
      return found ?? '';
    }, { timeoutMs: 60_000 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.kill('SIGTERM');
    await git?.teardown();
    if (ns) await releaseSyncs(syncs, ns.name).catch(() => undefined);
    await ns?.delete();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('will not serve pages without a token file', async () => {
    const result = await strata(['agent', '--kubeconfig', testCluster().kubeconfigPath, '--ui', '--ui-port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--ui needs --ui-token-file');
  });

  it('serves the pages read-only behind a sign-in with the token', async () => {
    expect((await fetch(new URL('/api/fleet', url))).status).toBe(401);
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByLabel(/Token/).fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toMatch(/not the one/);
    await page.getByLabel(/Token/).fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The fleet, live from the agent's watch: the Sync turns Ready, and no action is offered.
    await page.locator(`tr[data-name="${ns.name}/app"][data-state="True"]`).waitFor({ timeout: 60_000 });
    expect(await page.getByRole('button', { name: 'Reconcile' }).count()).toBe(0);
    expect(await page.locator('nav').textContent()).toContain('read-only');
    await page.getByRole('link', { name: `${ns.name}/app` }).click();
    await page.locator(`li[data-object="ConfigMap/${ns.name}/web"][data-health="Current"]`).waitFor({ timeout: 20_000 });
    await page.close();

    const action = await fetch(new URL(`/api/${encodeURIComponent(await contextName())}/Sync/${ns.name}/app/reconcile`, url), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(action.status).toBe(405);
    expect((await syncs.get(ns.name, 'app')).metadata.annotations?.['strata.dev/reconcile-requested-at']).toBeUndefined();
  }, 120_000);

  async function contextName(): Promise<string> {
    const fleet = (await (await fetch(new URL('/api/fleet', url), { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { rows: { context: string }[] };
    return fleet.rows[0]?.context ?? '';
  }
});
