// `npm run bench:flux`: Strata's agent against Flux's source-controller + kustomize-controller on
// one test cluster it starts itself, one real Git server and the same commits.
//   Both run as processes on this machine (the agent as the bundle its image runs, with the image's
//   heap cap; Flux's controllers built from the pinned Go modules test/cluster/tools/flux-*), each
//   with its own identity (agent: user alice, Flux: user bob, both bound to cluster-admin), so the
//   apiserver's audit log tells whose every request was. Each figure is taken for one tool at a
//   time while the other is idle (intervals of 10m), and printed side by side with its ratio:
//   1. first apply of 1,000 objects (ConfigMaps, Secrets, ServiceAccounts, Services; one folder,
//      targetNamespace per tool): from creating the Sync / GitRepository + Kustomization to Ready
//   2. no-op reconciles (nothing changed): requests and writes at the apiserver (a) per run at the
//      interval (6 runs in a row at 15s, counted by each tool's reconcile counter), the steady state;
//      (b) asked for (the reconcile-requested-at annotation; for Flux on the GitRepository and the
//      Kustomization, as `flux reconcile kustomization --with-source` does) until it is handled
//   3. commit to applied: push a commit changing all 1,000 objects, then deliver the same signed
//      GitHub push event to Strata's /hook and to Flux's Receiver (notification-controller), until
//      every object carries the new revision
//   4. drift correction: another field manager edits a managed field of one object; the time until
//      it is back (Flux corrects at its Kustomization's interval, here 1m)
//   5. peak RSS: the agent against Flux's source- and kustomize-controller together, over the whole
//      run (notification-controller's is printed apart: a Flux that takes webhooks runs it too)
//   6. 100 Syncs against 100 Kustomizations (one GitRepository) of 4 objects each, to all Ready
// Environment: BENCH_FLUX_OBJECTS (1000), BENCH_FLUX_SMALL (100), BENCH_FLUX_INTERVAL (1m, Flux's
// Kustomization interval for the drift figure).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { toCanonicalYaml, type KubeObject } from '../src/manifest/index.ts';
import { SyncClient, findCondition } from '../src/reconciler/index.ts';
import type { AgentApi } from '../src/kube/index.ts';
import { startCluster } from '../test/cluster/cluster.ts';
import { freePorts } from '../test/cluster/ports.ts';
import { buildTools, toolPath } from '../test/cluster/tools.ts';
import { startGitServer } from '../test/git/git-server.ts';
import { rssMb, samplesOf } from './_process-stats.ts';

const OBJECTS = Number(process.env['BENCH_FLUX_OBJECTS'] ?? 1000);
const SMALL = Number(process.env['BENCH_FLUX_SMALL'] ?? 100);
const FLUX_INTERVAL = process.env['BENCH_FLUX_INTERVAL'] ?? '1m';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = path.join(ROOT, 'dist', 'strata-agent.mjs');
// The image's NODE_OPTIONS (Dockerfile).
const AGENT_NODE_OPTIONS = '--max-old-space-size=96 --max-semi-space-size=4';
const FLUX_REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
const REVISION_ANNOTATION = 'bench.strata.dev/revision';
const STRATA_USER = 'alice';
const FLUX_USER = 'bob';
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Tool = 'strata' | 'flux';
const KINDS = [
  { kind: 'ConfigMap', plural: 'configmaps' },
  { kind: 'Secret', plural: 'secrets' },
  { kind: 'ServiceAccount', plural: 'serviceaccounts' },
  { kind: 'Service', plural: 'services' },
] as const;

