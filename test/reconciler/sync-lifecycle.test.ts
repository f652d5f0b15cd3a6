// The agent against the real kube-apiserver and a real Git server (smart HTTP with basic auth).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agent, configMap, createSync, failedWith, findCondition, live, namespace, readyAt, repo, setupEnv, waitFor, waitForSync, type Env } from './_harness.ts';

let env: Env;
beforeAll(async () => {
  env = await setupEnv();
});
afterAll(async () => {
  await env?.dispose();
});

const cmPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;

describe('a Sync from a real Git server', () => {
  it('applies, then changes, adds and removes objects with the next revision', async () => {
    const ns = await namespace(env, 'sync-happy');
    const { url, secret } = await repo(env, ns, 'happy');
    const first = await env.git.push('happy', { files: { 'deploy/a.yaml': configMap(ns, 'a', { v: '1' }), 'deploy/b.yaml': configMap(ns, 'b') } });
    const handle = await agent(env, ns, { webhookAuth: false });
    await createSync(env, ns, 'app', { url, secretRef: { name: secret }, path: 'deploy' });
    const ready = await waitForSync(env, ns, 'app', readyAt(first));
    expect(ready.status?.lastAppliedRevision).toBe(`main@sha1:${first}`);
    expect(ready.status?.inventory?.entries.map((entry) => entry.id).sort()).toEqual([`${ns}_a__ConfigMap`, `${ns}_b__ConfigMap`]);
    expect(ready.status?.history?.[0]).toMatchObject({ revision: `main@sha1:${first}`, result: 'Succeeded' });
    const a = await live<{ metadata: { labels: Record<string, string>; resourceVersion: string }; data: Record<string, string> }>(env, cmPath(ns, 'a'));
    expect(a?.metadata.labels).toMatchObject({ 'strata.dev/name': 'app', 'strata.dev/namespace': ns });
    const bVersion = (await live<{ metadata: { resourceVersion: string } }>(env, cmPath(ns, 'b')))?.metadata.resourceVersion;

    const second = await env.git.push('happy', { files: { 'deploy/a.yaml': configMap(ns, 'a', { v: '2' }), 'deploy/c.yaml': configMap(ns, 'c'), 'deploy/b.yaml': null } });
    const response = await fetch(`${handle.url}/hook/${ns}/app`, { method: 'POST' });
    expect(response.status).toBe(202);
    const next = await waitForSync(env, ns, 'app', readyAt(second));
    expect(next.status?.inventory?.entries.map((entry) => entry.id).sort()).toEqual([`${ns}_a__ConfigMap`, `${ns}_c__ConfigMap`]);
    expect((await live<{ data: Record<string, string> }>(env, cmPath(ns, 'a')))?.data).toEqual({ v: '2' });
    expect(await live(env, cmPath(ns, 'b'))).toBeUndefined();
    expect(await live(env, cmPath(ns, 'c'))).toBeDefined();
    expect(bVersion).toBeDefined();

    const events = await waitFor('events', async () => {
      const list = await env.client.events(ns, 'app');
      return list.some((event) => event.note.includes(`ConfigMap/${ns}/b deleted`)) && list;
    });
    expect(events.some((event) => event.note.includes(`ConfigMap/${ns}/c created`))).toBe(true);
    const metrics = await (await fetch(`${handle.url}/metrics`)).text();
    expect(metrics).toContain(`strata_sync_ready{namespace="${ns}",name="app"} 1`);
    expect(metrics).toMatch(new RegExp(`strata_objects_pruned_total\\{namespace="${ns}",name="app"\\} 1`));
    expect((await fetch(`${handle.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${handle.url}/readyz`)).status).toBe(200);

    // Deleting the Sync prunes what it applied (finalizer), then the Sync goes.
    expect(ready.metadata.finalizers ?? (await env.client.get(ns, 'app')).metadata.finalizers).toContain('strata.dev/finalizer');
    await env.client.delete(ns, 'app');
    await waitFor('Sync gone', async () => (await env.client.list(ns)).length === 0);
    expect(await live(env, cmPath(ns, 'a'))).toBeUndefined();
    expect(await live(env, cmPath(ns, 'c'))).toBeUndefined();
  });

  it('applies a CRD and its objects from one revision', async () => {
    const ns = await namespace(env, 'sync-crd');
    const { url, secret } = await repo(env, ns, 'crd');
    const group = `${ns}.example.com`;
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
      },
    };
    const widget = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w', namespace: ns }, spec: { size: 3 } };
    const sha = await env.git.push('crd', { files: { 'deploy/crd.yaml': JSON.stringify(crd), 'deploy/widget.yaml': JSON.stringify(widget) } });
    await agent(env, ns);
    await createSync(env, ns, 'crd', { url, secretRef: { name: secret }, path: 'deploy' });
    await waitForSync(env, ns, 'crd', readyAt(sha));
    expect(await live(env, `/apis/${group}/v1/namespaces/${ns}/widgets/w`)).toBeDefined();
  });

  it('follows a force-pushed branch and keeps the last good state while Git is down', async () => {
    const ns = await namespace(env, 'sync-force');
    const { url, secret } = await repo(env, ns, 'force');
    await env.git.push('force', { files: { 'x.yaml': configMap(ns, 'x', { v: '1' }) } });
    const second = await env.git.push('force', { files: { 'x.yaml': configMap(ns, 'x', { v: '2' }) } });
    const alerts: { sync: string; revision: string; reason: string; message: string; severity: string }[] = [];
    const receiver = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        alerts.push(JSON.parse(body));
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    const port = (receiver.address() as { port: number }).port;
    const handle = await agent(env, ns, { alerts: [{ url: `http://127.0.0.1:${port}/alert` }] });
    await createSync(env, ns, 'force', { url, secretRef: { name: secret }, retryInterval: '1s' });
    await waitForSync(env, ns, 'force', readyAt(second));
    const rewritten = await env.git.forcePush('force', { files: { 'x.yaml': configMap(ns, 'x', { v: 'rewritten' }) } });
    await env.client.requestReconcile(ns, 'force');
    await waitForSync(env, ns, 'force', readyAt(rewritten));
    expect((await live<{ data: Record<string, string> }>(env, cmPath(ns, 'x')))?.data).toEqual({ v: 'rewritten' });

    await env.git.stop();
    try {
      await env.client.requestReconcile(ns, 'force');
      const down = await waitForSync(env, ns, 'force', failedWith('ArtifactFailed'));
      const ready = findCondition(down.status, 'Ready');
      expect(ready?.message).toMatch(/fetch failed/);
      expect(ready?.message).not.toContain(env.git.credentials.password);
      expect(down.status?.lastAppliedRevision).toBe(`main@sha1:${rewritten}`);
      expect(down.status?.inventory?.entries).toHaveLength(1);
      expect(await live(env, cmPath(ns, 'x'))).toBeDefined();
    } finally {
      await env.git.start();
    }
    await waitForSync(env, ns, 'force', readyAt(rewritten), 20_000);
    expect(handle.source.stats.fetches).toBeGreaterThanOrEqual(2);
    // Alerts: one when it turned not-Ready (the outage), one when it recovered.
    await waitFor('alerts', async () => alerts.some((alert) => alert.severity === 'info'));
    receiver.close();
    const degraded = alerts.find((alert) => alert.severity === 'error');
    expect(degraded).toMatchObject({ sync: `${ns}/force`, reason: 'ArtifactFailed' });
    expect(degraded?.message).not.toContain(env.git.credentials.password);
    expect(alerts.find((alert) => alert.severity === 'info')).toMatchObject({ sync: `${ns}/force`, reason: 'ReconciliationSucceeded', revision: `main@sha1:${rewritten}` });
  });

  it('refuses malformed YAML and schema-invalid objects: nothing applied, nothing pruned', async () => {
    const ns = await namespace(env, 'sync-invalid');
    const { url, secret } = await repo(env, ns, 'invalid');
    const good = await env.git.push('invalid', { files: { 'a.yaml': configMap(ns, 'a'), 'b.yaml': configMap(ns, 'b') } });
    await agent(env, ns);
    await createSync(env, ns, 'inv', { url, secretRef: { name: secret } });
    await waitForSync(env, ns, 'inv', readyAt(good));

    const malformed = await env.git.push('invalid', { files: { 'a.yaml': configMap(ns, 'a', { v: 'changed' }), 'b.yaml': null, 'c.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c\n' } });
    await env.client.requestReconcile(ns, 'inv');
    const broken = await waitForSync(env, ns, 'inv', (sync) => failedWith('BuildFailed')(sync) && (sync.status?.lastAttemptedRevision ?? '').endsWith(malformed));
    expect(findCondition(broken.status, 'Ready')?.message).toMatch(/c\.yaml: invalid YAML/);
    expect(findCondition(broken.status, 'Stalled')?.status).toBe('True');
    expect((await live<{ data: Record<string, string> }>(env, cmPath(ns, 'a')))?.data).toEqual({ key: 'value' });
    expect(await live(env, cmPath(ns, 'b'))).toBeDefined();

    const invalid = await env.git.push('invalid', {
      files: {
        'c.yaml': null,
        'd.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd', namespace: ns }, data: { n: 1 } }),
        'svc.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: ns }, spec: { ports: [{ port: 'not-a-number' }] } }),
      },
    });
    await env.client.requestReconcile(ns, 'inv');
    const rejected = await waitForSync(env, ns, 'inv', (sync) => failedWith('ReconciliationFailed')(sync) && (sync.status?.lastAttemptedRevision ?? '').endsWith(invalid));
    expect(rejected.status?.lastAppliedRevision).toBe(`main@sha1:${good}`);
    expect(rejected.status?.inventory?.entries).toHaveLength(2);
    expect((await live<{ data: Record<string, string> }>(env, cmPath(ns, 'a')))?.data).toEqual({ key: 'value' });
    expect(await live(env, cmPath(ns, 'b'))).toBeDefined();
    expect(await live(env, cmPath(ns, 'd'))).toBeUndefined();
  });

  it('refuses an empty revision unless allowEmpty, and refuses SOPS ciphertext', async () => {
    const ns = await namespace(env, 'sync-empty');
    const { url, secret } = await repo(env, ns, 'empty');
    const good = await env.git.push('empty', { files: { 'deploy/a.yaml': configMap(ns, 'a'), 'README.md': 'hi' } });
    await agent(env, ns);
    await createSync(env, ns, 'e', { url, secretRef: { name: secret }, path: 'deploy' });
    await waitForSync(env, ns, 'e', readyAt(good));
    const empty = await env.git.push('empty', { files: { 'deploy/a.yaml': null, 'deploy/.keep': '' } });
    await env.client.requestReconcile(ns, 'e');
    const refused = await waitForSync(env, ns, 'e', (sync) => failedWith('ReconciliationFailed')(sync) && (sync.status?.lastAttemptedRevision ?? '').endsWith(empty));
    expect(findCondition(refused.status, 'Ready')?.message).toMatch(/no objects .* refusing to prune everything \(set spec.allowEmpty/);
    expect(await live(env, cmPath(ns, 'a'))).toBeDefined();

    await env.client.patchSpec(ns, 'e', { allowEmpty: true });
    await waitForSync(env, ns, 'e', readyAt(empty));
    expect(await live(env, cmPath(ns, 'a'))).toBeUndefined();

    const encrypted = { ...JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: ns }, data: { password: 'ENC[AES256_GCM,data:abc,type:str]' } })), sops: { mac: 'ENC[...]', version: '3.9.0' } };
    const sopsRev = await env.git.push('empty', { files: { 'deploy/s.yaml': JSON.stringify(encrypted) } });
    await env.client.requestReconcile(ns, 'e');
    const sops = await waitForSync(env, ns, 'e', (sync) => failedWith('BuildFailed')(sync) && (sync.status?.lastAttemptedRevision ?? '').endsWith(sopsRev));
    expect(findCondition(sops.status, 'Ready')?.message).toMatch(new RegExp(`Secret/${ns}/s: SOPS-encrypted, and spec.decryption is not set; refusing to apply ciphertext`));
    expect(await live(env, `/api/v1/namespaces/${ns}/secrets/s`)).toBeUndefined();
  });

  it('decrypts SOPS objects with age keys from spec.decryption.secretRef, never applying ciphertext', async () => {
    const ns = await namespace(env, 'sync-sops');
    const { url, secret } = await repo(env, ns, 'sops');
    const fixtures = path.join(import.meta.dirname, '../secrets/fixtures');
    // The fixture names namespace default and its MAC covers that: targetNamespace moves it after decryption.
    const sha = await env.git.push('sops', { files: { 'secret.yaml': readFileSync(path.join(fixtures, 'algorithms_age.yaml'), 'utf8') } });
    await env.client.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, {
      metadata: { name: 'sops-age' },
      stringData: { 'age.agekey': readFileSync(path.join(fixtures, 'keys_age.txt'), 'utf8') },
    });
    await agent(env, ns);
    await createSync(env, ns, 'enc', { url, secretRef: { name: secret }, targetNamespace: ns, decryption: { provider: 'sops', secretRef: { name: 'sops-age' } } });
    await waitForSync(env, ns, 'enc', readyAt(sha));
    const applied = await live<{ data: Record<string, string>; sops?: unknown }>(env, `/api/v1/namespaces/${ns}/secrets/age`);
    expect(Buffer.from(applied?.data.key ?? '', 'base64').toString('utf8')).toBe('value');
    expect(applied?.sops).toBeUndefined();
  });

  it('suspend stops reconciling, resume picks up the new revision', async () => {
    const ns = await namespace(env, 'sync-suspend');
    const { url, secret } = await repo(env, ns, 'susp');
    const first = await env.git.push('susp', { files: { 'a.yaml': configMap(ns, 'a', { v: '1' }) } });
    await agent(env, ns);
    await createSync(env, ns, 's', { url, secretRef: { name: secret } });
    await waitForSync(env, ns, 's', readyAt(first));
    await env.client.setSuspended(ns, 's', true);
    const second = await env.git.push('susp', { files: { 'a.yaml': configMap(ns, 'a', { v: '2' }) } });
    await env.client.requestReconcile(ns, 's');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await live<{ data: Record<string, string> }>(env, cmPath(ns, 'a')))?.data).toEqual({ v: '1' });
    await env.client.setSuspended(ns, 's', false);
    await waitForSync(env, ns, 's', readyAt(second));
    expect((await live<{ data: Record<string, string> }>(env, cmPath(ns, 'a')))?.data).toEqual({ v: '2' });
  });
});
