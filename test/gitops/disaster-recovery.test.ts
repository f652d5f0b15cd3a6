// Bootstrap and disaster recovery on a real kube-apiserver of its own (the harness resets it
// to a new empty etcd: the cluster is lost) and the real Git server: the example production
// cluster is bootstrapped from a repository seeded with this project's sources, a second run
// changes nothing, the cluster is destroyed and bootstrapped again from the same repository,
// and every object of deploy/production is back as compiled: the root Sync applies the Syncs of
// the units, infrastructure first, then apps once infrastructure is Ready. The agent runs in this process
// (there is no kubelet running our image); bootstrap starts it through `runAgent` at the
// moment a real cluster would start its Pods.
import { rmSync } from 'node:fs';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../cluster/cluster.ts';
import { eventually } from '../cluster/index.ts';
import type { ManifestSet } from '../../src/manifest/index.ts';
import { SyncClient } from '../../src/reconciler/index.ts';
import { startGitServer, type GitServer } from '../git/git-server.ts';
import { bootstrap, type BootstrapOptions } from '../../src/gitops/bootstrap.ts';
import { BootstrapError } from '../../src/gitops/errors.ts';
import { generateIdentity } from '../../src/secrets/age-keys.ts';
import { readHistory } from '../../src/gitops/history.ts';
import { liveRevision } from '../../src/gitops/live-revision.ts';
import type { AgentHandle } from '../../src/agent/agent.ts';
import { compiledOutput, differencesFromLive, gitIn, inProcessAgent, operatorStandIns, scratchDir, seedRepository } from './_seed.ts';

let cluster: TestCluster;
let git: GitServer;
let agent: AgentHandle | undefined;
let standIn: { stop(): Promise<void> } | undefined;
const scratch: string[] = [];
let ageKey = '';

beforeAll(async () => {
  // With workloads: production migrates checkout-api in a pre-apply hook Job, which must complete.
  [cluster, git] = await Promise.all([startCluster({ workloads: true }), startGitServer()]);
  ageKey = (await generateIdentity()).secret;
  await git.createRepo('infra');
  // No CRD by hand: the operators' CRDs come with their charts in deploy/production.
  await seedRepository(git.httpUrl('infra'), 'production');
}, 240_000);

afterAll(async () => {
  await standIn?.stop();
  await agent?.stop();
  await Promise.allSettled([cluster?.stop(), git?.teardown()]);
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function options(overrides: Partial<BootstrapOptions> = {}): BootstrapOptions {
  const workDir = scratchDir('bootstrap');
  scratch.push(workDir);
  return {
    repo: git.httpUrl('infra', { auth: false }),
    branch: 'main',
    cluster: 'production',
    kubeconfig: cluster.kubeconfigPath,
    context: 'admin',
    gitCredentials: git.credentials,
    ageKey,
    workDir,
    // The operators' CRDs (4.4 MB of the Prometheus operator's schema) take a loaded machine minutes.
    timeoutMs: 280_000,
    runAgent: async (kc) => {
      agent = await inProcessAgent(kc);
      await standIn?.stop();
      standIn = operatorStandIns(kc);
    },
    ...(process.env['STRATA_BOOTSTRAP_LOG'] ? { onProgress: (step, message) => console.log(`[bootstrap] ${step}: ${message}`) } : {}),
    ...overrides,
  };
}

/** Every object of every unit live as compiled: the root Sync applies the units' Syncs, each its unit, apps after infrastructure. */
async function appliedAsCompiled(compiled: ManifestSet): Promise<void> {
  await eventually(async () => (await differencesFromLive(cluster.kubeConfig(), compiled)).length === 0, { timeoutMs: 120_000, what: 'every unit applied' }).catch(async (error: unknown) => {
    const syncs = await new SyncClient(cluster.kubeConfig()).list('strata-system').catch(() => []);
    const states = syncs.map((sync) => `${sync.metadata.name}: ${JSON.stringify(sync.status?.conditions?.find((c) => c.type === 'Ready'))}`).join('\n');
    const events = (await cluster.kubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'strata-system' }).catch(() => ({ items: [] }))).items.map((event) => `${event.involvedObject.name}: ${event.reason}: ${event.message}`).slice(-15).join('\n');
    expect(await differencesFromLive(cluster.kubeConfig(), compiled), `${(error as Error).message}\n${states}\n${events}`).toEqual([]);
  });
}

