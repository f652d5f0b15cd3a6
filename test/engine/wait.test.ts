// Health checks on real objects: Deployments rolled out by kube-controller-manager, kube-scheduler
// and kwok (the test cluster's workloads mode), a crash-looping Pod, a PVC that never binds.
import { describe, expect, it } from 'vitest';
import { applyAllStaged } from '../../src/engine/apply.ts';
import { HealthCheckError, waitForHealthy } from '../../src/engine/wait.ts';
import { testCluster } from '../cluster/context.ts';
import { FAILING_IMAGE } from '../cluster/kwok.ts';
import { engineNamespace, manifestSet, OWNER } from './_engine.ts';

const engine = engineNamespace('engine-wait');

const deployment = (name: string, image: string, replicas = 2): string => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: $NS }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec: { containers: [{ name: app, image: ${image} }] }
`;

describe('waitForHealthy', () => {
  it.runIf(testCluster().workloads)('waits until a Deployment has rolled out (Current)', async () => {
    const set = manifestSet(`${deployment('web', 'nginx:1.27')}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: cfg, namespace: $NS }`, engine.ns.name);
    await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    const report = await waitForHealthy(engine.client, set.entries.map((entry) => entry.ref), { timeoutMs: 45_000 });
    expect(report.entries.map((entry) => [entry.subject, entry.status])).toEqual([
      [`ConfigMap/${engine.ns.name}/cfg`, 'Current'],
      [`Deployment/${engine.ns.name}/web`, 'Current'],
    ]);
    expect(report.entries.find((entry) => entry.ref.kind === 'Deployment')?.message).toBe('Deployment is available. Replicas: 2');
  });

  it.runIf(testCluster().workloads)('fails fast when a Pod crash-loops, naming it', async () => {
    const set = manifestSet(`apiVersion: v1\nkind: Pod\nmetadata: { name: crasher, namespace: $NS }\nspec: { containers: [{ name: app, image: ${FAILING_IMAGE} }] }`, engine.ns.name);
    await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    const started = Date.now();
    const error = (await waitForHealthy(engine.client, [set.entries[0]!.ref], { timeoutMs: 45_000 }).catch((caught: unknown) => caught)) as HealthCheckError;
    expect(error).toBeInstanceOf(HealthCheckError);
    expect(error.reason).toBe('Failed');
    expect(error.message).toBe(`Pod/${engine.ns.name}/crasher: health check failed: containers failing: app (CrashLoopBackOff)`);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it.runIf(testCluster().workloads)('fails a Deployment whose rollout passes its progress deadline', async () => {
    const set = manifestSet(deployment('stuck', FAILING_IMAGE, 1).replace('  replicas: 1', '  replicas: 1\n  progressDeadlineSeconds: 2'), engine.ns.name);
    await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    const error = (await waitForHealthy(engine.client, [set.entries[0]!.ref], { timeoutMs: 45_000 }).catch((caught: unknown) => caught)) as HealthCheckError;
    expect(error).toBeInstanceOf(HealthCheckError);
    expect(error.reason).toBe('Failed');
    expect(error.message).toMatch(new RegExp(`^Deployment/${engine.ns.name}/stuck: health check failed: progress deadline exceeded`));
  });

  it('times out listing what is not ready', async () => {
    const set = manifestSet(
      `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: data, namespace: $NS }\nspec: { accessModes: [ReadWriteOnce], storageClassName: none, resources: { requests: { storage: 1Gi } } }`,
      engine.ns.name,
    );
    await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    const error = (await waitForHealthy(engine.client, [set.entries[0]!.ref], { timeoutMs: 1_000, intervalMs: 200 }).catch((caught: unknown) => caught)) as HealthCheckError;
    expect(error).toBeInstanceOf(HealthCheckError);
    expect(error.reason).toBe('Timeout');
    expect(error.message).toBe(`PersistentVolumeClaim/${engine.ns.name}/data: not ready after 1s: InProgress: PVC is not Bound. Phase: Pending`);
    expect(error.report.entries[0]?.status).toBe('InProgress');
  });

  it('tells which objects are not ready yet, once for each change of that list', async () => {
    const set = manifestSet(
      `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: waiting, namespace: $NS }\nspec: { accessModes: [ReadWriteOnce], storageClassName: none, resources: { requests: { storage: 1Gi } } }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: ready, namespace: $NS }`,
      engine.ns.name,
    );
    await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    const told: string[][] = [];
    const error = await waitForHealthy(engine.client, set.entries.map((entry) => entry.ref), { timeoutMs: 1_000, intervalMs: 100, onPending: (pending) => told.push(pending.map((entry) => `${entry.subject}: ${entry.status}: ${entry.message}`)) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HealthCheckError);
    // Several rounds of reads, one message: the list did not change.
    expect(told).toEqual([[`PersistentVolumeClaim/${engine.ns.name}/waiting: InProgress: PVC is not Bound. Phase: Pending`]]);
  });

  it('stops at once when aborted (a new revision cancels the running health check)', async () => {
    const set = manifestSet(`apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: data, namespace: $NS }\nspec: { accessModes: [ReadWriteOnce], storageClassName: none, resources: { requests: { storage: 1Gi } } }`, engine.ns.name);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('superseded')), 300);
    await expect(waitForHealthy(engine.client, [set.entries[0]!.ref], { timeoutMs: 60_000, intervalMs: 5_000, signal: controller.signal })).rejects.toThrow('superseded');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports a missing object as NotFound', async () => {
    const ref = { group: '', version: 'v1', kind: 'ConfigMap', namespace: engine.ns.name, name: 'absent' };
    const error = (await waitForHealthy(engine.client, [ref], { timeoutMs: 300, intervalMs: 100 }).catch((caught: unknown) => caught)) as HealthCheckError;
    expect(error.message).toBe(`ConfigMap/${engine.ns.name}/absent: not ready after 300ms: NotFound: not found`);
  });
});
