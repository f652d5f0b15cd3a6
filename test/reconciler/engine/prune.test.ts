// Prune against the real kube-apiserver: reverse order, owner labels, prune: disabled, failures kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAllStaged } from '../../../src/reconciler/apply.ts';
import type { KubeClient } from '../../../src/reconciler/client.ts';
import { inventoryOf, staleOf, withInventoryEntries } from '../../../src/reconciler/inventory.ts';
import { PruneError, pruneStale } from '../../../src/reconciler/prune.ts';
import { createTestNamespace, type TestNamespace } from '../../cluster/namespace.ts';
import { testKubeConfig } from '../../cluster/context.ts';
import { OWNER, actions, engineClient, manifestSet } from './_engine.ts';

let client: KubeClient;
let ns: TestNamespace;

beforeAll(async () => {
  client = await engineClient();
  ns = await createTestNamespace(testKubeConfig(), 'engine-prune');
});
afterAll(async () => {
  await ns?.delete();
  client?.close();
});

const cm = (name: string, extra = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}, namespace: $NS${extra} }\ndata: { a: "1" }`;

describe('pruneStale', () => {
  it('deletes owned objects that left the set, in reverse kind order, and keeps the rest', async () => {
    const first = manifestSet(
      [
        cm('kept'),
        cm('gone'),
        `apiVersion: v1\nkind: Service\nmetadata: { name: gone, namespace: $NS }\nspec: { ports: [{ port: 80 }] }`,
        `apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: gone, namespace: $NS }`,
      ].join('\n---\n'),
      ns.name,
    );
    await applyAllStaged(client, first, { ownerLabels: OWNER });
    const second = manifestSet(cm('kept'), ns.name);
    await applyAllStaged(client, second, { ownerLabels: OWNER });
    const stale = staleOf(inventoryOf(first), inventoryOf(second));
    const result = await pruneStale(client, stale, { ownerLabels: OWNER });
    expect(result.entries.map((entry) => `${entry.subject} ${entry.action}`)).toEqual([
      `Service/${ns.name}/gone deleted`,
      `ConfigMap/${ns.name}/gone deleted`,
      `ServiceAccount/${ns.name}/gone deleted`,
    ]);
    for (const ref of stale) expect(await client.get(ref)).toBeUndefined();
    expect(await client.get(second.entries[0]!.ref)).toBeDefined();
  });

  it('never deletes an object whose owner labels are gone or name another Sync, nor one annotated prune: disabled', async () => {
    const set = manifestSet([cm('relabelled'), cm('other-owner'), cm('protected', ', annotations: { strata.dev/prune: disabled }'), cm('missing')].join('\n---\n'), ns.name);
    await applyAllStaged(client, set, { ownerLabels: OWNER });
    const path = (name: string): string => `/api/v1/namespaces/${ns.name}/configmaps/${name}`;
    const merge = { contentType: 'application/merge-patch+json' };
    await client.request('PATCH', path('relabelled'), { metadata: { labels: { 'strata.dev/name': null } } }, merge);
    await client.request('PATCH', path('other-owner'), { metadata: { labels: { 'strata.dev/name': 'someone-else' } } }, merge);
    await client.request('DELETE', path('missing'));
    const result = await pruneStale(client, staleOf(inventoryOf(set), []), { ownerLabels: OWNER });
    expect(actions(result)).toEqual({
      [`ConfigMap/${ns.name}/relabelled`]: 'skipped',
      [`ConfigMap/${ns.name}/other-owner`]: 'skipped',
      [`ConfigMap/${ns.name}/protected`]: 'skipped',
      [`ConfigMap/${ns.name}/missing`]: 'skipped',
    });
    expect(result.entries.find((entry) => entry.subject.endsWith('/protected'))?.message).toBe('prune disabled by annotation');
    expect(result.entries.find((entry) => entry.subject.endsWith('/missing'))?.message).toBe('already gone');
    for (const name of ['relabelled', 'other-owner', 'protected']) expect(await client.request('GET', path(name))).toBeDefined();
  });

  it('reports a failed delete naming the object, and the object stays in the inventory', async () => {
    const set = manifestSet([cm('undeletable'), cm('deletable')].join('\n---\n'), ns.name);
    await applyAllStaged(client, set, { ownerLabels: OWNER });
    // bob may read ConfigMaps in this namespace but delete only `deletable`.
    const rbac = { contentType: 'application/json' };
    await client.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns.name}/roles`, {
      metadata: { name: 'bob-prune' },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['delete'], resourceNames: ['deletable'] },
      ],
    }, rbac);
    await client.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns.name}/rolebindings`, {
      metadata: { name: 'bob-prune' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'bob-prune' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
    }, rbac);
    const stale = staleOf(inventoryOf(set), []);
    const error = (await pruneStale(client, stale, { ownerLabels: OWNER, impersonate: 'bob' }).catch((caught: unknown) => caught)) as PruneError;
    expect(error).toBeInstanceOf(PruneError);
    expect(error.errors.map((entry) => entry.message)).toEqual([expect.stringMatching(new RegExp(`^ConfigMap/${ns.name}/undeletable: delete failed: .*forbidden`))]);
    expect(error.changeSet.entries.map((entry) => `${entry.subject} ${entry.action}`)).toEqual([`ConfigMap/${ns.name}/deletable deleted`]);
    expect(withInventoryEntries([], error.failed).map((entry) => entry.id)).toEqual([`${ns.name}_undeletable__ConfigMap`]);
  });

  it('refuses to prune without owner labels', async () => {
    await expect(pruneStale(client, [], { ownerLabels: {} })).rejects.toThrow(/needs owner labels/);
  });
});
