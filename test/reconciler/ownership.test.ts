// One object, one Sync, one identity (issue 19, item 1), against the real kube-apiserver with an
// in-process agent: what the drift watch vouches for another Sync is no oracle for a tenant (its
// apply goes to the API server as the tenant, and RBAC answers), another Sync's object is refused
// by name, and deleting a Sync whose identity lost its rights does not hang.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { agent, configMap, createSync, failedWith, findCondition, live, namespace, readyAt, repo, setupEnv, waitFor, waitForSync, type Env } from './_harness.ts';

let env: Env;
beforeAll(async () => {
  env = await setupEnv();
});
afterAll(async () => {
  await env?.dispose();
});

const secret = (ns: string, password: string): string =>
  stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'good', namespace: ns }, type: 'Opaque', data: { password: Buffer.from(password).toString('base64') } });

/** ServiceAccount `deployer`, with every right on ConfigMaps and Secrets in `ns` only. */
async function tenant(ns: string): Promise<void> {
  await env.client.api.request('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'deployer' } });
  await env.client.api.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
    metadata: { name: 'deployer' },
    rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['*'] }],
  });
  await env.client.api.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
    metadata: { name: 'deployer' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' },
    subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns }],
  });
}

describe('ownership and identity', { timeout: 120_000 }, () => {
  it('a tenant guessing another Sync’s Secret gets forbidden, not Ready; another Sync’s object is refused by name', async () => {
    const ns = await namespace(env, 'own-tenant');
    const other = await namespace(env, 'own-t2');
    await tenant(ns);
    const { url, secret: auth } = await repo(env, ns, 'own');
    const sha = await env.git.push('own', { files: { 'sec/good.yaml': secret(other, 'hunter2'), 'guess/good.yaml': secret(other, 'hunter2') } });
    await agent(env, ns);
    await createSync(env, ns, 'sec', { url, secretRef: { name: auth }, path: 'sec' });
    await waitForSync(env, ns, 'sec', readyAt(sha));
    // Give the drift watch time to vouch for the Secret (as `sec` applied it).
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    await createSync(env, ns, 'guess', { url, secretRef: { name: auth }, path: 'guess', serviceAccountName: 'deployer' });
    const guessed = await waitForSync(env, ns, 'guess', failedWith('ReconciliationFailed'));
    expect(findCondition(guessed.status, 'Ready')?.message).toMatch(new RegExp(`Secret/${other}/good: .*forbidden.*system:serviceaccount:${ns}:deployer`));
    expect(guessed.status?.inventory?.entries ?? []).toEqual([]);

    // The agent's own identity may write there, but the object is `sec`'s.
    await createSync(env, ns, 'thief', { url, secretRef: { name: auth }, path: 'guess' });
    const refused = await waitForSync(env, ns, 'thief', failedWith('ReconciliationFailed'));
    expect(findCondition(refused.status, 'Ready')?.message).toContain(`Secret/${other}/good: already owned by Sync ${ns}/sec`);
    const kept = await live<{ metadata: { labels: Record<string, string> } }>(env, `/api/v1/namespaces/${other}/secrets/good`);
    expect(kept?.metadata.labels['strata.dev/name']).toBe('sec');

    // Deleting the refused Syncs does not hang: their inventories hold nothing of `sec`.
    await env.client.delete(ns, 'guess');
    await env.client.delete(ns, 'thief');
    await waitFor('the refused Syncs gone', async () => (await env.client.list(ns)).every((sync) => sync.metadata.name === 'sec'), 15_000);
    expect(await live(env, `/api/v1/namespaces/${other}/secrets/good`)).toBeDefined();
  });

  it('deleting a Sync whose identity may no longer delete its objects leaves them, says so, and does not hang', async () => {
    const ns = await namespace(env, 'own-revoked');
    await tenant(ns);
    const { url, secret: auth } = await repo(env, ns, 'revoked');
    const sha = await env.git.push('revoked', { files: { 'cm.yaml': configMap(ns, 'kept') } });
    await agent(env, ns);
    await createSync(env, ns, 'revoked', { url, secretRef: { name: auth }, serviceAccountName: 'deployer' });
    await waitForSync(env, ns, 'revoked', readyAt(sha));
    await env.client.api.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/deployer`);
    await env.client.delete(ns, 'revoked');
    await waitFor('the Sync gone', async () => (await env.client.list(ns)).length === 0, 20_000);
    expect(await live(env, `/api/v1/namespaces/${ns}/configmaps/kept`)).toBeDefined();
    const events = await env.client.api.request<{ items: { reason: string; message: string }[] }>('GET', `/api/v1/namespaces/${ns}/events`);
    expect(events.items.map((event) => event.message).join('\n')).toContain(`may not delete: ConfigMap/${ns}/kept`);
  });
});
