// End to end: an image pushed to the real registry → runImageUpdate (real Git server, the
// real compiler) → the agent (real kube-apiserver of the test cluster) rolls the Deployment.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, runImageUpdate } from '../../src/images/index.ts';
import { agent, createSync, live, namespace, readyAt, repo, setupEnv, waitFor, waitForSync, type Env } from '../reconciler/_harness.ts';
import { startRegistry, type TestRegistry } from '../registry/registry.ts';
import { compiledFixtureProject, filesOf, pushFixtureImages } from './_fixture.ts';

interface Deployment {
  metadata: { generation: number };
  spec: { template: { spec: { containers: { image: string }[] } } };
  status?: { observedGeneration?: number; updatedReplicas?: number; replicas?: number };
}

describe('image update → agent', () => {
  let env: Env;
  let registry: TestRegistry;
  const dirs: string[] = [];

  beforeAll(async () => {
    [env, registry] = await Promise.all([setupEnv(), startRegistry()]);
    await pushFixtureImages(registry);
  });
  afterAll(async () => {
    await registry?.stop();
    await env?.dispose();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('the agent rolls the Deployment to the image the update committed', async () => {
    const ns = await namespace(env, 'images');
    const { url, secret } = await repo(env, ns, 'fleet');
    // The project as its authors would commit it: sources and compiled output.
    const project = await compiledFixtureProject(registry, ns);
    dirs.push(project);
    const first = await env.git.push('fleet', { files: filesOf(project), message: 'initial' });

    const handle = await agent(env, ns, { webhookAuth: false });
    await createSync(env, ns, 'fleet', { url, secretRef: { name: secret }, path: 'deploy/development' });
    await waitForSync(env, ns, 'fleet', readyAt(first), 60_000);
    const path = `/apis/apps/v1/namespaces/${ns}/deployments/worker`;
    expect((await live<Deployment>(env, path))?.spec.template.spec.containers[0]?.image).toBe(`${registry.host}/shop/worker:main-41`);

    const status = await runImageUpdate({
      repoUrl: url,
      branch: 'main',
      credentials: env.git.credentials,
      client: new RegistryClient({ credentials: () => ({ username: registry.username, password: registry.password }) }),
      environments: ['development'],
    });
    dirs.push(status.workDir);
    expect(status.condition, status.condition.message).toMatchObject({ status: 'True', reason: 'Updated' });
    const pushed = status.pushedCommit!;
    expect(await env.git.revParse('fleet', 'refs/heads/main')).toBe(pushed);

    expect((await fetch(`${handle.url}/hook/${ns}/fleet`, { method: 'POST' })).status).toBe(202);
    await waitForSync(env, ns, 'fleet', readyAt(pushed), 60_000);
    const rolled = await waitFor(
      'the Deployment to roll to main-42',
      async () => {
        const deployment = await live<Deployment>(env, path);
        const done =
          deployment?.spec.template.spec.containers[0]?.image === `${registry.host}/shop/worker:main-42` &&
          (deployment.status?.observedGeneration ?? 0) >= deployment.metadata.generation &&
          (deployment.status?.updatedReplicas ?? 0) >= 1 &&
          deployment.status?.updatedReplicas === deployment.status?.replicas;
        return done && deployment;
      },
      60_000,
    );
    expect(rolled.metadata.generation).toBeGreaterThan(1);
    // The controller made a ReplicaSet for the new pod template.
    const sets = await live<{ items: { spec: { template: { spec: { containers: { image: string }[] } } } }[] }>(env, `/apis/apps/v1/namespaces/${ns}/replicasets`);
    expect(sets?.items.map((set) => set.spec.template.spec.containers[0]?.image).filter((image) => image?.includes('/shop/worker:')).sort()).toEqual([
      `${registry.host}/shop/worker:main-41`,
      `${registry.host}/shop/worker:main-42`,
    ]);
    const checkout = await live<Deployment>(env, `/apis/apps/v1/namespaces/${ns}/deployments/checkout-api`);
    expect(checkout?.spec.template.spec.containers[0]?.image).toBe(`${registry.host}/shop/checkout-api:v1.10.0`);
  });
});