async function namespaceExists(name: string): Promise<boolean> {
  return cluster
    .kubeConfig()
    .makeApiClient(CoreV1Api)
    .readNamespace({ name })
    .then(() => true)
    .catch(() => false);
}

describe('bootstrap and disaster recovery', () => {
  it('fails clearly on a wrong context, missing permissions or an unreachable repository, leaving nothing behind', async () => {
    const wrongContext = await bootstrap(options({ context: 'production-eu' })).catch((e: unknown) => e);
    expect(wrongContext).toBeInstanceOf(BootstrapError);
    expect((wrongContext as BootstrapError).step).toBe('context');
    expect((wrongContext as Error).message).toMatch(/context "production-eu" is not in the kubeconfig \(contexts: .*admin/);

    const denied = await bootstrap(options({ context: 'alice' })).catch((e: unknown) => e);
    expect((denied as BootstrapError).step).toBe('permissions');
    expect((denied as Error).message).toMatch(/insufficient permissions on https:\/\/127\.0\.0\.1:\d+: may not .*create customresourcedefinitions\.apiextensions\.k8s\.io/);

    const unreachable = await bootstrap(options({ repo: git.httpUrl('no-such-repo', { auth: false }) })).catch((e: unknown) => e);
    expect((unreachable as BootstrapError).step).toBe('clone');
    expect((unreachable as Error).message).toContain('cannot clone');
    expect((unreachable as Error).message).not.toContain(git.credentials.password);

    expect(await namespaceExists('strata-system')).toBe(false);
    expect(agent).toBeUndefined();
  });

  it('bootstraps production, changes nothing on a second run, and recovers the destroyed cluster from Git', async () => {
    const first = await bootstrap(options());
    console.log(`first bootstrap: Ready after ${((first.readyAfterMs ?? 0) / 1000).toFixed(1)} s (${first.applied.length} agent objects applied)`);
    expect(first.git).toBe('changed');
    expect(first.apply).toBe('changed');
    expect(first.sources).toEqual(['clusters/production/strata-system.ts', 'clusters/production/index.ts']);
    expect(first.secrets).toEqual([
      { name: 'strata-git-auth', action: 'created' },
      { name: 'strata-age-key', action: 'created' },
    ]);
    expect(first.revision).toBe(`main@sha1:${first.commit}`);
    expect(agent).toBeDefined();

    // The bootstrap commit is an applied revision with a message saying what it added.
    const reader = scratchDir('history');
    scratch.push(reader);
    await gitIn(reader, 'clone', '--quiet', git.httpUrl('infra'), 'repo');
    const running = await liveRevision({ cluster: 'production', kubeconfig: cluster.kubeconfigPath, context: 'admin' });
    expect(running).toBe(first.revision);
    const history = await readHistory({ dir: `${reader}/repo`, cluster: 'production', runningRevision: running });
    expect(history.revisions).toHaveLength(2);
    expect(history.revisions[0]?.running).toBe(true);
    expect(history.revisions[0]?.subject).toBe('Bootstrap production: add the Strata agent and the root Sync');
    expect(history.revisions[0]?.message).toContain('Deployment of strata/agent:');
    expect(history.revisions[0]?.counts.added).toBe(15); // the agent (with its Sync and ImageUpdate CRDs), the root Sync and the Syncs of the units infrastructure and apps
    // Credentials are Secrets in the cluster, never in Git.
    expect(await gitIn(`${reader}/repo`, 'grep', '-c', git.credentials.password).catch(() => 'absent')).toBe('absent');

    const compiled = await compiledOutput(git.httpUrl('infra'), 'production');
    await appliedAsCompiled(compiled);

    const second = await bootstrap(options());
    expect(second.changed).toBe(false);
    expect(second.git).toBe('unchanged');
    expect(second.apply).toBe('skipped');
    expect(second.commit).toBeUndefined();
    expect(second.revision).toBe(first.revision);
    expect(second.secrets.map((s) => s.action)).toEqual(['unchanged', 'unchanged']);

    // A newer agent goes through Git: a commit the agent applies itself, not bootstrap.
    const upgraded = await bootstrap(options({ agentImage: 'strata/agent:0.2.0' }));
    expect(upgraded.git).toBe('changed');
    expect(upgraded.apply).toBe('skipped');
    expect(upgraded.sources).toEqual(['clusters/production/strata-system.ts']);
    const deployment = await cluster
      .kubeConfig()
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: 'strata-agent', namespace: 'strata-system' });
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe('strata/agent:0.2.0');

    // The same cluster named as another environment: the usual wrong --context.
    const other = await bootstrap(options({ cluster: 'staging' })).catch((e: unknown) => e);
    expect((other as BootstrapError).step).toBe('context');
    expect((other as Error).message).toMatch(/already bootstrapped as production .*wrong --context\?/);

    // Disaster: the cluster is lost (new empty etcd) and its agent with it.
    await agent?.stop();
    agent = undefined;
    await cluster.resetCluster();
    expect(await namespaceExists('strata-system')).toBe(false);

    const recovered = await bootstrap(options());
    const seconds = (recovered.readyAfterMs ?? 0) / 1000;
    const steps = Object.entries(recovered.timings).map(([step, ms]) => `${step} ${((ms ?? 0) / 1000).toFixed(1)} s`).join(', ');
    console.log(`disaster recovery: bootstrap → root Sync Ready in ${seconds.toFixed(1)} s for ${compiled.size} objects of deploy/production (${steps})`);
    expect(recovered.git).toBe('unchanged');
    expect(recovered.apply).toBe('changed');
    expect(recovered.revision).toBe(upgraded.revision);
    await appliedAsCompiled(await compiledOutput(git.httpUrl('infra'), 'production'));
    // The units: infrastructure (namespaces, PriorityClasses, policies) was Ready before the apps were written.
    const syncs = new SyncClient(cluster.kubeConfig());
    const infrastructure = await syncs.get('strata-system', 'production-infrastructure');
    const infraReady = infrastructure.status?.conditions?.find((condition) => condition.type === 'Ready');
    expect(infraReady?.status).toBe('True');
    const checkout = await cluster.kubeConfig().makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'checkout-api', namespace: 'shop' });
    expect(new Date(checkout.metadata?.creationTimestamp ?? 0).getTime()).toBeGreaterThanOrEqual(Math.floor(Date.parse(infraReady?.lastTransitionTime ?? '') / 1000) * 1000);
    expect((await syncs.get('strata-system', 'production-apps')).spec.dependsOn).toEqual([{ name: 'production-infrastructure' }]);
  }, 900_000);
  it('a run stopped while waiting (no agent running yet) is finished by running it again', async () => {
    await agent?.stop();
    agent = undefined;
    await cluster.resetCluster();
    const stopped = await bootstrap(options({ runAgent: undefined, timeoutMs: 2_000 })).catch((e: unknown) => e);
    expect((stopped as BootstrapError).step).toBe('wait');
    expect((stopped as Error).message).toMatch(/is not Ready at main@sha1:[0-9a-f]{40} after 2 s \(waiting for the agent to pick up the root Sync\); everything else is in place: run bootstrap again/);
    // The agent's Pods come up (here: in this process); the same command finishes the job.
    agent = await inProcessAgent(cluster.kubeConfig());
    const finished = await bootstrap(options({ runAgent: undefined }));
    expect(finished.apply).toBe('skipped');
    expect(finished.git).toBe('unchanged');
    expect(finished.readyAfterMs).toBeDefined();
    await appliedAsCompiled(await compiledOutput(git.httpUrl('infra'), 'production'));
  }, 400_000);
});
