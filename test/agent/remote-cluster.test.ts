// A Sync with spec.kubeConfig.secretRef: one agent applies to its own cluster and to a second
// real kube-apiserver + etcd started here, with drift correction, prune and health there; the
// remote stops answering (a proxy that goes silent): its Syncs say ClusterUnreachable, the
// agent's own Sync goes on, and the remote ones converge by themselves once it answers again.
// The kubeconfig's token never shows in logs, status or Events.
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../cluster/cluster.ts';
import { startApiProxy, type ApiProxy } from '../cluster/proxy.ts';
import { KubeApiError } from '../../src/kube/index.ts';
import { AgentApi } from '../../src/kube/agent-api.ts';
import { agent, configMap, createSync, findCondition, live, namespace, readyAt, repo, setupEnv, waitFor, waitForSync, type Env } from '../reconciler/_harness.ts';
import type { Sync } from '../../src/api/index.ts';

let env: Env;
let remote: TestCluster;
let proxy: ApiProxy;
let remoteApi: AgentApi;
beforeAll(async () => {
  [env, remote] = await Promise.all([setupEnv(), startCluster()]);
  proxy = await startApiProxy(remote.kubeConfig());
  remoteApi = new AgentApi(remote.kubeConfig());
}, 180_000);
afterAll(async () => {
  await env?.dispose();
  await remoteApi?.close();
  await proxy?.close();
  await remote?.stop();
});

/** A kubeconfig of the remote's admin, through the proxy: server, CA data, token, nothing else. */
function remoteKubeconfig(): { text: string; token: string } {
  const cluster = proxy.kubeConfig.getCurrentCluster();
  const user = proxy.kubeConfig.getCurrentUser();
  const token = user?.token ?? '';
  const text = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'remote', cluster: { server: cluster?.server, 'certificate-authority-data': cluster?.caData } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'remote', context: { cluster: 'remote', user: 'admin' } }],
    'current-context': 'remote',
  });
  return { text, token };
}

async function secret(ns: string, name: string, data: Record<string, string>): Promise<void> {
  await env.client.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData: data });
}

