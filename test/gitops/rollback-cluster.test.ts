// Rollback on a cluster: three compiled revisions of an environment reach the real
// kube-apiserver through the agent (in-process) from the real Git server; `rollback` to the
// first pushes one commit, the agent converges to the first revision's objects (a changed
// value restored, a removed object back, an added object pruned), and the history shows all
// four commits with the running one marked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistory } from '../../src/gitops/history.ts';
import { rollback } from '../../src/gitops/rollback.ts';
import type { KubeObject } from '../../src/manifest/index.ts';
import { agent, createSync, live, namespace, readyAt, repo, setupEnv, waitForSync, type Env } from '../reconciler/_harness.ts';
import { configMap, tempRepo, type TempRepo } from './_repo.ts';

let env: Env;
let work: TempRepo;
afterAll(async () => {
  await env?.dispose();
  work?.dispose();
});
beforeAll(async () => {
  env = await setupEnv();
});

describe('rollback on a cluster', () => {
  it('the agent converges to the first revision after a rollback of the third', async () => {
    const ns = await namespace(env, 'rollback');
    const { url, secret } = await repo(env, ns, 'environments');
    work = await tempRepo();
    await work.git('remote', 'add', 'origin', env.git.httpUrl('environments'));
    const cm = (name: string, v: string): KubeObject => configMap(ns, name, { v });

    const publish = async (demo: KubeObject[], other: KubeObject[], message: string): Promise<string> => {
      work.writeOutput('demo', demo);
      work.writeOutput('other', other);
      const commit = await work.commit(message);
      await work.git('push', '--quiet', 'origin', 'HEAD:main');
      return commit;
    };
    const r1 = await publish([cm('a', '1'), cm('b', '1')], [cm('o', '1')], 'deploy: a and b');
    await agent(env, ns);
    await createSync(env, ns, 'demo', { url, secretRef: { name: secret }, path: 'deploy/demo', ref: { branch: 'main' } });
    await waitForSync(env, ns, 'demo', readyAt(r1));

    const r2 = await publish([cm('a', '2'), cm('b', '1'), cm('c', '1')], [cm('o', '2')], 'deploy: a v2, add c');
    await env.client.requestReconcile(ns, 'demo');
    await waitForSync(env, ns, 'demo', readyAt(r2));
    const r3 = await publish([cm('a', '2'), cm('c', '3')], [cm('o', '3')], 'deploy: drop b, c v3');
    await env.client.requestReconcile(ns, 'demo');
    await waitForSync(env, ns, 'demo', readyAt(r3));
    expect(await live(env, `/api/v1/namespaces/${ns}/configmaps/b`)).toBeUndefined();

    const result = await rollback({ dir: work.dir, cluster: 'demo', to: r1, push: true, reason: 'c v3 breaks checkout' });
    expect(result.outcome).toBe('pushed');
    expect(result.revisions.map((r) => r.commit)).toEqual([r3, r2]);
    expect(await env.git.revParse('environments', 'main')).toBe(result.commit);
    // Only deploy/demo/ was rolled back: the other environment keeps its third revision.
    expect(await work.git('rev-parse', 'HEAD:deploy/other')).toBe(await work.git('rev-parse', `${r3}:deploy/other`));

    await env.client.requestReconcile(ns, 'demo');
    const sync = await waitForSync(env, ns, 'demo', readyAt(result.commit ?? ''));
    const data = async (name: string) => (await live<{ data?: Record<string, string> }>(env, `/api/v1/namespaces/${ns}/configmaps/${name}`))?.data;
    expect(await data('a')).toEqual({ v: '1' });
    expect(await data('b')).toEqual({ v: '1' });
    expect(await data('c')).toBeUndefined();

    const history = await readHistory({ dir: work.dir, cluster: 'demo', runningRevision: sync.status?.lastAppliedRevision ?? '' });
    expect(history.revisions.map((r) => r.commit)).toEqual([result.commit, r3, r2, r1]);
    expect(history.revisions.map((r) => r.running)).toEqual([true, false, false, false]);
    expect(history.revisions[0]?.rollbackTo).toBe(r1);
    expect(history.revisions[0]?.changes.map((c) => `${c.action} ${c.subject}`)).toEqual([
      `changed ConfigMap/${ns}/a`,
      `added ConfigMap/${ns}/b`,
      `removed ConfigMap/${ns}/c`,
    ]);
  }, 120_000);
});
