// `npm run bench:syncs`: the agent on a test cluster it starts itself, with a real Git server.
//   1. 100 Syncs × 4 objects from one repository (the shape of Flux's own benchmark):
//      time from creating the Syncs until every one is Ready (target < 10 s).
//   2. agent RSS with 5,000 objects under management (10 Syncs × 500 objects, drift watches
//      open), the agent bundle the image runs (`npm run build:agent`) as a child process (target < 150 MB).
// Environment: BENCH_SYNCS (default 100), BENCH_RSS_OBJECTS (default 5000),
// STRATA_TEST_KUBECONFIG to use a running cluster instead of starting one.
import { execFileSync, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { toCanonicalYaml, type KubeObject } from '../src/manifest/index.ts';
import { startAgent } from '../src/agent/index.ts';
import { SyncClient, findCondition } from '../src/reconciler/index.ts';
import { startCluster, type TestCluster } from '../test/cluster/cluster.ts';
import { startGitServer } from '../test/git/git-server.ts';
import { rssMb } from './_process-stats.ts';

const SYNCS = Number(process.env['BENCH_SYNCS'] ?? 100);
const RSS_OBJECTS = Number(process.env['BENCH_RSS_OBJECTS'] ?? 5000);
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The agent as the image runs it: the bundle of `npm run build:agent`.
const BUNDLE = path.join(ROOT, 'dist', 'strata-agent.mjs');
const AGENT_NODE_OPTIONS = '--max-old-space-size=96 --max-semi-space-size=4';

function appObjects(namespace: string, name: string, count: number): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': name };
  const objects: KubeObject[] = [];
  for (let index = 0; objects.length < count; index += 1) {
    const id = count === 4 ? name : `${name}-${index}`;
    objects.push(
      ...[
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: id, namespace, labels }, data: { LOG_LEVEL: 'info', 'app.properties': `name=${id}\n` } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: id, namespace, labels }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: id, namespace, labels } },
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: id, namespace, labels }, type: 'Opaque', data: { token: Buffer.from(`t-${id}`).toString('base64') } },
      ].slice(0, count - objects.length),
    );
  }
  return objects;
}

function filesOf(prefix: string, objects: readonly KubeObject[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const object of objects) files[`${prefix}/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`] = toCanonicalYaml(object);
  return files;
}

async function waitAllReady(client: SyncClient, namespace: string, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const syncs = await client.list(namespace);
    const ready = syncs.filter((sync) => findCondition(sync.status, 'Ready')?.status === 'True' && sync.status?.observedGeneration === sync.metadata.generation).length;
    if (ready >= count) return ready;
    if (Date.now() > deadline) return ready;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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
  log(`strata agent benchmark on ${cpus().length} cores, Node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}`);
  try {
    await client.installCrd();
    const ns = `bench-syncs-${Date.now().toString(36)}`;
    await client.api.request('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    await client.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, {
      metadata: { name: 'git' },
      stringData: { username: git.credentials.username, password: git.credentials.password },
    });

    // 1. 100 Syncs × 4 objects from one repository.
    await git.createRepo('fleet');
    let files: Record<string, string> = {};
    for (let index = 0; index < SYNCS; index += 1) {
      const name = `app-${String(index).padStart(3, '0')}`;
      files = { ...files, ...filesOf(`apps/${name}`, appObjects(ns, name, 4)) };
    }
    await git.push('fleet', { files });
    const agent = await startAgent({ kubeconfig: kc, namespace: ns, watchNamespace: ns, port: 0, host: '127.0.0.1', leaderElection: false, concurrency: Number(process.env['BENCH_AGENT_CONCURRENCY'] ?? 16), logger: pino({ level: 'silent' }) });
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await Promise.all(
      Array.from({ length: SYNCS }, (_, index) => {
        const name = `app-${String(index).padStart(3, '0')}`;
        return client.create({ metadata: { name, namespace: ns }, spec: { url: git.httpUrl('fleet', { auth: false }), secretRef: { name: 'git' }, path: `apps/${name}`, interval: '10m' } });
      }),
    );
    const ready = await waitAllReady(client, ns, SYNCS, 120_000);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    log(
      `${SYNCS} Syncs × 4 objects from one repository: ${ready}/${SYNCS} Ready in ${seconds.toFixed(2)} s (target < 10 s); ` +
        `agent CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; git fetches ${agent.source.stats.fetches}, ls-remote ${agent.source.stats.lsRemote}`,
    );
    await agent.stop();
    for (let index = 0; index < SYNCS; index += 1) await client.patchSpec(ns, `app-${String(index).padStart(3, '0')}`, { suspend: true });

    // 2. RSS of the agent bundle at 5,000 objects (BENCH_RSS_OBJECTS=0 skips it).
    if (RSS_OBJECTS <= 0) return;
    const rssNs = `${ns}-rss`;
    await client.api.request('POST', '/api/v1/namespaces', { metadata: { name: rssNs } });
    await client.api.request('POST', `/api/v1/namespaces/${rssNs}/secrets`, {
      metadata: { name: 'git' },
      stringData: { username: git.credentials.username, password: git.credentials.password },
    });
    await git.createRepo('big');
    const perSync = 500;
    const rssSyncs = Math.ceil(RSS_OBJECTS / perSync);
    let bigFiles: Record<string, string> = {};
    for (let index = 0; index < rssSyncs; index += 1) bigFiles = { ...bigFiles, ...filesOf(`part-${index}`, appObjects(rssNs, `p${index}`, perSync)) };
    await git.push('big', { files: bigFiles });
    for (let index = 0; index < rssSyncs; index += 1) {
      await client.create({ metadata: { name: `part-${index}`, namespace: rssNs }, spec: { url: git.httpUrl('big', { auth: false }), secretRef: { name: 'git' }, path: `part-${index}`, interval: '10m' } });
    }
    execFileSync('npm', ['run', '--silent', 'build:agent'], { cwd: ROOT, stdio: 'inherit' });
    const child = spawn(process.execPath, [BUNDLE, 'agent', '--kubeconfig', kubeconfigPath, '--namespace', rssNs, '--watch-namespace', rssNs, '--port', '0', '--leader-elect=false'], {
      stdio: 'ignore',
      // The image runs with the same heap cap (Dockerfile): V8 then collects before it grows.
      env: { ...process.env, LOG_LEVEL: 'warn', NODE_OPTIONS: process.env['BENCH_NODE_OPTIONS'] ?? AGENT_NODE_OPTIONS },
    });
    const pid = child.pid ?? 0;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
    const rssStarted = performance.now();
    const rssReady = await waitAllReady(client, rssNs, rssSyncs, 300_000);
    const converged = (performance.now() - rssStarted) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const steady = rssMb(pid);
    clearInterval(sampler);
    child.kill('SIGTERM');
    log(`${rssSyncs * perSync} objects in ${rssSyncs} Syncs: ${rssReady}/${rssSyncs} Ready in ${converged.toFixed(1)} s; agent RSS peak ${peak.toFixed(0)} MB, steady ${steady.toFixed(0)} MB (target < 150 MB)`);
  } finally {
    await git.teardown();
    await cluster?.stop();
  }
}

await main();
