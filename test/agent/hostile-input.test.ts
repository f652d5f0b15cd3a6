// Hostile and clumsy tenants against the agent on the real kube-apiserver (issue 19): revisions
// over the parse bounds, a failed apply that created objects, decrypted values echoed by an API
// error, a long Warning Event, and the tenancy rules. Each test fails without its fix.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../compiler/_project.ts';
import { testCluster } from '../cluster/context.ts';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sopsFixture, type SopsFixture } from '../secrets/_sops.ts';
import { spawnAgent, type AgentProcess } from './_agent-process.ts';
import { agent, configMap, createSync, failedWith, findCondition, live, namespace, readyAt, repo, setupEnv, waitFor, waitForSync, type Env } from '../reconciler/_harness.ts';

let env: Env;
let sops: SopsFixture | undefined;
beforeAll(async () => {
  env = await setupEnv();
});
afterAll(async () => {
  await env?.dispose();
  sops?.remove();
});

const message = (sync: { status?: unknown }) => findCondition((sync as { status?: Parameters<typeof findCondition>[0] }).status, 'Ready')?.message ?? '';

describe('a revision over the parse bounds', () => {
  it('fails with BuildFailed naming the file and the limit; another Sync of the agent stays Ready', async () => {
    const ns = await namespace(env, 'bounds');
    const bad = await repo(env, ns, 'bounds-bad');
    const good = await repo(env, ns, 'bounds-good');
    await env.git.push('bounds-bad', { files: { 'a.yaml': configMap(ns, 'a'), 'dashes.yaml': '---\n'.repeat(131_072) } });
    const goodSha = await env.git.push('bounds-good', { files: { 'b.yaml': configMap(ns, 'b') } });
    await agent(env, ns);
    await createSync(env, ns, 'bad', { url: bad.url, secretRef: { name: bad.secret } });
    await createSync(env, ns, 'good', { url: good.url, secretRef: { name: good.secret } });
    const failed = await waitForSync(env, ns, 'bad', failedWith('BuildFailed'));
    expect(message(failed)).toContain('dashes.yaml: has more than 1000 documents (limit maxDocumentsPerFile)');
    expect(await live(env, `/api/v1/namespaces/${ns}/configmaps/a`)).toBeUndefined();
    await waitForSync(env, ns, 'good', readyAt(goodSha));

    // Exactly 100 aliases pass; a file with two bad documents reports both; index.json must name what the files hold.
    const hundred = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d, namespace: ${ns}}\ndata:\n  v: &v abcd\n${Array.from({ length: 100 }, (_, i) => `  a${i}: *v\n`).join('')}`;
    const second = await env.git.push('bounds-bad', { files: { 'dashes.yaml': null, 'aliases.yaml': hundred }, replaceAll: true });
    await env.client.requestReconcile(ns, 'bad');
    await waitForSync(env, ns, 'bad', readyAt(second));
    expect((await live<{ data: Record<string, string> }>(env, `/api/v1/namespaces/${ns}/configmaps/d`))?.data['a99']).toBe('abcd');

    await env.git.push('bounds-bad', { files: { 'aliases.yaml': null, 'two.yaml': `kind: X\n---\n${configMap(ns, 'f')}---\na: [1\nb: 2\n` }, replaceAll: true });
    await env.client.requestReconcile(ns, 'bad');
    const two = await waitForSync(env, ns, 'bad', (sync) => failedWith('BuildFailed')(sync) && message(sync).includes('two.yaml'));
    expect(message(two)).toContain('two.yaml: document 1 is not a Kubernetes object');
    expect(message(two)).toContain('two.yaml: invalid YAML (document 3)');
  }, 120_000);
});

describe('the agent bundle under the image heap cap', () => {
  it('refuses 512 KiB of ---, a 450,000-item flow sequence and 40 MiB of large values without running out of memory; a good Sync is Ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-hostile-bundle-'));
    const bundle = join(dir, 'strata-agent.mjs');
    const script = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['build:agent'] ?? '';
    execFileSync('sh', ['-c', script.replace('--outfile=dist/strata-agent.mjs', `--outfile=${bundle}`)], { cwd: REPO, env: { ...process.env, PATH: `${join(REPO, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` } });
    const ns = await namespace(env, 'heap');
    const names = ['dashes', 'flow', 'bytes', 'good'] as const;
    const repos = await Promise.all(names.map((name) => repo(env, ns, `heap-${name}`)));
    await env.git.push('heap-dashes', { files: { 'a.yaml': '---\n'.repeat(131_072) } });
    await env.git.push('heap-flow', { files: { 'a.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flow, namespace: ${ns}}\ndata: {x: [${Array.from({ length: 450_000 }, () => '1').join(',')}]}\n` } });
    // Few nodes, many bytes: 40 ConfigMaps of one 1,000,000-character value each, every file under the 1 MiB bound.
    const big = Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`cm-${index}.yaml`, configMap(ns, `big-${index}`, { v: `${index}`.padEnd(1_000_000, 'x') })]));
    await env.git.push('heap-bytes', { files: big });
    const goodSha = await env.git.push('heap-good', { files: { 'a.yaml': configMap(ns, 'good') } });
    let output = '';
    const child: ChildProcess = spawn(process.execPath, [bundle, 'agent', '--kubeconfig', testCluster().kubeconfigPath, '--namespace', ns, '--watch-namespace', ns, '--port', '0', '--leader-elect=false', '--image-updates=false'], {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=96 --max-semi-space-size=4', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      await Promise.all(names.map((name, index) => createSync(env, ns, name, { url: repos[index]?.url ?? '', secretRef: { name: repos[index]?.secret ?? '' } })));
      // The bundled CEL library evaluates a Sync's healthCheckExprs (here one that fails the good ConfigMap, moved to a namespace of its own).
      const celNs = await namespace(env, 'heap-cel');
      const rule = { apiVersion: 'v1', kind: 'ConfigMap', failed: "metadata.?labels.orValue({}).size() > 0 && metadata.name == 'good'", current: 'false' };
      await createSync(env, ns, 'cel', { url: repos[3]?.url ?? '', secretRef: { name: repos[3]?.secret ?? '' }, targetNamespace: celNs, wait: true, healthCheckExprs: [rule] });
      const dashes = await waitForSync(env, ns, 'dashes', failedWith('BuildFailed'), 60_000);
      const flow = await waitForSync(env, ns, 'flow', failedWith('BuildFailed'), 60_000);
      const bytes = await waitForSync(env, ns, 'bytes', failedWith('BuildFailed'), 60_000);
      await waitForSync(env, ns, 'good', readyAt(goodSha), 60_000);
      const cel = await waitForSync(env, ns, 'cel', failedWith('HealthCheckFailed'), 60_000);
      expect(message(cel)).toContain(`ConfigMap/${celNs}/good: health check failed: healthCheckExprs failed is true`);
      expect(message(dashes)).toContain('a.yaml: has more than 1000 documents (limit maxDocumentsPerFile)');
      expect(message(flow)).toContain('a.yaml: has more than 50000 YAML nodes (limit maxNodesPerDocument)');
      expect(message(bytes)).toContain('is over the limit of 16777216 bytes');
      expect(child.exitCode, output).toBeNull();
      expect(output).not.toContain('heap out of memory');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('a long failure', () => {
  it('is recorded as a Warning Event of at most 1024 bytes', async () => {
    const ns = await namespace(env, 'long-event');
    const { url, secret } = await repo(env, ns, 'long-event');
    // 40 invalid files with long multi-byte names: a BuildFailed message of several KB.
    const files: Record<string, string> = {};
    for (let index = 0; index < 40; index += 1) files[`€€€€€€€€€€€€€€€€€€€€-${index}.yaml`] = 'a: [1\nb: 2\n';
    await env.git.push('long-event', { files });
    await agent(env, ns);
    await createSync(env, ns, 'app', { url, secretRef: { name: secret } });
    const failed = await waitForSync(env, ns, 'app', failedWith('BuildFailed'));
    expect(Buffer.byteLength(message(failed))).toBeGreaterThan(2048);
    const warning = await waitFor('the BuildFailed Warning', async () => (await env.client.events(ns, 'app')).find((event) => event.type === 'Warning' && event.reason === 'BuildFailed'), 20_000);
    expect(Buffer.byteLength(warning.note)).toBeLessThanOrEqual(1024);
    expect(warning.note).toMatch(/^revision main@sha1:[0-9a-f]{40}: €/);
  }, 60_000);
});

describe('objects of a failed apply', () => {
  it('are pruned by the next revision and by the finalizer', async () => {
    const ns = await namespace(env, 'pending');
    const { url, secret } = await repo(env, ns, 'pending');
    const role = `${ns}-leftover`;
    const clusterRole = stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: role }, rules: [] });
    // The ClusterRole is applied in an early stage; the ConfigMap with a number for a value then fails.
    const broken = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken, namespace: ${ns}}\ndata: {key: [1, 2]}\n`;
    await env.git.push('pending', { files: { 'role.yaml': clusterRole, 'broken.yaml': broken } });
    await agent(env, ns);
    await createSync(env, ns, 'app', { url, secretRef: { name: secret } });
    const failed = await waitForSync(env, ns, 'app', failedWith('ReconciliationFailed'));
    expect(await live(env, `/apis/rbac.authorization.k8s.io/v1/clusterroles/${role}`)).toBeDefined();
    expect(failed.status?.inventory?.entries ?? []).toEqual([]);
    expect(failed.status?.pendingInventory?.entries.map((entry) => entry.id)).toContain(`_${role}_rbac.authorization.k8s.io_ClusterRole`);

    const next = await env.git.push('pending', { files: { 'cm.yaml': configMap(ns, 'kept') }, replaceAll: true });
    await env.client.requestReconcile(ns, 'app');
    const ready = await waitForSync(env, ns, 'app', readyAt(next));
    expect(await live(env, `/apis/rbac.authorization.k8s.io/v1/clusterroles/${role}`)).toBeUndefined();
    expect(ready.status?.pendingInventory ?? undefined).toBeUndefined();

    // Fails again after creating the ClusterRole; deleting the Sync removes it.
    await env.git.push('pending', { files: { 'role.yaml': clusterRole, 'broken.yaml': broken } });
    await env.client.requestReconcile(ns, 'app');
    await waitForSync(env, ns, 'app', failedWith('ReconciliationFailed'));
    expect(await live(env, `/apis/rbac.authorization.k8s.io/v1/clusterroles/${role}`)).toBeDefined();
    await env.client.api.request('DELETE', `/apis/strata.dev/v1alpha1/namespaces/${ns}/syncs/app`);
    await waitFor('the Sync gone', async () => (await live(env, `/apis/strata.dev/v1alpha1/namespaces/${ns}/syncs/app`)) === undefined, 30_000);
    expect(await live(env, `/apis/rbac.authorization.k8s.io/v1/clusterroles/${role}`)).toBeUndefined();
    expect(await live(env, `/api/v1/namespaces/${ns}/configmaps/kept`)).toBeUndefined();
  }, 120_000);
});

describe('an agent killed mid-apply', () => {
  it('leaves nothing behind once the commit is reverted (the real binary, SIGKILL)', async () => {
    const ns = await namespace(env, 'killed-pending');
    const { url, secret } = await repo(env, ns, 'killed-pending');
    const base = await env.git.push('killed-pending', { files: { 'keep.yaml': configMap(ns, 'keep') } });
    const processes: AgentProcess[] = [];
    const start = (id: string) => {
      const child = spawnAgent(['--kubeconfig', testCluster().kubeconfigPath, '--namespace', ns, '--watch-namespace', ns, '--leader-elect=false', '--image-updates=false'], { POD_NAME: id });
      processes.push(child);
      return child;
    };
    try {
      start('agent-1');
      await createSync(env, ns, 'bulk', { url, secretRef: { name: secret } });
      await waitForSync(env, ns, 'bulk', readyAt(base), 60_000);
      const files: Record<string, string> = {};
      for (let index = 0; index < 400; index += 1) files[`cm/${index}.yaml`] = configMap(ns, `cm-${index}`, { i: String(index) });
      await env.git.push('killed-pending', { files });
      await env.client.requestReconcile(ns, 'bulk');
      const count = async () => (await env.client.api.get<{ items: { metadata: { name: string } }[] }>(`/api/v1/namespaces/${ns}/configmaps?labelSelector=strata.dev/name%3Dbulk`)).items.filter((item) => item.metadata.name.startsWith('cm-')).length;
      await waitFor('the apply started', async () => (await count()) > 0, 60_000);
      await processes[0]?.kill('SIGKILL');
      const partial = await count();
      const reverted = await env.git.push('killed-pending', { files: { 'keep.yaml': configMap(ns, 'keep') }, replaceAll: true });
      start('agent-2');
      await env.client.requestReconcile(ns, 'bulk');
      await waitForSync(env, ns, 'bulk', readyAt(reverted), 90_000);
      expect(await count()).toBe(0);
      console.log(`killed with ${partial}/400 ConfigMaps applied; after the revert 0 are left`);
    } finally {
      await Promise.all(processes.map((child) => child.kill('SIGKILL')));
    }
  }, 240_000);
});

describe('decrypted values in messages', () => {
  it('are masked in status, Events, logs, alerts and /metrics when kube-apiserver echoes them', async () => {
    const fixture = await sopsFixture('strata-hostile-');
    sops = fixture;
    const ns = await namespace(env, 'mask');
    const { url, secret } = await repo(env, ns, 'mask');
    const plaintext = 'hunter2-plaintext-9f3a<&>';
    const job = (command: string) =>
      stringify({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'migrate', namespace: ns },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'busybox', command: [command], env: [{ name: 'DB_PASSWORD', value: plaintext }] }] } } },
      });
    const encrypt = (text: string): string => {
      writeFileSync(join(fixture.dir, 'job.yaml'), text);
      const run = fixture.sops(['--encrypt', '--age', fixture.recipient, '--encrypted-regex', '^(value)$', 'job.yaml']);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).not.toContain(plaintext);
      return run.stdout;
    };
    await env.client.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sops-age', namespace: ns }, stringData: { 'key.agekey': readFileSync(fixture.keyFile, 'utf8') } });
    const first = await env.git.push('mask', { files: { 'job.yaml': encrypt(job('true')) } });
    const alerts: string[] = [];
    const receiver = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        alerts.push(body);
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString('utf8')), done()) }));
    const handle = await agent(env, ns, { logger, alerts: [{ url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/alert` }] });
    try {
      await createSync(env, ns, 'app', { url, secretRef: { name: secret }, decryption: { provider: 'sops', secretRef: { name: 'sops-age' } } });
      await waitForSync(env, ns, 'app', readyAt(first));
      const applied = await live<{ spec: { template: { spec: { containers: { env: { value: string }[] }[] } } } }>(env, `/apis/batch/v1/namespaces/${ns}/jobs/migrate`);
      expect(applied?.spec.template.spec.containers[0]?.env[0]?.value).toBe(plaintext);

      // A Job's pod template is immutable: kube-apiserver's error quotes the whole template, the value with it.
      await env.git.push('mask', { files: { 'job.yaml': encrypt(job('false')) } });
      await env.client.requestReconcile(ns, 'app');
      const failed = await waitForSync(env, ns, 'app', failedWith('ReconciliationFailed'));
      expect(message(failed)).toContain('field is immutable');
      expect(message(failed)).toContain('***');
      const events = await waitFor('the Warning', async () => {
        const list = await env.client.events(ns, 'app');
        return list.some((event) => event.type === 'Warning') && list;
      });
      await waitFor('the alert', async () => alerts.length > 0);
      const metrics = await (await fetch(`${handle.url}/metrics`)).text();
      const everything = [JSON.stringify(failed.status), ...events.map((event) => event.note), ...lines, ...alerts, metrics].join('\n');
      expect(lines.join('')).toContain('field is immutable');
      for (const form of [plaintext, JSON.stringify(plaintext).slice(1, -1), 'hunter2-plaintext-9f3a\\u003c\\u0026\\u003e', Buffer.from(plaintext).toString('base64')]) {
        expect(everything).not.toContain(form);
      }
    } finally {
      receiver.close();
    }
  }, 120_000);
});

