// Disaster recovery of the whole example platform, for real: a new, empty cluster (with the
// controller-manager, scheduler and kwok, so Deployments really roll out) where only the agent
// is installed (its Sync CRD, the agent in this process) and no other CRD. One Sync with
// `wait: true` on each unit of deploy/production (infrastructure, then apps), from the Git server, must bring up everything: the
// charts' CRDs (cert-manager, the Prometheus operator, Flagger) Established before any object
// of theirs is created, every Deployment Available, every object as compiled.
//
// The test cluster runs no pod for real (kwok reports them Running), so nothing plays the cloud
// load balancer, the ingress controller, cert-manager, Flagger or metrics-server there. For the
// kinds only those fill in (a LoadBalancer Service's and an Ingress's address, a ClusterIssuer's
// and a Canary's Ready, an HPA's metrics) the Sync declares how this cluster judges them
// (`healthCheckExprs`, Flux's CEL health rules), as a team does for a cluster without a cloud
// load balancer; every other object is judged by the built-in rules. The charts' admission
// webhooks: see docs/charts.md (ingress-nginx's and the operator's are off in the example;
// cert-manager's is created after the ClusterIssuer, as the kind order has it, so this first
// apply does not ask it; a later apply of a cert-manager object on this cluster would).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../cluster/cluster.ts';
import { startGitServer, type GitServer } from '../git/git-server.ts';
import { SyncClient } from '../../src/reconciler/sync-client.ts';
import { findCondition } from '../../src/reconciler/status.ts';
import { KubeClient } from '../../src/kube/client.ts';
import type { AgentHandle } from '../../src/agent/agent.ts';
import type { HealthCheckExpression, Sync } from '../../src/api/sync.ts';
import { ManifestSet, type KubeObject } from '../../src/manifest/index.ts';
import { applyAllStaged } from '../../src/engine/apply.ts';
import { StrataAgent } from '../../src/constructs/index.ts';
import { compiledOutput, differencesFromLive, inProcessAgent, seedRepository } from './_seed.ts';

