// Units in disaster recovery, on a real kube-apiserver with kube-controller-manager, scheduler and
// kwok, and the real Git server: an empty cluster is bootstrapped from a repository whose cluster
// is compiled into `infrastructure` (namespaces and an operator Deployment) and `apps` (which
// dependsOn it). The apps' objects are not applied while infrastructure is not Ready (its
// operator cannot be scheduled until a node of its pool exists); once the node is labelled, the
// operator becomes available, infrastructure Ready, and apps follows at the same revision.
// A cluster whose units form a cycle is refused by bootstrap's compile, leaving the cluster as it was.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../cluster/cluster.ts';
import { eventually, FAKE_NODE_NAME } from '../cluster/index.ts';
import { startGitServer, type GitServer } from '../git/git-server.ts';
import { bootstrap, type BootstrapOptions } from '../../src/gitops/bootstrap.ts';
import { BootstrapError } from '../../src/gitops/errors.ts';
import { isReadyAt } from '../../src/gitops/wait-ready.ts';
import type { Sync } from '../../src/api/index.ts';
import { KubeClient } from '../../src/kube/index.ts';
import { SyncClient } from '../../src/reconciler/index.ts';
import type { AgentHandle } from '../../src/agent/agent.ts';
import { strata } from '../cli/_run.ts';
import { REPO, gitIn, inProcessAgent, scratchDir } from './_seed.ts';

let cluster: TestCluster;
let git: GitServer;
let agent: AgentHandle | undefined;
const scratch: string[] = [];

const POOL_LABEL = 'strata.test/pool';

/** clusters/lab/index.ts: two units, `apps` after `infrastructure`; `cyclic` makes infrastructure depend on apps too; `none` is one folder. */
function labCluster(mode: 'units' | 'cyclic' | 'none'): string {
  const cyclic = mode === 'cyclic';
  return `import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { Cluster, Testing } from 'strata-gitops';

function platform(scope: Construct): void {
  new ApiObject(scope, 'platform-ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lab-platform' } });
  new ApiObject(scope, 'apps-ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lab-apps' } });
  // The operator runs only on nodes of its pool: none exists until the test labels one.
  new ApiObject(scope, 'operator', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'operator', namespace: 'lab-platform' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'operator' } },
      template: {
        metadata: { labels: { app: 'operator' } },
        spec: { nodeSelector: { '${POOL_LABEL}': 'infra' }, containers: [{ name: 'operator', image: 'registry.example/operator:1.0.0' }] },
      },
    },
  });
}

function apps(scope: Construct): void {
  new ApiObject(scope, 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-settings', namespace: 'lab-apps' }, data: { mode: 'live' } });
}

export default new Cluster({
  environment: Testing.environment({ name: 'lab' }),
  layers: { infrastructure: [platform], apps: [apps] },${
    mode === 'none'
      ? ''
      : `
  units: [
    { name: 'infrastructure', layers: ['infrastructure']${cyclic ? ", dependsOn: ['apps']" : ''} },
    { name: 'apps', layers: ['apps'], dependsOn: ['infrastructure'] },
  ],`
  }
});
`;
}

/** A repository holding Strata's sources (as an infrastructure repository depends on them) and the lab cluster. */
async function seed(repo: string, mode: 'units' | 'cyclic' | 'none'): Promise<void> {
  const dir = scratchDir('units-seed');
  scratch.push(dir);
  const files = (await gitIn(REPO, 'ls-files', '--cached', '--others', '--exclude-standard', '--', 'src', 'package.json', 'tsconfig.json', '.gitignore')).split('\n').filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      cpSync(join(REPO, file), join(dir, file));
    } catch {
      // deleted in the work tree meanwhile
    }
  }
  mkdirSync(join(dir, 'clusters', 'lab'), { recursive: true });
  writeFileSync(join(dir, 'clusters', 'lab', 'index.ts'), labCluster(mode));
  await gitIn(dir, 'init', '--quiet', '--initial-branch=main');
  await gitIn(dir, 'add', '--all');
  await gitIn(dir, 'commit', '--quiet', '-m', 'Lab cluster in two units');
  await gitIn(dir, 'push', '--quiet', git.httpUrl(repo), 'HEAD:refs/heads/main');
}

beforeAll(async () => {
  [cluster, git] = await Promise.all([startCluster({ workloads: true }), startGitServer()]);
  await Promise.all([git.createRepo('lab'), git.createRepo('cyclic'), git.createRepo('split')]);
  await Promise.all([seed('lab', 'units'), seed('cyclic', 'cyclic'), seed('split', 'none')]);
}, 240_000);

