// `npm run bench:fleet`: a fleet of Syncs split across shards, on a test cluster it starts itself.
//   2,000 Syncs × 10 objects (ConfigMaps, Secrets, ServiceAccounts) from one repository, labelled
//   `strata.dev/shard` in turn over 2 shards, one agent process per shard (the bundle the image
//   runs, leader election on, one Lease per shard). Measures: the time from creating the Syncs
//   until every one is Ready, RSS per shard (peak and steady), and the apiserver's requests per
//   minute in the steady state, read from its own `apiserver_request_total` (by verb and
//   resource), where the target is no request at all for the managed objects between intervals.
// Environment: BENCH_FLEET_SYNCS (2000), BENCH_FLEET_OBJECTS (10), BENCH_FLEET_SHARDS (2),
// BENCH_FLEET_WINDOW_S (60, the steady-state window), BENCH_FLEET_TIMEOUT_S (1800),
// STRATA_TEST_KUBECONFIG to use a running cluster instead of starting one.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import https from 'node:https';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { toCanonicalYaml, type KubeObject } from '../src/manifest/index.ts';
import { SHARD_LABEL } from '../src/api/index.ts';
import { SyncClient, findCondition } from '../src/reconciler/index.ts';
import { startCluster, type TestCluster } from '../test/cluster/cluster.ts';
import { startGitServer } from '../test/git/git-server.ts';
import { rssMb, samplesOf } from './_process-stats.ts';

const SYNCS = Number(process.env['BENCH_FLEET_SYNCS'] ?? 2000);
const OBJECTS = Number(process.env['BENCH_FLEET_OBJECTS'] ?? 10);
const SHARDS = Number(process.env['BENCH_FLEET_SHARDS'] ?? 2);
const WINDOW_S = Number(process.env['BENCH_FLEET_WINDOW_S'] ?? 60);
const TIMEOUT_S = Number(process.env['BENCH_FLEET_TIMEOUT_S'] ?? 1800);
const MANAGED = new Set(['configmaps', 'secrets', 'serviceaccounts']);
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = path.join(ROOT, 'dist', 'strata-agent.mjs');
const AGENT_NODE_OPTIONS = '--max-old-space-size=192 --max-semi-space-size=4';

function objectsOf(namespace: string, app: string): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': app };
  const kinds = ['ConfigMap', 'Secret', 'ServiceAccount'] as const;
  return Array.from({ length: OBJECTS }, (_, index) => {
    const kind = kinds[index % kinds.length] ?? 'ConfigMap';
    const metadata = { name: `${app}-${index}`, namespace, labels };
    if (kind === 'ConfigMap') return { apiVersion: 'v1', kind, metadata, data: { LOG_LEVEL: 'info', 'app.properties': `name=${app}-${index}\n` } };
    if (kind === 'Secret') return { apiVersion: 'v1', kind, metadata, type: 'Opaque', data: { token: Buffer.from(`t-${app}-${index}`).toString('base64') } };
    return { apiVersion: 'v1', kind, metadata };
  });
}

