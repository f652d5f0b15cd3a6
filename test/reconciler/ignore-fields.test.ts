// Sharing objects with other controllers, against the real kube-apiserver (+ controller-manager,
// kwok): fields named in `strata.dev/ignore-fields` are not reverted by drift correction, a full
// reconcile or `strata diff`, while the same change to a field Strata keeps is reverted.
//
// The HPA here has no metrics (none run under kwok), so it never scales by itself: the test scales
// the Deployment through its /scale subresource as kube-controller-manager, as the HPA controller does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffLive } from '../../src/engine/diff.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { ManifestSet, type KubeObject } from '../../src/manifest/index.ts';
import { ownerLabels } from '../../src/api/owner.ts';
import { testKubeConfig } from '../cluster/context.ts';
import { agent, createSync, live, namespace, readyAt, repo, setupEnv, waitFor, waitForSync, type Env } from './_harness.ts';

let env: Env;
beforeAll(async () => {
  env = await setupEnv();
});
afterAll(async () => {
  await env?.dispose();
});

const IGNORE = 'strata.dev/ignore-fields';

const deployment = (ns: string, name: string, annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns, annotations },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1' }] } },
  },
});

const hpa = (ns: string, name: string): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name, namespace: ns },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
    minReplicas: 2,
    maxReplicas: 6,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
  },
});

const deploymentPath = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
const replicasOf = async (ns: string, name: string) => (await live<{ spec: { replicas: number } }>(env, deploymentPath(ns, name)))?.spec.replicas;

/** What the HPA controller does: a merge patch of the /scale subresource as kube-controller-manager. */
const scale = (ns: string, name: string, replicas: number) =>
  env.client.api.request('PATCH', `${deploymentPath(ns, name)}/scale?fieldManager=kube-controller-manager`, { spec: { replicas } }, { contentType: 'application/merge-patch+json' });

describe('strata.dev/ignore-fields', () => {
  it('an HPA scaling a Deployment is not reverted (drift, a full reconcile, strata diff); the same scale of one without it is', async () => {
    const ns = await namespace(env, 'ignore-hpa');
    const { url, secret } = await repo(env, ns, 'hpa');
    const scaled = deployment(ns, 'web', { [IGNORE]: '/spec/replicas' });
    const plain = deployment(ns, 'plain');
    const files = { 'web.yaml': JSON.stringify(scaled), 'hpa.yaml': JSON.stringify(hpa(ns, 'web')), 'plain.yaml': JSON.stringify(plain) };
    const sha = await env.git.push('hpa', { files });
    await agent(env, ns);
    await createSync(env, ns, 'apps', { url, secretRef: { name: secret } });
    await waitForSync(env, ns, 'apps', readyAt(sha));
    // Created with Git's value.
    expect(await replicasOf(ns, 'web')).toBe(2);

    await scale(ns, 'web', 5);
    await scale(ns, 'plain', 5);
    // The drift watch corrects the Deployment without the annotation...
    await waitFor('plain reverted to 2', async () => (await replicasOf(ns, 'plain')) === 2);
    // ...and a reconcile that compares every object with Git by dry-run leaves the scaled one alone.
    const requested = await env.client.requestReconcile(ns, 'apps');
    await waitForSync(env, ns, 'apps', (sync) => sync.status?.lastHandledReconcileAt === requested && readyAt(sha)(sync));
    expect(await replicasOf(ns, 'web')).toBe(5);
    const managers = ((await live<KubeObject>(env, deploymentPath(ns, 'web')))?.metadata.managedFields ?? []) as { manager: string; fieldsV1: { 'f:spec'?: Record<string, unknown> } }[];
    // Strata gave the field up to the HPA's controller instead of sharing it.
    expect(managers.find((entry) => entry.manager === 'strata')?.fieldsV1['f:spec']?.['f:replicas']).toBeUndefined();

    // strata diff (diffLive) shows nothing to change for it.
    const client = await KubeClient.fromKubeConfig(testKubeConfig());
    try {
      const result = await diffLive(client, ManifestSet.fromObjects([scaled, plain]), { ownerLabels: ownerLabels('apps', ns) });
      expect(result.entries.map((entry) => `${entry.action} ${entry.subject}`)).toEqual([`none Deployment/${ns}/plain`, `none Deployment/${ns}/web`]);
    } finally {
      client.close();
    }
  });

  it('an ignored field edited by hand is not reverted, while a field Strata keeps in the same edit is', async () => {
    const ns = await namespace(env, 'ignore-edit');
    const { url, secret } = await repo(env, ns, 'edit');
    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns, annotations: { [IGNORE]: '/data/level' } }, data: { level: 'info', mode: 'git' } };
    const sha = await env.git.push('edit', { files: { 'cm.yaml': JSON.stringify(config) } });
    await agent(env, ns);
    await createSync(env, ns, 'cm', { url, secretRef: { name: secret } });
    await waitForSync(env, ns, 'cm', readyAt(sha));

    const path = `/api/v1/namespaces/${ns}/configmaps/settings`;
    await env.client.api.request('PATCH', `${path}?fieldManager=kubectl-edit`, { data: { level: 'debug', mode: 'manual' } }, { contentType: 'application/merge-patch+json' });
    await waitFor('mode reverted to git', async () => (await live<{ data: Record<string, string> }>(env, path))?.data.mode === 'git');
    expect((await live<{ data: Record<string, string> }>(env, path))?.data.level).toBe('debug');
    const requested = await env.client.requestReconcile(ns, 'cm');
    await waitForSync(env, ns, 'cm', (sync) => sync.status?.lastHandledReconcileAt === requested && readyAt(sha)(sync));
    expect((await live<{ data: Record<string, string> }>(env, path))?.data).toEqual({ level: 'debug', mode: 'git' });
  });
});
