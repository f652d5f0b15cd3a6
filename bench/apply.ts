// `npm run bench:apply`: the apply engine on a test cluster it starts itself (etcd + kube-apiserver).
//   1. first apply of 1,000 objects: Strata vs `kubectl apply --server-side -f <dir>` of the same files
//      (each into a namespace of its own, so both are first applies); target Strata ≤ 0.5x kubectl.
//   2. no-op re-apply: requests and writes counted (target: no writes).
//   3. drift correction latency: edits of managed fields and deletions, seen by the watch and
//      re-applied (target < 2 s).
//   4. no-op re-apply with the drift watch vouching for unchanged objects (requests and writes).
// Environment: BENCH_OBJECTS (default 1000), BENCH_ROUNDS (default 3), BENCH_CONCURRENCY (default 16, as the agent),
// STRATA_TEST_KUBECONFIG to use a running cluster instead of starting one.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { parseManifestFiles, toCanonicalYaml, type KubeObject } from '../src/manifest/index.ts';
import { DriftWatcher, applyAll, applyAllStaged, type DriftEvent } from '../src/engine/index.ts';
import { KubeClient } from '../src/kube/index.ts';
import { ownerLabels } from '../src/api/index.ts';
import { startCluster, type TestCluster } from '../test/cluster/cluster.ts';
import { assertToolsBuilt, toolPath } from '../test/cluster/tools.ts';

const execFileAsync = promisify(execFile);
/** Runs a tool; a failure carries its stderr. */
async function run(file: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; maxBuffer?: number }): Promise<void> {
  try {
    await execFileAsync(file, args, options);
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`${path.basename(file)} ${args.join(' ')} failed: ${stderr?.trim().split('\n').slice(-5).join('\n') ?? String(error)}`, { cause: error });
  }
}
const COUNT = Number(process.env['BENCH_OBJECTS'] ?? 1000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
// The agent applies with 16 requests in flight (engine-binding.ts).
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** 1,000 objects of the kinds a cluster's deploy/ folder is made of. */
function objectsFor(namespace: string, count: number): KubeObject[] {
  const objects: KubeObject[] = [];
  for (let index = 0; objects.length < count; index += 1) {
    const name = `app-${String(index).padStart(4, '0')}`;
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'bench' };
    const shapes: KubeObject[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { 'app.properties': `name=${name}\nlevel=info\nreplicas=2\n`, LOG_LEVEL: 'info' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, labels }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels }, type: 'Opaque', data: { token: Buffer.from(`token-${name}`).toString('base64') } },
    ];
    objects.push(...shapes.slice(0, count - objects.length));
  }
  return objects;
}

/** Writes one object per file, as `strata synth` does. */
function writeFiles(dir: string, objects: readonly KubeObject[]): void {
  mkdirSync(dir, { recursive: true });
  for (const object of objects) writeFileSync(path.join(dir, `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`), toCanonicalYaml(object));
}

function readSet(dir: string) {
  return parseManifestFiles(readdirSync(dir).map((file) => ({ path: file, text: readFileSync(path.join(dir, file), 'utf8') })));
}

async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'bench' });
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** CPU time (user + system) of a process in ms, from /proc (Linux; clock ticks of 10 ms); NaN where /proc cannot tell. */
function cpuMs(pid: number | 'self-children'): number {
  try {
    const stat = readFileSync(`/proc/${pid === 'self-children' ? 'self' : pid}/stat`, 'utf8');
    // Fields after the command name, from field 3 (state): utime 14, stime 15, cutime 16, cstime 17.
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ').map(Number);
    const [user, system] = pid === 'self-children' ? [fields[13], fields[14]] : [fields[11], fields[12]];
    return ((user ?? NaN) + (system ?? NaN)) * 10;
  } catch {
    return Number.NaN;
  }
}
const ownCpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/**
 * How long the threads of a process waited for a CPU while runnable, summed, in ms (Linux
 * schedstat); NaN where /proc cannot tell. On a machine busy with other work this, not the
 * engine, is where most of the wall clock goes.
 */
function runQueueMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    let waited = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        waited += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
      } catch {
        // The thread ended.
      }
    }
    return waited;
  } catch {
    return Number.NaN;
  }
}

/** Where one timed run's time went: wall clock, the CPU of the client, kube-apiserver and etcd, and how long the servers waited for a CPU. */
interface RunCost {
  readonly wallMs: number;
  readonly clientMs: number;
  readonly apiServerMs: number;
  readonly etcdMs: number;
  readonly serverWaitMs: number;
}

/** Measures `run`; `client` reads the client's CPU (this process, or the children it waited for). */
async function measure(servers: { apiServer?: number; etcd?: number }, client: () => number, run: () => Promise<void>): Promise<RunCost> {
  const server = (): [number, number] => [servers.apiServer === undefined ? NaN : cpuMs(servers.apiServer), servers.etcd === undefined ? NaN : cpuMs(servers.etcd)];
  const waited = (): number => runQueueMs(servers.apiServer) + runQueueMs(servers.etcd);
  const [apiServer, etcd] = server();
  const serverWait = waited();
  const clientStart = client();
  const started = Date.now();
  await run();
  const wallMs = Date.now() - started;
  const clientMs = client() - clientStart;
  const [apiServerEnd, etcdEnd] = server();
  return { wallMs, clientMs, apiServerMs: apiServerEnd - apiServer, etcdMs: etcdEnd - etcd, serverWaitMs: waited() - serverWait };
}

/** The processes of the test cluster, by name, for CPU accounting. */
function serverPids(cluster: TestCluster | undefined): { apiServer?: number; etcd?: number } {
  const found: { apiServer?: number; etcd?: number } = {};
  for (const pid of cluster?.pids() ?? []) {
    let name = '';
    try {
      name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (name === 'kube-apiserver') found.apiServer = pid;
    else if (name === 'etcd') found.etcd = pid;
  }
  return found;
}

const costLine = (costs: readonly RunCost[]): string => {
  const median = (pick: (cost: RunCost) => number): string => seconds(percentile(costs.map(pick), 0.5));
  return `CPU: client ${median((cost) => cost.clientMs)}, kube-apiserver ${median((cost) => cost.apiServerMs)}, etcd ${median((cost) => cost.etcdMs)}; the servers' threads waited ${median((cost) => cost.serverWaitMs)} for a CPU`;
};
const percentile = (values: readonly number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length - 1) * p))] ?? NaN;

