// Prune against the real kube-apiserver: reverse order, owner labels, prune: disabled, failures kept.
import { describe, expect, it } from 'vitest';
import { applyAllStaged } from '../../src/engine/apply.ts';
import { inventoryOf, staleOf, withInventoryEntries } from '../../src/engine/inventory.ts';
import { PruneError, pruneStale } from '../../src/engine/prune.ts';
import { actions, engineNamespace, manifestSet, OWNER } from './_engine.ts';

const engine = engineNamespace('engine-prune');

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
      engine.ns.name,
    );
    await applyAllStaged(engine.client, first, { ownerLabels: OWNER });
    const second = manifestSet(cm('kept'), engine.ns.name);
    await applyAllStaged(engine.client, second, { ownerLabels: OWNER });
    const stale = staleOf(inventoryOf(first), inventoryOf(second));
    const result = await pruneStale(engine.client, stale, { ownerLabels: OWNER });
    expect(result.entries.map((entry) => `${entry.subject} ${entry.action}`)).toEqual([
      `Service/${engine.ns.name}/gone deleted`,
      `ConfigMap/${engine.ns.name}/gone deleted`,
      `ServiceAccount/${engine.ns.name}/gone deleted`,
    ]);
    for (const ref of stale) expect(await engine.client.get(ref)).toBeUndefined();
    expect(await engine.client.get(second.entries[0]!.ref)).toBeDefined();
  });

  it('never deletes an object whose owner labels are gone or name another Sync, nor one annotated prune: disabled', async () => {
    const set = manifestSet([cm('relabelled'), cm('other-owner'), cm('protected', ', annotations: { strata.dev/prune: disabled }'), cm('missing')].join('\n---\n'), engine.ns.name);
    await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    const path = (name: string): string => `/api/v1/namespaces/${engine.ns.name}/configmaps/${name}`;
    const merge = { contentType: 'application/merge-patch+json' };
    await engine.client.request('PATCH', path('relabelled'), { metadata: { labels: { 'strata.dev/name': null } } }, merge);
    await engine.client.request('PATCH', path('other-owner'), { metadata: { labels: { 'strata.dev/name': 'someone-else' } } }, merge);
    await engine.client.request('DELETE', path('missing'));
    const result = await pruneStale(engine.client, staleOf(inventoryOf(set), []), { ownerLabels: OWNER });
    expect(actions(result)).toEqual({
      [`ConfigMap/${engine.ns.name}/relabelled`]: 'skipped',
      [`ConfigMap/${engine.ns.name}/other-owner`]: 'skipped',
      [`ConfigMap/${engine.ns.name}/protected`]: 'skipped',
      [`ConfigMap/${engine.ns.name}/missing`]: 'skipped',
    });
    expect(result.entries.find((entry) => entry.subject.endsWith('/protected'))?.message).toBe('prune disabled by annotation');
    expect(result.entries.find((entry) => entry.subject.endsWith('/missing'))?.message).toBe('already gone');
    for (const name of ['relabelled', 'other-owner', 'protected']) expect(await engine.client.request('GET', path(name))).toBeDefined();
  });

  it('reports a failed delete naming the object, and the object stays in the inventory', async () => {
    const set = manifestSet([cm('undeletable'), cm('deletable')].join('\n---\n'), engine.ns.name);
    await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    // bob may read ConfigMaps in this namespace but delete only `deletable`.
    const rbac = { contentType: 'application/json' };
    await engine.client.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${engine.ns.name}/roles`, {
      metadata: { name: 'bob-prune' },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['delete'], resourceNames: ['deletable'] },
      ],
    }, rbac);
    await engine.client.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${engine.ns.name}/rolebindings`, {
      metadata: { name: 'bob-prune' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'bob-prune' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
    }, rbac);
    const stale = staleOf(inventoryOf(set), []);
    const error = (await pruneStale(engine.client, stale, { ownerLabels: OWNER, impersonate: 'bob' }).catch((caught: unknown) => caught)) as PruneError;
    expect(error).toBeInstanceOf(PruneError);
    expect(error.errors.map((entry) => entry.message)).toEqual([expect.stringMatching(new RegExp(`^ConfigMap/${engine.ns.name}/undeletable: delete failed: .*forbidden`))]);
    expect(error.changeSet.entries.map((entry) => `${entry.subject} ${entry.action}`)).toEqual([`ConfigMap/${engine.ns.name}/deletable deleted`]);
    expect(withInventoryEntries([], error.failed).map((entry) => entry.id)).toEqual([`${engine.ns.name}_undeletable__ConfigMap`]);
  });

  it('refuses to prune without owner labels', async () => {
    await expect(pruneStale(engine.client, [], { ownerLabels: {} })).rejects.toThrow(/needs owner labels/);
  });
});
