import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ManifestSet } from '../../src/manifest/index.ts';
import { StrataAgent } from '../../src/constructs/agent.ts';
import { pushUrls } from '../../src/reconciler/agent.ts';
import { normalizeUrl } from '../../src/reconciler/controller.ts';
import { EncryptedObjectError, refuseEncrypted } from '../../src/reconciler/decrypt.ts';
import { inventoryTree } from '../../src/reconciler/inventory-tree.ts';
import type { Sync } from '../../src/reconciler/sync-types.ts';
import { withTargetNamespace } from '../../src/reconciler/target-namespace.ts';

const sync = (spec: Partial<Sync['spec']> = {}, status?: Sync['status']): Sync => ({
  apiVersion: 'strata.dev/v1alpha1',
  kind: 'Sync',
  metadata: { name: 'web', namespace: 'team' },
  spec: { url: 'https://git.example.com/a.git', ...spec },
  ...(status ? { status } : {}),
});

describe('webhook and URL matching', () => {
  it('finds repository URLs in push events of the common Git hosts', () => {
    expect(pushUrls(JSON.stringify({ repository: { clone_url: 'https://github.com/o/r.git', ssh_url: 'git@github.com:o/r.git' } }))).toEqual(['https://github.com/o/r.git', 'git@github.com:o/r.git']);
    expect(pushUrls(JSON.stringify({ project: { git_http_url: 'https://gitlab.com/o/r.git' } }))).toEqual(['https://gitlab.com/o/r.git']);
    expect(pushUrls(JSON.stringify({ url: 'https://x/r' }))).toEqual(['https://x/r']);
    expect(pushUrls('not json')).toEqual([]);
  });
  it('compares URLs without scheme, credentials, .git or case', () => {
    expect(normalizeUrl('https://user:tok@GitHub.com/o/r.git')).toBe(normalizeUrl('git@github.com:o/r'));
    expect(normalizeUrl('http://127.0.0.1:8080/r.git')).toBe('127.0.0.1:8080/r');
  });
});

describe('targetNamespace and decryption hook', () => {
  it('moves namespaced objects only, knowing cluster-scoped CRDs of the same set', () => {
    const set = ManifestSet.fromObjects([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'x' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' } },
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gs.e.com' }, spec: { group: 'e.com', scope: 'Cluster', names: { kind: 'G' } } },
      { apiVersion: 'e.com/v1', kind: 'G', metadata: { name: 'g' } },
    ]);
    const moved = withTargetNamespace(set, 'tenant');
    expect(moved.entries.map((entry) => `${entry.ref.kind}:${entry.ref.namespace}`).sort()).toEqual(['ClusterRole:', 'ConfigMap:tenant', 'CustomResourceDefinition:', 'G:']);
  });
  it('refuses SOPS-encrypted objects by default, naming each', async () => {
    const set = ManifestSet.fromObjects([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' }, sops: { version: '3.9.0' } }]);
    await expect(refuseEncrypted(set, sync())).rejects.toThrow(EncryptedObjectError);
    await expect(refuseEncrypted(set, sync({ decryption: { provider: 'sops', secretRef: { name: 'k' } } }))).rejects.toThrow(/Secret\/n\/s: SOPS-encrypted, spec.decryption is set but this agent has no sops decrypter installed/);
    const plain = ManifestSet.fromObjects([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } }]);
    expect(await refuseEncrypted(plain, sync())).toBe(plain);
  });
});

describe('strata tree', () => {
  it('groups the inventory by namespace', () => {
    const text = inventoryTree(
      sync({}, { lastAppliedRevision: 'main@sha1:abc', inventory: { entries: [{ id: 'team_web_apps_Deployment', v: 'apps/v1' }, { id: '_team__Namespace', v: 'v1' }, { id: 'team_web__Service', v: 'v1' }] } }),
    );
    expect(text).toBe(['Sync/team/web (main@sha1:abc)', '├── (cluster)', '│   └── Namespace/team', '└── Namespace/team', '    ├── Deployment.apps/web', '    └── Service/web', ''].join('\n'));
  });
});

describe('StrataAgent construct', () => {
  it('renders the CRDs, namespace, least-privilege RBAC and a two-replica Deployment', () => {
    const app = Testing.app();
    const chart = new Chart(app as App, 'agent');
    new StrataAgent(chart, 'strata', { image: 'strata-agent:1' });
    const objects = Testing.synth(chart) as { kind: string; metadata: { name: string }; rules?: { verbs: string[]; resources: string[] }[]; spec?: { replicas?: number } }[];
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toMatchSnapshot();
    const role = objects.find((object) => object.kind === 'ClusterRole');
    const writes = (role?.rules ?? []).filter((rule) => rule.verbs.some((verb) => !['get', 'list', 'watch'].includes(verb)));
    expect(writes.flatMap((rule) => rule.resources).sort()).toEqual(['events', 'events', 'imageupdates/status', 'serviceaccounts', 'syncs', 'syncs/status']);
    // ImageUpdates are read and watched; only their status is written.
    expect(role?.rules?.find((rule) => rule.resources.includes('imageupdates'))?.verbs).toEqual(['get', 'list', 'watch']);
    expect(objects.find((object) => object.kind === 'Deployment')?.spec?.replicas).toBe(2);
  });
});