afterAll(async () => {
  await agent?.stop();
  await Promise.allSettled([cluster?.stop(), git?.teardown()]);
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

let lastWorkDir = '';

function options(repo: string, overrides: Partial<BootstrapOptions> = {}): BootstrapOptions {
  const workDir = scratchDir('units-bootstrap');
  scratch.push(workDir);
  lastWorkDir = workDir;
  return {
    repo: git.httpUrl(repo, { auth: false }),
    branch: 'main',
    cluster: 'lab',
    kubeconfig: cluster.kubeconfigPath,
    context: 'admin',
    gitCredentials: git.credentials,
    workDir,
    timeoutMs: 120_000,
    runAgent: async (kc) => {
      agent = await inProcessAgent(kc);
    },
    ...overrides,
  };
}

const ready = (sync: Sync | undefined) => sync?.status?.conditions?.find((condition) => condition.type === 'Ready');

describe('units in disaster recovery', () => {
  it('refuses a cluster whose units form a cycle at compile, leaving the cluster untouched', async () => {
    const refused = await bootstrap(options('cyclic')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BootstrapError);
    expect((refused as BootstrapError).step).toBe('compile');
    expect((refused as Error).message).toContain('the units depend on each other in a cycle: infrastructure → apps → infrastructure');
    const namespaces = await cluster.kubeConfig().makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((ns) => ns.metadata?.name)).not.toContain('strata-system');
    expect(agent).toBeUndefined();
  }, 120_000);

  it('applies apps only once infrastructure is Ready, at the same revision', async () => {
    const result = await bootstrap(options('lab'));
    const syncs = new SyncClient(cluster.kubeConfig());
    const root = await syncs.get('strata-system', 'lab');
    expect(root.spec.path).toBe('deploy/lab/root');

    // Infrastructure is applied but not healthy: its operator has no node to run on.
    const waiting = await eventually(
      async () => {
        const apps = await syncs.get('strata-system', 'lab-apps').catch(() => undefined);
        return ready(apps)?.reason === 'DependencyNotReady' ? apps : undefined;
      },
      { timeoutMs: 60_000, what: 'lab-apps waiting for lab-infrastructure' },
    );
    expect(ready(waiting)?.message).toContain('strata-system/lab-infrastructure is not Ready');
    expect(waiting.spec.dependsOn).toEqual([{ name: 'lab-infrastructure' }]);
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    await eventually(async () => (await core.readNamespace({ name: 'lab-apps' }).catch(() => undefined)) !== undefined, { what: 'infrastructure applied its namespaces' });
    const infrastructure = await syncs.get('strata-system', 'lab-infrastructure');
    expect(ready(infrastructure)?.status).not.toBe('True');
    expect(await core.readNamespacedConfigMap({ name: 'app-settings', namespace: 'lab-apps' }).catch(() => 'absent')).toBe('absent');
    // What bootstrap compiled and pushed stays in its work folder: strata diff goes unit by unit.
    const deployDir = join(lastWorkDir, 'repo', 'deploy');
    const pending = strata(['diff', 'lab', '--dir', deployDir, '--sync', 'strata-system/lab', '--kubeconfig', cluster.kubeconfigPath]);
    expect(pending.stderr).toMatch(/^1 to create, 0 to update, 0 to prune, \d+ unchanged\n$/);
    expect(pending.status).toBe(1);
    expect(pending.stdout).toContain('unit apps (');
    expect(pending.stdout.slice(pending.stdout.indexOf('unit apps ('))).toContain('+ ConfigMap/lab-apps/app-settings create');

    // The operator's pool arrives: infrastructure turns Ready, then apps is applied.
    const client = await KubeClient.fromKubeConfig(cluster.kubeConfig());
    try {
      await client.request('PATCH', `/api/v1/nodes/${FAKE_NODE_NAME}`, { metadata: { labels: { [POOL_LABEL]: 'infra' } } }, { contentType: 'application/merge-patch+json' });
    } finally {
      client.close();
    }
    const appsReady = await eventually(
      async () => {
        const apps = await syncs.get('strata-system', 'lab-apps');
        return isReadyAt(apps, result.revision) ? apps : undefined;
      },
      { timeoutMs: 90_000, what: `lab-apps Ready at ${result.revision}` },
    );
    const infrastructureReady = await syncs.get('strata-system', 'lab-infrastructure');
    expect(isReadyAt(infrastructureReady, result.revision)).toBe(true);
    const settings = await core.readNamespacedConfigMap({ name: 'app-settings', namespace: 'lab-apps' });
    expect(settings.data).toEqual({ mode: 'live' });
    // Written after infrastructure turned Ready (both to the second).
    const infraReadyAt = Date.parse(ready(infrastructureReady)?.lastTransitionTime ?? '');
    expect(new Date(settings.metadata?.creationTimestamp ?? 0).getTime()).toBeGreaterThanOrEqual(Math.floor(infraReadyAt / 1000) * 1000);
    expect(appsReady.status?.inventory?.entries.map((entry) => entry.id)).toEqual(['lab-apps_app-settings__ConfigMap']);

    const same = strata(['diff', 'lab', '--dir', deployDir, '--sync', 'strata-system/lab', '--kubeconfig', cluster.kubeconfigPath]);
    expect(same.stderr).toMatch(/^0 to create, 0 to update, 0 to prune, \d+ unchanged\n$/);
    expect(same.status).toBe(0);
    const tree = strata(['tree', 'lab', '-n', 'strata-system', '--kubeconfig', cluster.kubeconfigPath]);
    expect(tree.status).toBe(0);
    expect(tree.stdout).toContain(`Sync/strata-system/lab-apps (${result.revision})`);
    expect(tree.stdout).toMatch(/Sync\/strata-system\/lab-apps .*\n.*└── Namespace\/lab-apps\n.*└── ConfigMap\/app-settings/);
  }, 300_000);

  it('splits a cluster bootstrapped as one folder into units without deleting anything', async () => {
    await agent?.stop();
    agent = undefined;
    await cluster.resetCluster();
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    await bootstrap(options('split'));
    const before = await eventually(async () => core.readNamespacedConfigMap({ name: 'app-settings', namespace: 'lab-apps' }).catch(() => undefined), { what: 'the one-folder cluster applied' });
    const namespaceBefore = await core.readNamespace({ name: 'lab-apps' });
    expect(before.metadata?.labels?.['strata.dev/name']).toBe('lab');

    // The split is committed like any source change; bootstrap again then points the root Sync at the root unit.
    const work = scratchDir('units-split');
    scratch.push(work);
    await gitIn(work, 'clone', '--quiet', git.httpUrl('split'), 'repo');
    writeFileSync(join(work, 'repo', 'clusters', 'lab', 'index.ts'), labCluster('units'));
    await gitIn(join(work, 'repo'), 'commit', '--quiet', '-am', 'Split lab into infrastructure and apps');
    await gitIn(join(work, 'repo'), 'push', '--quiet', 'origin', 'HEAD:main');
    const split = await bootstrap(options('split'));
    expect(split.git).toBe('changed');
    const syncs = new SyncClient(cluster.kubeConfig());
    expect((await syncs.get('strata-system', 'lab')).spec.path).toBe('deploy/lab/root');

    // Infrastructure takes its objects over from the root Sync; apps waits for it (its operator's pool is back only once labelled).
    await eventually(async () => (await core.readNamespace({ name: 'lab-apps' })).metadata?.labels?.['strata.dev/name'] === 'lab-infrastructure', { timeoutMs: 60_000, what: 'infrastructure took its namespaces over' });
    const client = await KubeClient.fromKubeConfig(cluster.kubeConfig());
    try {
      await client.request('PATCH', `/api/v1/nodes/${FAKE_NODE_NAME}`, { metadata: { labels: { [POOL_LABEL]: 'infra' } } }, { contentType: 'application/merge-patch+json' });
    } finally {
      client.close();
    }
    await eventually(async () => isReadyAt(await syncs.get('strata-system', 'lab-apps'), split.revision), { timeoutMs: 90_000, what: `lab-apps Ready at ${split.revision}` });
    const after = await core.readNamespacedConfigMap({ name: 'app-settings', namespace: 'lab-apps' });
    expect(after.metadata?.labels?.['strata.dev/name']).toBe('lab-apps');
    // Handed over, never deleted and recreated.
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    expect((await core.readNamespace({ name: 'lab-apps' })).metadata?.uid).toBe(namespaceBefore.metadata?.uid);
    const root = await syncs.get('strata-system', 'lab');
    expect(root.status?.inventory?.entries.map((entry) => entry.id)).not.toContain('lab-apps_app-settings__ConfigMap');
  }, 300_000);
});