/** `count` objects without a namespace (each tool's targetNamespace sets it), annotated with the revision. */
function objectsOf(prefix: string, count: number, revision: number): KubeObject[] {
  return Array.from({ length: count }, (_, index) => {
    const { kind } = KINDS[index % KINDS.length] ?? KINDS[0];
    const name = `${prefix}-${index}`;
    const metadata = { name, labels: { 'app.kubernetes.io/name': prefix }, annotations: { [REVISION_ANNOTATION]: String(revision) } };
    if (kind === 'ConfigMap') return { apiVersion: 'v1', kind, metadata, data: { LOG_LEVEL: 'info', 'app.properties': `name=${name}\n` } };
    if (kind === 'Secret') return { apiVersion: 'v1', kind, metadata, type: 'Opaque', data: { token: Buffer.from(`t-${name}`).toString('base64') } };
    if (kind === 'Service') return { apiVersion: 'v1', kind, metadata, spec: { selector: { 'app.kubernetes.io/name': prefix }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
    return { apiVersion: 'v1', kind, metadata };
  });
}

function filesOf(folder: string, objects: readonly KubeObject[]): Record<string, string> {
  return Object.fromEntries(objects.map((object) => [`${folder}/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`, toCanonicalYaml(object)]));
}

/** One request as the apiserver's audit log (level Metadata) records it. */
interface AuditEvent {
  readonly auditID: string;
  readonly stage: string;
  readonly verb: string;
  readonly requestURI: string;
  readonly user?: { readonly username?: string };
  readonly objectRef?: { readonly resource?: string; readonly subresource?: string };
}

/** The apiserver's audit log, read from a byte offset on. */
class AuditLog {
  constructor(private readonly file: string) {}

  offset(): number {
    try {
      return statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  /** Requests of `user` logged after `from`: total, writes (not dry-run), dry-run writes, and by verb and resource. */
  requestsSince(from: number, user: string): { total: number; writes: number; dryRuns: number; byKind: Map<string, number> } {
    const text = readFileSync(this.file).subarray(from).toString('utf8');
    const seen = new Set<string>();
    const byKind = new Map<string, number>();
    let writes = 0;
    let dryRuns = 0;
    for (const line of text.split('\n')) {
      if (!line.includes(`"username":"${user}"`)) continue;
      const event = JSON.parse(line) as AuditEvent;
      if (event.user?.username !== user || seen.has(event.auditID)) continue;
      seen.add(event.auditID);
      const resource = `${event.objectRef?.resource ?? '(non-resource)'}${event.objectRef?.subresource ? `/${event.objectRef.subresource}` : ''}`;
      const dryRun = event.requestURI.includes('dryRun=All');
      const key = `${event.verb}${dryRun ? ' (dry-run)' : ''} ${resource}`;
      byKind.set(key, (byKind.get(key) ?? 0) + 1);
      if (['create', 'update', 'patch', 'delete', 'deletecollection'].includes(event.verb)) {
        if (dryRun) dryRuns += 1;
        else writes += 1;
      }
    }
    return { total: seen.size, writes, dryRuns, byKind };
  }
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(everyMs);
  }
}

/** How many of the namespace's benchmark objects carry `revision`. */
async function objectsAt(api: AgentApi, namespace: string, prefix: string, revision: number): Promise<number> {
  let count = 0;
  for (const { plural } of KINDS) {
    const list = await api.get<{ items: KubeObject[] }>(`/api/v1/namespaces/${namespace}/${plural}?labelSelector=${encodeURIComponent(`app.kubernetes.io/name=${prefix}`)}`);
    count += list.items.filter((item) => item.metadata.annotations?.[REVISION_ANNOTATION] === String(revision)).length;
  }
  return count;
}

interface FluxObject {
  readonly metadata: { readonly generation?: number; readonly annotations?: Record<string, string> };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly lastHandledReconcileAt?: string;
    readonly lastAppliedRevision?: string;
    readonly artifact?: { readonly revision?: string };
    readonly conditions?: readonly { readonly type: string; readonly status: string; readonly reason?: string; readonly message?: string }[];
  };
}

const GITREPOSITORIES = '/apis/source.toolkit.fluxcd.io/v1/namespaces';
const KUSTOMIZATIONS = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces';

function fluxReady(object: FluxObject | undefined, revision: string, requestedAt?: string): boolean {
  if (!object?.status) return false;
  const ready = object.status.conditions?.find((condition) => condition.type === 'Ready');
  const applied = object.status.lastAppliedRevision ?? object.status.artifact?.revision ?? '';
  return (
    ready?.status === 'True' &&
    object.status.observedGeneration === object.metadata.generation &&
    applied.endsWith(revision) &&
    (requestedAt === undefined || object.status.lastHandledReconcileAt === requestedAt)
  );
}

/** Starts a process whose output goes to a log file; returns it with its pid. */
function startLogged(command: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    return spawn(command, [...args], { stdio: ['ignore', fd, fd], env });
  } finally {
    closeSync(fd);
  }
}

async function httpOk(url: string): Promise<true | undefined> {
  try {
    return (await fetch(url)).ok ? true : undefined;
  } catch {
    return undefined;
  }
}

/** Installs every CustomResourceDefinition of a Flux controller's module (config/crd/bases) and waits until they are served. */
async function installFluxCrds(api: AgentApi, moduleDir: string): Promise<string[]> {
  const dir = path.join(moduleDir, 'config', 'crd', 'bases');
  const names: string[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml'))) {
    for (const document of parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))) {
      const crd = document.toJS() as KubeObject | null;
      if (!crd) continue;
      await api.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
      names.push(crd.metadata.name);
    }
  }
  for (const name of names) {
    await until(`CRD ${name} established`, 60_000, async () => {
      const crd = await api.get<{ status?: { conditions?: { type: string; status: string }[] } }>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      return crd.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True') ? true : undefined;
    });
  }
  return names;
}

