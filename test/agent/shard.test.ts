// Sharding by the `strata.dev/shard` label: each Sync reconciled by exactly one shard's agents,
// each shard leader-elected on a Lease of its own, and a shard's leader killed (SIGKILL, the real
// binary) in the middle of an apply: another replica of that shard converges it, never while the
// dead leader's Lease could still be valid, and the other shard goes on meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCluster } from '../cluster/context.ts';
import { agent, configMap, live, namespace, readyAt, repo, setupEnv, waitFor, waitForSync, type Env } from '../reconciler/_harness.ts';
import { spawnAgent, strata, type AgentProcess } from './_agent-process.ts';
import { IMAGE_UPDATE_API_VERSION, IMAGE_UPDATE_PLURAL, InvalidShardError, SHARD_LABEL, shardLeaseName, shardSelector, type Sync, type SyncSpec } from '../../src/api/index.ts';
import { startAgent } from '../../src/agent/index.ts';
import { ImageUpdateClient } from '../../src/images/index.ts';

let env: Env;
const processes: AgentProcess[] = [];
beforeAll(async () => {
  env = await setupEnv();
});
afterAll(async () => {
  await Promise.all(processes.map((child) => child.kill('SIGKILL')));
  await env?.dispose();
});

type Lease = { spec: { holderIdentity?: string | null; acquireTime?: string; renewTime?: string | null; leaseDurationSeconds?: number } };
const leasePath = (ns: string, shard: string | undefined): string => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${shardLeaseName(shard)}`;

function createSync(ns: string, name: string, shard: string | undefined, spec: SyncSpec): Promise<Sync> {
  return env.client.create({ metadata: { name, namespace: ns, ...(shard === undefined ? {} : { labels: { [SHARD_LABEL]: shard } }) }, spec: { interval: '10m', ...spec } });
}

describe('shard keys', () => {
  it('selectors and Lease names; a key that cannot be a label value and a Lease name is refused before the agent starts', async () => {
    expect(shardSelector(undefined)).toBe('!strata.dev/shard');
    expect(shardSelector('a')).toBe('strata.dev/shard=a');
    expect(shardLeaseName(undefined)).toBe('strata-agent');
    expect(shardLeaseName('eu-1')).toBe('strata-agent-shard-eu-1');
    expect(() => shardSelector('Bad_Key')).toThrow(InvalidShardError);
    await expect(startAgent({ kubeconfig: env.kc, shard: 'x,y', port: 0 })).rejects.toThrow('shard "x,y": use lowercase letters');
  });
});

describe('sharding by label', () => {
  it('two agents in-process: each Sync reconciled by exactly one shard, its own Lease, SHARD in get syncs and in metrics; relabelling moves a Sync', async () => {
    const ns = await namespace(env, 'shard-split');
    const { url, secret } = await repo(env, ns, 'split');
    const files: Record<string, string> = {};
    for (const name of ['a1', 'a2', 'a3', 'd1', 'd2', 'd3']) files[`${name}/cm.yaml`] = configMap(ns, `cm-${name}`);
    const sha = await env.git.push('split', { files });
    await new ImageUpdateClient(env.kc).installCrd();
    // Suspended: only which agent holds them matters here.
    for (const [name, shard] of [['iu-a', 'a'], ['iu-d', undefined]] as const) {
      await env.client.api.request('POST', `/apis/${IMAGE_UPDATE_API_VERSION}/namespaces/${ns}/${IMAGE_UPDATE_PLURAL}`, {
        apiVersion: IMAGE_UPDATE_API_VERSION,
        kind: 'ImageUpdate',
        metadata: { name, namespace: ns, ...(shard === undefined ? {} : { labels: { [SHARD_LABEL]: shard } }) },
        spec: { suspend: true, git: { url } },
      });
    }
    const lease = { leaderElection: true, leaseRetryMs: 500, leaseDurationMs: 4000 } as const;
    const sharded = await agent(env, ns, { ...lease, shard: 'a', identity: 'shard-a-0' });
    const unsharded = await agent(env, ns, { ...lease, identity: 'default-0' });
    const inA = ['a1', 'a2', 'a3'];
    const inDefault = ['d1', 'd2', 'd3'];
    for (const name of inA) await createSync(ns, name, 'a', { url, secretRef: { name: secret }, path: name });
    for (const name of inDefault) await createSync(ns, name, undefined, { url, secretRef: { name: secret }, path: name });
    for (const name of [...inA, ...inDefault]) await waitForSync(env, ns, name, readyAt(sha), 60_000);

    // Each agent holds exactly its shard's Syncs; together, all of them, none twice.
    const keys = (names: string[]): string[] => names.map((name) => `${ns}/${name}`).sort();
    expect(sharded.controller()?.keys.sort()).toEqual(keys(inA));
    expect(unsharded.controller()?.keys.sort()).toEqual(keys(inDefault));
    for (const name of inA) expect(sharded.controller()?.resultOf(`${ns}/${name}`)?.outcome.kind).toBe('succeeded');
    for (const name of inA) expect(unsharded.controller()?.resultOf(`${ns}/${name}`)).toBeUndefined();
    await waitFor('ImageUpdates listed', async () => sharded.imageUpdates()?.hasSynced && unsharded.imageUpdates()?.hasSynced);
    expect(sharded.imageUpdates()?.keys).toEqual([`${ns}/iu-a`]);
    expect(unsharded.imageUpdates()?.keys).toEqual([`${ns}/iu-d`]);
    expect((await live<Lease>(env, leasePath(ns, 'a')))?.spec.holderIdentity).toBe('shard-a-0');
    expect((await live<Lease>(env, leasePath(ns, undefined)))?.spec.holderIdentity).toBe('default-0');

    const metrics = await (await fetch(`${sharded.url}/metrics`)).text();
    expect(metrics).toContain('strata_leader{shard="a"} 1');
    expect(metrics).toContain(`strata_sync_ready{namespace="${ns}",name="a1",shard="a"} 1`);
    expect(metrics).not.toContain('name="d1"');
    const table = await strata(['get', 'syncs', '--kubeconfig', testCluster().kubeconfigPath, '-n', ns]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/NAME\s+READY\s+REVISION\s+AGE\s+SHARD\s+MESSAGE/);
    expect(table.stdout).toMatch(new RegExp(`${ns}\\s+a1\\s+True\\s+main@sha1:${sha}\\s+\\S+\\s+a\\s+`));
    expect(table.stdout).toMatch(new RegExp(`${ns}\\s+d1\\s+True\\s+main@sha1:${sha}\\s+\\S+\\s+Applied`));

    // Relabelling d1 into shard a: the default shard's watch sees it leave and forgets it.
    await env.client.api.mergePatch(`/apis/strata.dev/v1alpha1/namespaces/${ns}/syncs/d1`, { metadata: { labels: { [SHARD_LABEL]: 'a' } } });
    await waitFor('d1 moved to shard a', async () => sharded.controller()?.keys.includes(`${ns}/d1`) && !unsharded.controller()?.keys.includes(`${ns}/d1`), 15_000);
    expect(await live(env, `/api/v1/namespaces/${ns}/configmaps/cm-d1`)).toBeDefined();
  }, 120_000);

  it("a shard's leader killed mid-apply: another replica of that shard converges it after the Lease expired; the other shard goes on", async () => {
    const ns = await namespace(env, 'shard-kill');
    const { url, secret } = await repo(env, ns, 'kill');
    const files: Record<string, string> = {};
    for (let index = 0; index < 400; index += 1) files[`bulk/${index}.yaml`] = configMap(ns, `cm-${index}`, { i: String(index) });
    files['other/cm.yaml'] = configMap(ns, 'other', { v: '1' });
    const sha = await env.git.push('kill', { files });
    const start = (identity: string, shard: string): AgentProcess => {
      const child = spawnAgent(['--kubeconfig', testCluster().kubeconfigPath, '--namespace', ns, '--watch-namespace', ns, '--shard', shard, '--image-updates=false'], { POD_NAME: identity });
      processes.push(child);
      return child;
    };
    const replicas = { 'a-0': start('a-0', 'a'), 'a-1': start('a-1', 'a') };
    start('b-0', 'b');
    const holder = await waitFor('a leader of shard a', async () => (await live<Lease>(env, leasePath(ns, 'a')))?.spec.holderIdentity ?? undefined, 30_000);
    await waitFor('a leader of shard b', async () => (await live<Lease>(env, leasePath(ns, 'b')))?.spec.holderIdentity === 'b-0', 30_000);
    expect(holder === 'a-0' || holder === 'a-1').toBe(true);
    const [leader, follower] = holder === 'a-0' ? [replicas['a-0'], replicas['a-1']] : [replicas['a-1'], replicas['a-0']];
    const followerId = holder === 'a-0' ? 'a-1' : 'a-0';

    await createSync(ns, 'other', 'b', { url, secretRef: { name: secret }, path: 'other' });
    await waitForSync(env, ns, 'other', readyAt(sha), 30_000);
    await createSync(ns, 'bulk', 'a', { url, secretRef: { name: secret }, path: 'bulk' });
    const count = async (): Promise<number> =>
      (await env.client.api.get<{ items: unknown[] }>(`/api/v1/namespaces/${ns}/configmaps?labelSelector=strata.dev/name%3Dbulk`)).items.length;
    await waitFor('apply started', async () => (await count()) > 0, 60_000);
    await leader.kill('SIGKILL');
    const partial = await count();
    // A renewal sent just before the kill may still land: read the Lease once it cannot change.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const dead = await live<Lease>(env, leasePath(ns, 'a'));
    expect(dead?.spec.holderIdentity).toBe(holder);

    // While shard a has no leader, shard b reconciles a new revision.
    const second = await env.git.push('kill', { files: { 'other/cm.yaml': configMap(ns, 'other', { v: '2' }) } });
    await env.client.requestReconcile(ns, 'other');
    await waitForSync(env, ns, 'other', readyAt(second), 20_000);

    // The follower applies whichever commit is the branch's head when it takes over.
    const done = await waitForSync(env, ns, 'bulk', (sync) => readyAt(sha)(sync) || readyAt(second)(sync), 90_000);
    expect(await count()).toBe(400);
    expect(done.status?.inventory?.entries).toHaveLength(400);
    expect(follower.output()).toContain('"event":"leading"');
    // The follower took the Lease only once the dead leader's last renewal had expired.
    const taken = await live<Lease>(env, leasePath(ns, 'a'));
    expect(taken?.spec.holderIdentity).toBe(followerId);
    const expiry = Date.parse(dead?.spec.renewTime ?? '') + (dead?.spec.leaseDurationSeconds ?? 0) * 1000;
    expect(Date.parse(taken?.spec.acquireTime ?? '')).toBeGreaterThanOrEqual(expiry);
    console.log(`shard a: leader killed with ${partial}/400 objects applied; ${followerId} took the Lease ${Date.parse(taken?.spec.acquireTime ?? '') - expiry} ms after it expired and converged`);
  }, 240_000);
});
