// `npm run bench:ui`: how long the fleet page of `strata ui` takes to show 200 Syncs in headless
// Chromium (Debian's chromium via playwright-core), from navigation to the last row drawn, against
// a real kube-apiserver (its own, or STRATA_TEST_KUBECONFIG). The goal is under a second; the peer
// is the same page's first byte (what any server-rendered page costs at least), and the ratio.
import { loadavg } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { chromium } from 'playwright-core';
import { MERGE_PATCH_TYPE } from '../src/kube/index.ts';
import { SyncClient } from '../src/reconciler/index.ts';
import { UiServer } from '../src/ui/index.ts';
import { startCluster, type TestCluster } from '../test/cluster/cluster.ts';

const SYNCS = Number(process.env['BENCH_UI_SYNCS'] ?? 200);
const RUNS = 5;
const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  let cluster: TestCluster | undefined;
  let kubeconfigPath = process.env['STRATA_TEST_KUBECONFIG'];
  if (!kubeconfigPath) {
    cluster = await startCluster({ workloads: false });
    kubeconfigPath = cluster.kubeconfigPath;
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const client = new SyncClient(kc);
  const ns = `bench-ui-${Date.now().toString(36)}`;
  const browser = await chromium.launch({ executablePath: process.env['STRATA_CHROMIUM'] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  let server: UiServer | undefined;
  try {
    await client.installCrd();
    await client.api.request('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    for (let index = 0; index < SYNCS; index += 1) {
      const name = `app-${String(index).padStart(3, '0')}`;
      await client.create({ metadata: { name, namespace: ns }, spec: { url: 'file:///nowhere', path: `deploy/${name}` } });
      const ready = index % 10 === 0 ? { status: 'False', reason: 'BuildFailed', message: `deploy/${name}/app.yaml: bad` } : { status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision main@sha1:0123456789abcdef' };
      await client.api.request('PATCH', `/apis/strata.dev/v1alpha1/namespaces/${ns}/syncs/${name}/status`, { status: { conditions: [{ type: 'Ready', ...ready, lastTransitionTime: new Date().toISOString() }] } }, { contentType: MERGE_PATCH_TYPE });
    }
    server = new UiServer({ contexts: [{ name: 'bench', kubeConfig: kc }], log: pino({ level: 'silent' }) });
    const url = await server.listen(0);
    while (server.snapshot().rows.length < SYNCS) await new Promise((resolve) => setTimeout(resolve, 50));
    const page = await browser.newPage();
    const rendered: number[] = [];
    const firstByte: number[] = [];
    for (let run = 0; run <= RUNS; run += 1) {
      const start = performance.now();
      await page.goto(url, { waitUntil: 'commit' });
      const byte = performance.now() - start;
      await page.waitForFunction(`document.querySelectorAll('tbody tr').length >= ${SYNCS}`);
      if (run === 0) continue; // the first run builds the bundle
      firstByte.push(byte);
      rendered.push(performance.now() - start);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    log(`strata ui fleet page, ${SYNCS} Syncs, median of ${RUNS} in headless Chromium, load average ${loadavg()[0]?.toFixed(1)}`);
    log(`  all rows drawn:  ${median(rendered).toFixed(0)} ms (goal < 1000 ms)`);
    log(`  first byte:      ${median(firstByte).toFixed(0)} ms`);
    log(`  ratio:           ${(median(rendered) / Math.max(median(firstByte), 1)).toFixed(1)}x`);
  } finally {
    await browser.close();
    await server?.close();
    await client.api.request('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
    await cluster?.stop();
  }
}

await main();
