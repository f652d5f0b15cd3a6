// The real `strata agent` binary as a child process: leader election between two replicas
// (SIGKILL of the leader), an agent killed mid-apply, and the CLI commands against it.
import { writeFileSync, mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCluster } from '../cluster/context.ts';
import { configMap, createSync, live, namespace, readyAt, repo, setupEnv, waitFor, waitForSync, type Env } from '../reconciler/_harness.ts';
import { spawnAgent, strata, type AgentProcess } from './_agent-process.ts';

let env: Env;
const processes: AgentProcess[] = [];
beforeAll(async () => {
  env = await setupEnv();
});
afterAll(async () => {
  await Promise.all(processes.map((agent) => agent.kill('SIGKILL')));
  await env?.dispose();
});

function start(ns: string, identity: string, extra: string[] = []): AgentProcess {
  const agent = spawnAgent(['--kubeconfig', testCluster().kubeconfigPath, '--namespace', ns, '--watch-namespace', ns, ...extra], { POD_NAME: identity });
  processes.push(agent);
  return agent;
}

type Lease = { spec: { holderIdentity?: string | null } };

describe('strata agent (the binary)', () => {
  it('two replicas: one leads; when it is killed the other takes over within 15 s', async () => {
    const ns = await namespace(env, 'agent-leader');
    const { url, secret } = await repo(env, ns, 'leader');
    const first = await env.git.push('leader', { files: { 'a.yaml': configMap(ns, 'a', { v: '1' }) } });
    const a = start(ns, 'agent-a');
    const b = start(ns, 'agent-b');
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/strata-agent`;
    const holder = await waitFor('a leader', async () => (await live<Lease>(env, leasePath))?.spec.holderIdentity ?? undefined, 30_000);
    await createSync(env, ns, 'app', { url, secretRef: { name: secret } });
    await waitForSync(env, ns, 'app', readyAt(first), 30_000);
    const [leader, follower] = holder === 'agent-a' ? [a, b] : [b, a];
    const followerId = holder === 'agent-a' ? 'agent-b' : 'agent-a';
    expect(follower.output()).not.toContain('"event":"leading"');

    await leader.kill('SIGKILL');
    const killed = Date.now();
    await waitFor('handover', async () => (await live<Lease>(env, leasePath))?.spec.holderIdentity === followerId, 20_000);
    const handover = Date.now() - killed;
    expect(handover).toBeLessThan(15_000);
    const second = await env.git.push('leader', { files: { 'a.yaml': configMap(ns, 'a', { v: '2' }) } });
    await env.client.requestReconcile(ns, 'app');
    await waitForSync(env, ns, 'app', readyAt(second), 20_000);
    expect(follower.output()).toContain('"event":"leading"');
    console.log(`leader handover after SIGKILL: ${handover} ms`);
  }, 150_000);

  it('an agent killed mid-apply converges after a restart, nothing lost', async () => {
    const ns = await namespace(env, 'agent-killed');
    const { url, secret } = await repo(env, ns, 'killed');
    const files: Record<string, string> = {};
    for (let index = 0; index < 400; index += 1) files[`cm/${index}.yaml`] = configMap(ns, `cm-${index}`, { i: String(index) });
    const sha = await env.git.push('killed', { files });
    await createSync(env, ns, 'bulk', { url, secretRef: { name: secret } });
    const first = start(ns, 'agent-1', ['--leader-elect=false']);
    const count = async () => (await env.client.api.get<{ items: unknown[] }>(`/api/v1/namespaces/${ns}/configmaps?labelSelector=strata.dev/name%3Dbulk`)).items.length;
    await waitFor('apply started', async () => (await count()) > 0, 60_000);
    await first.kill('SIGKILL');
    const partial = await count();
    start(ns, 'agent-2', ['--leader-elect=false']);
    const done = await waitForSync(env, ns, 'bulk', readyAt(sha), 60_000);
    expect(await count()).toBe(400);
    expect(done.status?.inventory?.entries).toHaveLength(400);
    console.log(`killed with ${partial}/400 objects applied; converged after restart`);
  }, 180_000);

  it('CLI: get syncs, reconcile --wait, suspend/resume, tree, events, diff', async () => {
    const ns = await namespace(env, 'agent-cli');
    const { url, secret } = await repo(env, ns, 'cli');
    const sha = await env.git.push('cli', { files: { 'deploy/prod/a.yaml': configMap(ns, 'a'), 'deploy/prod/b.yaml': configMap(ns, 'b') } });
    start(ns, 'agent-cli', ['--leader-elect=false']);
    await createSync(env, ns, 'web', { url, secretRef: { name: secret }, path: 'deploy/prod' });
    await waitForSync(env, ns, 'web', readyAt(sha), 30_000);
    const kube = ['--kubeconfig', testCluster().kubeconfigPath, '-n', ns];

    // Independent commands run side by side: each is a Node process of its own.
    const [table, json, reconciled, tree, events, missing] = await Promise.all([
      strata(['get', 'syncs', ...kube]),
      strata(['get', 'syncs', ...kube, '-o', 'json']),
      strata(['reconcile', 'web', ...kube, '--wait', '--timeout', '60s']),
      strata(['tree', 'web', ...kube]),
      strata(['events', 'web', ...kube]),
      strata(['reconcile', 'nope', ...kube]),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${ns}\\s+web\\s+True\\s+main@sha1:${sha}`));
    expect(JSON.parse(json.stdout).items[0].metadata.name).toBe('web');
    expect(reconciled.stdout).toContain(`Applied revision: main@sha1:${sha}`);
    expect(reconciled.code).toBe(0);
    expect(tree.stdout).toContain(`Namespace/${ns}`);
    expect(tree.stdout).toContain('ConfigMap/a');
    expect(events.stdout).toContain(`ConfigMap/${ns}/a created`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`Sync ${ns}/nope not found`);

    expect((await strata(['suspend', 'web', ...kube])).code).toBe(0);
    expect((await env.client.get(ns, 'web')).spec.suspend).toBe(true);
    expect((await strata(['resume', 'web', ...kube])).code).toBe(0);
    expect((await env.client.get(ns, 'web')).spec.suspend).toBe(false);

    // diff (live is the default, --live still accepted): the same objects → exit 0; a change and a removal → exit 1 with a prune line.
    const dir = mkdtempSync(path.join(tmpdir(), 'strata-diff-'));
    mkdirSync(path.join(dir, 'prod'));
    writeFileSync(path.join(dir, 'prod', 'a.yaml'), configMap(ns, 'a'));
    writeFileSync(path.join(dir, 'prod', 'b.yaml'), configMap(ns, 'b'));
    const changedDir = mkdtempSync(path.join(tmpdir(), 'strata-diff-'));
    mkdirSync(path.join(changedDir, 'prod'));
    writeFileSync(path.join(changedDir, 'prod', 'a.yaml'), configMap(ns, 'a', { key: 'changed' }));
    const [same, changed, broken, notLive] = await Promise.all([
      strata(['diff', 'prod', '--dir', dir, '--kubeconfig', testCluster().kubeconfigPath, '--sync', `${ns}/web`]),
      strata(['diff', 'prod', '--live', '--dir', changedDir, '--kubeconfig', testCluster().kubeconfigPath, '--sync', `${ns}/web`]),
      strata(['diff', 'prod', '--live', '--dir', dir, '--kubeconfig', '/nonexistent']),
      strata(['diff', 'prod', '--no-live', '--dir', dir, '--kubeconfig', testCluster().kubeconfigPath]),
    ]);
    expect(same.stderr).toContain('0 to create, 0 to update, 0 to prune');
    expect(same.code).toBe(0);
    expect(changed.stdout).toContain(`~ ConfigMap/${ns}/a update`);
    expect(changed.stdout).toContain(`- ConfigMap/${ns}/b delete`);
    expect(changed.code).toBe(1);
    expect(broken.code).toBe(2);
    expect(notLive.stderr).toContain('--no-live: the live cluster is the only thing strata diff compares with');
    expect(notLive.code).toBe(2);
  }, 240_000);
});
