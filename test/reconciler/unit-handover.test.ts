// An object moving between two units of one cluster, against the real kube-apiserver: the Sync it
// left does not prune it (a sibling unit holds it at the same revision) and the Sync it joined
// takes it over, so it is never deleted (same uid), in either direction. Another Sync still
// cannot take an object over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestSet, serializeIndex, type KubeObject } from '../../src/manifest/index.ts';
import { agent, createSync, failedWith, findCondition, live, namespace, readyAt, repo, setupEnv, waitForSync, type Env } from './_harness.ts';

let env: Env;
beforeAll(async () => {
  env = await setupEnv();
});
afterAll(async () => {
  await env?.dispose();
});

type Cm = { metadata: { uid: string; labels?: Record<string, string> } };
const cm = (ns: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { v: name } });

/** `deploy/lab/<unit>/…` files for each unit, as the compiler writes them. */
function units(layout: Readonly<Record<string, readonly KubeObject[]>>): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [unit, objects] of Object.entries(layout)) {
    const set = ManifestSet.fromObjects(objects);
    for (const entry of set.entries) files[`deploy/lab/${unit}/${entry.file}`] = entry.text;
    files[`deploy/lab/${unit}/index.json`] = serializeIndex(set.index('lab', unit));
  }
  return files;
}

describe('units: an object moving between units', () => {
  it('is handed over, never deleted, from infrastructure to apps and back', async () => {
    const ns = await namespace(env, 'unit-move');
    const { url, secret } = await repo(env, ns, 'units');
    const path = `/api/v1/namespaces/${ns}/configmaps/shared`;
    const first = await env.git.push('units', { files: units({ infra: [cm(ns, 'base'), cm(ns, 'shared')], apps: [cm(ns, 'app')] }) });
    await agent(env, ns);
    await createSync(env, ns, 'lab-infra', { url, secretRef: { name: secret }, path: 'deploy/lab/infra', interval: '1h' });
    await createSync(env, ns, 'lab-apps', { url, secretRef: { name: secret }, path: 'deploy/lab/apps', interval: '1h', dependsOn: [{ name: 'lab-infra' }] });
    await waitForSync(env, ns, 'lab-apps', readyAt(first));
    const created = await live<Cm>(env, path);
    expect(created?.metadata.labels?.['strata.dev/name']).toBe('lab-infra');

    const moved = await env.git.push('units', { replaceAll: true, files: units({ infra: [cm(ns, 'base')], apps: [cm(ns, 'app'), cm(ns, 'shared')] }) });
    await Promise.all(['lab-infra', 'lab-apps'].map((name) => env.client.api.request('PATCH', `/apis/strata.dev/v1alpha1/namespaces/${ns}/syncs/${name}`, { metadata: { annotations: { 'strata.dev/reconcile-requested-at': `moved-${Date.now()}` } } }, { contentType: 'application/merge-patch+json' })));
    const apps = await waitForSync(env, ns, 'lab-apps', readyAt(moved), 30_000);
    const infra = await waitForSync(env, ns, 'lab-infra', readyAt(moved));
    const taken = await live<Cm>(env, path);
    expect(taken?.metadata.uid).toBe(created?.metadata.uid);
    expect(taken?.metadata.labels?.['strata.dev/name']).toBe('lab-apps');
    expect(infra.status?.inventory?.entries.map((entry) => entry.id)).toEqual([`${ns}_base__ConfigMap`]);
    expect(apps.status?.inventory?.entries.map((entry) => entry.id).sort()).toEqual([`${ns}_app__ConfigMap`, `${ns}_shared__ConfigMap`]);

    // Back to the unit applied first: it takes the object over from apps, which leaves it.
    const back = await env.git.push('units', { replaceAll: true, files: units({ infra: [cm(ns, 'base'), cm(ns, 'shared')], apps: [cm(ns, 'app')] }) });
    await Promise.all(['lab-infra', 'lab-apps'].map((name) => env.client.api.request('PATCH', `/apis/strata.dev/v1alpha1/namespaces/${ns}/syncs/${name}`, { metadata: { annotations: { 'strata.dev/reconcile-requested-at': `back-${Date.now()}` } } }, { contentType: 'application/merge-patch+json' })));
    await waitForSync(env, ns, 'lab-apps', readyAt(back), 30_000);
    await waitForSync(env, ns, 'lab-infra', readyAt(back));
    const returned = await live<Cm>(env, path);
    expect(returned?.metadata.uid).toBe(created?.metadata.uid);
    expect(returned?.metadata.labels?.['strata.dev/name']).toBe('lab-infra');

    // A Sync that is not a unit of this cluster still may not take it.
    await env.git.push('units', { files: { 'other/a.yaml': JSON.stringify(cm(ns, 'shared')) } });
    await createSync(env, ns, 'other', { url, secretRef: { name: secret }, path: 'other', interval: '1h' });
    const refused = await waitForSync(env, ns, 'other', failedWith('ReconciliationFailed'));
    expect(findCondition(refused.status, 'Ready')?.message).toContain(`already owned by Sync ${ns}/lab-infra`);
  }, 120_000);
});
