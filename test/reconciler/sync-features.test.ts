// dependsOn, drift, immutable fields, impersonation and health, against the real kube-apiserver.
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

const cmPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
type Cm = { data?: Record<string, string>; metadata: { resourceVersion: string; uid: string } };

const deployment = (ns: string, name: string, image: string) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
    },
  });

describe('agent features', () => {
  it('dependsOn: dependents wait, then wake as soon as their dependency is Ready', async () => {
    const ns = await namespace(env, 'sync-deps');
    const { url, secret } = await repo(env, ns, 'deps');
    const sha = await env.git.push('deps', {
      files: { 'base/a.yaml': configMap(ns, 'base'), 'mid/a.yaml': configMap(ns, 'mid'), 'top/a.yaml': configMap(ns, 'top') },
    });
    await agent(env, ns);
    // The base points at a missing folder first, so the chain must wait; retries are slow on purpose.
    await createSync(env, ns, 'base', { url, secretRef: { name: secret }, path: 'nope', retryInterval: '10m' });
    await createSync(env, ns, 'mid', { url, secretRef: { name: secret }, path: 'mid', retryInterval: '10m', dependsOn: [{ name: 'base' }] });
    await createSync(env, ns, 'top', { url, secretRef: { name: secret }, path: 'top', retryInterval: '10m', dependsOn: [{ name: 'mid' }] });
    const waiting = await waitForSync(env, ns, 'mid', failedWith('DependencyNotReady'));
    expect(findCondition(waiting.status, 'Ready')?.message).toContain(`${ns}/base is not Ready`);
    expect(await live(env, cmPath(ns, 'mid'))).toBeUndefined();
    await waitForSync(env, ns, 'top', failedWith('DependencyNotReady'));

    const started = Date.now();
    await env.client.patchSpec(ns, 'base', { path: 'base' });
    await waitForSync(env, ns, 'top', readyAt(sha), 15_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    const [base, mid, top] = await Promise.all(['base', 'mid', 'top'].map((name) => env.client.get(ns, name)));
    expect(new Set([base, mid, top].map((sync) => sync.status?.lastAppliedRevision))).toEqual(new Set([`main@sha1:${sha}`]));
  });

  it('drift: a changed or deleted object is corrected within 2 s; report mode only reports', async () => {
    const ns = await namespace(env, 'sync-drift');
    const { url, secret } = await repo(env, ns, 'drift');
    const sha = await env.git.push('drift', { files: { 'fix/a.yaml': configMap(ns, 'fixed', { v: 'git' }), 'rep/a.yaml': configMap(ns, 'reported', { v: 'git' }) } });
    const handle = await agent(env, ns);
    await createSync(env, ns, 'fix', { url, secretRef: { name: secret }, path: 'fix' });
    await createSync(env, ns, 'rep', { url, secretRef: { name: secret }, path: 'rep', driftDetection: { mode: 'report' } });
    await waitForSync(env, ns, 'fix', readyAt(sha));
    await waitForSync(env, ns, 'rep', readyAt(sha));
    await new Promise((resolve) => setTimeout(resolve, 500)); // watches established

    const edit = (name: string) =>
      env.client.api.request('PATCH', `${cmPath(ns, name)}?fieldManager=kubectl-edit`, { data: { v: 'manual' } }, { contentType: 'application/merge-patch+json' });
    let started = Date.now();
    await edit('fixed');
    await waitFor('drift corrected', async () => (await live<Cm>(env, cmPath(ns, 'fixed')))?.data?.v === 'git', 5000);
    const correctedIn = Date.now() - started;
    expect(correctedIn).toBeLessThan(2000);

    started = Date.now();
    await env.client.api.request('DELETE', cmPath(ns, 'fixed'));
    await waitFor('deleted object recreated', async () => (await live<Cm>(env, cmPath(ns, 'fixed')))?.data?.v === 'git', 5000);
    expect(Date.now() - started).toBeLessThan(2000);

    await edit('reported');
    await waitFor('drift reported', async () => (await (await fetch(`${handle.url}/metrics`)).text()).includes(`strata_drift_detected_total{namespace="${ns}",name="rep",mode="report"}`), 5000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await live<Cm>(env, cmPath(ns, 'reported')))?.data?.v).toBe('manual');
    const metrics = await (await fetch(`${handle.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`strata_drift_corrections_total\\{namespace="${ns}",name="fix"\\} [1-9]`));
    expect(metrics).not.toContain(`strata_drift_corrections_total{namespace="${ns}",name="rep"}`);
  });

  it('immutable field change: refused without force, recreated with force', async () => {
    const ns = await namespace(env, 'sync-immutable');
    const { url, secret } = await repo(env, ns, 'imm');
    const immutable = (v: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen', namespace: ns }, immutable: true, data: { v } });
    const first = await env.git.push('imm', { files: { 'a.yaml': immutable('1') } });
    await agent(env, ns);
    await createSync(env, ns, 'imm', { url, secretRef: { name: secret } });
    await waitForSync(env, ns, 'imm', readyAt(first));
    const uid = (await live<Cm>(env, cmPath(ns, 'frozen')))?.metadata.uid;
    const second = await env.git.push('imm', { files: { 'a.yaml': immutable('2') } });
    await env.client.requestReconcile(ns, 'imm');
    const refused = await waitForSync(env, ns, 'imm', (sync) => failedWith('ReconciliationFailed')(sync) && (sync.status?.lastAttemptedRevision ?? '').endsWith(second));
    expect(findCondition(refused.status, 'Ready')?.message).toMatch(new RegExp(`ConfigMap/${ns}/frozen: .*immutable`));
    expect((await live<Cm>(env, cmPath(ns, 'frozen')))?.data?.v).toBe('1');
    await env.client.patchSpec(ns, 'imm', { force: true });
    await waitForSync(env, ns, 'imm', readyAt(second));
    const recreated = await live<Cm>(env, cmPath(ns, 'frozen'));
    expect(recreated?.data?.v).toBe('2');
    expect(recreated?.metadata.uid).not.toBe(uid);
  });

  it('serviceAccountName: a tenant cannot write outside what its account may', async () => {
    const ns = await namespace(env, 'sync-tenant');
    const other = await namespace(env, 'sync-other');
    await env.client.api.request('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'tenant' } });
    await env.client.api.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
      metadata: { name: 'tenant' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['*'] }],
    });
    await env.client.api.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
      metadata: { name: 'tenant' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant' },
      subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: ns }],
    });
    const { url, secret } = await repo(env, ns, 'tenant');
    const own = await env.git.push('tenant', { files: { 'mine.yaml': configMap(ns, 'mine') } });
    await agent(env, ns);
    await createSync(env, ns, 't', { url, secretRef: { name: secret }, serviceAccountName: 'tenant' });
    await waitForSync(env, ns, 't', readyAt(own));
    const escape = await env.git.push('tenant', { files: { 'theirs.yaml': configMap(other, 'theirs') } });
    await env.client.requestReconcile(ns, 't');
    const denied = await waitForSync(env, ns, 't', (sync) => failedWith('ReconciliationFailed')(sync) && (sync.status?.lastAttemptedRevision ?? '').endsWith(escape));
    expect(findCondition(denied.status, 'Ready')?.message).toMatch(new RegExp(`ConfigMap/${other}/theirs: .*forbidden.*system:serviceaccount:${ns}:tenant`));
    expect(await live(env, cmPath(other, 'theirs'))).toBeUndefined();
  });

  it('leader election in-process: a replica that stops releases the Lease and the other takes over at once', async () => {
    const ns = await namespace(env, 'sync-lease');
    const first = await agent(env, ns, { leaderElection: true, identity: 'one', leaseRetryMs: 500 });
    await waitFor('a leader', async () => first.isLeader());
    const second = await agent(env, ns, { leaderElection: true, identity: 'two', leaseRetryMs: 500 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(second.isLeader()).toBe(false);
    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    expect(metrics).toContain('strata_leader 1');
    const stopped = Date.now();
    await first.stop();
    await waitFor('handover', async () => second.isLeader(), 10_000);
    expect(Date.now() - stopped).toBeLessThan(3000);
    const lease = await live<{ spec: { holderIdentity: string; leaseTransitions: number } }>(env, `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/strata-agent`);
    expect(lease?.spec.holderIdentity).toBe('two');
  });

  it('webhook receiver: a bearer token when configured, 404 for unknown Syncs', async () => {
    const ns = await namespace(env, 'sync-hook');
    const { url, secret } = await repo(env, ns, 'hook');
    const first = await env.git.push('hook', { files: { 'a.yaml': configMap(ns, 'a', { v: '1' }) } });
    const handle = await agent(env, ns, { webhookToken: 's3cret-token' });
    await createSync(env, ns, 'h', { url, secretRef: { name: secret } });
    await waitForSync(env, ns, 'h', readyAt(first));
    const second = await env.git.push('hook', { files: { 'a.yaml': configMap(ns, 'a', { v: '2' }) } });
    expect((await fetch(`${handle.url}/hook/${ns}/h`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${handle.url}/hook/${ns}/h`, { method: 'POST', headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${handle.url}/hook/${ns}/nope`, { method: 'POST', headers: { Authorization: 'Bearer s3cret-token' } })).status).toBe(404);
    expect((await fetch(`${handle.url}/hook/${ns}/h`, { method: 'GET' })).status).toBe(405);
    const accepted = await fetch(`${handle.url}/hook/${ns}/h`, { method: 'POST', headers: { Authorization: 'Bearer s3cret-token' } });
    expect(await accepted.json()).toEqual({ triggered: [`${ns}/h`] });
    await waitForSync(env, ns, 'h', readyAt(second), 10_000);
  });

  it('wait: Healthy once the Deployment rolls out; HealthCheckFailed names what is not ready', async () => {
    const ns = await namespace(env, 'sync-health');
    const { url, secret } = await repo(env, ns, 'health');
    const good = await env.git.push('health', { files: { 'd.yaml': deployment(ns, 'web', 'nginx:1') } });
    const handle = await agent(env, ns, { webhookAuth: false });
    await createSync(env, ns, 'h', { url, secretRef: { name: secret }, wait: true, timeout: '8s', retryInterval: '10m' });
    const healthy = await waitForSync(env, ns, 'h', readyAt(good), 30_000);
    expect(findCondition(healthy.status, 'Healthy')?.status).toBe('True');
    const bad = await env.git.push('health', { files: { 'd.yaml': deployment(ns, 'web', FAILING_IMAGE) } });
    await env.client.requestReconcile(ns, 'h');
    const failed = await waitForSync(env, ns, 'h', (sync) => failedWith('HealthCheckFailed')(sync) && (sync.status?.lastAttemptedRevision ?? '').endsWith(bad), 30_000);
    expect(findCondition(failed.status, 'Ready')?.message).toContain(`Deployment/${ns}/web`);
    expect(findCondition(failed.status, 'Healthy')?.status).toBe('False');
    expect(failed.status?.lastAppliedRevision).toBe(`main@sha1:${good}`);

    // While it waits, Reconciling says for what.
    const stuck = await env.git.push('health', { files: { 'd.yaml': deployment(ns, 'web', 'nginx:1'), 'pvc.yaml': `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: data, namespace: ${ns} }\nspec: { accessModes: [ReadWriteOnce], storageClassName: none, resources: { requests: { storage: 1Gi } } }\n` } });
    await env.client.requestReconcile(ns, 'h');
    // (The Deployment, rolled back from the failing image, may be listed first, until it has rolled out.)
    const waitingFor = `Waiting for revision main@sha1:${stuck} to be healthy: 1 of 2 objects not ready: PersistentVolumeClaim/${ns}/data: InProgress: PVC is not Bound. Phase: Pending`;
    const waiting = await waitForSync(env, ns, 'h', (sync) => findCondition(sync.status, 'Reconciling')?.message === waitingFor, 30_000);
    expect(findCondition(waiting.status, 'Ready')?.status).toBe('False');
    await waitForSync(env, ns, 'h', (sync) => failedWith('HealthCheckFailed')(sync) && (sync.status?.lastAttemptedRevision ?? '').endsWith(stuck), 30_000);
    await env.git.push('health', { files: { 'd.yaml': deployment(ns, 'web', FAILING_IMAGE), 'pvc.yaml': null } });

    // A new revision cancels a running health check instead of waiting out its timeout.
    await env.client.patchSpec(ns, 'h', { timeout: '120s' });
    await waitForSync(env, ns, 'h', (sync) => findCondition(sync.status, 'Reconciling')?.observedGeneration === sync.metadata.generation);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const fixed = await env.git.push('health', { files: { 'd.yaml': deployment(ns, 'web', 'nginx:2') } });
    const started = Date.now();
    const hook = await fetch(`${handle.url}/hook`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ repository: { clone_url: url } }) });
    expect(hook.status).toBe(202);
    await waitForSync(env, ns, 'h', readyAt(fixed), 40_000);
    expect(Date.now() - started).toBeLessThan(40_000);
  });
});