/** The module directory of a Go module the tool module pins (`go list -m`), where its CRDs are. */
function goModuleDir(toolModule: string, module: string): string {
  return execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', module], { cwd: path.join(ROOT, 'test', 'cluster', 'tools', toolModule), encoding: 'utf8' }).trim();
}

interface Figure {
  readonly label: string;
  readonly strata: number;
  readonly flux: number;
  readonly unit: string;
  readonly target?: string;
  readonly note?: string;
}

type Requests = ReturnType<AuditLog['requestsSince']>;

/** The sum of a Prometheus counter's series whose labels `match`, from a /metrics page. */
async function metricSum(url: string, metric: string, match: (labels: Record<string, string>) => boolean): Promise<number> {
  const text = await (await fetch(url)).text();
  return samplesOf(text, metric)
    .filter((sample) => match(sample.labels))
    .reduce((sum, sample) => sum + sample.value, 0);
}

function ratio(strata: number, flux: number): string {
  if (flux === 0) return strata === 0 ? '—' : '∞';
  return `${(strata / flux).toFixed(strata / flux < 0.1 ? 3 : 2)}x`;
}

async function main(): Promise<void> {
  log(`strata vs flux: ${OBJECTS} objects, ${SMALL} small units; ${cpus().length} cores, Node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}, ${new Date().toISOString()}`);
  await buildTools({ modules: ['flux-source', 'flux-kustomize', 'flux-notification'], log });
  execFileSync('npm', ['run', '--silent', 'build:agent'], { cwd: ROOT, stdio: 'inherit' });

  const work = mkdtempSync(path.join(tmpdir(), 'strata-bench-flux-'));
  const auditFile = path.join(work, 'audit.log');
  const policy = path.join(work, 'audit-policy.yaml');
  writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n');
  log(`logs: ${work}`);
  const cluster = await startCluster({ workloads: false, apiServerArgs: [`--audit-policy-file=${policy}`, `--audit-log-path=${auditFile}`, '--audit-log-format=json', '--audit-log-maxbackup=0'] });
  const audit = new AuditLog(auditFile);
  const git = await startGitServer();
  const children: ChildProcess[] = [];
  const admin = new SyncClient(cluster.kubeConfig('admin'));
  const api = admin.api;
  const figures: Figure[] = [];
  try {
    for (const user of [STRATA_USER, FLUX_USER]) {
      await api.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
        metadata: { name: `bench-${user}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      });
    }
    const kubeconfigOf = (user: 'alice' | 'bob'): string => {
      const file = path.join(work, `${user}.kubeconfig`);
      writeFileSync(file, cluster.kubeConfig(user).exportConfig(), { mode: 0o600 });
      return file;
    };

    // One repository: big/ (the 1,000 objects) and small/app-NNN/ (4 objects each).
    await git.createRepo('bench');
    const smallFiles = (revision: number): Record<string, string> =>
      Object.assign({}, ...Array.from({ length: SMALL }, (_, index) => filesOf(`small/app-${String(index).padStart(3, '0')}`, objectsOf(`app-${String(index).padStart(3, '0')}`, 4, revision))));
    const first = await git.push('bench', { files: { ...filesOf('big', objectsOf('big', OBJECTS, 1)), ...smallFiles(1) }, message: 'revision 1' });
    const url = git.httpUrl('bench', { auth: false });
    const namespaces = ['strata-system', 'strata-bench', 'strata-small', 'flux-system', 'flux-bench', 'flux-small'];
    for (const name of namespaces) await api.request('POST', '/api/v1/namespaces', { metadata: { name } });
    for (const namespace of ['strata-system', 'flux-system']) {
      await api.request('POST', `/api/v1/namespaces/${namespace}/secrets`, { metadata: { name: 'git' }, stringData: { username: git.credentials.username, password: git.credentials.password } });
    }

    // The agent: the image's bundle and heap cap, every Sync of strata-system.
    await admin.installCrd();
    const [agentPort = 0, sourceHealth = 0, sourceMetrics = 0, storage = 0, kustomizeHealth = 0, kustomizeMetrics = 0, ...notificationPorts] = await freePorts(10);
    const [notificationHealth = 0, notificationMetrics = 0, notificationEvents = 0, receiverPort = 0] = notificationPorts;
    // One forge webhook secret, given to both: the agent's --webhook-secret-file and the Receiver's Secret.
    const hookSecret = randomBytes(24).toString('hex');
    const hookSecretFile = path.join(work, 'hook-secret');
    writeFileSync(hookSecretFile, `${hookSecret}\n`, { mode: 0o600 });
    const agent = startLogged(
      process.execPath,
      [BUNDLE, 'agent', '--kubeconfig', kubeconfigOf(STRATA_USER), '--namespace', 'strata-system', '--watch-namespace', 'strata-system', '--port', String(agentPort), '--bind-address', '127.0.0.1', '--leader-elect=false', '--image-updates=false', '--cache-dir', path.join(work, 'strata-cache'), '--webhook-secret-file', hookSecretFile],
      path.join(work, 'agent.log'),
      { ...process.env, LOG_LEVEL: 'info', NODE_OPTIONS: AGENT_NODE_OPTIONS },
    );
    children.push(agent);
    await until('the agent ready', 60_000, () => httpOk(`http://127.0.0.1:${agentPort}/readyz`));

    // Flux: its CRDs from the pinned modules, then both controllers with the flags of their own deployments, out of cluster.
    const sourceDir = goModuleDir('flux-source', 'github.com/fluxcd/source-controller');
    const kustomizeDir = goModuleDir('flux-kustomize', 'github.com/fluxcd/kustomize-controller');
    await installFluxCrds(api, sourceDir);
    await installFluxCrds(api, kustomizeDir);
    await installFluxCrds(api, goModuleDir('flux-notification', 'github.com/fluxcd/notification-controller'));
    mkdirSync(path.join(work, 'flux-storage'));
    const fluxEnv = { ...process.env, KUBECONFIG: kubeconfigOf(FLUX_USER), RUNTIME_NAMESPACE: 'flux-system' };
    const common = ['--watch-all-namespaces=true', '--log-level=info', '--log-encoding=json', '--enable-leader-election=false'];
    const sourceController = startLogged(
      toolPath('source-controller'),
      [...common, `--health-addr=127.0.0.1:${sourceHealth}`, `--metrics-addr=127.0.0.1:${sourceMetrics}`, `--storage-path=${path.join(work, 'flux-storage')}`, `--storage-addr=127.0.0.1:${storage}`, `--storage-adv-addr=127.0.0.1:${storage}`],
      path.join(work, 'source-controller.log'),
      fluxEnv,
    );
    const kustomizeController = startLogged(
      toolPath('kustomize-controller'),
      [...common, `--health-addr=127.0.0.1:${kustomizeHealth}`, `--metrics-addr=127.0.0.1:${kustomizeMetrics}`],
      path.join(work, 'kustomize-controller.log'),
      fluxEnv,
    );
    const notificationController = startLogged(
      toolPath('notification-controller'),
      [...common, `--health-addr=127.0.0.1:${notificationHealth}`, `--metrics-addr=127.0.0.1:${notificationMetrics}`, `--events-addr=127.0.0.1:${notificationEvents}`, `--receiverAddr=127.0.0.1:${receiverPort}`],
      path.join(work, 'notification-controller.log'),
      fluxEnv,
    );
    children.push(sourceController, kustomizeController, notificationController);
    await until('notification-controller ready', 60_000, () => httpOk(`http://127.0.0.1:${notificationHealth}/readyz`));
    await until('source-controller ready', 60_000, () => httpOk(`http://127.0.0.1:${sourceHealth}/readyz`));
    await until('kustomize-controller ready', 60_000, () => httpOk(`http://127.0.0.1:${kustomizeHealth}/readyz`));

    const peaks = { strata: 0, flux: 0, notification: 0 };
    const sampler = setInterval(() => {
      peaks.strata = Math.max(peaks.strata, rssMb(agent.pid ?? 0));
      peaks.flux = Math.max(peaks.flux, rssMb(sourceController.pid ?? 0) + rssMb(kustomizeController.pid ?? 0));
      peaks.notification = Math.max(peaks.notification, rssMb(notificationController.pid ?? 0));
    }, 200);

    const getFlux = async (kind: 'gitrepositories' | 'kustomizations', namespace: string, name: string): Promise<FluxObject | undefined> =>
      api.find<FluxObject>(`${kind === 'gitrepositories' ? GITREPOSITORIES : KUSTOMIZATIONS}/${namespace}/${kind}/${name}`);
    const patchFlux = (kind: 'gitrepositories' | 'kustomizations', namespace: string, name: string, body: unknown): Promise<unknown> =>
      api.request('PATCH', `${kind === 'gitrepositories' ? GITREPOSITORIES : KUSTOMIZATIONS}/${namespace}/${kind}/${name}`, body, { contentType: 'application/merge-patch+json' });
    const strataReady = async (name: string, revision: string, requestedAt?: string): Promise<true | undefined> => {
      const sync = await admin.get('strata-system', name);
      const ready = findCondition(sync.status, 'Ready')?.status === 'True' && sync.status?.observedGeneration === sync.metadata.generation;
      const handled = requestedAt === undefined || sync.status?.lastHandledReconcileAt === requestedAt;
      return ready && handled && (sync.status?.lastAppliedRevision ?? '').includes(revision) ? true : undefined;
    };
    const time = async (run: () => Promise<void>): Promise<number> => {
      const started = performance.now();
      await run();
      return (performance.now() - started) / 1000;
    };

    // 1. First apply.
    const strataFirst = await time(async () => {
      await admin.create({ metadata: { name: 'big', namespace: 'strata-system' }, spec: { url, secretRef: { name: 'git' }, path: 'big', targetNamespace: 'strata-bench', prune: true, interval: '10m' } });
      await until('Sync big Ready', 600_000, () => strataReady('big', first));
    });
    const fluxFirst = await time(async () => {
      await api.request('POST', `${GITREPOSITORIES}/flux-system/gitrepositories`, {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: 'bench', namespace: 'flux-system' },
        spec: { url, ref: { branch: 'main' }, secretRef: { name: 'git' }, interval: '10m' },
      });
      await api.request('POST', `${KUSTOMIZATIONS}/flux-system/kustomizations`, {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'big', namespace: 'flux-system' },
        spec: { sourceRef: { kind: 'GitRepository', name: 'bench' }, path: './big', targetNamespace: 'flux-bench', prune: true, interval: '10m' },
      });
      await until('Kustomization big Ready', 600_000, async () => (fluxReady(await getFlux('kustomizations', 'flux-system', 'big'), first) ? true : undefined));
    });
    for (const [tool, namespace] of [['strata', 'strata-bench'], ['flux', 'flux-bench']] as const) {
      const count = await objectsAt(api, namespace, 'big', 1);
      if (count !== OBJECTS) throw new Error(`${tool}: ${count} of ${OBJECTS} objects applied in ${namespace}`);
    }
    figures.push({ label: `first apply of ${OBJECTS} objects`, strata: strataFirst, flux: fluxFirst, unit: 's', target: '≤ 0.5x' });

    // Flux's webhook receiver for the GitRepository: a Receiver of GitHub push events, signed with the shared secret.
    await api.request('POST', '/api/v1/namespaces/flux-system/secrets', { metadata: { name: 'receiver-token' }, stringData: { token: hookSecret } });
    await api.request('POST', '/apis/notification.toolkit.fluxcd.io/v1/namespaces/flux-system/receivers', {
      apiVersion: 'notification.toolkit.fluxcd.io/v1',
      kind: 'Receiver',
      metadata: { name: 'bench', namespace: 'flux-system' },
      spec: { type: 'github', events: ['push'], secretRef: { name: 'receiver-token' }, resources: [{ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: 'bench' }] },
    });
    const receiverPath = await until('Receiver bench Ready', 120_000, async () => {
      const receiver = await api.get<FluxObject & { status?: { webhookPath?: string } }>('/apis/notification.toolkit.fluxcd.io/v1/namespaces/flux-system/receivers/bench');
      return receiver.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ? receiver.status.webhookPath : undefined;
    });
    /** Delivers a GitHub push event for `commit`, signed as GitHub signs it; fails unless the receiver accepts it. */
    const deliverPush = async (target: string, commit: string): Promise<void> => {
      const body = JSON.stringify({ ref: 'refs/heads/main', after: commit, repository: { clone_url: url, html_url: url, full_name: 'bench/bench' } });
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': randomBytes(8).toString('hex'), 'X-Hub-Signature-256': `sha256=${createHmac('sha256', hookSecret).update(body).digest('hex')}` },
        body,
      });
      if (response.status >= 300) throw new Error(`POST ${target}: ${response.status} ${await response.text()}`);
    };
    log(`1. first apply: strata ${strataFirst.toFixed(2)} s, flux ${fluxFirst.toFixed(2)} s`);

    // 2. No-op reconciles: requests and writes counted at the apiserver.
    // 2a. Asked for: `strata reconcile` against `flux reconcile kustomization --with-source`; both compare every object.
    await sleep(5000);
    const asked = {} as Record<Tool, Requests>;
    {
      const from = audit.offset();
      const requestedAt = await admin.requestReconcile('strata-system', 'big');
      await until('Sync big no-op reconcile', 300_000, () => strataReady('big', first, requestedAt));
      await sleep(1000);
      asked.strata = audit.requestsSince(from, STRATA_USER);
    }
    {
      const from = audit.offset();
      const requestedAt = new Date().toISOString();
      await patchFlux('gitrepositories', 'flux-system', 'bench', { metadata: { annotations: { [FLUX_REQUESTED_AT]: requestedAt } } });
      await patchFlux('kustomizations', 'flux-system', 'big', { metadata: { annotations: { [FLUX_REQUESTED_AT]: requestedAt } } });
      await until('Kustomization big no-op reconcile', 300_000, async () => {
        const source = await getFlux('gitrepositories', 'flux-system', 'bench');
        const kustomization = await getFlux('kustomizations', 'flux-system', 'big');
        return fluxReady(source, first, requestedAt) && fluxReady(kustomization, first, requestedAt) ? true : undefined;
      });
      await sleep(1000);
      asked.flux = audit.requestsSince(from, FLUX_USER);
    }
    // 2b. At the interval, as the steady state runs: RUNS runs in a row of each at a 15s interval, counted by each
    // tool's own reconcile counter. Strata's drift watch vouches for unchanged objects; every `fullCheckEvery`th
    // interval run (default 6: one of any 6 in a row) still compares every object.
    const RUNS = 6;
    const interval = {} as Record<Tool, Requests>;
    {
      await admin.patchSpec('strata-system', 'big', { interval: '15s' });
      await until('Sync big at the 15s interval', 300_000, () => strataReady('big', first));
      const counted = (): Promise<number> => metricSum(`http://127.0.0.1:${agentPort}/metrics`, 'strata_reconcile_total', (labels) => labels['name'] === 'big');
      const runs = await counted();
      const from = audit.offset();
      await until(`${RUNS} interval runs of Sync big`, 300_000, async () => ((await counted()) >= runs + RUNS ? true : undefined), 200);
      interval.strata = audit.requestsSince(from, STRATA_USER);
      await admin.patchSpec('strata-system', 'big', { interval: '10m' });
    }
    {
      const set = new Date().toISOString();
      await patchFlux('gitrepositories', 'flux-system', 'bench', { spec: { interval: '15s' } });
      await patchFlux('kustomizations', 'flux-system', 'big', { spec: { interval: '15s' }, metadata: { annotations: { [FLUX_REQUESTED_AT]: set } } });
      await until('Kustomization big at the 15s interval', 300_000, async () => (fluxReady(await getFlux('kustomizations', 'flux-system', 'big'), first, set) ? true : undefined));
      const counted = (): Promise<number> => metricSum(`http://127.0.0.1:${kustomizeMetrics}/metrics`, 'controller_runtime_reconcile_total', (labels) => labels['controller'] === 'kustomization');
      const runs = await counted();
      const from = audit.offset();
      await until(`${RUNS} interval runs of Kustomization big`, 300_000, async () => ((await counted()) >= runs + RUNS ? true : undefined), 200);
      interval.flux = audit.requestsSince(from, FLUX_USER);
      await patchFlux('gitrepositories', 'flux-system', 'bench', { spec: { interval: '10m' } });
      await patchFlux('kustomizations', 'flux-system', 'big', { spec: { interval: '10m' } });
    }
    const perRun = (requests: Requests): number => Math.round(requests.total / RUNS);
    figures.push({ label: `no-op reconcile at the interval: apiserver requests a run (mean of ${RUNS} in a row)`, strata: perRun(interval.strata), flux: perRun(interval.flux), unit: '', target: '≤ 0.1x' });
    figures.push({ label: 'no-op reconcile at the interval: writes a run (not dry-run)', strata: interval.strata.writes / RUNS, flux: interval.flux.writes / RUNS, unit: '' });
    figures.push({ label: 'no-op reconcile asked for (full comparison): apiserver requests', strata: asked.strata.total, flux: asked.flux.total, unit: '' });
    figures.push({ label: 'no-op reconcile asked for: writes (not dry-run) / dry-run writes', strata: asked.strata.writes, flux: asked.flux.writes, unit: '', note: `${asked.strata.dryRuns} / ${asked.flux.dryRuns} dry-run` });
    for (const [what, counts] of [['asked for', asked], [`${RUNS} interval runs`, interval]] as const) {
      for (const tool of ['strata', 'flux'] as const) {
        log(`2. no-op ${what}, ${tool}: ${counts[tool].total} requests, ${counts[tool].writes} writes, ${counts[tool].dryRuns} dry-run writes: ${[...counts[tool].byKind].sort((a, b) => b[1] - a[1]).map(([key, count]) => `${key} ${count}`).join(', ')}`);
      }
    }

    // 3. Commit to applied: every object changes.
    const second = await git.push('bench', { files: { ...filesOf('big', objectsOf('big', OBJECTS, 2)), ...smallFiles(1) }, message: 'revision 2' });
    const strataCommit = await time(async () => {
      await deliverPush(`http://127.0.0.1:${agentPort}/hook`, second);
      await until('strata applied revision 2', 300_000, async () => ((await objectsAt(api, 'strata-bench', 'big', 2)) === OBJECTS ? true : undefined), 50);
    });
    const fluxCommit = await time(async () => {
      await deliverPush(`http://127.0.0.1:${receiverPort}${receiverPath}`, second);
      await until('flux applied revision 2', 300_000, async () => ((await objectsAt(api, 'flux-bench', 'big', 2)) === OBJECTS ? true : undefined), 50);
    });
    figures.push({ label: `commit to applied (${OBJECTS} objects changed; a GitHub push event to /hook and to the Receiver)`, strata: strataCommit, flux: fluxCommit, unit: 's' });
    log(`3. commit to applied: strata ${strataCommit.toFixed(2)} s, flux ${fluxCommit.toFixed(2)} s`);
    await until('Sync big Ready at revision 2', 300_000, () => strataReady('big', second));
    await until('Kustomization big Ready at revision 2', 300_000, async () => (fluxReady(await getFlux('kustomizations', 'flux-system', 'big'), second) ? true : undefined));

    // 4. Drift: another field manager edits a managed field.
    const drift = async (namespace: string): Promise<number> =>
      time(async () => {
        await api.request('PATCH', `/api/v1/namespaces/${namespace}/configmaps/big-0?fieldManager=bench-edit`, { data: { LOG_LEVEL: 'debug' } }, { contentType: 'application/merge-patch+json' });
        await until(`drift in ${namespace} corrected`, 600_000, async () => {
          const configMap = await api.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${namespace}/configmaps/big-0`);
          return configMap.data?.['LOG_LEVEL'] === 'info' ? true : undefined;
        }, 50);
      });
    const strataDrift = await drift('strata-bench');
    // Flux corrects drift when it reconciles: at its interval. Set it, let that reconcile pass, then edit.
    const intervalSet = new Date().toISOString();
    await patchFlux('kustomizations', 'flux-system', 'big', { spec: { interval: FLUX_INTERVAL }, metadata: { annotations: { [FLUX_REQUESTED_AT]: intervalSet } } });
    await until('Kustomization big at the new interval', 300_000, async () => (fluxReady(await getFlux('kustomizations', 'flux-system', 'big'), second, intervalSet) ? true : undefined));
    const fluxDrift = await drift('flux-bench');
    figures.push({ label: `drift corrected (Flux interval ${FLUX_INTERVAL})`, strata: strataDrift, flux: fluxDrift, unit: 's', target: 'Strata < 2 s' });
    log(`4. drift: strata ${strataDrift.toFixed(2)} s, flux ${fluxDrift.toFixed(2)} s`);
    await patchFlux('kustomizations', 'flux-system', 'big', { spec: { interval: '10m' } });

    // 6. 100 Syncs against 100 Kustomizations of 4 objects.
    const names = Array.from({ length: SMALL }, (_, index) => `app-${String(index).padStart(3, '0')}`);
    const strataSmall = await time(async () => {
      await Promise.all(names.map((name) => admin.create({ metadata: { name, namespace: 'strata-system' }, spec: { url, secretRef: { name: 'git' }, path: `small/${name}`, targetNamespace: 'strata-small', prune: true, interval: '10m' } })));
      await until(`${SMALL} Syncs Ready`, 600_000, async () => {
        const syncs = (await admin.list('strata-system')).filter((sync) => sync.metadata.name !== 'big');
        const ready = syncs.filter((sync) => findCondition(sync.status, 'Ready')?.status === 'True' && sync.status?.observedGeneration === sync.metadata.generation);
        return ready.length === SMALL ? true : undefined;
      }, 50);
    });
    const fluxSmall = await time(async () => {
      await Promise.all(
        names.map((name) =>
          api.request('POST', `${KUSTOMIZATIONS}/flux-system/kustomizations`, {
            apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
            kind: 'Kustomization',
            metadata: { name, namespace: 'flux-system' },
            spec: { sourceRef: { kind: 'GitRepository', name: 'bench' }, path: `./small/${name}`, targetNamespace: 'flux-small', prune: true, interval: '10m' },
          }),
        ),
      );
      await until(`${SMALL} Kustomizations Ready`, 600_000, async () => {
        const list = await api.get<{ items: (FluxObject & { metadata: { name: string } })[] }>(`${KUSTOMIZATIONS}/flux-system/kustomizations`);
        return list.items.filter((item) => item.metadata.name !== 'big' && fluxReady(item, second)).length === SMALL ? true : undefined;
      }, 50);
    });
    figures.push({ label: `${SMALL} Syncs / Kustomizations × 4 objects to Ready`, strata: strataSmall, flux: fluxSmall, unit: 's' });
    log(`6. ${SMALL} small units: strata ${strataSmall.toFixed(2)} s, flux ${fluxSmall.toFixed(2)} s`);

    clearInterval(sampler);
    figures.push({ label: 'peak RSS (agent / source- + kustomize-controller)', strata: peaks.strata, flux: peaks.flux, unit: 'MB', target: '≤ 0.5x', note: `notification-controller ${peaks.notification.toFixed(0)} MB more` });

    log(`\nstrata vs flux (source-controller v1.9.0, kustomize-controller v1.9.6, notification-controller v1.9.0), load average ${loadavg()[0]?.toFixed(1)} at the end:`);
    log('| | Strata | Flux | Strata / Flux | target |');
    log('| --- | --- | --- | --- | --- |');
    for (const figure of figures) {
      const format = (value: number): string => (figure.unit === 's' ? `${value.toFixed(2)} s` : figure.unit === 'MB' ? `${value.toFixed(0)} MB` : String(Math.round(value * 10) / 10));
      log(`| ${figure.label} | ${format(figure.strata)} | ${format(figure.flux)} | ${ratio(figure.strata, figure.flux)}${figure.note ? ` (${figure.note})` : ''} | ${figure.target ?? ''} |`);
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await git.teardown();
    await cluster.stop();
  }
}

await main();