/** What the test cluster has no controller for, and how it judges those kinds instead. */
const TEST_CLUSTER_HEALTH: readonly HealthCheckExpression[] = [
  // No cloud load balancer: a Service is ready once it exists.
  { apiVersion: 'v1', kind: 'Service', current: 'true' },
  // No ingress controller process (kwok runs no pod): an Ingress is ready once it exists.
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', current: 'true' },
  // No metrics-server: the real HPA controller can read the scale target, it cannot compute a replica count.
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', current: "status.?conditions.orValue([]).exists(c, c.type == 'AbleToScale' && c.status == 'True')" },
  // No cert-manager or Flagger process.
  { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', current: 'true' },
  { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', current: 'true' },
];

let cluster: TestCluster;
let git: GitServer;
let agent: AgentHandle | undefined;
const scratch: string[] = [];

beforeAll(async () => {
  [cluster, git] = await Promise.all([startCluster({ workloads: true }), startGitServer()]);
  await git.createRepo('platform');
  await seedRepository(git.httpUrl('platform'), 'production');
}, 300_000);

afterAll(async () => {
  await agent?.stop();
  await Promise.allSettled([cluster?.stop(), git?.teardown()]);
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function readyAtHead(sync: Sync): boolean {
  return findCondition(sync.status, 'Ready')?.status === 'True' && sync.status?.observedGeneration === sync.metadata.generation;
}

describe('disaster recovery of the example platform', () => {
  it('an empty cluster with only the agent converges on deploy/production with wait: true: CRDs first, every Deployment Available', async () => {
    const kc = cluster.kubeConfig();
    const syncs = new SyncClient(kc);
    const client = await KubeClient.fromKubeConfig(kc);
    try {
      // Only the agent: what `strata install` applies (its CRDs, namespace, accounts, RBAC,
      // Deployment); its process runs here, as in the bootstrap test (kwok runs no container).
      await applyAllStaged(client, ManifestSet.fromObjects(StrataAgent.manifests({ image: 'strata/agent:0.1.0' })), { fieldManager: 'strata-install' });
      const crdsBefore = await syncs.api.get<{ items: KubeObject[] }>('/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
      expect(crdsBefore.items.map((crd) => crd.metadata.name).sort()).toEqual(['imageupdates.strata.dev', 'syncs.strata.dev']);
      await client.apply(
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git-auth', namespace: 'strata-system' }, stringData: { username: git.credentials.username, password: git.credentials.password } } as unknown as KubeObject,
        { fieldManager: 'test' },
      );
      agent = await inProcessAgent(kc);
      const started = Date.now();
      // deploy/production is compiled into units (infrastructure, then apps; root is empty until
      // bootstrap adds the agent): one Sync for each, apps depending on infrastructure, both wait: true.
      const unitSync = (unit: string, dependsOn?: string) =>
        syncs.create({
          metadata: { name: `production-${unit}`, namespace: 'strata-system' },
          spec: {
            url: git.httpUrl('platform', { auth: false }),
            secretRef: { name: 'git-auth' },
            path: `deploy/production/${unit}`,
            interval: '10m',
            wait: true,
            timeout: '5m',
            healthCheckExprs: TEST_CLUSTER_HEALTH,
            ...(dependsOn ? { dependsOn: [{ name: `production-${dependsOn}` }] } : {}),
          },
        });
      await unitSync('infrastructure');
      await unitSync('apps', 'infrastructure');
      let last: Sync | undefined;
      for (const name of ['production-infrastructure', 'production-apps']) {
        for (;;) {
          last = await syncs.get('strata-system', name).catch(() => last);
          if (last && last.metadata.name === name && readyAtHead(last)) break;
          const ready = last && last.metadata.name === name ? findCondition(last.status, 'Ready') : undefined;
          if (ready?.status === 'False' && ready.reason !== 'Progressing' && ready.reason !== 'DependencyNotReady') throw new Error(`Sync ${name} failed: ${ready.reason}: ${ready.message}`);
          if (Date.now() - started > 290_000) throw new Error(`${name} not Ready after 290 s: ${JSON.stringify(last?.status, null, 1)}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        expect(findCondition(last.status, 'Healthy')?.status, name).toBe('True');
      }
      const seconds = (Date.now() - started) / 1000;
      const compiled = await compiledOutput(git.httpUrl('platform'), 'production');
      const crds = compiled.entries.filter((entry) => entry.ref.kind === 'CustomResourceDefinition');
      const deployments = compiled.entries.filter((entry) => entry.ref.kind === 'Deployment');
      console.log(
        `disaster recovery of the platform: the Syncs of deploy/production's units Ready (wait: true) ${seconds.toFixed(1)} s after they were created, ` +
          `${compiled.size} objects (${crds.length} CRDs, ${deployments.length} Deployments) on an empty cluster with only the agent`,
      );

      // Every CRD Established, and Established no later than the first object of its kind was created.
      const created = new Map<string, number>();
      for (const entry of compiled.entries) {
        const object = await client.get(entry.ref);
        const at = Date.parse(String(object?.metadata.creationTimestamp));
        const key = `${entry.ref.group}/${entry.ref.kind}`;
        created.set(key, Math.min(created.get(key) ?? Infinity, at));
      }
      expect([...new Set(crds.map((entry) => entry.ref.name.slice(entry.ref.name.indexOf('.') + 1)))].sort()).toEqual(['acme.cert-manager.io', 'cert-manager.io', 'flagger.app', 'monitoring.coreos.com']);
      for (const entry of crds) {
        const crd = (await client.get(entry.ref)) as KubeObject & { spec: { group: string; names: { kind: string } }; status?: { conditions?: { type: string; status: string; lastTransitionTime: string }[] } };
        const established = crd.status?.conditions?.find((c) => c.type === 'Established');
        expect(established?.status, crd.metadata.name).toBe('True');
        const first = created.get(`${crd.spec.group}/${crd.spec.names.kind}`);
        if (first !== undefined) expect(Date.parse(established!.lastTransitionTime), `${crd.metadata.name} Established before its objects`).toBeLessThanOrEqual(first);
      }
      // Every Deployment Available, with all its replicas (kwok's pods, the real ReplicaSets).
      for (const entry of deployments) {
        const live = (await client.get(entry.ref)) as KubeObject & { spec: { replicas?: number }; status?: { availableReplicas?: number; conditions?: { type: string; status: string }[] } };
        expect(live.status?.conditions?.find((c) => c.type === 'Available')?.status, `${entry.ref.namespace}/${entry.ref.name}`).toBe('True');
        expect(live.status?.availableReplicas, `${entry.ref.namespace}/${entry.ref.name}`).toBe(live.spec.replicas ?? 1);
      }
      expect(deployments.map((entry) => `${entry.ref.namespace}/${entry.ref.name}`)).toEqual(
        expect.arrayContaining(['cert-manager/cert-manager-webhook', 'ingress-nginx/ingress-nginx-controller', 'monitoring/kube-prometheus-stack-operator', 'flagger-system/flagger', 'shop/checkout-api']),
      );
      expect(await differencesFromLive(kc, compiled)).toEqual([]);
    } finally {
      client.close();
    }
  }, 400_000);
});