const remoteLive = async <T = Record<string, unknown>>(path: string): Promise<T | undefined> => {
  try {
    return await remoteApi.get<T>(path);
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
};
type Cm = { data?: Record<string, string> };
const namespaceYaml = (name: string): string => stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const unreachable = (sync: Sync): boolean => {
  const ready = findCondition(sync.status, 'Ready');
  return ready?.status === 'False' && ready.reason === 'ClusterUnreachable';
};

describe('remote clusters (spec.kubeConfig.secretRef)', () => {
  it('one agent, a Sync on each cluster: apply, drift, prune and health on the remote; the remote stops answering: ClusterUnreachable, the other Sync unaffected, retried until it converges', async () => {
    const ns = await namespace(env, 'remote');
    const far = `${ns}-far`;
    const { url, secret: gitSecret } = await repo(env, ns, 'remote');
    const files = (v: string): Record<string, string> => ({
      'near/cm.yaml': configMap(ns, 'near', { v }),
      'far/ns.yaml': namespaceYaml(far),
      'far/a.yaml': configMap(far, 'a', { v }),
      'far/b.yaml': configMap(far, 'b', { v }),
    });
    const first = await env.git.push('remote', { files: files('1') });
    const { text, token } = remoteKubeconfig();
    await secret(ns, 'far-kubeconfig', { value: text });
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString('utf8')), done()) }));
    await agent(env, ns, { logger, imageUpdates: false });
    await createSync(env, ns, 'near', { url, secretRef: { name: gitSecret }, path: 'near' });
    await createSync(env, ns, 'far', { url, secretRef: { name: gitSecret }, path: 'far', wait: true, kubeConfig: { secretRef: { name: 'far-kubeconfig' } } });
    const farReady = await waitForSync(env, ns, 'far', readyAt(first), 60_000);
    await waitForSync(env, ns, 'near', readyAt(first), 30_000);

    // Applied on the remote only; health checked there; the inventory on the Sync at home.
    expect((await remoteLive<Cm>(`/api/v1/namespaces/${far}/configmaps/a`))?.data?.v).toBe('1');
    expect(await live(env, `/api/v1/namespaces/${far}`)).toBeUndefined();
    expect(await remoteLive(`/api/v1/namespaces/${ns}/configmaps/near`)).toBeUndefined();
    expect(findCondition(farReady.status, 'Healthy')?.status).toBe('True');
    expect(farReady.status?.inventory?.entries.map((entry) => entry.id)).toContain(`${far}_a__ConfigMap`);

    // Drift on the remote is corrected.
    await remoteApi.mergePatch(`/api/v1/namespaces/${far}/configmaps/a`, { data: { v: 'edited' } });
    await waitFor('drift corrected on the remote', async () => (await remoteLive<Cm>(`/api/v1/namespaces/${far}/configmaps/a`))?.data?.v === '1', 20_000);

    // Prune on the remote: b leaves Git.
    const withoutB = files('1');
    delete withoutB['far/b.yaml'];
    const second = await env.git.push('remote', { files: withoutB, replaceAll: true });
    await env.client.requestReconcile(ns, 'far');
    await waitForSync(env, ns, 'far', readyAt(second), 30_000);
    await waitFor('b pruned on the remote', async () => (await remoteLive(`/api/v1/namespaces/${far}/configmaps/b`)) === undefined, 20_000);

    // The remote stops answering. The agent's own Sync reconciles a new revision meanwhile.
    proxy.stall();
    const thirdFiles = files('3');
    delete thirdFiles['far/b.yaml'];
    const third = await env.git.push('remote', { files: thirdFiles, replaceAll: true });
    await Promise.all([env.client.requestReconcile(ns, 'far'), env.client.requestReconcile(ns, 'near')]);
    await waitForSync(env, ns, 'near', readyAt(third), 20_000);
    expect((await live<Cm>(env, `/api/v1/namespaces/${ns}/configmaps/near`))?.data?.v).toBe('3');
    expect(readyAt(third)(await env.client.get(ns, 'far'))).toBe(false);
    const down = await waitForSync(env, ns, 'far', unreachable, 60_000);
    const message = findCondition(down.status, 'Ready')?.message ?? '';
    expect(message).toMatch(/^(apply of revision \S+ failed: )?cluster https:\/\/127\.0\.0\.1:\d+ \(Secret \S+\/far-kubeconfig\) does not answer: /);
    console.log(`remote stalled: ${message}`);

    // It answers again: retried on its own (no trigger), it converges.
    proxy.up();
    await waitForSync(env, ns, 'far', readyAt(third), 90_000);
    expect((await remoteLive<Cm>(`/api/v1/namespaces/${far}/configmaps/a`))?.data?.v).toBe('3');

    // The token is nowhere: not in log lines, status or Events.
    const events = await env.client.api.get<{ items: unknown[] }>(`/apis/events.k8s.io/v1/namespaces/${ns}/events`);
    const syncs = await env.client.list(ns);
    expect(lines.length).toBeGreaterThan(0);
    for (const where of [lines.join(''), JSON.stringify(events), JSON.stringify(syncs.map((sync) => sync.status))]) expect(where).not.toContain(token);
    expect(lines.join('')).toContain('"event":"cluster-unreachable"');
    expect(lines.join('')).toContain('"event":"cluster-reachable"');
  }, 300_000);

  it('a kubeconfig that would run a program or read the agent files is refused, naming the Secret and key, never quoting it', async () => {
    const ns = await namespace(env, 'remote-bad');
    const { url, secret: gitSecret } = await repo(env, ns, 'remote-bad');
    const sha = await env.git.push('remote-bad', { files: { 'cm.yaml': configMap(ns, 'x') } });
    const execConfig = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'u', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', 'touch /tmp/pwned-secret-marker'] } } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'c',
    });
    await secret(ns, 'exec', { kubeconfig: execConfig });
    await secret(ns, 'garbage', { value: "token: 's3cr3t-garbage-value\n" });
    await agent(env, ns, { imageUpdates: false });
    await createSync(env, ns, 'exec', { url, secretRef: { name: gitSecret }, kubeConfig: { secretRef: { name: 'exec', key: 'kubeconfig' } } });
    await createSync(env, ns, 'garbage', { url, secretRef: { name: gitSecret }, kubeConfig: { secretRef: { name: 'garbage' } } });
    await createSync(env, ns, 'missing', { url, secretRef: { name: gitSecret }, kubeConfig: { secretRef: { name: 'nope' } } });
    const failed = (sync: Sync): boolean => findCondition(sync.status, 'Ready')?.status === 'False';
    const exec = findCondition((await waitForSync(env, ns, 'exec', failed)).status, 'Ready');
    const garbage = findCondition((await waitForSync(env, ns, 'garbage', failed)).status, 'Ready');
    const missing = findCondition((await waitForSync(env, ns, 'missing', failed)).status, 'Ready');
    expect(exec?.message).toContain(`Secret ${ns}/exec key "kubeconfig": user field "exec" is refused`);
    expect(exec?.message).not.toContain('pwned');
    expect(existsSync('/tmp/pwned-secret-marker')).toBe(false);
    expect(garbage?.message).toContain(`Secret ${ns}/garbage key "value": not a kubeconfig`);
    expect(garbage?.message).not.toContain('s3cr3t');
    expect(missing?.message).toContain(`Secret ${ns}/nope (spec.kubeConfig.secretRef) not found`);
    expect(await live(env, `/api/v1/namespaces/${ns}/configmaps/x`)).toBeUndefined();
    expect(sha).toBeTruthy();
  }, 120_000);
});
