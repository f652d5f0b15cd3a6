// The in-cluster mode end to end: an ImageUpdate object (real kube-apiserver) run by the agent
// started in-process, against the real registry (htpasswd) and the real Git server (basic auth):
// a newer tag becomes exactly one pushed commit with the lock and the recompiled output; a wrong
// password is a GitFailed condition that never shows the password; nothing new is UpToDate.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutput } from '../../src/compiler/index.ts';
import { App, Chart, Testing } from 'cdk8s';
import { StrataAgent } from '../../src/constructs/agent.ts';
import { RecompileError } from '../../src/images/errors.ts';
import { IMAGE_UPDATE_CRD, IMAGE_UPDATE_PLURAL, imageUpdatePath, type ImageUpdate, type ImageUpdateSpec } from '../../src/api/image-update.ts';
import { RECONCILE_REQUESTED_AT } from '../../src/api/sync.ts';
import { testCluster } from '../cluster/context.ts';
import { agent, live, namespace, repo, setupEnv, waitFor, type Env } from '../reconciler/_harness.ts';
import { startRegistry, type TestRegistry } from '../registry/registry.ts';
import { compiledFixtureProject, createRegistrySecret, filesOf, pushFixtureImages } from './_fixture.ts';

interface EventItem {
  reason?: string;
  type?: string;
  note?: string;
  regarding?: { kind?: string; name?: string };
}

const ready = (update: ImageUpdate | undefined) => update?.status?.conditions?.find((condition) => condition.type === 'Ready');

