// A real Kubernetes control plane for tests: etcd and kube-apiserver on 127.0.0.1 (envtest
// style), and on request kube-controller-manager, kube-scheduler and kwok so that workloads
// really roll out. Started from the binaries built by `npm run tools:build`.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { FAKE_NODE_NAME, fakeNode, KWOK_CONFIG, kwokArgs } from './kwok.ts';
import { TEST_USERS, tokenFile, writeKubeconfig, type TestUser, type UserCredentials } from './kubeconfig.ts';
import { freePorts } from './ports.ts';
import { ProcessRegistry, startProcess, type ManagedProcess } from './process.ts';
import { assertToolsBuilt, toolPath, type ToolName } from './tools.ts';

/** Options of {@link startCluster}. */
export interface ClusterProps {
  /**
   * Also run kube-controller-manager, kube-scheduler and kwok (one fake node), so that
   * Deployments get ReplicaSets and Pods that become Ready.
   * @default false
   */
  readonly workloads?: boolean;
  /**
   * Parent of the cluster's temporary directory.
   * @default os.tmpdir()
   */
  readonly tmpRoot?: string;
  /**
   * Keep the temporary directory (logs, etcd data) after stop, for debugging.
   * @default true when STRATA_CLUSTER_KEEP_TMP=1, else false
   */
  readonly keepTempDir?: boolean;
  /**
   * How long each component may take to become ready.
   * @default 90_000
   */
  readonly readyTimeoutMs?: number;
  /**
   * Extra kube-apiserver flags, e.g. `--feature-gates=...`.
   * @default none
   */
  readonly apiServerArgs?: readonly string[];
  /**
   * Receives one line per step (component ready, stopped, ...).
   * @default no logging
   */
  readonly log?: (line: string) => void;
}

/** A running test cluster. */
export interface TestCluster {
  /** Kubeconfig with contexts `admin` (current), `alice` and `bob`. */
  readonly kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** etcd's client URL, http://127.0.0.1:<port> (no TLS, no auth); the same after {@link resetCluster}. */
  readonly etcdClientUrl: string;
  /** The cluster's temporary directory (logs in `<dir>/logs`). */
  readonly dir: string;
  readonly workloads: boolean;
  /** Static tokens: `admin` is in system:masters; `alice` and `bob` have no rights until bound. */
  readonly users: Readonly<Record<TestUser, UserCredentials>>;
  /** A client config for one user. @default user 'admin' */
  kubeConfig(user?: TestUser): KubeConfig;
  /** Stops kube-apiserver (SIGTERM, or SIGKILL with `crash`), leaving etcd and the rest running. */
  stopApiServer(options?: { readonly crash?: boolean }): Promise<void>;
  /** Starts kube-apiserver again on the same port, with the same certificate, and waits for /readyz. */
  startApiServer(): Promise<void>;
  /** stopApiServer then startApiServer: the data in etcd is kept. */
  restartApiServer(options?: { readonly crash?: boolean }): Promise<void>;
  /** Replaces the whole cluster with a new one on an empty etcd; same server URL and kubeconfig. */
  resetCluster(): Promise<void>;
  /** Stops every process (whole process groups) and removes the temporary directory. */
  stop(): Promise<void>;
  /** Process ids of the running components (each the id of its process group). */
  pids(): number[];
}

/** Raised when a component does not start; carries the tail of its log. */
export class ClusterStartError extends Error {
  override readonly name = 'ClusterStartError';
  constructor(
    readonly component: string,
    message: string,
    readonly logTail: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`${component}: ${message}${logTail ? `\n--- last lines of the ${component} log ---\n${logTail}` : ''}`, options);
  }
}

const CONTROL_PLANE_TOOLS: readonly ToolName[] = ['etcd', 'kube-apiserver'];
const WORKLOAD_TOOLS: readonly ToolName[] = ['kube-controller-manager', 'kube-scheduler', 'kwok'];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface HttpResult {
  readonly status: number;
  readonly body: string;
}