async function main(): Promise<void> {
  assertToolsBuilt(['kubectl']);
  const kubectl = toolPath('kubectl');
  const work = mkdtempSync(path.join(tmpdir(), 'strata-bench-'));
  let cluster: TestCluster | undefined;
  let kubeconfigPath = process.env['STRATA_TEST_KUBECONFIG'];
  if (!kubeconfigPath) {
    const started = Date.now();
    cluster = await startCluster({ workloads: false });
    kubeconfigPath = cluster.kubeconfigPath;
    log(`test cluster (etcd + kube-apiserver) started in ${seconds(Date.now() - started)}`);
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  // Sockets as the agent sizes its pool (engine-binding.ts).
  const client = await KubeClient.fromKubeConfig(kubeConfig, { maxSockets: Math.max(32, CONCURRENCY * 2) });
  const env = { ...process.env, KUBECONFIG: kubeconfigPath, KUBECACHEDIR: path.join(work, 'kube-cache') };
  const owner = ownerLabels('bench', 'strata-system');
  try {
    // Warm-up: both sides discover the API once and the API server warms its caches.
    await createNamespace(client, 'bench-warmup');
    writeFiles(path.join(work, 'warmup-kubectl'), objectsFor('bench-warmup', 40).map((object) => ({ ...object, metadata: { ...object.metadata, name: `k-${object.metadata.name}` } })));
    await run(kubectl, ['apply', '--server-side', '-f', path.join(work, 'warmup-kubectl')], { env });
    await applyAllStaged(client, readSetFromObjects(objectsFor('bench-warmup', 40)), { ownerLabels: owner, concurrency: CONCURRENCY });

    // 1. First apply: rounds alternate which tool goes first, into fresh namespaces; medians are reported.
    const servers = serverPids(cluster);
    const kubectlCosts: RunCost[] = [];
    const strataCosts: RunCost[] = [];
    const parseTimes: number[] = [];
    const loads: number[] = [];
    let set = readSetFromObjects([]);
    let strataDir = '';
    let firstStats = { ...client.stats, byMethod: { ...client.stats.byMethod } };
    for (let round = 0; round < ROUNDS; round += 1) {
      const kubectlDir = path.join(work, `kubectl-${round}`);
      strataDir = path.join(work, `strata-${round}`);
      writeFiles(strataDir, objectsFor(`bench-strata-${round}`, COUNT));
      writeFiles(kubectlDir, objectsFor(`bench-kubectl-${round}`, COUNT));
      await createNamespace(client, `bench-strata-${round}`);
      await createNamespace(client, `bench-kubectl-${round}`);
      loads.push(loadavg()[0] ?? NaN);
      const timeKubectl = async (): Promise<void> => {
        kubectlCosts.push(
          await measure(servers, () => cpuMs('self-children'), () => run(kubectl, ['apply', '--server-side', '--field-manager=kubectl', '-f', kubectlDir], { env, maxBuffer: 64 * 1024 * 1024 })),
        );
      };
      const timeStrata = async (): Promise<void> => {
        client.resetStats();
        let created = 0;
        strataCosts.push(
          await measure(servers, ownCpuMs, async () => {
            const started = Date.now();
            set = readSet(strataDir);
            parseTimes.push(Date.now() - started);
            const first = await applyAllStaged(client, set, { ownerLabels: owner, concurrency: CONCURRENCY });
            created = first.entries.filter((entry) => entry.action === 'created').length;
          }),
        );
        firstStats = { ...client.stats, byMethod: { ...client.stats.byMethod } };
        if (created !== COUNT) throw new Error(`expected ${COUNT} objects created, got ${created}`);
      };
      if (round % 2 === 0) {
        await timeKubectl();
        await timeStrata();
      } else {
        await timeStrata();
        await timeKubectl();
      }
    }
    const kubectlTimes = kubectlCosts.map((cost) => cost.wallMs);
    const strataTimes = strataCosts.map((cost) => cost.wallMs);
    const kubectlMs = percentile(kubectlTimes, 0.5);
    const strataMs = percentile(strataTimes, 0.5);

    // 2. No-op re-apply.
    client.resetStats();
    let started = Date.now();
    const again = await applyAllStaged(client, readSet(strataDir), { ownerLabels: owner, concurrency: CONCURRENCY });
    const noopMs = Date.now() - started;
    const noop = { ...client.stats, byMethod: { ...client.stats.byMethod } };
    const unchanged = again.entries.filter((entry) => entry.action === 'unchanged').length;

    // 3. Drift correction latency.
    const latencies: number[] = [];
    let pendingCorrection: ((at: number) => void) | undefined;
    const watcher = new DriftWatcher(client, {
      ownerLabels: owner,
      onDrift: (events: readonly DriftEvent[]) => {
        void applyAll(client, events.map((event) => set.get(event.ref)!.object), { ownerLabels: owner }).then((corrected) => {
          watcher.record(corrected.entries, set);
          pendingCorrection?.(Date.now());
        });
      },
    });
    // What the no-op apply found is what the watch must see before it vouches for an object.
    watcher.record(again.entries, set);
    started = Date.now();
    await watcher.watch(set);
    const watchMs = Date.now() - started;
    const streams = watcher.streamCount;
    const configMaps = set.entries.filter((entry) => entry.ref.kind === 'ConfigMap');
    for (let round = 0; round < 10; round += 1) {
      const target = configMaps[(round * 37) % configMaps.length]!.ref;
      const objectPath = `/api/v1/namespaces/${target.namespace}/configmaps/${target.name}`;
      const corrected = new Promise<number>((resolve) => (pendingCorrection = resolve));
      const at = Date.now();
      if (round % 2 === 0) await client.request('PATCH', objectPath, { data: { LOG_LEVEL: 'debug' } }, { contentType: 'application/merge-patch+json', query: { fieldManager: 'kubectl-edit' } });
      else await client.request('DELETE', objectPath);
      const done = await Promise.race([corrected, new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 10_000))]);
      latencies.push(done - at);
    }
    // 4. No-op re-apply once the watch vouches for the objects (the agent's steady state).
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the last correction be seen
    client.resetStats();
    started = Date.now();
    const watched = await applyAllStaged(client, set, { ownerLabels: owner, concurrency: CONCURRENCY, inSync: (ref, sha256) => watcher.inSync(ref, sha256) });
    const watchedNoopMs = Date.now() - started;
    const watchedNoop = { ...client.stats, byMethod: { ...client.stats.byMethod } };
    const watchedUnchanged = watched.entries.filter((entry) => entry.action === 'unchanged').length;
    watcher.stop();

    const ratio = strataMs / kubectlMs;
    log('');
    log(`apply engine benchmark: ${COUNT} objects (ConfigMaps, Services, ServiceAccounts, Secrets), concurrency ${CONCURRENCY}`);
    log(`  first apply    kubectl apply --server-side  ${seconds(kubectlMs)}  (median of ${kubectlTimes.map(seconds).join(', ')})`);
    log(`                 ${costLine(kubectlCosts)} (medians)`);
    log(`  first apply    strata applyAllStaged        ${seconds(strataMs)}  (median of ${strataTimes.map(seconds).join(', ')})`);
    log(`                 ${costLine(strataCosts)} (medians); reading and parsing the files ${seconds(percentile(parseTimes, 0.5))}`);
    log(`                 load average (1 min) at each round ${loads.map((value) => value.toFixed(1)).join(', ')}, now ${loadavg().map((value) => value.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
    log(`                 ratio ${ratio.toFixed(2)}x (target ≤ 0.50x) ${ratio <= 0.5 ? 'PASS' : 'FAIL'}`);
    log(`                 requests ${firstStats.requests} (GET ${firstStats.byMethod['GET'] ?? 0}, dry-runs ${firstStats.dryRuns}, writes ${firstStats.writes})`);
    log(`  no-op apply    full (every object read and dry-run: \`strata reconcile\`, every fullCheckEvery-th interval): ${seconds(noopMs)}, ${unchanged}/${COUNT} unchanged, requests ${noop.requests} (GET/LIST ${noop.byMethod['GET'] ?? 0}, dry-runs ${noop.dryRuns}), writes ${noop.writes} (target 0) ${noop.writes === 0 ? 'PASS' : 'FAIL'}`);
    log(`  no-op apply    watched (skips what the drift watch vouches for: drift, webhook and other runs): ${seconds(watchedNoopMs)}, ${watchedUnchanged}/${COUNT} unchanged, requests ${watchedNoop.requests}, writes ${watchedNoop.writes}`);
    log(`  drift          ${streams} watch streams set up in ${seconds(watchMs)}; correction latency over ${latencies.length} edits/deletions: median ${percentile(latencies, 0.5)} ms, max ${Math.max(...latencies)} ms (target < 2000 ms) ${Math.max(...latencies) < 2000 ? 'PASS' : 'FAIL'}`);
  } finally {
    client.close();
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function readSetFromObjects(objects: readonly KubeObject[]) {
  return parseManifestFiles(objects.map((object) => ({ path: `${object.kind}-${object.metadata.name}.yaml`, text: toCanonicalYaml(object) })));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