/** The apiserver's /metrics text (Prometheus format, which the JSON client does not read). */
async function metricsText(kc: KubeConfig): Promise<string> {
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const url = new URL('/metrics', kc.getCurrentCluster()?.server);
  return new Promise((resolve, reject) => {
    https
      .get(url, options, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/** `apiserver_request_total` summed by `verb resource[/subresource]`. */
async function requestCounts(kc: KubeConfig): Promise<Map<string, number>> {
  const text = await metricsText(kc);
  const counts = new Map<string, number>();
  for (const { labels, value } of samplesOf(text, 'apiserver_request_total')) {
    const key = `${labels['verb']} ${labels['resource'] || '(non-resource)'}${labels['subresource'] ? `/${labels['subresource']}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + value);
  }
  return counts;
}

async function readyCount(client: SyncClient, namespace: string): Promise<number> {
  const syncs = await client.list(namespace);
  return syncs.filter((sync) => findCondition(sync.status, 'Ready')?.status === 'True' && sync.status?.observedGeneration === sync.metadata.generation).length;
}

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
  const git = await startGitServer();
  const children: ChildProcess[] = [];
  log(`strata fleet benchmark: ${SYNCS} Syncs × ${OBJECTS} objects over ${SHARDS} shards; ${cpus().length} cores, Node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}, ${new Date().toISOString()}`);
  try {
    await client.installCrd();
    const ns = `bench-fleet-${Date.now().toString(36)}`;
    await client.api.request('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    await client.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'git' }, stringData: { username: git.credentials.username, password: git.credentials.password } });
    await git.createRepo('fleet');
    const files: Record<string, string> = {};
    const names = Array.from({ length: SYNCS }, (_, index) => `app-${String(index).padStart(4, '0')}`);
    for (const name of names) for (const object of objectsOf(ns, name)) files[`apps/${name}/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`] = toCanonicalYaml(object);
    await git.push('fleet', { files });
    log(`pushed ${Object.keys(files).length} files`);

    execFileSync('npm', ['run', '--silent', 'build:agent'], { cwd: ROOT, stdio: 'inherit' });
    const shards = Array.from({ length: SHARDS }, (_, index) => `s${index}`);
    const peaks = new Map<string, number>();
    const pids = new Map<string, number>();
    // The agents' log lines (LOG_LEVEL, default info) go to files, to see afterwards what ran when.
    const logDir = mkdtempSync(path.join(tmpdir(), 'strata-bench-fleet-'));
    log(`agent logs: ${logDir}/agent-<shard>.log`);
    for (const shard of shards) {
      const out = openSync(path.join(logDir, `agent-${shard}.log`), 'a');
      const child = spawn(process.execPath, [BUNDLE, 'agent', '--kubeconfig', kubeconfigPath, '--namespace', ns, '--watch-namespace', ns, '--shard', shard, '--port', '0', '--image-updates=false', '--concurrency', process.env['BENCH_AGENT_CONCURRENCY'] ?? '8'], {
        stdio: ['ignore', out, out],
        env: { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info', POD_NAME: `agent-${shard}`, NODE_OPTIONS: process.env['BENCH_NODE_OPTIONS'] ?? AGENT_NODE_OPTIONS },
      });
      children.push(child);
      pids.set(shard, child.pid ?? 0);
      peaks.set(shard, 0);
    }
    const sampler = setInterval(() => {
      for (const [shard, pid] of pids) peaks.set(shard, Math.max(peaks.get(shard) ?? 0, rssMb(pid)));
    }, 200);

    const started = performance.now();
    for (let offset = 0; offset < names.length; offset += 50) {
      await Promise.all(
        names.slice(offset, offset + 50).map((name, index) =>
          client.create({
            metadata: { name, namespace: ns, labels: { [SHARD_LABEL]: shards[(offset + index) % SHARDS] ?? 's0' } },
            spec: { url: git.httpUrl('fleet', { auth: false }), secretRef: { name: 'git' }, path: `apps/${name}`, interval: '10m' },
          }),
        ),
      );
    }
    const created = (performance.now() - started) / 1000;
    let ready = 0;
    let lastReport = 0;
    while (ready < SYNCS && performance.now() - started < TIMEOUT_S * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      ready = await readyCount(client, ns);
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        log(`  ${((performance.now() - started) / 1000).toFixed(0)} s: ${ready}/${SYNCS} Ready`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    log(`${ready}/${SYNCS} Syncs (${SYNCS * OBJECTS} objects) Ready in ${seconds.toFixed(1)} s (created in ${created.toFixed(1)} s); load average ${loadavg()[0]?.toFixed(1)}`);

    // Steady state: nothing changes; the Syncs' intervals (10m) are beyond the window.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const before = await requestCounts(kc);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_S * 1000));
    const after = await requestCounts(kc);
    const perMinute = [...after.entries()]
      .map(([key, value]) => [key, ((value - (before.get(key) ?? 0)) * 60) / WINDOW_S] as const)
      .filter(([, rate]) => rate > 0)
      .sort((a, b) => b[1] - a[1]);
    const total = perMinute.reduce((sum, [, rate]) => sum + rate, 0);
    const managed = perMinute.filter(([key]) => MANAGED.has(key.split(' ')[1]?.split('/')[0] ?? '')).reduce((sum, [, rate]) => sum + rate, 0);
    log(`steady state over ${WINDOW_S} s: ${total.toFixed(0)} apiserver requests a minute (this benchmark's two /metrics reads included), ${managed.toFixed(0)} for the managed kinds (target 0)`);
    for (const [key, rate] of perMinute) log(`  ${key}: ${rate.toFixed(1)}/min`);
    clearInterval(sampler);
    for (const shard of shards) log(`shard ${shard}: RSS peak ${(peaks.get(shard) ?? 0).toFixed(0)} MB, steady ${rssMb(pids.get(shard) ?? 0).toFixed(0)} MB`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await git.teardown();
    await cluster?.stop();
  }
}

await main();