function get(url: string, token?: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:');
    const req = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: 'GET',
        timeout: 2000,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(secure ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

class LocalCluster implements TestCluster {
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly workloads: boolean;
  readonly users: Readonly<Record<TestUser, UserCredentials>>;
  server = '';
  etcdClientUrl = '';
  private readonly registry: ProcessRegistry;
  private readonly keepTempDir: boolean;
  private readonly readyTimeoutMs: number;
  private readonly extraApiServerArgs: readonly string[];
  private readonly log: (line: string) => void;
  private ports = { etcdClient: 0, etcdPeer: 0, apiServer: 0 };
  private etcdGeneration = 0;
  private etcd: ManagedProcess | undefined;
  private apiServer: ManagedProcess | undefined;
  private workloadProcesses: ManagedProcess[] = [];
  private stopped = false;

  constructor(props: ClusterProps) {
    this.workloads = props.workloads ?? false;
    this.keepTempDir = props.keepTempDir ?? process.env['STRATA_CLUSTER_KEEP_TMP'] === '1';
    this.readyTimeoutMs = props.readyTimeoutMs ?? 90_000;
    this.extraApiServerArgs = props.apiServerArgs ?? [];
    this.log = props.log ?? (() => {});
    this.dir = mkdtempSync(join(props.tmpRoot ?? tmpdir(), 'strata-cluster-'));
    for (const sub of ['logs', 'certs']) mkdirSync(join(this.dir, sub));
    this.registry = new ProcessRegistry(this.dir, !this.keepTempDir);
    this.kubeconfigPath = join(this.dir, 'kubeconfig');
    const users = TEST_USERS.map(
      (name): UserCredentials => ({
        name,
        token: randomBytes(24).toString('hex'),
        groups: name === 'admin' ? ['system:masters'] : [],
      }),
    );
    this.users = Object.fromEntries(users.map((u) => [u.name, u])) as Record<TestUser, UserCredentials>;
    writeFileSync(join(this.dir, 'tokens.csv'), tokenFile(users), { mode: 0o600 });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(this.dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(this.dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(this.dir, 'kwok.yaml'), KWOK_CONFIG);
  }

  kubeConfig(user: TestUser = 'admin'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    kc.setCurrentContext(user);
    return kc;
  }

  pids(): number[] {
    return this.registry.list();
  }

  /** Starts everything; on a lost port race (address in use) retries with new ports. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const [etcdClient, etcdPeer, apiServer] = await freePorts(3);
      this.ports = { etcdClient: etcdClient!, etcdPeer: etcdPeer!, apiServer: apiServer! };
      this.server = `https://127.0.0.1:${this.ports.apiServer}`;
      this.etcdClientUrl = `http://127.0.0.1:${this.ports.etcdClient}`;
      try {
        await this.startAll();
        return;
      } catch (err) {
        await this.stopProcesses();
        const portRace = err instanceof ClusterStartError && /address already in use/.test(err.logTail);
        if (!portRace || attempt >= 3) throw err;
        rmSync(this.kubeconfigPath, { force: true });
        this.log(`cluster: port taken while starting ${err.component}, retrying with new ports`);
      }
    }
  }

  private async startAll(): Promise<void> {
    const started = Date.now();
    await this.startEtcd();
    await this.startApiServer();
    if (this.workloads) await this.startWorkloads();
    this.log(`cluster: ready at ${this.server} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }

  private async waitFor(
    proc: ManagedProcess,
    what: string,
    check: () => Promise<boolean>,
  ): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    let lastError: unknown;
    for (;;) {
      if (!proc.running) {
        throw new ClusterStartError(proc.name, `${proc.describeExit()} before ${what}`, proc.logTail());
      }
      try {
        // A probe can hang (e.g. on a port another process holds): the exit of the process wins.
        if (await Promise.race([check(), proc.wait().then(() => false)])) return;
      } catch (err) {
        lastError = err;
      }
      if (Date.now() > deadline) {
        await proc.stop();
        const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
        throw new ClusterStartError(proc.name, `not ${what} after ${this.readyTimeoutMs} ms${cause}`, proc.logTail(), {
          cause: lastError,
        });
      }
      await sleep(100);
    }
  }

  private spawn(name: ToolName, args: string[]): ManagedProcess {
    return startProcess({
      name,
      command: toolPath(name),
      args,
      logFile: join(this.dir, 'logs', `${name}.log`),
      cwd: this.dir,
      registry: this.registry,
    });
  }

  /**
   * A restart binds the ports of the first start again; one may be briefly held by another
   * process (e.g. as the local port of an outgoing connection), so wait and retry then. On the
   * first start, {@link start} picks new ports instead.
   */
  private async onSamePorts(startOnce: () => Promise<void>): Promise<void> {
    const restart = existsSync(this.kubeconfigPath);
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOnce();
      } catch (err) {
        const inUse = err instanceof ClusterStartError && /address already in use/.test(err.logTail);
        if (!restart || !inUse || attempt >= 20) throw err;
        this.log(`cluster: ${err.component} port still in use, retrying`);
        await sleep(500);
      }
    }
  }

  private startEtcd(): Promise<void> {
    return this.onSamePorts(() => this.startEtcdOnce());
  }

  async startApiServer(): Promise<void> {
    await this.onSamePorts(() => this.startApiServerOnce());
  }

  private async startEtcdOnce(): Promise<void> {
    const started = Date.now();
    const { etcdClient, etcdPeer } = this.ports;
    const dataDir = join(this.dir, `etcd-data-${this.etcdGeneration}`);
    const client = `http://127.0.0.1:${etcdClient}`;
    const peer = `http://127.0.0.1:${etcdPeer}`;
    const etcd = this.spawn('etcd', [
      '--name=strata-test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=strata-test=${peer}`,
      '--initial-cluster-state=new',
      '--unsafe-no-fsync=true',
      '--log-level=warn',
      '--quota-backend-bytes=4294967296',
    ]);
    this.etcd = etcd;
    await this.waitFor(etcd, 'healthy', async () => {
      const r = await get(`${client}/health`);
      return r.status === 200 && r.body.includes('"health":"true"');
    });
    this.log(`cluster: etcd ready on ${client} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }

  private async startApiServerOnce(): Promise<void> {
    const started = Date.now();
    const apiServer = this.spawn('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${this.ports.etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${this.ports.apiServer}`,
      `--cert-dir=${join(this.dir, 'certs')}`,
      `--token-auth-file=${join(this.dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(this.dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(this.dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      '--endpoint-reconciler-type=none',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      // PodTemplates, which nothing else here uses, bypass the watch cache: a watch or list of them
      // from a resourceVersion that etcd has compacted away then gets a real 410 Gone at once. With
      // the cache, an old version is still served until the cache's window (at least 75 s of
      // events, growing with the rate) has moved past it.
      '--watch-cache-sizes=podtemplates#0',
      ...(this.workloads ? [] : ['--disable-admission-plugins=ServiceAccount']),
      ...this.extraApiServerArgs,
    ]);
    this.apiServer = apiServer;
    const token = this.users.admin.token;
    await this.waitFor(apiServer, 'ready', async () => (await get(`${this.server}/readyz`, token)).status === 200);
    if (!existsSync(this.kubeconfigPath)) {
      writeKubeconfig({
        path: this.kubeconfigPath,
        server: this.server,
        caPem: readFileSync(join(this.dir, 'certs', 'apiserver.crt'), 'utf8'),
        users: TEST_USERS.map((u) => this.users[u]),
      });
    }
    this.log(`cluster: kube-apiserver ready at ${this.server} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }

  async stopApiServer(options: { readonly crash?: boolean } = {}): Promise<void> {
    const apiServer = this.apiServer;
    this.apiServer = undefined;
    if (!apiServer) return;
    await (options.crash ? apiServer.kill() : apiServer.stop());
    this.log(`cluster: kube-apiserver ${options.crash ? 'killed' : 'stopped'}`);
  }

  async restartApiServer(options: { readonly crash?: boolean } = {}): Promise<void> {
    await this.stopApiServer(options);
    await this.startApiServer();
  }

  private async startWorkloads(): Promise<void> {
    const started = Date.now();
    const kubeconfig = this.kubeconfigPath;
    const cm = this.spawn('kube-controller-manager', [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--secure-port=0',
      `--service-account-private-key-file=${join(this.dir, 'sa.key')}`,
      `--root-ca-file=${join(this.dir, 'certs', 'apiserver.crt')}`,
      '--cluster-name=strata-test',
      '--controllers=*,-csrsigning,-csrapproving,-csrcleaner,-nodeipam,-service-lb-controller,-cloud-node-lifecycle-controller',
    ]);
    const scheduler = this.spawn('kube-scheduler', [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--secure-port=0']);
    const kwok = this.spawn('kwok', kwokArgs(kubeconfig, join(this.dir, 'kwok.yaml')));
    this.workloadProcesses = [cm, scheduler, kwok];
    const core = this.kubeConfig('admin').makeApiClient(CoreV1Api);
    await this.waitFor(kwok, 'running', async () => {
      await core.createNode({ body: fakeNode() });
      return true;
    });
    await this.waitFor(kwok, 'marking the fake node Ready', async () => {
      const node = await core.readNode({ name: FAKE_NODE_NAME });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    });
    // Pods are admitted only once the controller-manager has made the default service account.
    await this.waitFor(cm, 'creating the default service account', async () => {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
      return true;
    });
    for (const p of [cm, scheduler, kwok]) {
      if (!p.running) throw new ClusterStartError(p.name, p.describeExit(), p.logTail());
    }
    this.log(`cluster: workloads (controller-manager, scheduler, kwok) ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }

  async resetCluster(): Promise<void> {
    await this.stopProcesses();
    rmSync(join(this.dir, `etcd-data-${this.etcdGeneration}`), { recursive: true, force: true });
    this.etcdGeneration += 1;
    await this.startAll();
  }

  private async stopProcesses(): Promise<void> {
    const order = [...this.workloadProcesses.reverse(), this.apiServer, this.etcd];
    this.workloadProcesses = [];
    this.apiServer = undefined;
    this.etcd = undefined;
    for (const p of order) await p?.stop();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.stopProcesses();
    this.registry.close();
    if (!this.keepTempDir) rmSync(this.dir, { recursive: true, force: true });
    this.log(`cluster: stopped${this.keepTempDir ? `, files kept in ${this.dir}` : ''}`);
  }
}

/**
 * Starts a test cluster. Fails with a message naming the command to run when the binaries are
 * not built (never skips). Stop it with {@link TestCluster.stop}; if this process dies first,
 * a watchdog kills the cluster's processes.
 */
export async function startCluster(props: ClusterProps = {}): Promise<TestCluster> {
  assertToolsBuilt([...CONTROL_PLANE_TOOLS, ...(props.workloads ? WORKLOAD_TOOLS : [])]);
  const cluster = new LocalCluster(props);
  try {
    await cluster.start();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
