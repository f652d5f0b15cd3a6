// Waves against the real kube-apiserver, controller-manager and kwok: each wave is healthy
// before the next is written, and a wave that fails stops the revision.
import { Watch } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILING_IMAGE } from '../cluster/index.ts';
import { agent, configMap, createSync, failedWith, findCondition, live, namespace, readyAt, repo, setupEnv, waitFor, waitForSync, type Env } from './_harness.ts';

let env: Env;
beforeAll(async () => {
  env = await setupEnv();
});
afterAll(async () => {
  await env?.dispose();
});

const deployment = (ns: string, name: string, wave?: number) =>
  stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, ...(wave === undefined ? {} : { annotations: { 'strata.dev/wave': String(wave) } }) },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] } },
    },
  });

type Deployment = { metadata: { name: string }; status?: { availableReplicas?: number } };

describe('waves', () => {
  it('three waves are applied in order, each only once the one before is available', async () => {
    const ns = await namespace(env, 'waves');
    const { url, secret } = await repo(env, ns, 'waves');
    const sha = await env.git.push('waves', {
      files: { 'app/a.yaml': deployment(ns, 'first', -1), 'app/b.yaml': deployment(ns, 'second'), 'app/c.yaml': deployment(ns, 'third', 5) },
    });
    // One watch on the namespace's Deployments: its events arrive in the order the API server wrote them,
    // so at the ADDED of each Deployment the watch has already told whether the one before was available.
    const seen = new Map<string, Deployment>();
    const availableAtCreation = new Map<string, Record<string, boolean>>();
    const watch = await new Watch(env.kc).watch(`/apis/apps/v1/namespaces/${ns}/deployments`, {}, (type: string, object: Deployment) => {
      if (type === 'ADDED') {
        availableAtCreation.set(object.metadata.name, Object.fromEntries([...seen.values()].map((other) => [other.metadata.name, (other.status?.availableReplicas ?? 0) >= 1])));
      }
      seen.set(object.metadata.name, object);
    }, () => undefined);
    try {
      await agent(env, ns);
      await createSync(env, ns, 'app', { url, secretRef: { name: secret }, path: 'app', timeout: '60s' });
      await waitForSync(env, ns, 'app', readyAt(sha), 60_000);
      await waitFor('the watch saw all three', async () => availableAtCreation.size === 3);
    } finally {
      watch.abort();
    }
    expect(availableAtCreation.get('first')).toEqual({});
    expect(availableAtCreation.get('second')).toEqual({ first: true });
    expect(availableAtCreation.get('third')).toEqual({ first: true, second: true });
    const events = await env.client.events(ns, 'app');
    const notes = events.map((event) => event.note);
    expect(notes).toEqual(expect.arrayContaining([`Applying wave -1 (1 of 3) of revision main@sha1:${sha}`, `Waiting for wave 0 (2 of 3) of revision main@sha1:${sha} to be healthy`, `Applying wave 5 (3 of 3) of revision main@sha1:${sha}`]));
  });

  it('a wave that fails stops the revision: later waves are not applied, and the status names the wave and the object', async () => {
    const ns = await namespace(env, 'waves-fail');
    const { url, secret } = await repo(env, ns, 'waves-fail');
    const pod = stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'broken', namespace: ns, annotations: { 'strata.dev/wave': '2' } },
      spec: { containers: [{ name: 'c', image: FAILING_IMAGE }] },
    });
    const later = stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later', namespace: ns, annotations: { 'strata.dev/wave': '3' } }, data: { k: 'v' } });
    await env.git.push('waves-fail', { files: { 'app/a.yaml': deployment(ns, 'first', 1), 'app/b.yaml': pod, 'app/c.yaml': later } });
    await agent(env, ns);
    await createSync(env, ns, 'app', { url, secretRef: { name: secret }, path: 'app', timeout: '60s', retryInterval: '10m' });
    const failed = await waitForSync(env, ns, 'app', failedWith('HealthCheckFailed'), 60_000);
    const message = findCondition(failed.status, 'Ready')?.message ?? '';
    expect(message).toContain('health check of wave 2 (2 of 3) of revision');
    expect(message).toContain('(wave 3 not applied)');
    expect(message).toContain(`Pod/${ns}/broken: health check failed: containers failing`);
    expect(findCondition(failed.status, 'Healthy')?.status).toBe('False');
    expect(await live(env, `/apis/apps/v1/namespaces/${ns}/deployments/first`)).toBeDefined();
    expect(await live(env, `/api/v1/namespaces/${ns}/configmaps/later`)).toBeUndefined();
  });

  it('a wave that is not an integer is a BuildFailed naming the object and the annotation; nothing is applied', async () => {
    const ns = await namespace(env, 'waves-bad');
    const { url, secret } = await repo(env, ns, 'waves-bad');
    const bad = configMap(ns, 'bad').replace('metadata:\n', "metadata:\n  annotations:\n    strata.dev/wave: soon\n");
    await env.git.push('waves-bad', { files: { 'app/bad.yaml': bad, 'app/good.yaml': configMap(ns, 'good') } });
    await agent(env, ns);
    await createSync(env, ns, 'app', { url, secretRef: { name: secret }, path: 'app', retryInterval: '10m' });
    const failed = await waitForSync(env, ns, 'app', failedWith('BuildFailed'));
    expect(findCondition(failed.status, 'Ready')?.message).toContain(`ConfigMap/${ns}/bad: bad.yaml: annotation strata.dev/wave: "soon" is not an integer`);
    expect(await live(env, `/api/v1/namespaces/${ns}/configmaps/good`)).toBeUndefined();
  });
});
