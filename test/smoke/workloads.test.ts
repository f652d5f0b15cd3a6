// With workloads on (the shared cluster has them), Deployments really roll out: the
// controller-manager makes ReplicaSets and Pods, the scheduler binds them to kwok's fake node,
// and kwok makes them Ready, except pods marked to fail.
import { AppsV1Api, CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCluster, testKubeConfig } from '../cluster/context.ts';
import { eventually } from '../cluster/eventually.ts';
import { FAILING_IMAGE, FAILING_POD_ANNOTATION, FAILING_POD_VALUE, FAKE_NODE_NAME } from '../cluster/kwok.ts';
import { createTestNamespace, type TestNamespace } from '../cluster/namespace.ts';

const kc = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);
let ns: TestNamespace;

beforeAll(async () => {
  ns = await createTestNamespace(kc, 'smoke-workloads');
});
afterAll(async () => {
  await ns?.delete();
});

function deployment(name: string, replicas: number, options: { image?: string; annotations?: Record<string, string> } = {}): V1Deployment {
  return {
    metadata: { name, namespace: ns.name },
    spec: {
      replicas,
      progressDeadlineSeconds: 10,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...(options.annotations ? { annotations: options.annotations } : {}) },
        spec: { containers: [{ name: 'app', image: options.image ?? 'registry.strata.test/app:1.0.0' }] },
      },
    },
  };
}

const condition = (d: V1Deployment, type: string) => d.status?.conditions?.find((c) => c.type === type);

describe('workloads', () => {
  it('runs with workloads enabled', () => {
    expect(testCluster().workloads).toBe(true);
  });

  it('rolls out a Deployment of 3 replicas until Available', async () => {
    await apps.createNamespacedDeployment({ namespace: ns.name, body: deployment('web', 3) });
    const done = await eventually(
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'web', namespace: ns.name });
        return d.status?.availableReplicas === 3 && condition(d, 'Available')?.status === 'True' ? d : undefined;
      },
      { timeoutMs: 45_000, what: 'deployment web Available with 3 replicas' },
    );
    expect(done.status?.readyReplicas).toBe(3);
    const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(3);
    for (const pod of pods.items) {
      expect(pod.spec?.nodeName).toBe(FAKE_NODE_NAME);
      expect(pod.status?.phase).toBe('Running');
      expect(pod.metadata?.ownerReferences?.[0]?.kind).toBe('ReplicaSet');
    }
  });

  it.concurrent.each([
    ['annotated', { annotations: { [FAILING_POD_ANNOTATION]: FAILING_POD_VALUE } }],
    ['failing-image', { image: FAILING_IMAGE }],
  ] as const)('never makes a Deployment of pods marked to fail Available (%s)', async (name, options) => {
    await apps.createNamespacedDeployment({ namespace: ns.name, body: deployment(name, 2, options) });
    const stalled = await eventually(
      async () => {
        const d = await apps.readNamespacedDeployment({ name, namespace: ns.name });
        return condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? d : undefined;
      },
      { timeoutMs: 45_000, what: `deployment ${name} past its progress deadline` },
    );
    expect(condition(stalled, 'Available')?.status).toBe('False');
    expect(stalled.status?.readyReplicas ?? 0).toBe(0);
    const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: `app=${name}` });
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
      expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    }
  });
});
