// kube-apiserver crashes and comes back mid-apply: the agent retries and converges.
// This file starts a cluster of its own, since it stops the API server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startCluster, type TestCluster } from '../cluster/index.ts';
import { startGitServer, type GitServer } from '../git/git-server.ts';
import { startAgent, type AgentHandle } from '../../src/agent/agent.ts';
import { SyncClient } from '../../src/reconciler/sync-client.ts';
import { findCondition } from '../../src/reconciler/status.ts';
import { configMap } from '../reconciler/_harness.ts';

let cluster: TestCluster;
let git: GitServer;
let agent: AgentHandle | undefined;
beforeAll(async () => {
  [cluster, git] = await Promise.all([startCluster({ workloads: false }), startGitServer()]);
}, 180_000);
afterAll(async () => {
  await agent?.stop();
  await git?.teardown();
  await cluster?.stop();
});

describe('kube-apiserver restarted mid-apply', () => {
  it('converges once the API server is back', async () => {
    const kc = cluster.kubeConfig();
    const client = new SyncClient(kc);
    await client.installCrd();
    const ns = 'restart';
    await client.api.request('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    await client.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, {
      metadata: { name: 'auth' },
      stringData: { username: git.credentials.username, password: git.credentials.password },
    });
    await git.createRepo('r');
    const files: Record<string, string> = {};
    for (let index = 0; index < 300; index += 1) files[`${index}.yaml`] = configMap(ns, `cm-${index}`);
    const sha = await git.push('r', { files });
    agent = await startAgent({ kubeconfig: kc, namespace: ns, watchNamespace: ns, port: 0, host: '127.0.0.1', leaderElection: false, logger: pino({ level: 'silent' }) });
    await client.create({ metadata: { name: 'bulk', namespace: ns }, spec: { url: git.httpUrl('r', { auth: false }), secretRef: { name: 'auth' }, interval: '10m', retryInterval: '1s' } });
    const count = async () => (await client.api.get<{ items: unknown[] }>(`/api/v1/namespaces/${ns}/configmaps?labelSelector=strata.dev/name%3Dbulk`)).items.length;
    const deadline = Date.now() + 30_000;
    while ((await count()) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await cluster.restartApiServer({ crash: true });
    await client.requestReconcile(ns, 'bulk').catch(() => undefined);
    const done = await client.waitForReconcile(ns, 'bulk', { timeoutMs: 90_000 }).then(async (sync) => {
      for (let attempt = 0; attempt < 300; attempt += 1) {
        const current = await client.get(ns, 'bulk');
        if (findCondition(current.status, 'Ready')?.status === 'True' && current.status?.lastAppliedRevision?.endsWith(sha)) return current;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      return sync;
    });
    expect(findCondition(done.status, 'Ready')?.status).toBe('True');
    expect(done.status?.lastAppliedRevision).toBe(`main@sha1:${sha}`);
    expect(await count()).toBe(300);
    expect(done.status?.inventory?.entries).toHaveLength(300);
  }, 180_000);
});