describe('ImageUpdate objects run by the agent', () => {
  let env: Env;
  let registry: TestRegistry;
  const dirs: string[] = [];

  beforeAll(async () => {
    [env, registry] = await Promise.all([setupEnv(), startRegistry()]);
    await Promise.all([pushFixtureImages(registry), env.client.api.installCrd(IMAGE_UPDATE_CRD, `/apis/strata.dev/v1alpha1/${IMAGE_UPDATE_PLURAL}`)]);
  });
  afterAll(async () => {
    await registry?.stop();
    await env?.dispose();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('pushes one commit per new image, reports UpToDate, and a wrong password as GitFailed without showing it', async () => {
    const ns = await namespace(env, 'imageupdate');
    const { url, secret } = await repo(env, ns, 'fleet');
    // The lock starts at the policies' picks (v1.10.0 and main-42 of the fixture tags).
    const project = await compiledFixtureProject(registry, ns, (files) => {
      files['clusters/development/images.json'] = (files['clusters/development/images.json'] ?? '').replace('checkout-api:1.2.3', 'checkout-api:v1.10.0').replace('worker:main-41', 'worker:main-42');
    });
    dirs.push(project);
    const first = await env.git.push('fleet', { files: filesOf(project), message: 'initial' });

    const api = env.client.api;
    await createRegistrySecret(api, ns, registry);
    const cacheDir = mkdtempSync(join(tmpdir(), 'strata-imageupdate-cache-'));
    dirs.push(cacheDir);
    // Every log line at debug, to show no Secret value is logged.
    const logLines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
    const handle = await agent(env, ns, { cacheDir, logger });
    const spec: ImageUpdateSpec = {
      interval: '1h',
      git: { url, branch: 'main', secretRef: { name: secret } },
      registrySecretRef: { name: 'registry' },
      environments: ['development'],
      author: { name: 'Image Bot', email: 'bot@example.test' },
    };
    await api.request('POST', imageUpdatePath(ns), { apiVersion: 'strata.dev/v1alpha1', kind: 'ImageUpdate', metadata: { name: 'fleet', namespace: ns }, spec });
    const path = imageUpdatePath(ns, 'fleet');
    const get = () => live<ImageUpdate>(env, path);
    let handled = 0;
    /** Asks for a run (the annotation) and waits for the status that handled it. */
    const runNow = async (): Promise<ImageUpdate> => {
      const value = `run-${++handled}`;
      await api.mergePatch(path, { metadata: { annotations: { [RECONCILE_REQUESTED_AT]: value } } });
      return waitFor(`ImageUpdate run ${value}`, async () => {
        const update = await get();
        return update?.status?.lastHandledReconcileAt === value && update;
      }, 60_000);
    };

    // 1. Created: the first run finds nothing new.
    const created = await waitFor('the first run', async () => {
      const update = await get();
      return ready(update) !== undefined && update;
    }, 60_000);
    expect(ready(created), JSON.stringify(created.status)).toMatchObject({ status: 'True', reason: 'UpToDate' });
    expect(created.status?.observedCommit).toBe(first);
    expect(created.status?.lastPushedCommit).toBeUndefined();
    expect(await env.git.revParse('fleet', 'main')).toBe(first);

    // 2. A newer tag: exactly one commit with the lock change and the recompiled output.
    await registry.push('shop/worker', ['main-43']);
    const updated = await runNow();
    expect(ready(updated), JSON.stringify(updated.status)).toMatchObject({ status: 'True', reason: 'Updated' });
    const head = (await env.git.revParse('fleet', 'main')) ?? '';
    expect(head).not.toBe(first);
    expect(updated.status?.lastPushedCommit).toBe(head);
    expect(updated.status?.observedCommit).toBe(first);
    expect(updated.status?.lastChanges).toEqual([{ environment: 'development', component: 'worker', from: `${registry.host}/shop/worker:main-42`, to: `${registry.host}/shop/worker:main-43` }]);
    expect(updated.status?.observedGeneration).toBe(updated.metadata.generation);
    const bare = join(env.git.reposDir, 'fleet.git');
    const gitIn = (...args: string[]) => execFileSync('git', args, { cwd: bare, encoding: 'utf8' }).trim();
    expect(gitIn('rev-list', '--count', `${first}..${head}`)).toBe('1');
    expect(gitIn('log', '-1', '--format=%an <%ae>', head)).toBe('Image Bot <bot@example.test>');
    const changed = gitIn('diff', '--name-only', first, head).split('\n').sort();
    expect(changed).toEqual(['clusters/development/images.json', 'deploy/development/index.json', `deploy/development/${ns}/deployment-worker.yaml`].sort());
    expect(gitIn('show', `${head}:clusters/development/images.json`)).toContain(`"worker": "${registry.host}/shop/worker:main-43"`);
    expect(gitIn('show', `${head}:deploy/development/${ns}/deployment-worker.yaml`)).toContain(`image: "${registry.host}/shop/worker:main-43"`);
    // The pushed commit is what its sources compile to.
    const checkout = mkdtempSync(join(tmpdir(), 'strata-imageupdate-check-'));
    dirs.push(checkout);
    execFileSync('git', ['clone', '--quiet', bare, checkout]);
    const check = await checkOutput({ root: checkout, clusters: ['development'] });
    expect(check.upToDate, JSON.stringify(check.clusters)).toBe(true);

    const metrics = await (await fetch(`${handle.url}/metrics`)).text();
    expect(metrics).toContain(`strata_image_update_runs_total{namespace="${ns}",name="fleet",reason="Updated"} 1`);
    expect(metrics).toContain(`strata_image_update_runs_total{namespace="${ns}",name="fleet",reason="UpToDate"} 1`);

    // 3. Nothing new: UpToDate, no commit, the last push kept in status.
    const again = await runNow();
    expect(ready(again)).toMatchObject({ status: 'True', reason: 'UpToDate' });
    expect(again.status?.observedCommit).toBe(head);
    expect(again.status?.lastPushedCommit).toBe(head);
    expect(await env.git.revParse('fleet', 'main')).toBe(head);

    // 4. A wrong password, read at the next run: GitFailed; the password appears nowhere.
    const wrong = 'wrong-password-4f9c2e';
    await api.mergePatch(`/api/v1/namespaces/${ns}/secrets/${secret}`, { stringData: { password: wrong } });
    const failed = await runNow();
    const condition = ready(failed);
    expect(condition, JSON.stringify(failed.status)).toMatchObject({ status: 'False', reason: 'GitFailed' });
    expect(condition?.message).toMatch(/fleet\.git/);
    const status = JSON.stringify(failed.status);
    for (const value of [wrong, env.git.credentials.password, Buffer.from(`${env.git.credentials.username}:${wrong}`).toString('base64'), registry.password]) {
      expect(status).not.toContain(value);
    }
    const events = await waitFor('the Warning Event', async () => {
      const list = await api.get<{ items: EventItem[] }>(`/apis/events.k8s.io/v1/namespaces/${ns}/events`);
      const items = list.items.filter((item) => item.regarding?.kind === 'ImageUpdate' && item.regarding.name === 'fleet');
      return items.some((item) => item.reason === 'GitFailed') && items;
    });
    expect(events.find((item) => item.reason === 'Updated')).toMatchObject({ type: 'Normal' });
    expect(events.find((item) => item.reason === 'Updated')?.note).toContain('development/worker');
    expect(events.find((item) => item.reason === 'GitFailed')).toMatchObject({ type: 'Warning' });
    for (const value of [wrong, env.git.credentials.password, registry.password]) {
      expect(JSON.stringify(events)).not.toContain(value);
      expect(logLines.join('')).not.toContain(value);
    }
    expect(logLines.some((line) => line.includes('"reason":"GitFailed"'))).toBe(true);
    expect(await env.git.revParse('fleet', 'main')).toBe(head);

    // 5. The password rotated back: the next run uses it.
    await api.mergePatch(`/api/v1/namespaces/${ns}/secrets/${secret}`, { stringData: { password: env.git.credentials.password } });
    expect(ready(await runNow())).toMatchObject({ status: 'True', reason: 'UpToDate' });

    // 6. Deleting the object stops its loop and removes its clone.
    const clone = join(cacheDir, 'image-updates', ns, 'fleet');
    expect(existsSync(join(clone, '.git'))).toBe(true);
    await api.request('DELETE', path);
    await waitFor('the loop to stop', async () => !handle.imageUpdates()?.keys.includes(`${ns}/fleet`) && !existsSync(clone));
    expect(await (await fetch(`${handle.url}/metrics`)).text()).not.toContain('name="fleet"');
    // The controller runs only while the agent leads; stopping the agent stops it.
    expect(handle.imageUpdates()).toBeDefined();
    await handle.stop();
    expect(handle.imageUpdates()).toBeUndefined();
  });

  it('names the Secret or the field that is wrong, and leaves suspended objects alone', async () => {
    const ns = await namespace(env, 'imageupdate-bad');
    const { url, secret } = await repo(env, ns, 'bad');
    const api = env.client.api;
    await api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'no-config', namespace: ns }, stringData: { other: 'x' } });
    await agent(env, ns);
    const create = (name: string, spec: ImageUpdateSpec) =>
      api.request('POST', imageUpdatePath(ns), { apiVersion: 'strata.dev/v1alpha1', kind: 'ImageUpdate', metadata: { name, namespace: ns }, spec });
    const git = { url, secretRef: { name: secret } };
    await create('missing-secret', { interval: '1h', git: { url, secretRef: { name: 'absent' } } });
    await create('no-key', { interval: '1h', git, registrySecretRef: { name: 'no-config' } });
    await create('too-fast', { interval: '500ms', git });
    await create('suspended', { interval: '1h', git, suspend: true });
    const conditionOf = (name: string) =>
      waitFor(`${name} to report`, async () => ready(await live<ImageUpdate>(env, imageUpdatePath(ns, name))));
    expect(await conditionOf('missing-secret')).toMatchObject({ status: 'False', reason: 'GitFailed', message: `Secret ${ns}/absent: not found` });
    expect(await conditionOf('no-key')).toMatchObject({ status: 'False', reason: 'ScanFailed' });
    expect((await conditionOf('no-key')).message).toContain(`Secret ${ns}/no-config: needs the key ".dockerconfigjson"`);
    expect(await conditionOf('too-fast')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect((await conditionOf('too-fast')).message).toContain('spec.interval');
    // The others have reported; a suspended object never runs.
    expect((await live<ImageUpdate>(env, imageUpdatePath(ns, 'suspended')))?.status).toBeUndefined();
  });

  it('a failed recompile is RecompileFailed and pushes nothing', async () => {
    const ns = await namespace(env, 'imageupdate-compile');
    const { url, secret } = await repo(env, ns, 'compile');
    const project = await compiledFixtureProject(registry, ns);
    dirs.push(project);
    const first = await env.git.push('compile', { files: filesOf(project), message: 'initial' });
    const api = env.client.api;
    await createRegistrySecret(api, ns, registry);
    await agent(env, ns, { imageUpdates: { recompile: async ({ clusters }) => Promise.reject(new RecompileError(clusters, 'clusters/development/index.ts:3:1 - error TS2304')) } });
    await api.request('POST', imageUpdatePath(ns), {
      apiVersion: 'strata.dev/v1alpha1',
      kind: 'ImageUpdate',
      metadata: { name: 'compile', namespace: ns },
      spec: { interval: '1h', git: { url, secretRef: { name: secret } }, registrySecretRef: { name: 'registry' }, environments: ['development'] } satisfies ImageUpdateSpec,
    });
    const condition = await waitFor('the run', async () => ready(await live<ImageUpdate>(env, imageUpdatePath(ns, 'compile'))), 60_000);
    expect(condition).toMatchObject({ status: 'False', reason: 'RecompileFailed' });
    expect(condition.message).toContain('recompiling development failed; nothing was committed');
    expect(await env.git.revParse('compile', 'main')).toBe(first);
  });

  it("the agent construct's ClusterRole lets the agent read ImageUpdates and write only their status (RBAC of the real apiserver)", async () => {
    const ns = await namespace(env, 'imageupdate-rbac');
    const app = Testing.app();
    const chart = new Chart(app as App, 'agent');
    new StrataAgent(chart, 'strata', { image: 'strata-agent:1' });
    const role = (Testing.synth(chart) as { kind: string; rules?: unknown[] }[]).find((object) => object.kind === 'ClusterRole');
    const name = `strata-agent-${ns}`;
    const api = env.client.api;
    const user = `system:serviceaccount:${ns}:strata-agent`;
    await api.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: role?.rules });
    try {
      await api.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name: 'strata-agent', namespace: ns }],
      });
      const allowed = async (verb: string, group: string, resource: string, subresource = ''): Promise<boolean> => {
        const review = await api.request<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: { user, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'], resourceAttributes: { namespace: ns, verb, group, resource, subresource } },
        });
        return review.status?.allowed === true;
      };
      // RBAC changes reach the authorizer's cache within a moment.
      await waitFor('the binding to take effect', () => allowed('watch', 'strata.dev', 'imageupdates'));
      const decisions = {
        list: await allowed('list', 'strata.dev', 'imageupdates'),
        watch: await allowed('watch', 'strata.dev', 'imageupdates'),
        get: await allowed('get', 'strata.dev', 'imageupdates'),
        patchStatus: await allowed('patch', 'strata.dev', 'imageupdates', 'status'),
        patchSpec: await allowed('patch', 'strata.dev', 'imageupdates'),
        deleteObject: await allowed('delete', 'strata.dev', 'imageupdates'),
        getSecret: await allowed('get', '', 'secrets'),
        createEvent: await allowed('create', 'events.k8s.io', 'events'),
      };
      expect(decisions).toEqual({ list: true, watch: true, get: true, patchStatus: true, patchSpec: false, deleteObject: false, getSecret: true, createEvent: true });
    } finally {
      await api.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`).catch(() => undefined);
      await api.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`).catch(() => undefined);
    }
  });

  it('the agent bundle laid out as in the image (compiler beside it, heap cap in NODE_OPTIONS) recompiles and pushes', async () => {
    const ns = await namespace(env, 'imageupdate-image');
    const { url, secret } = await repo(env, ns, 'image');
    const project = await compiledFixtureProject(registry, ns);
    dirs.push(project);
    const first = await env.git.push('image', { files: filesOf(project), message: 'initial' });
    const api = env.client.api;
    await createRegistrySecret(api, ns, registry);

    // /app of the Dockerfile: the bundle in dist/, the compiler (cli/, src/, node_modules/) beside it.
    const app = mkdtempSync(join(tmpdir(), 'strata-image-app-'));
    dirs.push(app);
    const repoRoot = join(import.meta.dirname, '..', '..');
    for (const entry of ['cli', 'src', 'node_modules', 'package.json', 'tsconfig.json']) symlinkSync(join(repoRoot, entry), join(app, entry));
    const bundle = join(app, 'dist', 'strata-agent.mjs');
    const buildScript = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['build:agent'] ?? '';
    expect(buildScript).toContain('--outfile=dist/strata-agent.mjs');
    execFileSync('sh', ['-c', buildScript.replace('--outfile=dist/strata-agent.mjs', `--outfile=${bundle}`)], { cwd: repoRoot, env: { ...process.env, PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` } });

    const cacheDir = mkdtempSync(join(tmpdir(), 'strata-imageupdate-cache-'));
    dirs.push(cacheDir);
    const child = spawn(process.execPath, [bundle, 'agent', '--kubeconfig', testCluster().kubeconfigPath, '--namespace', ns, '--watch-namespace', ns, '--port', '0', '--leader-elect=false', '--cache-dir', cacheDir], {
      cwd: app,
      env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=96 --max-semi-space-size=4', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      await registry.push('shop/worker', ['main-44']);
      await api.request('POST', imageUpdatePath(ns), {
        apiVersion: 'strata.dev/v1alpha1',
        kind: 'ImageUpdate',
        metadata: { name: 'image', namespace: ns },
        spec: { interval: '1h', git: { url, secretRef: { name: secret } }, registrySecretRef: { name: 'registry' }, environments: ['development'] } satisfies ImageUpdateSpec,
      });
      const update = await waitFor('the bundled agent to run the ImageUpdate', async () => {
        const object = await live<ImageUpdate>(env, imageUpdatePath(ns, 'image'));
        return ready(object) !== undefined && object;
      }, 120_000).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${output}`)));
      expect(ready(update), `${JSON.stringify(update.status)}\n${output}`).toMatchObject({ status: 'True', reason: 'Updated' });
      const head = (await env.git.revParse('image', 'main')) ?? '';
      expect(head).not.toBe(first);
      expect(update.status?.lastPushedCommit).toBe(head);
      const checkout = mkdtempSync(join(tmpdir(), 'strata-imageupdate-check-'));
      dirs.push(checkout);
      execFileSync('git', ['clone', '--quiet', join(env.git.reposDir, 'image.git'), checkout]);
      expect(readFileSync(join(checkout, 'deploy', 'development', ns, 'deployment-worker.yaml'), 'utf8')).toContain(`image: "${registry.host}/shop/worker:main-44"`);
      const check = await checkOutput({ root: checkout, clusters: ['development'] });
      expect(check.upToDate, JSON.stringify(check.clusters)).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
