// The engine across a kube-apiserver restart, on a cluster of its own (the shared one must not
// go down under other test files): an apply during the outage fails naming the objects, the
// next one converges, and the drift watcher reconnects and still corrects deletions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { ApplyError, applyAll, applyAllStaged } from '../../src/engine/apply.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { DriftWatcher, type DriftEvent } from '../../src/engine/drift.ts';
import { startCluster, type TestCluster } from '../cluster/cluster.ts';
import { eventually } from '../cluster/eventually.ts';
import { OWNER, manifestSet } from './_engine.ts';

let cluster: TestCluster;
let client: KubeClient;

beforeAll(async () => {
  cluster = await startCluster({ workloads: false });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cluster.kubeconfigPath);
  client = await KubeClient.fromKubeConfig(kubeConfig, { requestTimeoutMs: 5_000 });
}, 120_000);
afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

const yaml = `
apiVersion: v1
kind: Namespace
metadata: { name: restart }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: a, namespace: restart }
data: { v: "1" }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: b, namespace: restart }
data: { v: "1" }
`;

describe('across a kube-apiserver restart', () => {
  it('fails while the API server is down, naming the objects, and converges once it is back', async () => {
    await applyAllStaged(client, manifestSet(yaml, ''), { ownerLabels: OWNER });
    await cluster.stopApiServer({ crash: true });
    const error = (await applyAllStaged(client, manifestSet(yaml.replaceAll('v: "1"', 'v: "2"'), ''), { ownerLabels: OWNER }).catch((caught: unknown) => caught)) as ApplyError;
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.errors[0]?.message).toMatch(/^Namespace\/restart: .*(ECONNREFUSED|socket hang up|ECONNRESET)/);
    await cluster.startApiServer();
    const result = await applyAllStaged(client, manifestSet(yaml.replaceAll('v: "1"', 'v: "2"'), ''), { ownerLabels: OWNER });
    expect(result.entries.map((entry) => `${entry.subject} ${entry.action}`)).toEqual(['Namespace/restart unchanged', 'ConfigMap/restart/a configured', 'ConfigMap/restart/b configured']);
  });

  it('keeps watching for drift after the API server restarts', async () => {
    const set = manifestSet(yaml, '');
    await applyAllStaged(client, set, { ownerLabels: OWNER });
    const events: DriftEvent[] = [];
    const errors: Error[] = [];
    const watcher = new DriftWatcher(client, {
      ownerLabels: OWNER,
      retryMs: 200,
      onError: (error) => errors.push(error),
      onDrift: (drifted) => {
        events.push(...drifted);
        void applyAll(client, drifted.map((event) => set.get(event.ref)!.object), { ownerLabels: OWNER });
      },
    });
    try {
      await watcher.watch(set);
      await cluster.restartApiServer();
      await client.request('DELETE', '/api/v1/namespaces/restart/configmaps/b');
      await eventually(async () => (await client.get(set.entries.find((entry) => entry.ref.name === 'b')!.ref)) !== undefined, { timeoutMs: 15_000, what: 'b re-created' });
      expect(events.some((event) => event.subject === 'ConfigMap/restart/b' && event.reason === 'deleted')).toBe(true);
    } finally {
      watcher.stop();
    }
  });
});