describe('tenancy rules', () => {
  it('a bare --default-service-account applies as that account of the Sync namespace; cross-namespace refs and file:// are refused', async () => {
    const ns = await namespace(env, 'tenant');
    const { url, secret } = await repo(env, ns, 'tenant');
    // The tenant's deployer may write ConfigMaps of its namespace, nothing cluster-wide.
    await env.client.api.request('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: ns } });
    await env.client.api.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'deployer', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns }],
    });
    const binding = stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${ns}-escalate` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns }],
    });
    await env.git.push('tenant', { files: { 'escalate.yaml': binding } });
    const handle = await agent(env, ns, { namespace: 'strata-system', defaultServiceAccount: 'deployer', noCrossNamespaceRefs: true, hookRatePerSecond: 2 });
    await createSync(env, ns, 'escalate', { url, secretRef: { name: secret } });
    const refused = await waitForSync(env, ns, 'escalate', failedWith('ReconciliationFailed'), 30_000);
    expect(message(refused)).toMatch(/forbidden/);
    expect(message(refused)).toContain(`system:serviceaccount:${ns}:deployer`);
    expect(await live(env, `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${ns}-escalate`)).toBeUndefined();

    await createSync(env, ns, 'crossing', { url, secretRef: { name: secret }, dependsOn: [{ name: 'infra', namespace: 'strata-system' }] });
    const crossing = await waitForSync(env, ns, 'crossing', failedWith('ReconciliationFailed'));
    expect(message(crossing)).toContain('spec.dependsOn names strata-system/infra in another namespace; this agent refuses cross-namespace references (--no-cross-namespace-refs)');
    // A health check would tell the tenant what another namespace holds.
    await createSync(env, ns, 'peeking', { url, secretRef: { name: secret }, healthChecks: [{ apiVersion: 'v1', kind: 'Secret', name: 'strata-git-auth', namespace: 'strata-system' }] });
    const peeking = await waitForSync(env, ns, 'peeking', failedWith('ReconciliationFailed'));
    expect(message(peeking)).toContain('spec.healthChecks names Secret/strata-system/strata-git-auth in another namespace; this agent refuses cross-namespace references (--no-cross-namespace-refs)');

    await createSync(env, ns, 'local', { url: 'file:///var/cache/strata/strata-system/repo.git' });
    const local = await waitForSync(env, ns, 'local', failedWith('ReconciliationFailed'));
    expect(message(local)).toContain("is on the agent's disk; only Syncs of strata-system may use one");

    // /hook: 2 a second, bursts of 4; a flood gets 429 before any Sync is looked up.
    const codes = await Promise.all(Array.from({ length: 12 }, () => fetch(`${handle.url}/hook`, { method: 'POST', body: JSON.stringify({ url }) }).then((response) => response.status)));
    expect(codes.filter((code) => code === 429).length).toBeGreaterThanOrEqual(6);
    expect(codes.filter((code) => code !== 429).length).toBeGreaterThanOrEqual(1);
  }, 90_000);
});

describe('the source cache', () => {
  it('serves what one Sync fetched with credentials to no Sync without them, by commit or as the last fetched revision', async () => {
    const ns = await namespace(env, 'cache-id');
    const { url, secret } = await repo(env, ns, 'cache-id');
    const sha = await env.git.push('cache-id', { files: { 'cm.yaml': configMap(ns, 'private', { token: 'only-with-credentials' }) } });
    await agent(env, ns);
    await createSync(env, ns, 'owner', { url, secretRef: { name: secret } });
    await waitForSync(env, ns, 'owner', readyAt(sha));
    // Same URL, the commit just fetched, no credentials: the cache must not answer for the server.
    await createSync(env, ns, 'by-commit', { url, ref: { commit: sha } });
    const byCommit = await waitForSync(env, ns, 'by-commit', failedWith('ArtifactFailed'));
    expect(message(byCommit)).toMatch(/fetch failed/);
    // Same URL and branch, no credentials: the fetch fails and no last-fetched revision of another's stands in.
    await createSync(env, ns, 'by-branch', { url });
    const byBranch = await waitForSync(env, ns, 'by-branch', failedWith('ArtifactFailed'));
    expect(byBranch.status?.lastAppliedRevision).toBeUndefined();
  }, 60_000);
});
